"""What each step's page shows besides its form: its title and the values it offers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import phonenumbers
from babel.dates import format_date, format_skeleton

from app.i18n import Gettext, money
from app.selfservice import (
    CALLBACK_SLOT,
    callback_slots,
    first_date_window,
    installment_counts,
    later_window,
    paid_window,
)
from app.web.step_base import Step, current_case
from render.formatting import format_locale

# A mobile number as people write it in the country of each language (fictitious numbers;
# the English one from the range the UK keeps for drama).
PHONE_EXAMPLES = {
    "nl": "06 12345678",
    "en": "07700 900123",
    "de": "0151 23456789",
    "tr": "0532 123 45 67",
    "es": "612 34 56 78",
}

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


def phone_example(language: str) -> str:
    """An example phone number for the debtor's language, with no-break spaces: it never
    breaks across lines, wherever it is shown."""
    return PHONE_EXAMPLES.get(language, PHONE_EXAMPLES["en"]).replace(" ", "\u00a0")


def callback_days(step: Step) -> dict[date, list[datetime]]:
    """The days a callback can be planned on, each with its hour-long slots within the
    contact hours, from the next hour on."""
    days: dict[date, list[datetime]] = {}
    for slot in callback_slots(step.visit.loaded.scene, step.now()):
        days.setdefault(slot.date(), []).append(slot)
    return days


def day_label(value: date, language: str) -> str:
    """A day as a callback list names it: "Monday 7 December", "Maandag 7 december"."""
    locale = format_locale(language)
    named = f"{format_date(value, 'EEEE', locale=locale)} {format_skeleton('MMMMd', value, locale=locale)}"
    return named[:1].upper() + named[1:]


def _readable(e164: str | None) -> str:
    """The number the creditor has for the debtor (stored as +31612345678) as people read it:
    +31 6 12345678."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _hour_label(start: time) -> str:
    end = (datetime.combine(date.min, start) + CALLBACK_SLOT).time()
    return f"{start:%H:%M}\u2013{end:%H:%M}"


def _callback_fields(step: Step) -> dict[str, Any]:
    """The phone (the one the creditor has, unless the debtor sent another), the days with the
    times open on each, every time of the hours, and an example number for the language."""
    language = step.visit.language
    days = callback_days(step)
    times = sorted({slot.time() for slots in days.values() for slot in slots})
    return _fields(step) | {
        "days": [
            (d.isoformat(), day_label(d, language), " ".join(f"{s:%H:%M}" for s in slots))
            for d, slots in days.items()
        ],
        "times": [(f"{t:%H:%M}", _hour_label(t)) for t in times],
        "your_phone": step.form.get("phone", _readable(step.visit.debtor.phone)),
        "example": phone_example(language),
        "help_url": step.visit.loaded.scene.contact.help_url,
    }


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
    "help": _callback_fields,
    "dispute": _fields,
    "paid": lambda step: _paid_fields(step),
    "callback": _callback_fields,
}
