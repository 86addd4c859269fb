"""The funnels behind the admin pages, as SQL aggregates (the outcome rows and the campaign
summaries are in :mod:`app.reports`).

Every function is one or two GROUP BY queries over the campaign's events and outcomes, so a
campaign of tens of thousands of debtors is counted in the database, not in Python.

A debtor's funnel: *debtors* (links sent) → *opened* (the player or the text version reported
anything) → *watched* (at least one part of the video to its end, ``segment_end``) → *chose*
(clicked a choice) → *completed* (finished a self-service step, ``action_completed``).
Per node the first stage is *reached* (anything reported at that node). A debtor counts once
per stage however often they did it. *Converted* is an opened link that led to a payment, a
payment plan or a promise to pay later (``CONVERSION_ACTIONS``).

Languages are the debtors' languages from the import (the link's language); variants are the
debtors' scenes (``Debtor.scene_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from app.models import Debtor, Event, Outcome

CONVERSION_ACTIONS = ("pay", "arrangement", "later")
STAGES: tuple[tuple[str, str], ...] = (
    ("debtors", "Debtors"),
    ("opened", "Opened the link"),
    ("watched", "Watched a part to its end"),
    ("chose", "Made a choice"),
    ("completed", "Completed a step"),
)
NODE_STAGES: tuple[tuple[str, str], ...] = (
    ("reached", "Reached this part"),
    ("watched", "Watched it to its end"),
    ("chose", "Made a choice here"),
    ("completed", "Completed the step here"),
)


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    count: int
    share: float | None  # of the funnel's first stage
    drop_off: float | None  # lost since the previous stage, 0..1; None for the first


def stages(pairs: list[tuple[str, str, int]]) -> list[Stage]:
    """Stages with their share of the first and the drop-off from the one before."""
    result: list[Stage] = []
    first = pairs[0][2] if pairs else 0
    previous: int | None = None
    for key, label, count in pairs:
        result.append(
            Stage(
                key,
                label,
                count,
                count / first if first else None,
                None if previous is None else (1 - count / previous if previous else None),
            )
        )
        previous = count
    return result


@dataclass(frozen=True)
class Funnel:
    """One group's funnel: a language, a variant, or the whole campaign (``key`` "")."""

    key: str
    debtors: int
    opened: int
    watched: int
    chose: int
    completed: int
    converted: int  # opened links that led to CONVERSION_ACTIONS

    @property
    def stages(self) -> list[Stage]:
        return stages([(key, label, getattr(self, key)) for key, label in STAGES])

    @property
    def conversion(self) -> float | None:
        return self.converted / self.opened if self.opened else None


@dataclass(frozen=True)
class NodeFunnel:
    """One node of one variant's scene."""

    scene_id: str
    node: str
    reached: int
    watched: int
    chose: int
    completed: int

    @property
    def stages(self) -> list[Stage]:
        return stages([(key, label, getattr(self, key)) for key, label in NODE_STAGES])


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.max(case((condition, 1), else_=0))


def _debtors_of(campaign_id: int) -> Any:
    return select(Debtor.id).where(Debtor.campaign_id == campaign_id)


def per_debtor_stages(campaign_id: int) -> Any:
    """One row per debtor who reported anything: which stages they reached (0/1)."""
    return (
        select(
            Event.debtor_id.label("debtor_id"),
            _flag(Event.type == "segment_end").label("watched"),
            _flag(Event.type == "choice").label("chose"),
            _flag(Event.type == "action_completed").label("completed"),
        )
        .where(Event.debtor_id.in_(_debtors_of(campaign_id)))
        .group_by(Event.debtor_id)
        .subquery("per_debtor")
    )


def _converted(campaign_id: int) -> Any:
    return (
        select(Outcome.debtor_id.label("debtor_id"))
        .where(
            Outcome.debtor_id.in_(_debtors_of(campaign_id)),
            Outcome.action.in_(CONVERSION_ACTIONS),
        )
        .group_by(Outcome.debtor_id)
        .subquery("converted")
    )


