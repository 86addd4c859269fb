"""Debtor variables and contact fields as text, formatted per locale with Babel.

Placeholders are filled after translation with values formatted for the debtor's language:
``€ 1.234,56`` in Dutch, ``€1,234.56`` in English, ``1.234,56 €`` in German.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal

from render.hours import format_hours, parse_hours
from render.scene import CASE_PLACEHOLDERS, Contact, VariableType
from render.spoken import (
    looks_like_reference,
    spoken_day,
    spoken_hours,
    spoken_money,
    spoken_number,
    spoken_phone,
    spoken_reference,
)

CURRENCY = "EUR"
# A bare language formats as its most common region here: the Netherlands-based defaults.
REGIONS = {"nl": "nl_NL", "en": "en_GB", "de": "de_DE", "tr": "tr_TR", "es": "es_ES"}
_MONEY = re.compile(r"^-?\d{1,10}(\.\d{1,2})?$")
_NUMBER = re.compile(r"^-?\d{1,12}(\.\d{1,6})?$")

Value = str | Decimal | date


def base_language(language: str) -> str:
    """The language of a code without its region: "nl" for "nl_BE" or "nl-BE"."""
    return language.replace("-", "_").split("_")[0]


def format_locale(language: str) -> str:
    """The Babel locale used to format values for ``language`` (``nl`` -> ``nl_NL``)."""
    return REGIONS.get(language, str(Locale.parse(language)))


def format_money(amount: Decimal, language: str) -> str:
    return format_currency(amount, CURRENCY, locale=format_locale(language))


def format_day(day: date, language: str) -> str:
    """A date written out (``5 maart 2026``): easier to read and to speak than ``05-03-2026``."""
    return babel_format_date(day, format="long", locale=format_locale(language))


def format_number(value: Decimal | int, language: str) -> str:
    return format_decimal(value, locale=format_locale(language))


def parse_variable(kind: VariableType, raw: str) -> Value:
    """A variable from its CSV text: money as ``1234.56``, dates as ISO ``2026-03-05``.

    Raises ValueError with a message that says what a valid value looks like.
    """
    text = raw.strip()
    if kind == "money":
        if not _MONEY.match(text):
            raise ValueError(f"'{raw}' is not an amount; write it like 1234.56")
        return Decimal(text)
    if kind == "number":
        if not _NUMBER.match(text):
            raise ValueError(f"'{raw}' is not a number; write it like 12 or 3.5")
        return Decimal(text)
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"'{raw}' is not a date; write it like 2026-03-05") from None
    return raw


def format_variable(kind: VariableType, value: Value, language: str) -> str:
    """One variable as the debtor reads it; raw CSV strings are parsed first."""
    value = _parsed(kind, value)
    if kind == "money":
        return format_money(_decimal(value), language)
    if kind == "number":
        return format_number(_decimal(value), language)
    if kind == "date":
        if not isinstance(value, date):
            raise TypeError(f"a date variable needs a date, not {value!r}")
        return format_day(value, language)
    return str(value)


def _decimal(value: Value) -> Decimal:
    try:
        return Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise TypeError(f"an amount needs a number, not {value!r}") from None


def placeholder_values(
    variables: Mapping[str, VariableType],
    values: Mapping[str, Value],
    contact: Contact,
    language: str,
    *,
    spoken: bool = False,
) -> dict[str, str]:
    """Every placeholder a scene may use, formatted for ``language``.

    ``spoken`` gives the forms for the voice-over (amounts in words, phone numbers digit by
    digit); the captions and the screen use the written forms. Contact fields come first, then
    the case values (``CASE_PLACEHOLDERS``, empty when the case has none), so a debtor variable
    of the same name wins.
    """
    filled = dict(contact.fields())
    if spoken:
        filled["phone"] = spoken_phone(contact.phone, language)
    if contact.hours is not None:
        spans = parse_hours(contact.hours)
        filled["hours"] = (
            spoken_hours(spans, language)
            if spoken
            else format_hours(spans, format_locale(language))
        )
    for name, kind in {**CASE_PLACEHOLDERS, **variables}.items():
        value = values.get(name)
        if value is None:
            if name in CASE_PLACEHOLDERS and name not in variables:
                filled[name] = ""  # the case has none (no plan, no promise): neutral
            continue
        filled[name] = (
            spoken_variable(kind, value, language)
            if spoken
            else format_variable(kind, value, language)
        )
    return filled


def spoken_variable(kind: VariableType, value: Value, language: str) -> str:
    """One variable as the voice-over says it (:mod:`render.spoken`): amounts, dates, whole
    numbers and references in words; other text as it is."""
    value = _parsed(kind, value)
    if kind == "money":
        return spoken_money(_decimal(value), language)
    if kind == "number":
        return spoken_number(_decimal(value), language)
    if kind == "date" and isinstance(value, date):
        return spoken_day(value, language)
    text = str(value)
    return spoken_reference(text, language) if looks_like_reference(text) else text


def _parsed(kind: VariableType, value: Value) -> Value:
    return parse_variable(kind, value) if isinstance(value, str) and kind != "text" else value
