"""The funnel per channel: how many links went out by e-mail and by SMS, arrived, and led to
an open, a watched part, a choice and a completed step, per language and variant.

A debtor reached on both channels counts in both funnels: the question is what each channel
brings, not how many debtors there are (that is ``app.funnel``). *Delivered* is what the
channel can tell: an SMS the provider reported delivered; an e-mail the recipient's server
accepted and that did not bounce.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.funnel import Stage, per_debtor_stages, stages
from app.models import Debtor, Message

CHANNEL_STAGES: tuple[tuple[str, str], ...] = (
    ("sent", "Link sent"),
    ("delivered", "Delivered"),
    ("opened", "Opened the link"),
    ("watched", "Watched a part to its end"),
    ("chose", "Made a choice"),
    ("completed", "Completed a step"),
)
_COUNTS = tuple(key for key, _ in CHANNEL_STAGES)
SENT = ("sent", "delivered", "bounced")  # the link left us on this channel
DELIVERED = {"email": ("sent", "delivered"), "sms": ("delivered",)}


@dataclass(frozen=True)
class ChannelFunnel:
    channel: str
    key: str  # a language, a variant (scene id), or "" for the channel's total
    sent: int
    delivered: int
    opened: int
    watched: int
    chose: int
    completed: int

    @property
    def stages(self) -> list[Stage]:
        return stages([(key, label, getattr(self, key)) for key, label in CHANNEL_STAGES])


@dataclass(frozen=True)
class ChannelFunnels:
    channel: str
    total: ChannelFunnel
    languages: list[ChannelFunnel]
    variants: list[ChannelFunnel]


def channel_funnels(session: Session, campaign_id: int) -> list[ChannelFunnels]:
    """One query counts per (channel, variant, language); the sums give the rest."""
    per_debtor = per_debtor_stages(campaign_id)
    delivered = case(
        *((
            (Message.channel == channel) & Message.status.in_(statuses), 1
        ) for channel, statuses in DELIVERED.items()),
        else_=0,
    )  # fmt: skip
    query = (
        select(
            Message.channel,
            Debtor.scene_id,
            Debtor.language,
            func.count(),
            func.sum(delivered),
            func.count(per_debtor.c.debtor_id),
            func.coalesce(func.sum(per_debtor.c.watched), 0),
            func.coalesce(func.sum(per_debtor.c.chose), 0),
            func.coalesce(func.sum(per_debtor.c.completed), 0),
        )
        .join(Debtor, Debtor.id == Message.debtor_id)
        .outerjoin(per_debtor, per_debtor.c.debtor_id == Message.debtor_id)
        .where(
            Message.campaign_id == campaign_id,
            Message.purpose == "link",
            Message.status.in_(SENT),
        )
        .group_by(Message.channel, Debtor.scene_id, Debtor.language)
    )
    rows = [
        (str(channel), str(scene), str(language), [int(v or 0) for v in counts])
        for channel, scene, language, *counts in session.execute(query)
    ]
    return [_grouped(channel, [r for r in rows if r[0] == channel])
            for channel in sorted({r[0] for r in rows})]  # fmt: skip


def _grouped(channel: str, rows: list[tuple[str, str, str, list[int]]]) -> ChannelFunnels:
    def by(index: int | None) -> list[ChannelFunnel]:
        sums: dict[str, list[int]] = {}
        for row in rows:
            key = "" if index is None else str(row[index])
            current = sums.setdefault(key, [0] * len(_COUNTS))
            for position, value in enumerate(row[3]):
                current[position] += value
        return [ChannelFunnel(channel, key, *counts) for key, counts in sorted(sums.items())]

    return ChannelFunnels(channel, by(None)[0], by(2), by(1))
