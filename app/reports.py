"""The rows behind the admin pages: outcomes with their filters, and campaigns with their
counts. The funnels are in :mod:`app.funnel`; this is what a table or an export lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.models import Campaign, Debtor, Event, Outcome, RenderJob
from app.models.base import as_utc
from app.outcome_labels import action_label

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
    scenes, opened, outcomes = _campaign_counts(session, in_scope)
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


def _campaign_counts(
    session: Session, in_scope: list[ColumnElement[bool]]
) -> tuple[dict[int, dict[str, int]], dict[int, int], dict[int, tuple[int, int]]]:
    """Per campaign: debtors per scene, debtors who opened their link, and (debtors with an
    outcome, outcomes)."""
    scenes: dict[int, dict[str, int]] = {}
    for cid, scene, count in session.execute(
        select(Debtor.campaign_id, Debtor.scene_id, func.count())
        .where(*in_scope)
        .group_by(Debtor.campaign_id, Debtor.scene_id)
    ):
        scenes.setdefault(cid, {})[scene] = int(count)
    reported = select(Event.id).where(Event.debtor_id == Debtor.id).exists()
    opened = {
        int(cid): int(count)
        for cid, count in session.execute(
            select(Debtor.campaign_id, func.count())
            .where(*in_scope, reported)
            .group_by(Debtor.campaign_id)
        )
    }
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
    return scenes, opened, outcomes


def latest_render(session: Session, campaign_id: int) -> RenderJob | None:
    """The campaign's most recent render job, for the progress bar."""
    return session.scalar(
        select(RenderJob)
        .where(RenderJob.campaign_id == campaign_id)
        .order_by(RenderJob.started_at.desc(), RenderJob.id.desc())
        .limit(1)
    )
