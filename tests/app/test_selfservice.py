from __future__ import annotations

from datetime import date, datetime

import pytest

from app.selfservice import (
    RuleError,
    add_months,
    callback_slots,
    check_callback,
    check_later,
    check_paid_amount,
    check_paid_date,
    eligible,
    euro_cents,
    installment_counts,
    offered_choices,
    plan,
)
from render.content import ContentRoot
from render.scene import Scene
from render.validate import load_scene
from tests.conftest import REPO

TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture(scope="module")
def scene() -> Scene:
    root = ContentRoot(REPO)
    return load_scene(root.find_scene("arrears"), root)  # min_total 50, max 6, min 25, within 14


@pytest.mark.parametrize(
    ("cents", "counts"),
    [(4999, []), (5000, [2]), (7499, [2]), (7500, [2, 3]), (100_000, [2, 3, 4, 5, 6])],
)
def test_installment_counts_follow_the_policy(scene: Scene, cents: int, counts: list[int]) -> None:
    assert installment_counts(scene, cents) == counts


@pytest.mark.parametrize(("cents", "count"), [(10_000, 3), (12_345, 4), (100_001, 6), (5_000, 2)])
def test_a_plan_adds_up_to_the_cent_monthly_from_the_first_date(
    scene: Scene, cents: int, count: int
) -> None:
    schedule = plan(scene, cents, count, date(2026, 12, 1), TODAY)
    assert sum(i.cents for i in schedule) == cents
    assert max(i.cents for i in schedule) - min(i.cents for i in schedule) <= 1
    assert [i.due for i in schedule] == [add_months(date(2026, 12, 1), n) for n in range(count)]
    assert [i.number for i in schedule] == list(range(1, count + 1))


def test_month_ends_are_kept_in_short_months() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 12, 15), 1) == date(2028, 1, 15)


@pytest.mark.parametrize(
    ("count", "first", "code"),
    [(7, date(2026, 11, 30), "installments"), (1, date(2026, 11, 30), "installments"),
     (3, date(2026, 11, 22), "date_window"), (3, date(2026, 12, 8), "date_window")],
)  # fmt: skip
def test_plan_rules(scene: Scene, count: int, first: date, code: str) -> None:
    with pytest.raises(RuleError) as failure:
        plan(scene, 20_000, count, first, TODAY)
    assert failure.value.code == code


def test_later_within_max_days(scene: Scene) -> None:
    assert check_later(scene, date(2026, 12, 23), TODAY) == date(2026, 12, 23)
    for wrong in (TODAY, date(2026, 12, 24)):
        with pytest.raises(RuleError):
            check_later(scene, wrong, TODAY)


def test_paid_dates_in_the_past_year() -> None:
    assert check_paid_date(TODAY, TODAY) == TODAY
    for wrong, code in ((date(2026, 11, 24), "paid_future"), (date(2025, 11, 1), "paid_too_old")):
        with pytest.raises(RuleError, match=code):
            check_paid_date(wrong, TODAY)


def test_callback_slots_lie_within_the_contact_hours(scene: Scene) -> None:
    now = datetime(2026, 11, 27, 16, 30)  # Friday afternoon; hours Mo-Fr 08:00-18:00
    slots = callback_slots(scene, now)
    assert slots[0] == datetime(2026, 11, 27, 17, 0)
    assert slots[1] == datetime(2026, 11, 30, 8, 0)  # not at the weekend
    assert all(s.weekday() < 5 and 8 <= s.hour < 18 for s in slots)
    assert check_callback(scene, slots[3], now) == slots[3]
    for wrong in (
        datetime(2026, 11, 28, 10, 0),
        datetime(2026, 11, 30, 18, 0),
        datetime(2026, 11, 30, 9, 30),
    ):
        with pytest.raises(RuleError):
            check_callback(scene, wrong, now)


def test_choices_to_steps_a_debtor_cannot_take_are_not_offered(scene: Scene) -> None:
    more_time = [c.goto for c in offered_choices(scene, "more_time", 20_000)]
    assert more_time == ["plan", "later", "cannot_pay", "menu"]
    assert [c.goto for c in offered_choices(scene, "more_time", 4_000)] == [
        "later",
        "cannot_pay",
        "menu",
    ]
    assert not eligible(scene, "pay", None)
    assert eligible(scene, "dispute", None)


def test_an_amount_paid_is_read_as_people_type_euros() -> None:
    typed = {
        "25": 2500, "25,5": 2550, "25.50": 2550, "€ 1.234,56": 123456, "1,234.56": 123456,
        "1 234,56": 123456, "\u20ac\u00a0148,20": 14820, " 0,01 ": 1,
    }  # fmt: skip
    for text, cents in typed.items():
        assert euro_cents(text) == cents, text
    for text in ("", "tien", "-5", "1,2,3", "1.2345", "25,", "12e3", "0x10"):
        with pytest.raises(RuleError, match="amount_format"):
            euro_cents(text)
    assert check_paid_amount(14820, 14820) == 14820
    with pytest.raises(RuleError, match="amount_zero"):
        check_paid_amount(0, 14820)
    with pytest.raises(RuleError, match="amount_over"):
        check_paid_amount(14821, 14820)
