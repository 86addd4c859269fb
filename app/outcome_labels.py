"""An outcome in words, for operators: what the debtor did, where, and the details they gave.

Outcomes are stored for machines (an action code, a node id, JSON details with ``_cents`` and
ISO dates); an operator reads "Pay later", "Promised date: 8 Dec 2026", "Phone: —". This is
the one place that turns the first into the second, so the campaign page, a debtor's timeline
and the worklists say it the same way. It knows nothing of requests: give it the outcome, the
scene's node titles and a Babel locale. The CSV and JSON exports keep the raw values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from babel.dates import format_date, format_time
from babel.numbers import format_currency

from render.scene import Scene

OPERATOR_LOCALE = "en_GB"  # operators have no locale setting yet
MISSING = "—"  # a detail the debtor left empty
ACTION_LABELS = {
    "pay": "Pay now",
    "arrangement": "Payment plan",
    "later": "Pay later",
    "help": "Help",
    "dispute": "Dispute",
    "paid": "Already paid",
    "callback": "Call back",
}
# The details each step stores (app/web/steps.py, app/payments/records.py), in words.
DETAIL_LABELS = {
    "amount_cents": "Amount",
    "total_cents": "Total",
    "installments": "Instalments",
    "first_date": "First payment",
    "phone": "Phone",
    "slot": "Call at",
    "reason": "Reason",
    "reference": "Payment reference",
    "referred": "Referred to debt help",
    "payment": "Payment ID",
    "document_id": "Proof of payment (document id)",
}
DATE_LABELS = {"later": "Promised date", "paid": "Paid on"}  # what ``date`` means per action


class OutcomeLike(Protocol):
    """An ``Outcome`` row or an ``OutcomeRow`` of the admin lists: anything with these."""

    @property
    def action(self) -> str: ...

    @property
    def node(self) -> str: ...

    @property
    def details(self) -> Mapping[str, Any]: ...


def action_label(action: str) -> str:
    """The step's name ("Payment plan"); an action this version does not know, as stored."""
    return ACTION_LABELS.get(action, action)


def node_titles(scene: Scene) -> dict[str, str]:
    """The scene's node titles by node id, for the nodes that have one (scene format 1.1
    gives nodes a title; version 1 nodes have none and are shown by their id)."""
    found = {}
    for node_id, body in scene.nodes.items():
        title = getattr(body, "title", None)
        if isinstance(title, str) and title.strip():
            found[node_id] = title.strip()
    return found


def node_label(node: str, scene_titles: Mapping[str, str]) -> str:
    return scene_titles.get(node) or node


def outcome_labels(
    outcome: OutcomeLike, scene_titles: Mapping[str, str], *, locale: str = OPERATOR_LOCALE
) -> list[tuple[str, str]]:
    """The outcome as (label, value) pairs: the action, the part of the video, each detail."""
    return [
        ("Action", action_label(outcome.action)),
        ("Part", node_label(outcome.node, scene_titles)),
        *detail_labels(outcome.action, outcome.details, locale=locale),
    ]


def detail_labels(
    action: str, details: Mapping[str, Any], *, locale: str = OPERATOR_LOCALE
) -> list[tuple[str, str]]:
    """Each detail with its label and its value formatted for ``locale``; a plan's
    instalments in one line ("3 × €49.40 from 8 Dec 2026")."""  # noqa: RUF002
    shown: list[tuple[str, str]] = []
    rest = dict(details)
    schedule = _schedule(rest, locale)
    if schedule is not None:
        shown.append(("Instalments", schedule))
        for key in ("installments", "first_date"):
            rest.pop(key)
    for key, value in rest.items():
        label = DATE_LABELS.get(action, "Date") if key == "date" else _label(key)
        shown.append((label, _value(key, value, locale)))
    return shown


def _schedule(details: Mapping[str, Any], locale: str) -> str | None:
    """A plan in words from what the plan step stores: the count, the first date, the total.
    The cents that do not divide go to the first instalments (``app.selfservice.plan``)."""
    count, total = details.get("installments"), details.get("total_cents")
    first = _day(details.get("first_date"))
    if not isinstance(count, int) or count < 1 or not isinstance(total, int) or first is None:
        return None
    base, extra = divmod(total, count)
    parts = [f"{count - extra} × {_money(base, locale)}"]
    if extra:
        parts.insert(0, f"{extra} × {_money(base + 1, locale)}")
    return f"{' then '.join(parts)} from {format_date(first, 'medium', locale=locale)}"


def _label(key: str) -> str:
    known = DETAIL_LABELS.get(key)
    if known is not None:
        return known
    words = key.removesuffix("_cents").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else key


def _value(key: str, value: Any, locale: str) -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key.endswith("_cents") and isinstance(value, int):
        return _money(value, locale)
    day, moment = _day(value), _moment(value)
    if day is not None:
        return format_date(day, "medium", locale=locale)
    if moment is not None:
        time = format_time(moment.time(), "short", locale=locale)
        return f"{format_date(moment.date(), 'medium', locale=locale)}, {time}"
    return str(value)


def _money(cents: int, locale: str) -> str:
    return format_currency(Decimal(cents) / 100, "EUR", locale=locale)


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    """An ISO date and time (a callback's slot), as stored: the wall-clock time offered."""
    if not isinstance(value, str) or len(value) < 16 or "T" not in value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
