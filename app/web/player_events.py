"""The JSON API the player talks to: the events of a debtor's visit (plays, choices, ends)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError

from app.deps import StateDep
from app.events import EventIn, InvalidEventError, check_event, event_values

router = APIRouter(prefix="/api/v1")


@router.post("/sessions/{token}/events")
async def post_event(token: str, event: EventIn, state: StateDep) -> JSONResponse:
    """Record one player event; a retried event (same id) is acknowledged and stored once.

    The answer comes after the event is committed, so an acknowledged event is never lost.
    """
    caller = await state.callers.get(token)
    if caller is None:
        raise HTTPException(status_code=404)
    scene = state.scenes.get(caller.scene_id).scene
    try:
        check_event(scene, caller.amount_cents, event)
    except InvalidEventError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    try:
        written = await state.events.write(event_values(caller.debtor_id, event))
    except (DataError, IntegrityError) as exc:  # this event: sending it again will not help
        raise HTTPException(status_code=422, detail="the event cannot be stored") from exc
    except Exception as exc:  # the database is away: the player keeps it and sends it again
        raise HTTPException(status_code=503, detail="try again") from exc
    if written == "gone":  # purged or ended since the link was last looked up
        raise HTTPException(status_code=404)
    created = written == "new"
    return JSONResponse({"id": event.id, "stored": created}, status_code=201 if created else 200)
