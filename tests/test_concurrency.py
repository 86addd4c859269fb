"""Double clicks, parallel requests and crashes against a real server, on both databases.

Each test starts uvicorn in its own process (``tests/live_server.py``) and sends what a
careless debtor, a hostile one, or the payment provider would send at the same moment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.orm import Session

from app.auth import add_user
from app.db import IMMEDIATE
from app.models import Debtor, Event, Outcome, Payment
from tests.admin_session import PASSWORD, csrf_of
from tests.live_server import REPO, Served, serve

pytestmark = pytest.mark.slow


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[Served]:
    with serve(tmp_path, database_url, debtors=10) as served:
        yield served


def _count(served: Served, query: object) -> int:
    engine = create_engine(served.settings.database)
    with Session(engine) as session:
        value = session.scalar(query)  # type: ignore[call-overload]
    engine.dispose()
    return int(value or 0)


def _dispute(served: Served, reference: str, submission: str | None = None) -> httpx.Response:
    form = {"submission": submission or str(uuid.uuid4()), "reason": "I never had this bill"}
    with served.client() as client:
        return client.post(f"/v/{served.tokens[reference]}/step/dispute?lang=en", data=form)


def _plan(served: Served, reference: str, submission: str) -> httpx.Response:
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()
    form = {
        "submission": submission, "amount_cents": "12000", "installments": "3",
        "first_date": today, "confirm": "yes",
    }  # fmt: skip
    with served.client() as client:
        return client.post(f"/v/{served.tokens[reference]}/step/plan?lang=en", data=form)


def _pay(served: Served, reference: str) -> httpx.Response:
    form = {"submission": str(uuid.uuid4()), "amount_cents": "12000"}
    with served.client() as client:
        return client.post(f"/v/{served.tokens[reference]}/step/pay_how?lang=en", data=form)


@contextmanager
def _holding_lock(served: Served, reference: str) -> Iterator[Connection]:
    """Hold what a commitment for this debtor waits for: the debtor's row lock
    (PostgreSQL), the database's write lock (SQLite)."""
    engine = create_engine(served.settings.database)
    connection = engine.connect().execution_options(**{IMMEDIATE: True})
    if engine.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.begin()
        connection.execute(
            text("SELECT id FROM debtor WHERE reference = :ref FOR UPDATE"), {"ref": reference}
        )
    try:
        yield connection
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()


def test_a_step_waiting_for_its_lock_stops_no_other_page(live: Served) -> None:
    other = f"/v/{live.tokens['LIVE-2']}/step/dispute?lang=en"
    with ThreadPoolExecutor(2) as pool:
        with _holding_lock(live, "LIVE-1"):
            waiting = pool.submit(_dispute, live, "LIVE-1")
            time.sleep(0.5)
            assert not waiting.done()  # it waits for the lock...
            timings = []
            with live.client() as client:
                for _ in range(5):  # ...while every other page answers at once
                    started = time.perf_counter()
                    assert client.get(other).status_code == 200
                    timings.append(time.perf_counter() - started)
            assert max(timings) < 0.2, timings
        assert waiting.result(timeout=30).status_code == 303  # and then it is stored
    assert _count(live, select(func.count(Outcome.id))) == 1


def test_a_lock_held_too_long_is_a_clear_page_not_a_hang(live: Served) -> None:
    with _holding_lock(live, "LIVE-1"):
        started = time.perf_counter()
        response = _dispute(live, "LIVE-1")
        waited = time.perf_counter() - started
    assert response.status_code == 503
    assert "Nothing was saved" in response.text
    assert response.headers["retry-after"]
    assert waited < 15
    assert _count(live, select(func.count(Outcome.id))) == 0


def test_twenty_posts_of_one_form_store_it_once_and_answer_alike(live: Served) -> None:
    submission = str(uuid.uuid4())
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: _plan(live, "LIVE-1", submission), range(20)))
    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["location"] for a in answers}) == 1
    assert _count(live, select(func.count(Outcome.id))) == 1


def test_twenty_different_plans_at_once_make_one_plan(live: Served) -> None:
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: _plan(live, "LIVE-1", str(uuid.uuid4())), range(20)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [303] + [409] * 19
    refused = next(a for a in answers if a.status_code == 409)
    assert "You already have a payment plan: 3 payments" in refused.text
    assert _count(live, select(func.count(Outcome.id))) == 1


