"""Sending a campaign's links from its page, and what the messages say before they go.

The page asks ``app.outreach.outbox.schedule_links``, as ``vidpay campaign send`` does: a
preview counts and writes nothing, a send queues one message per debtor and channel (asking
again queues none: the outbox's keys), and the sender thread sends them. Every answer says per
channel how many, who is skipped and why, and when they go, because the contact rules may move
a send asked for on a Sunday or at night to the next allowed morning.

The message preview shows a link message as a debtor gets it, in each of the scene's
languages, with an example link: a real debtor's token never appears on an admin page. The
e-mail's HTML part is shown in a sandboxed ``<iframe srcdoc>``; it inherits the page's CSP, so
the page allows exactly its inline styles by hash (``'unsafe-hashes'``), and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.deps import AppState, CampaignDep, SessionDep, StateDep
from app.i18n import language_name, money
from app.models import Campaign, Debtor, Message, Variant
from app.models.base import as_utc
from app.outreach.email import qr_png
from app.outreach.outbox import CHANNELS, schedule_links
from app.outreach.plans import CHANNEL_NAMES, channel_line, moment, when_sentence
from app.outreach.rules import ContactRules
from app.outreach.sms import encoding
from app.outreach.texts import QR_CID, Addressee, link_letter, link_sms
from app.outreach.worker import contact_rules
from app.web.admin_access import AdminRoute, CurrentUser, OperatorUser, check_csrf
from app.web.admin_page import admin_page
from app.web.urls import link_url, unsubscribe_url
from render.content import SceneNotFoundError
from render.problems import ContentError

router = APIRouter(prefix="/admin", route_class=AdminRoute, dependencies=[Depends(check_csrf)])

STATUSES = ("scheduled", "sending", "sent", "delivered", "bounced", "failed", "cancelled")
FLASH = "vidpay.send"  # the session key of what the last send said, shown once on the page
EXAMPLE_TOKEN = "EXAMPLE"  # the previews' link: never a real debtor's
SAMPLE_NAME, SAMPLE_CENTS = "Sanne de Vries", 14820  # when no debtor has the language
LATE = timedelta(minutes=1)  # a moment this far in the past is a mistake, not "now"


# --- the section on the campaign page ---------------------------------------------------------


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    name: str
    counts: dict[str, int]
    next_at: datetime | None  # the earliest scheduled message, UTC
    next_text: str  # the same in the creditor's time zone, in words


@dataclass(frozen=True)
class SendSection:
    """What the campaign page's "Send the links" section shows."""

    rows: list[ChannelRow]
    statuses: tuple[str, ...]
    channel_names: dict[str, str]
    flash: dict[str, Any] | None  # what the last send or preview said, once
    smtp: bool  # e-mail is set up
    sms_to_files: bool  # SMS go to the file provider, not to phones
    timezone: str
    rules: ContactRules
    total: int  # messages of the campaign, every channel and status


def send_section(
    request: Request, state: AppState, session: Session, campaign_id: int
) -> SendSection:
    """The section's data: the campaign's messages per channel and status, the next moment one
    is scheduled for, and what the last send said (taken from the session, so shown once)."""
    settings = state.settings
    counts: dict[str, dict[str, int]] = {c: dict.fromkeys(STATUSES, 0) for c in CHANNELS}
    query = (
        select(Message.channel, Message.status, func.count())
        .where(Message.campaign_id == campaign_id)
        .group_by(Message.channel, Message.status)
    )
    for channel, status, count in session.execute(query):
        counts.setdefault(channel, dict.fromkeys(STATUSES, 0))[status] = int(count)
    next_query = (
        select(Message.channel, func.min(Message.send_at))
        .where(Message.campaign_id == campaign_id, Message.status == "scheduled")
        .group_by(Message.channel)
    )
    next_at = {channel: as_utc(at) for channel, at in session.execute(next_query) if at}
    zone = ZoneInfo(settings.timezone)
    rows = [
        ChannelRow(
            channel=channel,
            name=CHANNEL_NAMES.get(channel, channel),
            counts=by_status,
            next_at=next_at.get(channel),
            next_text=moment(next_at[channel], zone) if channel in next_at else "",
        )
        for channel, by_status in counts.items()
    ]
    flash = request.session.get(FLASH)
    if isinstance(flash, dict) and flash.get("campaign") == campaign_id:
        request.session.pop(FLASH)
    else:
        flash = None
    return SendSection(
        rows=rows, statuses=STATUSES, channel_names=CHANNEL_NAMES, flash=flash,
        smtp=bool(settings.smtp_url), sms_to_files=settings.sms_provider == "file",
        timezone=settings.timezone, rules=contact_rules(settings),
        total=sum(sum(row.counts.values()) for row in rows),
    )  # fmt: skip


