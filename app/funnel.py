"""The numbers behind the admin pages: funnels, outcomes and conversions, as SQL aggregates.

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
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from app.models import Campaign, Debtor, Event, Outcome, RenderJob
from app.models.base import as_utc
from app.outcome_labels import action_label

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


# --- outcomes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeCount:
    action: str
    outcomes: int
    debtors: int

    @property
    def label(self) -> str:
        return action_label(self.action)


def outcome_counts(session: Session, campaign_id: int) -> list[OutcomeCount]:
    """Per action: how many outcomes, from how many debtors; the most frequent first."""
    query = (
        select(Outcome.action, func.count(Outcome.id), func.count(func.distinct(Outcome.debtor_id)))
        .join(Debtor, Debtor.id == Outcome.debtor_id)
        .where(Debtor.campaign_id == campaign_id)
        .group_by(Outcome.action)
        .order_by(func.count(Outcome.id).desc(), Outcome.action)
    )
    return [OutcomeCount(a, int(n), int(d)) for a, n, d in session.execute(query)]


@dataclass(frozen=True)
class OutcomeFilter:
    """Which outcomes to list: ``start`` inclusive, ``end`` exclusive (aware datetimes)."""

    action: str | None = None
    language: str | None = None
    variant: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def conditions(self, campaign_id: int) -> list[ColumnElement[bool]]:
        found = [Debtor.campaign_id == campaign_id]
        if self.action:
            found.append(Outcome.action == self.action)
        if self.language:
            found.append(Debtor.language == self.language)
        if self.variant:
            found.append(Debtor.scene_id == self.variant)
        if self.start is not None:  # SQLite compares the UTC text: bind UTC
            found.append(Outcome.created_at >= self.start.astimezone(UTC))
        if self.end is not None:
            found.append(Outcome.created_at < self.end.astimezone(UTC))
        return found


@dataclass(frozen=True)
class OutcomeRow:
    id: int
    created_at: datetime  # UTC
    reference: str
    language: str
    variant: str
    action: str
    node: str
    details: dict[str, Any]


def outcome_rows(
    session: Session, campaign_id: int, filters: OutcomeFilter, *, limit: int | None = None
) -> list[OutcomeRow]:
    """The outcomes that match, the newest first."""
    query = (
        select(
            Outcome.id,
            Outcome.created_at,
            Debtor.reference,
            Debtor.language,
            Debtor.scene_id,
            Outcome.action,
            Outcome.node,
            Outcome.details,
        )
        .join(Debtor, Debtor.id == Outcome.debtor_id)
        .where(*filters.conditions(campaign_id))
        .order_by(Outcome.created_at.desc(), Outcome.id.desc())
        .limit(limit)
    )
    return [
        OutcomeRow(i, as_utc(at), ref, lang, variant, action, node, dict(details or {}))
        for i, at, ref, lang, variant, action, node, details in session.execute(query)
    ]


def count_outcomes(session: Session, campaign_id: int, filters: OutcomeFilter) -> int:
    query = (
        select(func.count(Outcome.id))
        .join(Debtor, Debtor.id == Outcome.debtor_id)
        .where(*filters.conditions(campaign_id))
    )
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class Choices:
    """What the outcome filters can offer: the values that occur in the campaign."""

    actions: list[str]
    languages: list[str]
    variants: list[str]


def filter_choices(session: Session, campaign_id: int) -> Choices:
    actions = session.scalars(
        select(Outcome.action)
        .join(Debtor, Debtor.id == Outcome.debtor_id)
        .where(Debtor.campaign_id == campaign_id)
        .group_by(Outcome.action)
        .order_by(Outcome.action)
    )
    groups = session.execute(
        select(Debtor.language, Debtor.scene_id)
        .where(Debtor.campaign_id == campaign_id)
        .group_by(Debtor.language, Debtor.scene_id)
    ).all()
    return Choices(
        list(actions), sorted({str(g[0]) for g in groups}), sorted({str(g[1]) for g in groups})
    )


# --- campaigns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSummary:
    id: int
    name: str
    scenes: list[str]  # the variants, the campaign's first scene first
    debtors: int
    opened: int
    with_outcome: int  # debtors with at least one outcome
    outcomes: int
    created_at: datetime  # UTC
    expires_at: datetime | None
    purged_at: datetime | None
    verify: str | None = None  # what debtors verify themselves with, if anything


def campaign_summaries(session: Session, campaign_id: int | None = None) -> list[CampaignSummary]:
    """Every campaign (or one), the newest first, with its counts: four GROUP BY queries."""
    only = [Campaign.id == campaign_id] if campaign_id is not None else []
    campaigns = session.execute(
        select(
            Campaign.id,
            Campaign.name,
            Campaign.scene_id,
            Campaign.created_at,
            Campaign.expires_at,
            Campaign.purged_at,
            Campaign.verify,
        )
        .where(*only)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    ).all()
    in_scope = [Debtor.campaign_id == campaign_id] if campaign_id is not None else []
    scenes: dict[int, dict[str, int]] = {}
    for cid, scene, count in session.execute(
        select(Debtor.campaign_id, Debtor.scene_id, func.count())
        .where(*in_scope)
        .group_by(Debtor.campaign_id, Debtor.scene_id)
    ):
        scenes.setdefault(cid, {})[scene] = int(count)
    reported = select(Event.id).where(Event.debtor_id == Debtor.id).exists()
    opened = dict(
        session.execute(
            select(Debtor.campaign_id, func.count())
            .where(*in_scope, reported)
            .group_by(Debtor.campaign_id)
        ).all()
    )
    outcomes = {
        cid: (int(d), int(n))
        for cid, d, n in session.execute(
            select(
                Debtor.campaign_id,
                func.count(func.distinct(Outcome.debtor_id)),
                func.count(Outcome.id),
            )
            .join(Debtor, Debtor.id == Outcome.debtor_id)
            .where(*in_scope)
            .group_by(Debtor.campaign_id)
        )
    }
    result = []
    for cid, name, first_scene, created_at, expires_at, purged_at, verify in campaigns:
        counts = scenes.get(cid, {})
        ordered = [first_scene, *sorted(s for s in counts if s != first_scene)]
        with_outcome, total = outcomes.get(cid, (0, 0))
        result.append(
            CampaignSummary(
                id=cid,
                name=name,
                scenes=[s for s in ordered if s in counts] or [first_scene],
                debtors=sum(counts.values()),
                opened=int(opened.get(cid, 0)),
                with_outcome=with_outcome,
                outcomes=total,
                created_at=as_utc(created_at),
                expires_at=as_utc(expires_at) if expires_at else None,
                purged_at=as_utc(purged_at) if purged_at else None,
                verify=verify,
            )
        )
    return result


def latest_render(session: Session, campaign_id: int) -> RenderJob | None:
    """The campaign's most recent render job, for the progress bar."""
    return session.scalar(
        select(RenderJob)
        .where(RenderJob.campaign_id == campaign_id)
        .order_by(RenderJob.started_at.desc(), RenderJob.id.desc())
        .limit(1)
    )
