"""What each step's page shows besides its form: its title and the values it offers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.i18n import Gettext, day, money
from app.selfservice import (
    callback_slots,
    first_date_window,
    installment_counts,
    later_window,
    paid_window,
)
from app.web.step_base import Step, current_case

TITLES: dict[str, Callable[[Gettext], str]] = {
    "pay": lambda _: _("Pay now"),
    "arrangement": lambda _: _("Payment plan"),
    "later": lambda _: _("Pay later"),
    "help": lambda _: _("Help with debts"),
    "dispute": lambda _: _("I do not agree"),
    "paid": lambda _: _("I already paid"),
    "callback": lambda _: _("Call me back"),
}


def _fields(step: Step) -> dict[str, Any]:
    """What every step's page shows: what is still open."""
    return {
        "amount": money(current_case(step).open_cents, step.visit.language),
        "amount_cents": current_case(step).open_cents,
    }


def _arrangement_fields(step: Step) -> dict[str, Any]:
    scene, language = step.visit.loaded.scene, step.visit.language
    earliest, latest = first_date_window(scene, step.today())
    counts = installment_counts(scene, current_case(step).open_cents)
    options = [(n, money(current_case(step).open_cents // n, language)) for n in counts]
    return _fields(step) | {"counts": options, "earliest": earliest, "latest": latest}


def _later_fields(step: Step) -> dict[str, Any]:
    earliest, latest = later_window(step.visit.loaded.scene, step.today())
    return _fields(step) | {"earliest": earliest, "latest": latest}


def _slot_fields(step: Step) -> dict[str, Any]:
    language = step.visit.language
    slots = callback_slots(step.visit.loaded.scene, step.now())
    shown = [
        (s.isoformat(timespec="minutes"), f"{day(s.date(), language)}, {s:%H:%M}") for s in slots
    ]
    return _fields(step) | {"slots": shown, "help_url": step.visit.loaded.scene.contact.help_url}


def _pay_fields(step: Step) -> dict[str, Any]:
    """Under a plan the next instalment (what is left of it), else all that is open."""
    cents = current_case(step).payable_cents
    return {"amount": money(cents, step.visit.language), "amount_cents": cents}


def _paid_fields(step: Step) -> dict[str, Any]:
    """The dates a payment may have been made on, and the largest file a proof may be."""
    earliest, latest = paid_window(step.today())
    megabytes = f"{step.state.settings.max_proof_bytes / 1_000_000:g}"
    return _fields(step) | {"earliest": earliest, "today": latest, "proof_megabytes": megabytes}


FIELDS: dict[str, Callable[[Step], dict[str, Any]]] = {
    "pay": _pay_fields,
    "arrangement": _arrangement_fields,
    "later": _later_fields,
    "help": _slot_fields,
    "dispute": _fields,
    "paid": lambda step: _paid_fields(step),
    "callback": _slot_fields,
}
