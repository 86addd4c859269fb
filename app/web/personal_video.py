"""A personal node for one debtor: its track (what the player needs to play it, prepared when
first asked for) and its video, joined on request from the shared picture and the debtor's
voice (:func:`app.media.Media.personal_video`), served in byte ranges as browsers ask for video
(Safari always does, starting with ``bytes=0-1``)."""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from app.case import case_of
from app.deps import SessionDep, StateDep, VisitDep
from app.web.debtor_route import DebtorRoute
from app.web.player import personal_node

router = APIRouter(route_class=DebtorRoute)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@router.get("/v/{token}/video/{language}/{node}.mp4")
def personal_video(
    request: Request,
    token: str,
    language: str,
    node: str,
    visit: VisitDep,
    state: StateDep,
    session: SessionDep,
) -> Response:
    """The MP4 of a personal node as this debtor hears it; 404 for a node they have none of."""
    scene = visit.loaded.scene
    if language not in scene.languages or node not in scene.nodes:
        raise HTTPException(status_code=404)
    case = case_of(session, visit.debtor, state.settings.today())
    session.commit()  # no transaction stays open while the track may be prepared
    found = state.media.personal_video(visit.loaded, visit.debtor, language, node, case)
    if found is None:
        raise HTTPException(status_code=404)
    body, tag = found
    return ranged(request, body, f'"{tag}"')


@router.get("/v/{token}/track/{language}/{node}.json")
def personal_track(
    token: str, language: str, node: str, visit: VisitDep, state: StateDep, session: SessionDep
) -> JSONResponse:
    """A personal node as the player needs it (its video, captions and texts), prepared now
    if need be; 404 for a node the debtor has none of."""
    scene = visit.loaded.scene
    if language not in scene.languages or node not in scene.nodes:
        raise HTTPException(status_code=404)
    case = case_of(session, visit.debtor, state.settings.today())
    session.commit()  # no transaction stays open while the track is prepared
    found = state.media.track(visit.loaded, visit.debtor, language, node, case)
    if found is None:
        raise HTTPException(status_code=404)
    return JSONResponse(
        personal_node(found, token, language, node), headers={"Cache-Control": "no-store"}
    )


def ranged(request: Request, body: bytes, etag: str) -> Response:
    """``body`` whole, or the one range asked for (206), or 416 for a range outside it."""
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Cache-Control": "no-store",  # the debtor's voice stays out of caches, like their pages
    }
    asked = request.headers.get("range")
    if asked is None or request.headers.get("if-range", etag) != etag or not _RANGE.match(asked):
        return Response(body, media_type="video/mp4", headers=headers)  # several ranges: all
    span = _span(asked, len(body))
    if span is None:
        headers["Content-Range"] = f"bytes */{len(body)}"
        return Response(status_code=416, headers=headers)
    first, last = span
    headers["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
    return Response(
        body[first : last + 1], status_code=206, media_type="video/mp4", headers=headers
    )


def _span(asked: str, size: int) -> tuple[int, int] | None:
    """The first and last byte of a single ``bytes=`` range (a suffix too), or None."""
    match = _RANGE.match(asked.strip())
    if match is None or size == 0:
        return None
    start, end = match.groups()
    if not start:
        if not end or int(end) == 0:
            return None
        return max(0, size - int(end)), size - 1
    first = int(start)
    last = min(int(end), size - 1) if end else size - 1
    return (first, last) if first <= last else None