# --- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """The send form as posted: the channels ticked, when (local, may be empty), preview."""

    channels: list[str]
    at: str
    dry_run: bool


async def send_form(request: Request) -> Asked:
    """The form read here, off the thread pool: checkboxes give one ``channel`` field each."""
    form = await request.form()
    given = {str(value) for value in form.getlist("channel")}
    return Asked(
        channels=[channel for channel in CHANNELS if channel in given],
        at=str(form.get("at") or "").strip()[:40],
        dry_run=form.get("dry_run") == "1",
    )


@router.post("/campaigns/{campaign_id}/send")
def send_links(
    request: Request,
    user: OperatorUser,
    campaign: CampaignDep,
    state: StateDep,
    session: SessionDep,
    asked: Annotated[Asked, Depends(send_form)],
) -> Response:
    """Queue (or, for a preview, count) the campaign's links; committed before the answer, a
    redirect to the campaign page, which says what happened once."""
    campaign_id = campaign.id
    if campaign.purged_at is not None:
        raise HTTPException(
            status_code=409,
            detail="The campaign's personal data was removed: its links can no longer be sent.",
        )
    settings = state.settings
    now = datetime.now(UTC)
    at, errors = check_send(asked, campaign, settings, now)
    flash: dict[str, Any] = {"campaign": campaign_id, "channels": asked.channels, "at": asked.at}
    if errors:
        flash["errors"] = errors
    else:
        rules = contact_rules(settings)
        plan = schedule_links(
            session, campaign_id, channels=asked.channels, at=at, rules=rules,
            dry_run=asked.dry_run,
        )  # fmt: skip
        if asked.dry_run:
            session.rollback()  # a preview leaves nothing behind
        else:
            session.commit()
        lines = [channel_line(plan, c, dry_run=asked.dry_run) for c in asked.channels]
        when = when_sentence(plan, rules, later=at > now, dry_run=asked.dry_run)
        flash |= {"dry_run": asked.dry_run, "lines": lines, "when": when}
    request.session[FLASH] = flash
    return RedirectResponse(f"/admin/campaigns/{campaign_id}#send-title", status_code=303)


def check_send(
    asked: Asked, campaign: Campaign, settings: Settings, now: datetime
) -> tuple[datetime, list[str]]:
    """The moment asked for (UTC; ``now`` when none) and what is wrong with the form."""
    errors: list[str] = []
    if not asked.channels:
        errors.append("Choose how to send the links: by e-mail, by SMS or both.")
    if "email" in asked.channels and not settings.smtp_url:
        errors.append(
            "E-mail is not set up: VIDPAY_SMTP_URL is not set. Set it and VIDPAY_MAIL_FROM and "
            "restart the server, or send by SMS only."
        )
    at = now
    if asked.at:
        try:
            local = datetime.fromisoformat(asked.at)
        except ValueError:
            local = None
        if local is None or local.tzinfo is not None:
            errors.append("“When” is not a date and time: write it as 2026-12-07 09:30.")
        elif local.replace(tzinfo=ZoneInfo(settings.timezone)) < now - LATE:
            errors.append("That moment has passed: leave “When” empty to send now.")
        else:
            at = max(now, local.replace(tzinfo=ZoneInfo(settings.timezone)).astimezone(UTC))
    ends = as_utc(campaign.expires_at) if campaign.expires_at else None
    if ends is not None and ends <= at:
        zone = ZoneInfo(settings.timezone)
        errors.append(f"The campaign's links end on {moment(ends, zone)}: nothing would go.")
    return at, errors


# --- the message preview -----------------------------------------------------------------------


