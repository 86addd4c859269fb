"""The debtor's pages: the video player, its manifest, and the text-only version."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.case import Case, case_of
from app.deps import AppState, SessionDep, StateDep, Visit, VisitDep
from app.events import EventIn, InvalidEventError, check_event, record
from app.i18n import gettext_for, language_name
from app.locks import debtor_locked
from app.media import debtor_values
from app.selfservice import offered_choices
from app.web.debtor_route import DebtorRoute
from app.web.urls import agreed_url
from render.texts import node_texts

router = APIRouter(route_class=DebtorRoute)


def N_(text: str) -> str:  # noqa: N802  (gettext's name for "mark for translation, translate later")
    return text


# Interface strings the player's script shows; translated per language in the manifest.
PLAYER_STRINGS = (
    N_("Play"), N_("Pause"), N_("Replay"), N_("Captions on"), N_("Captions off"), N_("Language"),
    N_("Talk to a person"), N_("Text version"), N_("Choose an option"), N_("Loading…"),
    N_("The video could not be loaded. Use the text version or call us."),
)  # fmt: skip


def links(visit: Visit, token: str) -> dict[str, str]:
    query = f"?lang={visit.language}"
    return {
        "player": f"/v/{token}{query}",
        "text": f"/v/{token}/text{query}",
        "manifest": f"/v/{token}/manifest/{{lang}}.json",
        "events": f"/api/v1/sessions/{token}/events",
    }


def page_context(request: Request, visit: Visit, token: str, **extra: Any) -> dict[str, Any]:
    """What every debtor page shows: language, contact, the ways to a person and to the text."""
    scene = visit.loaded.scene
    say = visit.loaded.say(visit.language, {})
    return {
        "request": request,
        "_": gettext_for(visit.language),
        "lang": visit.language,
        "languages": [(code, language_name(code)) for code in scene.languages],
        "phone": scene.contact.phone,
        "hours": say("{hours}") if scene.contact.hours else None,
        "links": links(visit, token),
        "token": token,
        **extra,
    }


@router.get("/v/{token}", response_class=HTMLResponse)
def player_page(
    request: Request,
    token: str,
    visit: VisitDep,
    state: StateDep,
    session: SessionDep,
    node: str | None = None,
) -> Response:
    """The video, starting at ``node`` when the debtor comes back from a step."""
    scene = visit.loaded.scene
    start = node if node in scene.nodes else scene.start
    config = {
        "language": visit.language,
        "languages": [{"code": c, "name": language_name(c)} for c in scene.languages],
        "start": start,
        **links(visit, token),
    }
    context = page_context(
        request, visit, token, config=config, title=visit._("Your video"), node=start,
        agreed_link=_agreed_link(_case(session, state, visit), visit, token, "video"),
    )  # fmt: skip
    return state.templates.TemplateResponse(request, "player.html", context)


def _case(session: Session, state: AppState, visit: Visit) -> Case:
    return case_of(session, visit.debtor, state.settings.today())


def _agreed_link(case: Case, visit: Visit, token: str, mode: str) -> str | None:
    """Where the debtor finds what they agreed again, when they agreed something."""
    if case.plan is None and case.promise is None:
        return None
    return agreed_url(token, visit.language, mode=mode)


@router.get("/v/{token}/manifest/{language}.json")
def manifest(
    token: str, language: str, visit: VisitDep, state: StateDep, session: SessionDep
) -> JSONResponse:
    """Every node for this debtor in ``language``: segments, captions, choices, steps; the
    choices the debtor's case no longer allows are left out (paid: no "pay")."""
    scene = visit.loaded.scene
    if language not in scene.languages:
        raise HTTPException(status_code=404)
    case = _case(session, state, visit)
    session.commit()  # no transaction stays open while the debtor's segments may render
    raw = state.media.manifest(visit.loaded, visit.debtor, language)
    built = player_manifest(raw, visit, token, language, case)
    return JSONResponse(built, headers={"Cache-Control": "no-store"})


