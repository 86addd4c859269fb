"""Recording what a debtor's player reports: each event once, however often it is sent."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import insert_new
from app.models import Debtor, Event
from app.selfservice import offered_choices
from render.scene import Scene

EventType = Literal[
    "open", "language", "play", "pause", "replay", "captions", "segment_end",
    "choice", "step_open", "action_completed", "error",
]  # fmt: skip
Small = Annotated[str, StringConstraints(max_length=200)]


class EventIn(BaseModel):
    """One event as the player sends it; ``id`` is made by the browser (a UUID)."""

    # NaN and infinities are refused (422): JSON has no such numbers, and PostgreSQL's JSON
    # would refuse the whole batch the event is written with.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
    type: EventType
    node: Annotated[str, StringConstraints(max_length=64)] | None = None
    language: Annotated[str, StringConstraints(max_length=16)] | None = None
    position: Annotated[float, Field(ge=0, le=36_000)] | None = None
    data: Annotated[dict[Small, Small | int | float | bool | None], Field(max_length=20)] = {}


class InvalidEventError(ValueError):
    """The event names something the debtor's scene does not have."""


def check_event(scene: Scene, amount_cents: int | None, event: EventIn) -> None:
    """Refuse an event that names what the scene does not have, or a choice not offered."""
    if event.node is not None and event.node not in scene.nodes:
        raise InvalidEventError(f"node '{event.node}' is not in this video")
    if event.language is not None and event.language not in scene.languages:
        raise InvalidEventError(f"language '{event.language}' is not offered")
    if event.type == "choice":
        if event.node is None:
            raise InvalidEventError("a choice needs the node it was made at")
        targets = [c.goto for c in offered_choices(scene, event.node, amount_cents)]
        if event.data.get("target") not in targets:
            raise InvalidEventError(
                f"'{event.data.get('target')}' is not a choice at '{event.node}'"
            )


def event_values(debtor_id: int, event: EventIn) -> dict[str, Any]:
    """The row an event becomes."""
    return {
        "debtor_id": debtor_id,
        "client_id": event.id,
        "type": event.type,
        "node": event.node,
        "language": event.language,
        "position": event.position,
        "data": event.data,
    }


def record(session: Session, debtor: Debtor, event: EventIn) -> bool:
    """Store the event in the caller's transaction unless it is stored already; True when new.

    For events that come with a step being stored; the player's own events go through the
    group-committing ``EventWriter``.
    """
    values = event_values(debtor.id, event)
    statement = (
        insert_new(session, Event, ["debtor_id", "client_id"])
        .values(**values)
        .returning(Event.id)  # a row only when inserted (rowcount is -1 with RETURNING drivers)
    )
    return session.execute(statement).first() is not None


def last_node(session: Session, debtor: Debtor) -> str | None:
    return session.scalar(
        select(Event.node)
        .where(Event.debtor_id == debtor.id, Event.node.is_not(None))
        .order_by(Event.id.desc())
        .limit(1)
    )
