"""The debtor's pages: the video player, its manifest, and the text-only version."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.brand import visit_brand
from app.case import Case, case_of
from app.deps import AppState, SessionDep, StateDep, Visit, VisitDep
from app.events import EventIn, InvalidEventError, check_event, record
from app.i18n import gettext_for, language_name
from app.locks import debtor_locked
from app.media import copy_tag, personal_values
from app.selfservice import offered_choices
from app.web.debtor_route import DebtorRoute
from app.web.urls import (
    agreed_url,
    events_url,
    manifest_template,
    node_url,
    personal_video_url,
    player_url,
    real_url,
    step_url,
    text_url,
    track_url,
)
from render.layout import HEIGHT, WIDTH
from render.scene import Node, Scene
from render.texts import node_texts

router = APIRouter(route_class=DebtorRoute)


def N_(text: str) -> str:  # noqa: N802  (gettext's name for "mark for translation, translate later")
    return text


# Interface strings the player's script shows, and the page's own words it puts in the new
# language after a switch (``data-i18n`` in the templates); translated per language in the
# manifest.
PLAYER_STRINGS = (
    N_("Play"), N_("Pause"), N_("Replay"), N_("Captions on"), N_("Captions off"), N_("Language"),
    N_("Talk to a person"), N_("Text version"), N_("Choose an option"), N_("Loading…"),
    N_("The video could not be loaded. Use the text version or call us."),
    N_("Skip to the content"), N_("Your video"), N_("What we agreed"), N_("Is this message real?"),
    N_("{creditor}: your payment"),  # the page title
)  # fmt: skip
AVAILABLE = N_("We are available {hours}.")  # the footer, with the hours said in the language


def links(visit: Visit, token: str) -> dict[str, str]:
    return {
        "player": player_url(token, visit.language),
        "text": text_url(token, visit.language),
        "manifest": manifest_template(token),
        "events": events_url(token),
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
        "brand": visit_brand(request, visit),  # the creditor's name and logo in the header
        "real_link": real_url(token, visit.language),  # "Is this message real?"
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
    """The video, starting at ``node`` when the debtor comes back from a step, else where
    their case stands (the scene's ``entry``)."""
    scene = visit.loaded.scene
    case = _case(session, state, visit)
    start = node if node in scene.nodes else scene.entry_for(case.status)
    config = {
        "language": visit.language,
        "languages": [{"code": c, "name": language_name(c)} for c in scene.languages],
        "start": start,
        "creditor": visit_brand(request, visit).name,  # for the page title in a new language
        **links(visit, token),
        # the addresses the player fills in (static/player/page.js: fill)
        "video_at": node_url(token, "{lang}", "{node}"),
        "text_at": node_url(token, "{lang}", "{node}", mode="text"),
    }
    context = page_context(
        request, visit, token, config=config, title=visit._("Your video"), node=start,
        agreed_link=_agreed_link(case, visit, token, "video"),
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
    raw = state.media.manifest(visit.loaded, visit.debtor, language, case)
    built = player_manifest(raw, visit, token, language, case)
    return JSONResponse(built, headers={"Cache-Control": "no-store"})


def player_manifest(
    raw: dict[str, Any], visit: Visit, token: str, language: str, case: Case
) -> dict[str, Any]:
    scene = visit.loaded.scene
    say = visit.loaded.say(language, personal_values(visit.loaded, visit.debtor, case))
    nodes = {}
    for node_id, node in raw["nodes"].items():
        choices = offered_choices(scene, node_id, visit.debtor.amount_cents, case.refusal)
        step = scene.nodes[node_id].action
        nodes[node_id] = {
            "video": f"/media/{node['video']}",
            "captions": f"/media/{node['captions']}",
            "poster": f"/media/{node['poster']}",
            "duration": node["duration"],
            "next": node["next"],
            "step": step_url(token, language, node_id) if step else None,
            "choices": [
                {
                    "label": say(c.label),
                    "icon": f"/static/icons/{c.icon}.svg" if c.icon else None,
                    "goto": c.goto,
                }
                for c in choices
            ],
            "texts": [
                say(t.text) for t in node_texts(node_id, scene.nodes[node_id]) if t.loc[-1] == "say"
            ],
        }
        if "track" in node:  # the debtor's own: their video, captions and texts
            nodes[node_id].update(personal_node(node, token, language, node_id))
        elif node.get("pending"):  # the player asks for it while the node before plays
            nodes[node_id].update(video=None, captions=None, cues=[],
                                  track=track_url(token, language, node_id))  # fmt: skip
    _ = gettext_for(language)
    strings = {text: _(text) for text in PLAYER_STRINGS}
    if scene.contact.hours:
        strings[AVAILABLE] = _(AVAILABLE).format(hours=say("{hours}"))
    return {
        "language": language,
        "start": scene.entry_for(case.status),
        "nodes": nodes,
        "strings": strings,
    }


def personal_node(node: dict[str, Any], token: str, language: str, node_id: str) -> dict[str, Any]:
    """A personal node as the player needs it: the debtor's video (the shared picture with
    their voice), their captions, and their texts over the picture, placed in fractions of the
    frame and timed in seconds of their video."""
    track = node["track"]
    overlays = []
    for box in node["boxes"]:
        shot = int(box["shot"])
        start, end = track["shots"][shot]
        text = track["texts"][shot].get(box["element"], "")
        overlays.append({
            "text": text, "start": start, "end": end, "delay": box["delay"],
            "motion": box["motion"], "x": box["x"] / WIDTH, "y": box["y"] / HEIGHT,
            "width": box["width"] / WIDTH, "height": box["height"] / HEIGHT,
            "size": box["size"] / HEIGHT, "bold": box["bold"], "colour": box["colour"],
            "align": box["align"], "lines": box["lines"], "emphasis": box.get("emphasis"),
        })  # fmt: skip
    return {
        "video": personal_video_url(token, language, node_id, copy_tag(node)),
        "captions": None,
        "cues": track["cues"],
        "duration": track["duration"],
        "overlays": overlays,
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
    """The same video as plain text and buttons; works without JavaScript. A page reads on
    through ``next`` up to the choices or the step, and starts where the case stands."""
    scene = visit.loaded.scene
    case = _case(session, state, visit)
    first = node if node in scene.nodes else scene.entry_for(case.status)
    if node is None:  # arriving: counted in the funnel like the player's "open"
        _record_open(session, visit, first)
    shown = _reading(scene, first)
    current, body = shown[-1], scene.nodes[shown[-1]]
    say = visit.loaded.say(visit.language, personal_values(visit.loaded, visit.debtor, case))
    context = page_context(
        request,
        visit,
        token,
        title=visit._("Your message"),
        node=first,
        at=current,
        blocks=[block for node_id in shown for block in _blocks(scene.nodes[node_id], say)],
        choices=[
            (c.goto, say(c.label))
            for c in offered_choices(scene, current, visit.debtor.amount_cents, case.refusal)
        ],
        next=body.next if body.action is None else None,
        step=step_url(token, visit.language, current, mode="text") if body.action else None,
        agreed_link=_agreed_link(case, visit, token, "text"),
    )
    return state.templates.TemplateResponse(request, "text.html", context)


def _record_open(session: Session, visit: Visit, start: str) -> None:
    event = EventIn(
        id=str(uuid.uuid4()), type="open", node=start, language=visit.language,
        data={"start": start, "mode": "text"},
    )  # fmt: skip
    record(session, visit.debtor, event)  # committed with the request, before the answer


def _reading(scene: Scene, first: str) -> list[str]:
    """The nodes one text page shows: ``first`` and those its ``next`` leads on to, up to a
    node with choices, a step or the end (a reader should not press "Continue" per sentence)."""
    shown = [first]
    while True:
        body = scene.nodes[shown[-1]]
        if body.action is not None or body.next is None or body.next in shown:
            return shown
        shown.append(body.next)


def _blocks(node: Node, say: Callable[[str], str]) -> list[dict[str, Any]]:
    """A node's shots as text: its sentences together in one paragraph, broken only by a
    figure or a list that is shown with them."""
    blocks: list[dict[str, Any]] = []
    sentences: list[str] = []
    for shot in node.shots:
        show = shot.show
        if shot.say:
            sentences.append(say(shot.say))
        if show and (show.card or show.bullets):
            if sentences:
                blocks.append({"say": " ".join(sentences)})
                sentences = []
            if show.card:
                blocks.append({"card": say(show.card)})
            if show.bullets:
                blocks.append({"bullets": [say(b) for b in show.bullets]})
    if sentences:
        blocks.append({"say": " ".join(sentences)})
    return blocks


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
    return RedirectResponse(node_url(token, visit.language, target, mode="text"), status_code=303)