@router.get("/campaigns/{campaign_id}/messages/preview", response_class=HTMLResponse)
def message_preview(
    request: Request,
    user: CurrentUser,
    campaign: CampaignDep,
    state: StateDep,
    session: SessionDep,
    language: Annotated[str, Query(max_length=16)] = "",
    channel: Literal["email", "sms"] = "email",
) -> Response:
    """The link message in one of the scene's languages, with an example link: built from the
    campaign's first debtor in that language (operators only: designers see sample values)."""
    if campaign.purged_at is not None:
        raise HTTPException(status_code=404)
    campaign_id = campaign.id
    languages = scene_languages(state, session, campaign)
    chosen = language if language in languages else languages[0]
    debtor = _first_debtor(session, campaign_id, chosen) if user.role == "operator" else None
    to = _addressee(state.settings, chosen, channel, debtor)
    context: dict[str, Any] = {"subject": "", "text": "", "html": "", "sms": None}
    if channel == "email":
        letter = link_letter(to)
        html = letter.html.replace(f"cid:{QR_CID}", _qr_data(to.link))
        context |= {"subject": letter.subject, "text": letter.text, "html": html}
    else:
        text = link_sms(to)
        context |= {"text": text, "sms": encoding(text)}
    response = admin_page(
        request, state, "message_preview.html", title=f"The message – {campaign.name}",
        user=user, campaign=campaign, languages=[(c, language_name(c)) for c in languages],
        language=chosen, channel=channel, channel_names=CHANNEL_NAMES, debtor=debtor,
        to=to, amount=money(to.amount_cents or 0, "en"), **context,
    )  # fmt: skip
    if context["html"]:
        csp = response.headers["Content-Security-Policy"]
        response.headers["Content-Security-Policy"] = with_style_hashes(csp, context["html"])
    return response


def scene_languages(state: AppState, session: Session, campaign: Campaign) -> list[str]:
    """The languages the campaign's scenes offer, the first scene's order first; the debtors'
    own languages when no scene can be read (a file gone or broken)."""
    scene_ids = list(
        session.scalars(
            select(Variant.scene_id).where(Variant.campaign_id == campaign.id).order_by(Variant.id)
        )
    )
    found: list[str] = []
    for scene_id in [campaign.scene_id, *scene_ids]:
        try:
            offered = state.scenes.get(scene_id).scene.languages
        except (SceneNotFoundError, ContentError, OSError):
            continue
        found += [code for code in offered if code not in found]
    if not found:
        query = select(Debtor.language).where(Debtor.campaign_id == campaign.id).distinct()
        found = sorted(session.scalars(query)) or ["en"]
    return found


def _first_debtor(session: Session, campaign_id: int, language: str) -> Debtor | None:
    query = (
        select(Debtor)
        .where(Debtor.campaign_id == campaign_id, Debtor.language == language)
        .order_by(Debtor.id)
        .limit(1)
    )
    return session.scalars(query).first()


def _addressee(settings: Settings, language: str, channel: str, debtor: Debtor | None) -> Addressee:
    base = settings.base_url.rstrip("/")
    return Addressee(
        name=debtor.name if debtor is not None else SAMPLE_NAME,
        language=language,
        amount_cents=debtor.amount_cents if debtor is not None else SAMPLE_CENTS,
        link=link_url(base, EXAMPLE_TOKEN),
        unsubscribe=base + unsubscribe_url(EXAMPLE_TOKEN, channel),
        creditor=settings.creditor_name,
    )


def _qr_data(link: str) -> str:
    """The QR code the e-mail carries as a related image, inline for the preview."""
    return "data:image/png;base64," + base64.b64encode(qr_png(link)).decode("ascii")


class _Styles(HTMLParser):
    """The values of every ``style`` attribute, as the browser reads them (entities decoded)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.update(value for name, value in attrs if name == "style" and value)


def with_style_hashes(csp: str, html: str) -> str:
    """The page's CSP with the inline styles of ``html`` allowed by their hashes: a srcdoc
    frame inherits the page's policy, and the e-mail's styles are all inline."""
    parser = _Styles()
    parser.feed(html)
    parser.close()
    hashes = " ".join(f"'sha256-{_digest(style)}'" for style in sorted(parser.found))
    if not hashes:
        return csp
    return csp.replace("style-src 'self'", f"style-src 'self' 'unsafe-hashes' {hashes}", 1)


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