def player_manifest(
    raw: dict[str, Any], visit: Visit, token: str, language: str, case: Case
) -> dict[str, Any]:
    scene = visit.loaded.scene
    say = visit.loaded.say(language, debtor_values(visit.loaded, visit.debtor))
    nodes = {}
    for node_id, node in raw["nodes"].items():
        choices = offered_choices(scene, node_id, visit.debtor.amount_cents, case.refusal)
        offered = {c.goto for c in choices}
        step = scene.nodes[node_id].action
        nodes[node_id] = {
            "video": f"/media/{node['video']}",
            "captions": f"/media/{node['captions']}",
            "poster": f"/media/{node['poster']}",
            "duration": node["duration"],
            "next": node["next"],
            "step": f"/v/{token}/step/{node_id}?lang={language}" if step else None,
            "choices": [
                {
                    "label": c["label"],
                    "icon": f"/static/icons/{c['icon']}.svg" if c["icon"] else None,
                    "goto": c["goto"],
                }
                for c in node["choices"]
                if c["goto"] in offered
            ],
            "texts": [
                say(t.text) for t in node_texts(node_id, scene.nodes[node_id]) if t.loc[-1] == "say"
            ],
        }
    _ = gettext_for(language)
    return {
        "language": language,
        "start": scene.start,
        "nodes": nodes,
        "strings": {text: _(text) for text in PLAYER_STRINGS},
    }


@router.get("/v/{token}/text", response_class=HTMLResponse)
def text_page(
    request: Request,
    token: str,
    visit: VisitDep,
    state: StateDep,
    session: SessionDep,
    node: str | None = None,
) -> Response:
    """The same video as plain text and buttons; works without JavaScript."""
    scene = visit.loaded.scene
    case = _case(session, state, visit)
    current = node if node in scene.nodes else scene.start
    say = visit.loaded.say(visit.language, debtor_values(visit.loaded, visit.debtor))
    body = scene.nodes[current]
    context = page_context(
        request,
        visit,
        token,
        title=visit._("Your message"),
        node=current,
        paragraphs=_paragraphs(visit, current, say),
        choices=[
            (c.goto, say(c.label))
            for c in offered_choices(scene, current, visit.debtor.amount_cents, case.refusal)
        ],
        next=body.next if body.action is None else None,
        step=f"/v/{token}/step/{current}?lang={visit.language}&mode=text" if body.action else None,
        agreed_link=_agreed_link(case, visit, token, "text"),
    )
    return state.templates.TemplateResponse(request, "text.html", context)


def _paragraphs(visit: Visit, node_id: str, say: Any) -> list[dict[str, Any]]:
    """A node's shots as text: what is said, and a figure or list that is shown with it."""
    shots = []
    for shot in visit.loaded.scene.nodes[node_id].shots:
        show = shot.show
        shots.append(
            {
                "say": say(shot.say) if shot.say else None,
                "card": say(show.card) if show and show.card else None,
                "bullets": [say(b) for b in show.bullets or []] if show else [],
            }
        )
    return [s for s in shots if s["say"] or s["card"] or s["bullets"]]


@router.post("/v/{token}/text")
def text_choice(
    token: str,
    visit: VisitDep,
    session: SessionDep,
    node: str = Form(max_length=64),
    target: str = Form(max_length=64),
) -> Response:
    """A button in the text version: record the choice, then show where it leads."""
    event = EventIn(
        id=str(uuid.uuid4()),
        type="choice",
        node=node,
        language=visit.language,
        data={"target": target},
    )
    try:
        check_event(visit.loaded.scene, visit.debtor.amount_cents, event)
    except InvalidEventError as exc:
        raise HTTPException(
            status_code=422, detail=visit._("That choice is not available here.")
        ) from exc
    with debtor_locked(session, visit.debtor.id) as debtor:  # stored before the answer
        record(session, debtor, event)
    return RedirectResponse(f"/v/{token}/text?lang={visit.language}&node={target}", status_code=303)
