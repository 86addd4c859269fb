"""Every self-service step and every policy rule, through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Debtor, Event, Outcome, Payment

NL = "DEMO-NL-1"  # owes €\u00a0148,20 (Babel writes a no-break space)


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _post(
    web: TestClient, token: str, node: str, fields: dict[str, str], *, mode: str = "video"
) -> Response:
    form = {"submission": str(uuid.uuid4()), **fields}
    return web.post(f"/v/{token}/step/{node}?lang=nl&mode={mode}", data=form)


def _outcomes(db: Session) -> list[Outcome]:
    db.expire_all()
    return list(db.scalars(select(Outcome).order_by(Outcome.id)))


def test_every_step_page_is_offered_in_the_debtors_language(
    web: TestClient, campaign: dict[str, str]
) -> None:
    token = campaign[NL]
    for node in ("pay_how", "plan", "later", "cannot_pay", "dispute", "already_paid", "callback"):
        page = web.get(f"/v/{token}/step/{node}?lang=nl")
        assert page.status_code == 200, node
        assert '<html lang="nl">' in page.text
        assert 'name="submission"' in page.text


def test_a_payment_plan_is_previewed_then_stored_adding_up_to_the_cent(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    first = _today() + timedelta(days=3)
    fields = {"amount_cents": "14820", "installments": "5", "first_date": first.isoformat()}
    preview = _post(web, token, "plan", fields)
    assert preview.status_code == 200
    assert "€\u00a029,64" in preview.text and "Totaal" in preview.text
    assert _outcomes(db) == []
    submission = str(uuid.uuid4())
    confirm = {"submission": submission, **fields, "confirm": "yes"}
    done = web.post(f"/v/{token}/step/plan?lang=nl", data=confirm)
    assert done.status_code == 303
    assert done.headers["location"] == f"/v/{token}/agreed?lang=nl&mode=video&next=thanks"
    again = web.post(f"/v/{token}/step/plan?lang=nl", data=confirm)  # sent twice: stored once
    assert again.status_code == 303
    (outcome,) = _outcomes(db)
    assert outcome.action == "arrangement"
    assert [i.amount_cents for i in outcome.installments] == [2964] * 5
    assert sum(i.amount_cents for i in outcome.installments) == 14820
    assert outcome.installments[0].due == first
    assert outcome.installments[1].due.month == (first.month % 12) + 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"installments": "7"}, "Kies een aantal betalingen uit de lijst."),
        ({"installments": "6"}, "Kies een aantal betalingen uit de lijst."),  # 148,20 / 6 < 25,00
        ({"installments": "1"}, "Kies een aantal betalingen uit de lijst."),
        ({"installments": "x"}, "Kies een aantal."),
        ({"first_date": "2020-01-01"}, "Kies een datum van"),
        ({"first_date": "soon"}, "Kies een datum."),
        ({"amount_cents": "100"}, "Het bedrag klopt niet met wat u moet betalen."),
    ],
)
def test_payment_plan_rules_are_enforced_and_nothing_is_stored(
    web: TestClient, campaign: dict[str, str], db: Session, fields: dict[str, str], message: str
) -> None:
    good = {
        "amount_cents": "14820",
        "installments": "3",
        "first_date": _today().isoformat(),
        "confirm": "yes",
    }
    response = _post(web, campaign[NL], "plan", {**good, **fields})
    assert response.status_code == 422
    assert message in response.text
    assert _outcomes(db) == []


def test_pay_later_within_the_window(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    too_late = (_today() + timedelta(days=31)).isoformat()
    assert _post(web, token, "later", {"date": too_late}).status_code == 422
    assert _post(web, token, "later", {"date": _today().isoformat()}).status_code == 422
    fine = (_today() + timedelta(days=30)).isoformat()
    response = _post(web, token, "later", {"date": fine}, mode="text")
    assert response.headers["location"] == f"/v/{token}/agreed?lang=nl&mode=text&next=thanks"
    (outcome,) = _outcomes(db)
    assert (outcome.action, outcome.details["date"], outcome.details["amount_cents"]) == (
        "later",
        fine,
        14820,
    )


def test_dispute_marks_the_debtor_disputed(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    assert _post(web, token, "dispute", {"reason": "no"}).status_code == 422
    assert (
        _post(
            web, token, "dispute", {"reason": "Ik ben al lang verhuisd.", "phone": "call me"}
        ).status_code
        == 422
    )
    assert (
        _post(
            web,
            token,
            "dispute",
            {"reason": "Ik ben al lang verhuisd.", "phone": "+31 6 1234 5678"},
        ).status_code
        == 303
    )
    (outcome,) = _outcomes(db)
    assert outcome.details == {"reason": "Ik ben al lang verhuisd.", "phone": "+31 6 1234 5678"}
    debtor = db.scalar(select(Debtor).where(Debtor.reference == NL))
    assert debtor is not None and debtor.disputed


def test_already_paid_needs_a_past_date(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    assert _post(web, token, "already_paid", {"date": tomorrow}).status_code == 422
    assert _post(web, token, "already_paid", {"date": "2001-01-01"}).status_code == 422
    assert (
        _post(
            web, token, "already_paid", {"date": _today().isoformat(), "reference": "x" * 101}
        ).status_code
        == 422
    )
    ok = _post(
        web, token, "already_paid", {"date": _today().isoformat(), "reference": "NL12 INGB 42"}
    )
    assert ok.status_code == 303
    (outcome,) = _outcomes(db)
    assert outcome.details == {"date": _today().isoformat(), "reference": "NL12 INGB 42"}


def _slots(page: str) -> list[str]:
    return re.findall(r'<option value="(\d{4}-\d\d-\d\dT\d\d:\d\d)"', page)


def test_callback_only_at_offered_times(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    slots = _slots(web.get(f"/v/{token}/step/callback?lang=nl").text)
    assert slots
    assert (
        _post(
            web, token, "callback", {"phone": "+31 6 1234 5678", "slot": "2026-11-29T03:00"}
        ).status_code
        == 422
    )
    assert _post(web, token, "callback", {"phone": "", "slot": slots[0]}).status_code == 422
    assert (
        _post(web, token, "callback", {"phone": "+31 6 1234 5678", "slot": slots[0]}).status_code
        == 303
    )
    (outcome,) = _outcomes(db)
    assert outcome.details == {"phone": "+31 6 1234 5678", "slot": slots[0]}


def test_help_refers_and_optionally_plans_a_callback(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    page = web.get(f"/v/{token}/step/cannot_pay?lang=nl").text
    assert 'href="https://example.org/debt-help"' in page
    assert _post(web, token, "cannot_pay", {"phone": "", "slot": ""}).status_code == 303
    (outcome,) = _outcomes(db)
    assert outcome.details == {"referred": True}


def test_the_demo_payment_is_paid_once_and_leads_on(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    assert _post(web, token, "pay_how", {"amount_cents": "99"}).status_code == 422
    started = _post(web, token, "pay_how", {"amount_cents": "14820"})
    checkout = started.headers["location"]
    assert re.match(r"^http://127\.0\.0\.1:8000/pay/demo/demo_[\w-]+\?lang=nl$", checkout)
    path = checkout.removeprefix("http://127.0.0.1:8000")
    page = web.get(path)
    assert "€\u00a0148,20" in page.text
    paid = web.post(path.split("?")[0], data={"outcome": "paid"})
    back = paid.headers["location"].removeprefix("http://127.0.0.1:8000")
    assert back == f"/v/{token}/step/pay_how/return?lang=nl&mode=video"
    assert "Bedankt voor uw betaling" in web.get(back).text
    web.post(path.split("?")[0], data={"outcome": "paid"})  # the bank says it twice
    (outcome,) = _outcomes(db)
    assert (outcome.action, outcome.details["amount_cents"]) == ("pay", 14820)
    (payment,) = db.scalars(select(Payment))
    assert payment.status == "paid"


def test_a_cancelled_payment_stores_no_outcome(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    checkout = _post(web, token, "pay_how", {"amount_cents": "14820"}).headers["location"]
    path = checkout.removeprefix("http://127.0.0.1:8000").split("?")[0]
    back = (
        web.post(path, data={"outcome": "canceled"})
        .headers["location"]
        .removeprefix("http://127.0.0.1:8000")
    )
    assert "Er is niets betaald." in web.get(back).text
    assert _outcomes(db) == []


def test_steps_the_scene_does_not_offer_here_are_refused(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    assert web.get(f"/v/{token}/step/menu?lang=nl").status_code == 422  # no action at this node
    assert web.get(f"/v/{token}/step/nowhere?lang=nl").status_code == 404
    assert _post(web, token, "menu", {}).status_code == 422
    assert (
        web.post(f"/v/{token}/step/plan?lang=nl", data={"installments": "2"}).status_code == 422
    )  # no form id
    assert _outcomes(db) == []
    assert list(db.scalars(select(Event).where(Event.type == "action_completed"))) == []


def test_an_oversized_form_is_refused(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    response = web.post(
        f"/v/{campaign[NL]}/step/dispute?lang=nl",
        data={"submission": "x" * 10, "reason": "a" * 20_000},
    )
    assert response.status_code == 413
    assert _outcomes(db) == []


def test_one_debtors_payment_cannot_be_reached_with_anothers_link(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    _post(web, campaign[NL], "pay_how", {"amount_cents": "14820"})
    other = campaign["DEMO-TR-1"]
    assert web.get(f"/v/{other}/step/pay_how/return?lang=tr").status_code == 404
    (payment,) = db.scalars(select(Payment))
    assert payment.status == "open"


def test_paid_in_full_the_pay_step_says_so_and_starts_nothing(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    checkout = _post(web, token, "pay_how", {"amount_cents": "14820"}).headers["location"]
    again = _post(web, token, "pay_how", {"amount_cents": "14820"})  # a second tab, a retry
    assert again.headers["location"] == checkout  # the payment under way, not a new one
    path = checkout.removeprefix("http://127.0.0.1:8000").split("?")[0]
    web.post(path, data={"outcome": "paid"})
    for response in (
        web.get(f"/v/{token}/step/pay_how?lang=nl"),
        _post(web, token, "pay_how", {"amount_cents": "14820"}),
        _post(web, token, "later", {"date": (_today() + timedelta(days=3)).isoformat()}),
    ):
        assert response.status_code == 409
        assert "Alles is betaald. Dank u wel!" in response.text
    assert len(list(db.scalars(select(Payment)))) == 1


def test_a_second_promise_is_refused_with_what_stands(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    promised = _today() + timedelta(days=5)
    assert _post(web, token, "later", {"date": promised.isoformat()}).status_code == 303
    again = _post(web, token, "later", {"date": (promised + timedelta(days=1)).isoformat()})
    assert again.status_code == 409
    assert "U hebt ons al laten weten dat u op" in again.text
    assert len(_outcomes(db)) == 1


def test_the_demo_checkout_falls_back_to_the_debtors_language(
    web: TestClient, campaign: dict[str, str]
) -> None:
    checkout = _post(web, campaign[NL], "pay_how", {"amount_cents": "14820"}).headers["location"]
    path = checkout.removeprefix("http://127.0.0.1:8000").split("?")[0]
    for lang in ("xx", "../../etc", ""):
        page = web.get(f"{path}?lang={lang}")
        assert page.status_code == 200
        assert '<html lang="nl"' in page.text
