"""What a route needs, as FastAPI dependencies: the app's state, a session, the visit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.callers import CallerCache
from app.config import Settings
from app.event_writer import EventWriter
from app.i18n import Gettext, gettext_for
from app.media import Media
from app.models import Campaign, Debtor
from app.payments.base import PaymentProvider
from app.scenes import LoadedScene, SceneBook
from app.tokens import looks_like_token, token_hash
from app.verification import cookie_name, is_verified
from app.web.params import DbId


@dataclass
class AppState:
    settings: Settings
    sessions: sessionmaker[Session]
    scenes: SceneBook
    media: Media
    templates: Jinja2Templates
    payments: PaymentProvider
    events: EventWriter
    callers: CallerCache


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.vidpay
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """The request's session: committed when the route returns and before the answer is sent
    (``scope="function"``), so a page that says "saved" is only sent for what is stored;
    rolled back when the route raises."""
    with state.sessions() as session:
        yield session
        session.commit()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def form_fields(request: Request) -> dict[str, str]:
    """A posted form's fields (each cut at 4,000 characters), read from the body here so the
    route itself can be a plain ``def`` that runs in a thread, off the event loop."""
    form = await request.form()
    return {key: str(value)[:4000] for key, value in form.items()}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


@dataclass
class Visit:
    """A debtor opening their link: who, which video, in which language."""

    debtor: Debtor
    loaded: LoadedScene
    language: str
    verify: str | None = None  # what the campaign asks the debtor for, if anything

    @property
    def _(self) -> Gettext:
        return gettext_for(self.language)


def find_visit(token: str, request: Request, session: SessionDep, state: StateDep) -> Visit:
    """The debtor behind a link, verified or not; anything else is a plain 404 that reveals
    nothing. Only the verification form uses this; every other page uses ``get_visit``."""
    debtor = None
    if looks_like_token(token):
        debtor = session.scalar(select(Debtor).where(Debtor.token_hash == token_hash(token)))
    if debtor is None:
        raise HTTPException(status_code=404)
    campaign = session.get(Campaign, debtor.campaign_id)
    if campaign is None or campaign.purged_at is not None:
        raise HTTPException(status_code=404)
    loaded = state.scenes.get(debtor.scene_id)
    offered = loaded.scene.languages
    wanted = request.query_params.get("lang")
    language = next((lang for lang in (wanted, debtor.language) if lang in offered), offered[0])
    if campaign.links_ended(datetime.now(UTC)):
        raise LinkExpiredError(Visit(debtor, loaded, language))
    return Visit(debtor, loaded, language, campaign.verify)


def get_visit(token: str, request: Request, session: SessionDep, state: StateDep) -> Visit:
    """The debtor behind a link, who has verified themselves when the campaign asks for it."""
    visit = find_visit(token, request, session, state)
    if visit.verify is not None:
        cookie = request.cookies.get(cookie_name(visit.debtor.id))
        if not is_verified(state.settings.key, visit.debtor.id, cookie):
            raise VerificationRequiredError(visit)
    return visit


class VerificationRequiredError(Exception):
    """The campaign asks debtors to verify themselves first: the page asks for the answer."""

    def __init__(self, visit: Visit) -> None:
        super().__init__("verification required")
        self.visit = visit


class LinkExpiredError(Exception):
    """The campaign's links have ended: the debtor gets a friendly page with the phone number."""

    def __init__(self, visit: Visit) -> None:
        super().__init__("link expired")
        self.visit = visit


def campaign_or_404(campaign_id: DbId, session: SessionDep) -> Campaign:
    """The campaign of the path, or the one 404 for every page and API that names one. Put it
    after the user or key a route asks for, so that a stranger learns nothing of which exist."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise HTTPException(status_code=404, detail="no such campaign")
    return campaign


CampaignDep = Annotated[Campaign, Depends(campaign_or_404)]
VisitDep = Annotated[Visit, Depends(get_visit)]
UnverifiedVisitDep = Annotated[Visit, Depends(find_visit)]
