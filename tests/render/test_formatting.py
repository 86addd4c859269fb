from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from render.formatting import (
    Value,
    format_day,
    format_locale,
    format_money,
    format_number,
    format_variable,
    parse_variable,
    placeholder_values,
)
from render.scene import CASE_PLACEHOLDERS, Contact

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", f"€{NBSP}1.234,56"),
        ("en", "€1,234.56"),
        ("de", f"1.234,56{NBSP}€"),
        ("tr", "€1.234,56"),
        ("es", f"1.234,56{NBSP}€"),
    ],
)
def test_money_per_locale(language: str, expected: str) -> None:
    assert format_money(Decimal("1234.56"), language) == expected


def test_money_keeps_cents_exact() -> None:
    assert format_money(Decimal("0.10") + Decimal("0.20"), "en") == "€0.30"
    assert format_money(Decimal("12345678.9"), "nl") == f"€{NBSP}12.345.678,90"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "5 maart 2026"),
        ("en", "5 March 2026"),
        ("de", "5. März 2026"),
        ("tr", "5 Mart 2026"),
        ("es", "5 de marzo de 2026"),
    ],
)
def test_dates_per_locale(language: str, expected: str) -> None:
    assert format_day(date(2026, 3, 5), language) == expected


def test_numbers_and_regions() -> None:
    assert format_number(Decimal("1234.5"), "de") == "1.234,5"
    assert format_locale("nl") == "nl_NL"
    assert format_locale("fr") == "fr"
    assert format_locale("pt_BR") == "pt_BR"


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("money", "1.234,56", "not an amount"),
        ("money", "12.345", "not an amount"),
        ("money", "abc", "not an amount"),
        ("date", "05-03-2026", "not a date"),
        ("date", "2026-02-30", "not a date"),
        ("number", "1e5", "not a number"),
    ],
)
def test_parse_variable_refuses_ambiguous_input(kind: str, raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_variable(kind, raw)  # type: ignore[arg-type]


def test_parse_variable_reads_csv_values() -> None:
    assert parse_variable("money", " 1234.5 ") == Decimal("1234.5")
    assert parse_variable("date", "2026-03-05") == date(2026, 3, 5)
    assert parse_variable("text", " Ana ") == " Ana "


def test_format_variable_accepts_raw_csv_text() -> None:
    assert format_variable("money", "99.90", "de") == f"99,90{NBSP}€"
    assert format_variable("date", "2026-12-01", "en") == "1 December 2026"


def test_placeholder_values_format_variables_and_contact_for_the_language() -> None:
    contact = Contact(phone="+31 10 000 0000", hours="Mo-Fr 08:00-18:00", team="Team Blue")
    values = placeholder_values(
        {"name": "text", "amount_due": "money", "due_date": "date"},
        {"name": "Ayşe", "amount_due": Decimal("80.00"), "due_date": date(2026, 1, 2)},
        contact,
        "tr",
    )
    assert values == {
        "phone": "+31 10 000 0000",
        "hours": "Pzt–Cum 08:00–18:00",
        "team": "Team Blue",
        "name": "Ayşe",
        "amount_due": "€80,00",
        "due_date": "2 Ocak 2026",
        **dict.fromkeys(CASE_PLACEHOLDERS, ""),  # no case given: each one empty
    }


def test_case_placeholders_are_formatted_per_locale_and_a_variable_of_the_name_wins() -> None:
    contact = Contact(phone="+31 10 000 0000")
    case: dict[str, Value] = {
        "open_amount": Decimal("98.80"),
        "next_installment_amount": Decimal("49.40"),
        "next_installment_date": date(2026, 3, 5),
        "installments_left": Decimal("2"),
        "case_reference": "DEMO-NL-1-7",
    }
    values = placeholder_values({}, case, contact, "nl")
    assert (values["open_amount"], values["next_installment_date"]) == (
        f"€{NBSP}98,80",
        "5 maart 2026",
    )
    assert (values["installments_left"], values["case_reference"]) == ("2", "DEMO-NL-1-7")
    assert values["promise_date"] == values["paid_amount"] == ""  # the case has none
    spoken = placeholder_values({}, case, contact, "de", spoken=True)
    assert spoken["next_installment_amount"] == "neunundvierzig Euro und vierzig Cent"
    assert spoken["next_installment_date"] == "fünften März zweitausendsechsundzwanzig"
    assert spoken["case_reference"] == "D E M O, N L, eins, sieben"  # read out as on the phone
    assert spoken["installments_left"] == "zwei"
    own = placeholder_values({"open_amount": "text"}, {"open_amount": "see letter"}, contact, "en")
    assert own["open_amount"] == "see letter"