@dataclass(frozen=True)
class Funnels:
    """A campaign's funnels: per variant, per language (each ordered by key), and in total."""

    variants: list[Funnel]
    languages: list[Funnel]
    total: Funnel


def campaign_funnels(session: Session, campaign_id: int) -> Funnels:
    """Every funnel of a campaign from one query, grouped by variant and language.

    The database counts per (variant, language) pair; adding up those few rows gives the
    funnels per variant, per language and in total (every debtor is in exactly one pair).
    """
    per_debtor, converted = per_debtor_stages(campaign_id), _converted(campaign_id)
    query = (
        select(
            Debtor.scene_id,
            Debtor.language,
            func.count(Debtor.id),
            func.count(per_debtor.c.debtor_id),
            func.coalesce(func.sum(per_debtor.c.watched), 0),
            func.coalesce(func.sum(per_debtor.c.chose), 0),
            func.coalesce(func.sum(per_debtor.c.completed), 0),
            func.count(
                case(
                    (
                        per_debtor.c.debtor_id.is_not(None) & converted.c.debtor_id.is_not(None),
                        1,
                    )
                )
            ),
        )
        .select_from(Debtor)
        .outerjoin(per_debtor, per_debtor.c.debtor_id == Debtor.id)
        .outerjoin(converted, converted.c.debtor_id == Debtor.id)
        .where(Debtor.campaign_id == campaign_id)
        .group_by(Debtor.scene_id, Debtor.language)
    )
    pairs = [
        ((str(scene), str(language)), [int(v) for v in counts])
        for scene, language, *counts in session.execute(query)
    ]

    def grouped(index: int) -> list[Funnel]:
        sums: dict[str, list[int]] = {}
        for keys, counts in pairs:
            current = sums.setdefault(keys[index], [0] * len(_COUNTS))
            for position, value in enumerate(counts):
                current[position] += value
        return [Funnel(key, *counts) for key, counts in sorted(sums.items())]

    variants = grouped(0)
    return Funnels(variants, grouped(1), total(variants))


def funnels(session: Session, campaign_id: int, by: Literal["language", "variant"]) -> list[Funnel]:
    """The funnel per language (of the link) or per variant (scene), ordered by key."""
    found = campaign_funnels(session, campaign_id)
    return found.languages if by == "language" else found.variants


def total(groups: list[Funnel]) -> Funnel:
    """The sum of disjoint groups (every debtor is in one variant and one language)."""
    return Funnel("", *(sum(getattr(g, name) for g in groups) for name in _COUNTS))


def total_funnel(session: Session, campaign_id: int) -> Funnel:
    """The whole campaign's funnel."""
    return campaign_funnels(session, campaign_id).total


_COUNTS = ("debtors", "opened", "watched", "chose", "completed", "converted")


def node_funnels(session: Session, campaign_id: int) -> list[NodeFunnel]:
    """The funnel per node, per variant; in no particular order (the scene knows its order)."""
    per_node = (
        select(
            Event.debtor_id.label("debtor_id"),
            Event.node.label("node"),
            _flag(Event.type == "segment_end").label("watched"),
            _flag(Event.type == "choice").label("chose"),
            _flag(Event.type == "action_completed").label("completed"),
        )
        .where(Event.debtor_id.in_(_debtors_of(campaign_id)), Event.node.is_not(None))
        .group_by(Event.debtor_id, Event.node)
        .subquery("per_node")
    )
    query = (
        select(
            Debtor.scene_id,
            per_node.c.node,
            func.count(),
            func.sum(per_node.c.watched),
            func.sum(per_node.c.chose),
            func.sum(per_node.c.completed),
        )
        .join(Debtor, Debtor.id == per_node.c.debtor_id)
        .group_by(Debtor.scene_id, per_node.c.node)
        .order_by(Debtor.scene_id, per_node.c.node)
    )
    return [
        NodeFunnel(str(scene), str(node), *(int(v or 0) for v in counts))
        for scene, node, *counts in session.execute(query)
    ]