def test_eight_debtors_posting_at_once_are_all_stored(live: Served) -> None:
    references = [f"LIVE-{n}" for n in range(1, 9)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda ref: _dispute(live, ref), references))
    assert [a.status_code for a in answers] == [303] * 8
    assert _count(live, select(func.count(Outcome.id))) == 8


def test_ten_payments_at_once_pay_what_is_owed_once(live: Served) -> None:
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: _pay(live, "LIVE-1"), range(10)))
    assert {a.status_code for a in answers} == {303}
    checkouts = {a.headers["location"] for a in answers}
    assert len(checkouts) == 1  # every click goes to the one payment under way
    assert _count(live, select(func.count(Payment.id))) == 1
    provider_id = checkouts.pop().split("/pay/demo/")[1].split("?")[0]

    def settle_and_return(n: int) -> int:
        with live.client() as client:
            if n % 3 == 0:
                form = {"outcome": "paid"}
                return client.post(f"/pay/demo/{provider_id}", data=form).status_code
            if n % 3 == 1:
                form = {"id": provider_id}
                return client.post("/webhooks/payments/demo", data=form).status_code
            path = f"/v/{live.tokens['LIVE-1']}/step/pay_how/return?lang=en"
            return client.get(path).status_code

    with ThreadPoolExecutor(9) as pool:  # the bank, the provider's webhook, the way back
        codes = list(pool.map(settle_and_return, range(9)))
    assert set(codes) <= {200, 303}, codes
    paid = select(func.count(Payment.id)).where(Payment.status == "paid")
    assert _count(live, paid) == 1
    assert _count(live, select(func.count(Outcome.id)).where(Outcome.action == "pay")) == 1

    with ThreadPoolExecutor(10) as pool:  # and now nothing is open
        again = list(pool.map(lambda _: _pay(live, "LIVE-1"), range(10)))
    assert {a.status_code for a in again} == {409}
    assert "Everything is paid" in again[0].text
    assert _count(live, select(func.count(Payment.id))) == 1


def test_every_acknowledged_submission_survives_sigkill(live: Served) -> None:
    references = [f"LIVE-{n}" for n in range(1, 11)]
    answered: list[str] = []
    enough = threading.Event()

    def send(n: int) -> tuple[str, int]:
        submission = str(uuid.uuid4())
        try:
            response = _dispute(live, references[n % 10], submission)
        except httpx.TransportError:
            return submission, 0
        answered.append(submission)
        if len(answered) >= 10:
            enough.set()
        return submission, response.status_code

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(send, n) for n in range(200)]
        assert enough.wait(timeout=60), "ten answers did not come"
        live.kill()  # with more on their way
        results = [f.result() for f in futures]
    acknowledged = [submission for submission, code in results if code == 303]
    assert len(acknowledged) >= 10
    assert len(acknowledged) < 200  # the kill came mid-load
    stored = select(func.count(Outcome.id)).where(Outcome.submission.in_(acknowledged))
    assert _count(live, stored) == len(acknowledged)


@pytest.fixture
def verifying(tmp_path: Path, database_url: str) -> Iterator[Served]:
    with serve(tmp_path, database_url, debtors=2, verify="postcode") as served:
        yield served


def _wrong_postcode(served: Served) -> int:
    with served.client() as client:
        token = served.tokens["LIVE-1"]
        form = {"answer": "9999 ZZ", "next": f"/v/{token}"}
        return client.post(f"/v/{token}/verify?lang=en", data=form).status_code


def _failures(served: Served) -> tuple[int, datetime | None]:
    engine = create_engine(served.settings.database)
    with Session(engine) as session:
        debtor = session.scalars(select(Debtor).where(Debtor.reference == "LIVE-1")).one()
        found = (debtor.verify_failures, debtor.verify_locked_until)
    engine.dispose()
    return found


def test_parallel_wrong_answers_are_each_counted(verifying: Served) -> None:
    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda _: _wrong_postcode(verifying), range(4)))
    assert codes == [422] * 4
    assert _failures(verifying) == (4, None)


def test_eight_parallel_wrong_answers_lock_the_link(verifying: Served) -> None:
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: _wrong_postcode(verifying), range(8)))
    assert sorted(codes) == [422] * 4 + [429] * 4  # five compared, the fifth locks
    assert _failures(verifying)[1] is not None
    with verifying.client() as client:  # the right answer is refused while locked
        token = verifying.tokens["LIVE-1"]
        form = {"answer": "1234 AB", "next": f"/v/{token}"}
        assert client.post(f"/v/{token}/verify?lang=en", data=form).status_code == 429


