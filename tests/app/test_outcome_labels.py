"""Outcomes in words for operators: action names, part titles, details with labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.outcome_labels import action_label, detail_labels, node_titles, outcome_labels
from render.content import ContentRoot
from render.validate import load_scene


@dataclass(frozen=True)
class Stored:
    """An outcome as the lists hold it (``OutcomeRow`` has these fields too)."""

    action: str
    node: str
    details: dict[str, Any] = field(default_factory=dict)


def test_every_action_has_a_name_and_an_unknown_one_is_shown_as_stored() -> None:
    names = [
        action_label(a)
        for a in ("arrangement", "later", "dispute", "paid", "callback", "help", "pay")
    ]
    assert names == [
        "Payment plan", "Pay later", "Dispute", "Already paid", "Call back", "Help", "Pay now",
    ]  # fmt: skip
    assert action_label("teleport") == "teleport"


def test_a_plan_reads_as_its_instalments() -> None:
    plan = Stored(
        "arrangement", "plan", {"installments": 5, "first_date": "2026-12-08", "total_cents": 8995}
    )
    assert outcome_labels(plan, {"plan": "Choose a payment plan"}) == [
        ("Action", "Payment plan"),
        ("Part", "Choose a payment plan"),
        ("Instalments", "5 × €17.99 from 8 Dec 2026"),
        ("Total", "€89.95"),
    ]
    uneven = {"installments": 3, "first_date": "2026-12-08", "total_cents": 8995}
    assert detail_labels("arrangement", uneven)[0] == (
        "Instalments",
        "1 × €29.99 then 2 × €29.98 from 8 Dec 2026",  # the odd cent goes first, as planned
    )


def test_empty_details_are_a_dash_and_dates_and_amounts_are_formatted() -> None:
    dispute = Stored("dispute", "dispute", {"reason": "Not my bill", "phone": None})
    assert outcome_labels(dispute, {}) == [
        ("Action", "Dispute"),
        ("Part", "dispute"),  # no title: the node's id
        ("Reason", "Not my bill"),
        ("Phone", "—"),
    ]
    later = {"date": "2026-12-08", "amount_cents": 14820}
    assert detail_labels("later", later) == [("Promised date", "8 Dec 2026"), ("Amount", "€148.20")]
    paid = {"date": "2026-11-30", "reference": ""}
    assert detail_labels("paid", paid) == [("Paid on", "30 Nov 2026"), ("Payment reference", "—")]
    callback = {"phone": "06 1234 5678", "slot": "2026-12-08T10:00+01:00"}
    assert detail_labels("callback", callback) == [
        ("Phone", "06 1234 5678"),
        ("Call at", "8 Dec 2026, 10:00"),
    ]
    assert detail_labels("help", {"referred": True}) == [("Referred to debt help", "Yes")]


def test_another_locale_formats_the_values_its_way() -> None:
    later = {"date": "2026-12-08", "amount_cents": 14820}
    assert detail_labels("later", later, locale="nl_NL") == [
        ("Promised date", "8 dec 2026"),
        ("Amount", "€\u00a0148,20"),
    ]


def test_odd_details_are_shown_not_crashed_on() -> None:
    odd = {"installments": "three", "first_date": "soon", "total_cents": None, "extra_info": [1]}
    assert detail_labels("arrangement", odd) == [
        ("Instalments", "three"),
        ("First payment", "soon"),
        ("Total", "—"),
        ("Extra info", "[1]"),
    ]


def test_version_1_scenes_have_no_node_titles(bundled: ContentRoot) -> None:
    scene = load_scene(bundled.find_scene("arrears"), bundled)
    assert node_titles(scene) == {}  # so every part is shown by its id
