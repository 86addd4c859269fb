"""The rules of self-service, enforced on the server: what a debtor may choose, and when.

Everything a debtor submits is checked here against the scene's policy, whatever the page
offered: a browser can send anything.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from render.hours import Span, is_open, parse_hours
from render.scene import Choice, Scene

CALLBACK_DAYS = 14  # how far ahead a callback can be planned
CALLBACK_SLOT = timedelta(hours=1)


class RuleError(ValueError):
    """A submitted value breaks a rule; ``code`` names the message shown in the debtor's language."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class PlannedInstallment:
    """One instalment of a plan the debtor is choosing (not yet stored: see models.Installment)."""

    number: int
    due: date
    cents: int


def eligible(scene: Scene, action: str | None, amount_cents: int | None) -> bool:
    """Whether a debtor may be offered a step at all (a choice to it is hidden otherwise)."""
    if action in ("pay", "arrangement", "later") and not amount_cents:
        return False
    if action == "arrangement":
        return len(installment_counts(scene, amount_cents or 0)) > 0
    if action == "later":
        return scene.policy.later is not None
    return True


def offered_choices(
    scene: Scene,
    node_id: str,
    amount_cents: int | None,
    refused: Callable[[str | None], object] | None = None,
) -> list[Choice]:
    """The node's choices, without those that lead to a step the debtor cannot take: by the
    policy, or, given ``refused`` (``Case.refusal``), by what their case already holds."""
    return [
        choice
        for choice in scene.nodes[node_id].choices or []
        if eligible(scene, scene.nodes[choice.goto].action, amount_cents)
        and not (refused and refused(scene.nodes[choice.goto].action))
    ]


def installment_counts(scene: Scene, amount_cents: int) -> list[int]:
    """How many installments may be chosen: from 2 up to the policy's maximum, each at least
    the minimum installment, and only when the total reaches the policy's minimum."""
    policy = scene.policy.arrangement
    if policy is None or amount_cents < policy.min_total * 100:
        return []
    most = min(policy.max_installments, amount_cents // int(policy.min_installment * 100))
    return list(range(2, most + 1))


def first_date_window(scene: Scene, today: date) -> tuple[date, date]:
    policy = scene.policy.arrangement
    assert policy is not None
    return today, today + timedelta(days=policy.start_within_days)


def plan(
    scene: Scene, amount_cents: int, count: int, first: date, today: date
) -> list[PlannedInstallment]:
    """A payment plan: monthly installments that add up to the amount, to the cent."""
    if count not in installment_counts(scene, amount_cents):
        raise RuleError("installments", allowed=installment_counts(scene, amount_cents))
    earliest, latest = first_date_window(scene, today)
    if not earliest <= first <= latest:
        raise RuleError("date_window", earliest=earliest, latest=latest)
    base, extra = divmod(amount_cents, count)
    return [
        # the cents that do not divide evenly go to the first installments, one each
        PlannedInstallment(n + 1, add_months(first, n), base + (1 if n < extra else 0))
        for n in range(count)
    ]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def later_window(scene: Scene, today: date) -> tuple[date, date]:
    policy = scene.policy.later
    assert policy is not None
    return today + timedelta(days=1), today + timedelta(days=policy.max_days)


def check_later(scene: Scene, day: date, today: date) -> date:
    earliest, latest = later_window(scene, today)
    if not earliest <= day <= latest:
        raise RuleError("date_window", earliest=earliest, latest=latest)
    return day


def paid_window(today: date) -> tuple[date, date]:
    """The dates a payment reported as made may have been made on: the past year."""
    return today - timedelta(days=366), today


def check_paid_date(day: date, today: date) -> date:
    """A payment date in the past year, not in the future."""
    earliest, latest = paid_window(today)
    if day > latest:
        raise RuleError("paid_future")
    if day < earliest:
        raise RuleError("paid_too_old")
    return day


# Euros as people type them: 25 · 25,5 · 25.50 · € 1.234,56 · 1,234.56 · 1 234,56
_EUROS = re.compile(r"(\d{1,3}(?:([.,\s])\d{3})(?:\2\d{3})*|\d+)(?:[.,](\d{1,2}))?")


def euro_cents(text: str) -> int:
    """An amount typed in euros, as whole cents; a comma or a dot before the cents.

    A group of three digits after a separator is thousands (``1.234`` is 1234 euros), as a
    decimal part has at most two digits."""
    cleaned = text.strip().removeprefix("€").removeprefix("EUR").strip().replace("\u00a0", " ")
    found = _EUROS.fullmatch(cleaned)
    if found is None:
        raise RuleError("amount_format")
    whole = re.sub(r"\D", "", found.group(1))
    cents = (found.group(3) or "").ljust(2, "0")
    return int(whole) * 100 + int(cents)


def check_paid_amount(cents: int, open_cents: int) -> int:
    """A payment the debtor says they made: more than nothing, not more than is open."""
    if cents <= 0:
        raise RuleError("amount_zero")
    if cents > open_cents:
        raise RuleError("amount_over", open_cents=open_cents)
    return cents


def callback_slots(scene: Scene, now: datetime) -> list[datetime]:
    """The hour-long slots within the contact hours in the coming days, from the next hour."""
    spans = _hours(scene)
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    slots = []
    moment = start
    while moment < start + timedelta(days=CALLBACK_DAYS):
        if _slot_open(spans, moment):
            slots.append(moment)
        moment += CALLBACK_SLOT
    return slots


def check_callback(scene: Scene, slot: datetime, now: datetime) -> datetime:
    if slot not in callback_slots(scene, now):
        raise RuleError("callback_slot")
    return slot


def _hours(scene: Scene) -> tuple[Span, ...]:
    if scene.contact.hours is None:
        return (Span(tuple(range(7)), time(0), time.max),)
    return parse_hours(scene.contact.hours)


def _slot_open(spans: tuple[Span, ...], moment: datetime) -> bool:
    last_minute = moment + CALLBACK_SLOT - timedelta(minutes=1)
    return is_open(spans, moment) and is_open(spans, last_minute)