def test_a_step_page_under_load_keeps_its_language(live: Served) -> None:
    """The 409 page is in the debtor's language."""
    assert _plan(live, "LIVE-1", str(uuid.uuid4())).status_code == 303
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()
    form = {
        "submission": str(uuid.uuid4()), "amount_cents": "12000", "installments": "2",
        "first_date": today, "confirm": "yes",
    }  # fmt: skip
    with live.client() as client:
        response = client.post(f"/v/{live.tokens['LIVE-1']}/step/plan?lang=nl", data=form)
    assert response.status_code == 409
    assert re.search(r"<html lang=\"nl\"", response.text)
    assert "You already have" not in response.text


@contextmanager
def _operator_client(served: Served) -> Iterator[httpx.Client]:
    engine = create_engine(served.settings.database)
    with Session(engine) as session:
        add_user(session, "olga@example.org", PASSWORD, "operator")
        session.commit()
    engine.dispose()
    client = served.client()
    token = csrf_of(client.get("/admin/login").text)
    form = {"email": "olga@example.org", "password": PASSWORD, "csrf": token}
    try:
        assert client.post("/admin/login", data=form).status_code == 303
        yield client
    finally:
        client.close()


def test_checking_a_large_csv_upload_stops_no_debtor_page(live: Served, tmp_path: Path) -> None:
    header = "reference,name,language,email,phone,amount_due,due_date,invoice_number\n"
    rows = "".join(
        f"BIG-{i},Name {i},nl,,,{10 + i % 90}.00,2026-10-15,F-{i}\n" for i in range(40_000)
    )
    other = f"/v/{live.tokens['LIVE-2']}/step/dispute?lang=en"
    with _operator_client(live) as operator, ThreadPoolExecutor(1) as pool, live.client() as debtor:
        assert debtor.get(other).status_code == 200  # templates and connections warmed up
        token = csrf_of(operator.get("/admin/campaigns/new").text)
        form = {"csrf": token, "name": "Big", "weight_arrears": "1"}
        files = {"csv": ("big.csv", (header + rows).encode(), "text/csv")}
        upload = pool.submit(operator.post, "/admin/campaigns/new", data=form, files=files)
        timings = []
        while not upload.done():
            started = time.perf_counter()
            assert debtor.get(other).status_code == 200
            timings.append(time.perf_counter() - started)
            time.sleep(0.05)
        assert upload.result().status_code == 303
    assert len(timings) >= 5, "the upload was checked too fast to tell"
    assert sorted(timings)[int(len(timings) * 0.99)] < 0.2, timings


def _event_body(number: str = "0") -> str:
    return f'{{"id": "{uuid.uuid4()}", "type": "play", "node": "intro", "position": {number}}}'


def test_a_nan_event_is_refused_and_fails_no_other_event(live: Served) -> None:
    bodies = [_event_body("NaN" if n % 5 == 0 else "1.5") for n in range(40)]
    token = live.tokens["LIVE-1"]

    def send(body: str) -> int:
        with live.client() as client:
            headers = {"content-type": "application/json"}
            url = f"/api/v1/sessions/{token}/events"
            return client.post(url, content=body, headers=headers).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(send, bodies))
    assert codes == [422 if n % 5 == 0 else 201 for n in range(40)]
    assert _count(live, select(func.count(Event.id))) == 32


def test_a_purge_from_the_command_line_is_seen_by_the_running_server(live: Served) -> None:
    token = live.tokens["LIVE-1"]
    with live.client() as client:
        url = f"/api/v1/sessions/{token}/events"
        headers = {"content-type": "application/json"}
        assert client.post(url, content=_event_body(), headers=headers).status_code == 201
        environment = {**os.environ, "DATABASE_URL": live.settings.database,
                       "VIDPAY_SECRET_KEY": "x", "VIDPAY_VAR": str(live.settings.var)}  # fmt: skip
        purged = subprocess.run(
            [sys.executable, "-m", "app", "campaign", "purge", "1", "--yes"],
            env=environment, capture_output=True, text=True, timeout=120, cwd=REPO,
        )  # fmt: skip
        assert purged.returncode == 0, purged.stderr
        assert client.post(url, content=_event_body(), headers=headers).status_code == 404
        form = {"submission": str(uuid.uuid4()), "reason": "I never had this bill"}
        assert client.post(f"/v/{token}/step/dispute", data=form).status_code == 404
    assert _count(live, select(func.count(Event.id))) == 1
    assert _count(live, select(func.count(Outcome.id))) == 0
