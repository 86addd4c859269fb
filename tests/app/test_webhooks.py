"""Webhooks through real HTTP: outcomes stored through the step forms are queued in the same
transaction, sent signed to a receiver served on loopback, retried with backoff when it fails
or hangs, never sent twice at once by two dispatchers; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from typer.testing import CliRunner

from app.background import Dispatcher
from app.cli import app as cli
from app.config import Settings
from app.db import make_engine, session_factory
from app.models import Debtor, Outcome, WebhookDelivery, WebhookEndpoint
from app.webhook_targets import PrivateAddressError
from app.webhooks import (
    DeliveryReport,
    RetryPolicy,
    add_endpoint,
    as_utc,
    deliver_due,
    endpoint_secret,
    enqueue,
    pause_endpoint,
    remove_endpoint,
    retry_failed,
    scrub_deliveries,
    sign,
    verify_signature,
)
from tests.callback_slots import offered_slots, slot_fields
from tests.factories import make_campaign
from tests.loopback import serve_on_loopback

NL = "DEMO-NL-1"
FAST = RetryPolicy(max_attempts=5, base_delay=10, max_delay=1000, timeout=0.5, lease=60)


# --- a receiver, served for real on loopback ---------------------------------------------------


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """Records every request; answers 200 unless told to answer otherwise or to hang."""

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[Received] = []
        self.delay = 0.0  # seconds before every answer
        self.in_flight: dict[str, int] = {}  # idempotency key -> requests being answered
        self.overlaps = 0  # requests for a key that was already being answered
        self._plan: list[int | str] = []  # status codes, or "hang"
        self._generation = 0
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    def answer(self, *plan: int | str) -> None:
        with self._lock:
            self._plan.extend(plan)

    def release(self) -> None:
        """Let every hanging request go (at shutdown)."""
        with self._lock:
            self._generation += 1

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        key = request.headers.get("x-vidpay-idempotency-key", "")
        with self._lock:
            self.requests.append(Received(dict(request.headers), body))
            action = self._plan.pop(0) if self._plan else 200
            generation = self._generation
            self.overlaps += self.in_flight.get(key, 0) > 0
            self.in_flight[key] = self.in_flight.get(key, 0) + 1
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if action == "hang":
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and self._generation == generation:
                    await asyncio.sleep(0.02)
                return Response(status_code=503)
            return Response(b"ok", status_code=int(action))
        finally:
            with self._lock:
                self.in_flight[key] -= 1


@contextmanager
def serve(receiver: Receiver) -> Iterator[Receiver]:
    with serve_on_loopback(receiver.app, "receiver", before_stop=receiver.release) as base:
        receiver.url = f"{base}/hook"
        yield receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serve(Receiver()) as running:
        yield running


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The receiver is served on loopback, which only this setting lets webhooks reach."""
    return settings.model_copy(update={"allow_private_webhooks": True})


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.database)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def _deliver(
    sessions: sessionmaker[Session], settings: Settings, client: httpx.Client, **options: Any
) -> DeliveryReport:
    """One run of ``deliver_due`` with the server's secret and its setting for private
    addresses (allowed here, for the receiver on loopback)."""
    return deliver_due(
        sessions,
        key=settings.key,
        client=client,
        allow_private=settings.allow_private_webhooks,
        **options,
    )


def _endpoint(db: Session, url: str, campaign_id: int | None = None) -> int:
    endpoint = add_endpoint(db, url, campaign_id, allow_private=True)
    db.commit()
    return endpoint.id


def _post(web: TestClient, token: str, node: str, fields: dict[str, str]) -> None:
    form = {"submission": str(uuid.uuid4()), **fields}
    response = web.post(f"/v/{token}/step/{node}?lang=nl", data=form)
    assert response.status_code == 303, response.text


def _deliveries(db: Session) -> list[WebhookDelivery]:
    db.expire_all()
    return list(db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _ask_callback(web: TestClient, token: str) -> None:
    """An outcome that leaves the case's status as it was: one webhook, an outcome's."""
    page = web.get(f"/v/{token}/step/callback?lang=nl").text
    slot = offered_slots(page)[-1]
    _post(web, token, "callback", {"phone": "+31 6 1234 5678", **slot_fields(slot)})


# --- signatures -------------------------------------------------------------------------------


def test_a_signature_verifies_and_a_forged_one_does_not() -> None:
    secret = endpoint_secret(b"server-secret", 7)
    assert secret == endpoint_secret(b"server-secret", 7) != endpoint_secret(b"server-secret", 8)
    assert len(secret) == 64 and secret != endpoint_secret(b"other-secret", 7)
    body = b'{"id":"k","type":"outcome.created"}'
    now = int(time.time())
    header = sign(secret, now, body)
    assert header.startswith(f"t={now},v1=") and len(header.split("v1=")[1]) == 64
    assert verify_signature(secret, header, body)
    assert verify_signature(secret.encode(), header, body.decode())
    forged = [
        (endpoint_secret(b"server-secret", 8), header, body),  # another endpoint's secret
        (secret, header, body + b" "),  # a changed body
        (secret, header.replace(f"t={now}", f"t={now + 1}"), body),  # a changed timestamp
        (secret, sign("guess", now, body), body),
        (secret, f"t={now},v1=" + "0" * 64, body),
        (secret, f"v1={header.split('v1=')[1]}", body),  # no timestamp
        (secret, f"t={now}", body),  # no signature
        (secret, "garbage", body),
        (secret, "", body),
        (secret, None, body),
    ]
    for args in forged:
        assert not verify_signature(*args), args
    old = sign(secret, now - 301, body)  # a replay from over five minutes ago
    assert not verify_signature(secret, old, body)
    assert verify_signature(secret, old, body, tolerance=600)
    assert verify_signature(secret, old, body, now=now - 301)
    rotated = f"{header},v1={'1' * 64}"  # several v1 values: one matching is enough
    assert verify_signature(secret, rotated, body)


# --- enqueue ----------------------------------------------------------------------------------


def test_a_stored_step_queues_one_delivery_per_active_endpoint(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    own = db.scalar(select(Debtor.campaign_id).where(Debtor.reference == NL))
    assert own is not None
    other = make_campaign(db, settings.content, key=b"k", name="B")
    everyone = _endpoint(db, "https://crm.example/all")
    mine = _endpoint(db, "https://crm.example/mine", own)
    _endpoint(db, "https://crm.example/theirs", other.id)
    off = add_endpoint(db, "https://crm.example/off", allow_private=True)
    off.active = False
    db.commit()
    _ask_callback(web, campaign[NL])
    deliveries = _deliveries(db)
    assert sorted(d.endpoint_id for d in deliveries) == [everyone, mine]
    assert {d.status for d in deliveries} == {"pending"} and {d.attempts for d in deliveries} == {0}
    assert deliveries[0].idempotency_key != deliveries[1].idempotency_key
    (outcome,) = db.scalars(select(Outcome))
    assert enqueue(db, outcome) == 0  # queued once, however often it is asked
    db.rollback()
    bodies = [json.loads(d.payload) for d in deliveries]
    assert [b["id"] for b in bodies] == [d.idempotency_key for d in deliveries]
    assert bodies[0]["data"] == bodies[1]["data"]


def test_nothing_is_queued_when_the_step_is_refused(
    web: TestClient, campaign: dict[str, str], db: Session, receiver: Receiver
) -> None:
    _endpoint(db, receiver.url)
    form = {"submission": str(uuid.uuid4()), "reason": "no"}
    assert web.post(f"/v/{campaign[NL]}/step/dispute?lang=nl", data=form).status_code == 422
    assert _deliveries(db) == []


# --- delivery ---------------------------------------------------------------------------------


def test_an_outcome_from_the_step_form_is_sent_signed_with_its_idempotency_key(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
) -> None:
    endpoint_id = _endpoint(db, receiver.url)
    token = campaign[NL]
    page = web.get(f"/v/{token}/step/callback?lang=en").text
    slot = offered_slots(page)[0]
    form = {"submission": str(uuid.uuid4()), "phone": "+31 6 1234 5678", **slot_fields(slot)}
    assert web.post(f"/v/{token}/step/callback?lang=en", data=form).status_code == 303
    (queued,) = _deliveries(db)

    report = _deliver(sessions, settings, http)

    assert (report.delivered, report.retried, report.failed) == (1, 0, 0)
    (request,) = receiver.requests
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-vidpay-idempotency-key"] == queued.idempotency_key
    assert request.headers["x-vidpay-event"] == "outcome.created"
    assert request.body == queued.payload.encode()
    secret = endpoint_secret(b"test-secret", endpoint_id)
    assert verify_signature(secret, request.headers["x-vidpay-signature"], request.body)
    assert not verify_signature(secret, request.headers["x-vidpay-signature"], request.body[:-1])
    body = request.json
    (outcome,) = db.scalars(select(Outcome))
    debtor = db.get(Debtor, outcome.debtor_id)
    assert debtor is not None
    assert body == {
        "id": queued.idempotency_key,
        "type": "outcome.created",
        "created_at": body["created_at"],
        "data": {
            "id": outcome.id,
            "campaign_id": debtor.campaign_id,
            "debtor_reference": NL,
            "scene": "arrears",
            "action": "callback",
            "node": "callback",
            "language": "en",  # the language the debtor used, not the one imported (nl)
            "details": {"phone": "+31 6 1234 5678", "slot": slot},
            "installments": [],
            "created_at": as_utc(outcome.created_at).isoformat().replace("+00:00", "Z"),
            "case_status": "open",
        },
    }
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    (sent,) = _deliveries(db)
    assert (sent.status, sent.attempts, sent.last_error) == ("delivered", 1, None)
    assert sent.delivered_at is not None
    again = _deliver(sessions, settings, http)
    assert again.attempted == 0 and len(receiver.requests) == 1


def test_a_payment_plan_and_a_payment_are_sent_with_their_amounts(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
) -> None:
    _endpoint(db, receiver.url)
    token = campaign[NL]
    first = datetime.now(UTC).date() + timedelta(days=3)
    fields = {"amount_cents": "14820", "installments": "3", "first_date": first.isoformat()}
    _post(web, token, "plan", {**fields, "confirm": "yes"})
    checkout = web.post(
        f"/v/{token}/step/pay_how?lang=nl",
        data={"submission": str(uuid.uuid4()), "amount_cents": "4940"},  # the first instalment
    ).headers["location"]
    path = checkout.removeprefix("http://127.0.0.1:8000").split("?")[0]
    web.post(path, data={"outcome": "paid"})
    web.post(path, data={"outcome": "paid"})  # the bank says it twice: one outcome, one webhook

    report = _deliver(sessions, settings, http)

    assert report.delivered == 3  # and the case's change from open to plan
    sent = [r.json for r in receiver.requests]
    (change,) = [body["data"] for body in sent if body["type"] == "case.status_changed"]
    assert (change["previous_status"], change["status"]) == ("open", "plan")
    outcomes = [body["data"] for body in sent if body["type"] == "outcome.created"]
    plan, paid = sorted(outcomes, key=lambda d: d["id"])
    assert plan["action"] == "arrangement"
    assert plan["details"] == {
        "installments": 3,
        "first_date": first.isoformat(),
        "total_cents": 14820,
    }
    assert [i["amount_cents"] for i in plan["installments"]] == [4940, 4940, 4940]
    assert [i["number"] for i in plan["installments"]] == [1, 2, 3]
    assert plan["installments"][0]["due"] == first.isoformat()
    assert paid["action"] == "pay" and paid["details"]["amount_cents"] == 4940
    assert paid["language"] == "nl"


def test_a_failing_endpoint_is_retried_with_backoff_until_it_accepts(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
) -> None:
    _endpoint(db, receiver.url)
    _ask_callback(web, campaign[NL])
    receiver.answer(500, 503, "hang", 200)
    now = datetime.now(UTC)
    waits = []
    for expected in ("HTTP 500", "HTTP 503", "timed out after 0.5s"):
        started = time.monotonic()
        report = _deliver(sessions, settings, http, now=now, policy=FAST)
        assert time.monotonic() - started < 5  # a hanging receiver costs the timeout, no more
        assert (report.retried, report.delivered) == (1, 0)
        (delivery,) = _deliveries(db)
        assert (delivery.status, delivery.last_error) == ("pending", expected)
        scheduled = as_utc(delivery.next_attempt_at)
        waits.append((scheduled - now).total_seconds())
        not_yet = _deliver(sessions, settings, http, now=now, policy=FAST)
        assert not_yet.attempted == 0  # not due before its time
        now = scheduled
    # Exponential backoff with jitter: 10 s, 20 s, 40 s, each between half and all of it.
    assert 5 <= waits[0] <= 10 and 10 <= waits[1] <= 20 and 20 <= waits[2] <= 40
    report = _deliver(sessions, settings, http, now=now, policy=FAST)
    assert report.delivered == 1
    (delivery,) = _deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 4, None)
    assert len(receiver.requests) == 4
    assert {r.headers["x-vidpay-idempotency-key"] for r in receiver.requests} == {
        delivery.idempotency_key
    }
    assert {r.body for r in receiver.requests} == {delivery.payload.encode()}
    secret = endpoint_secret(settings.key, delivery.endpoint_id)
    for request in receiver.requests:
        assert verify_signature(secret, request.headers["x-vidpay-signature"], request.body)


def test_a_delivery_fails_for_good_after_the_last_attempt(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
) -> None:
    _endpoint(db, receiver.url)
    _endpoint(db, "http://127.0.0.1:9/refused")  # nothing listens there
    _ask_callback(web, campaign[NL])
    receiver.answer(*[500] * 10)
    policy = RetryPolicy(max_attempts=3, base_delay=1, timeout=0.5)
    later = datetime.now(UTC)
    outcomes = []
    for _ in range(4):
        report = _deliver(sessions, settings, http, now=later, policy=policy)
        outcomes.append((report.retried, report.failed))
        later += timedelta(hours=1)
    assert outcomes == [(2, 0), (2, 0), (0, 2), (0, 0)]
    deliveries = _deliveries(db)
    assert {(d.status, d.attempts) for d in deliveries} == {("failed", 3)}
    errors = sorted(d.last_error or "" for d in deliveries)
    assert errors[0].startswith("ConnectError: ") and errors[1] == "HTTP 500"
    assert len(receiver.requests) == 3


def test_one_dead_endpoint_costs_one_timeout_per_run(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
) -> None:
    _endpoint(db, receiver.url)
    for reference in ("DEMO-NL-1", "DEMO-EN-1", "DEMO-DE-1"):
        _ask_callback(web, campaign[reference])
    receiver.answer("hang", "hang", "hang")
    started = time.monotonic()
    report = _deliver(sessions, settings, http, policy=FAST)
    assert time.monotonic() - started < 2
    assert (report.retried, report.delivered) == (1, 0)
    assert sorted(d.attempts for d in _deliveries(db)) == [0, 0, 1]


def test_two_dispatchers_at_once_never_send_a_delivery_twice(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    receiver: Receiver,
) -> None:
    _endpoint(db, receiver.url)
    _endpoint(db, receiver.url + "?second")
    debtors = list(db.scalars(select(Debtor)))
    for number in range(12):
        outcome = Outcome(
            debtor_id=debtors[number % len(debtors)].id,
            submission=f"bulk-{number:04d}",
            action="later",
            node="later",
            details={"date": "2030-01-01"},
        )
        db.add(outcome)
        enqueue(db, outcome)
    db.commit()
    receiver.delay = 0.02  # widen the window in which a second send could slip in
    barrier = threading.Barrier(2)
    reports: list[Any] = []
    failures: list[BaseException] = []

    def dispatch() -> None:
        engine = make_engine(settings.database)  # a connection pool of its own, as a process
        try:
            with httpx.Client() as client:
                barrier.wait()
                reports.append(_deliver(session_factory(engine), settings, client))
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    keys = [r.headers["x-vidpay-idempotency-key"] for r in receiver.requests]
    assert len(keys) == len(set(keys)) == 24
    assert receiver.overlaps == 0
    assert sum(r.delivered for r in reports) == 24
    assert {(d.status, d.attempts) for d in _deliveries(db)} == {("delivered", 1)}


def test_the_servers_dispatcher_thread_sends_and_stops_with_the_server(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    receiver: Receiver,
) -> None:
    from app.main import create_app

    _endpoint(db, receiver.url)
    _ask_callback(web, campaign[NL])
    assert not any(t.name == "vidpay-dispatcher" for t in threading.enumerate())  # not in tests
    served = settings.model_copy(update={"env": "development"})
    with TestClient(create_app(served)):
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(t.name == "vidpay-dispatcher" for t in threading.enumerate())
    assert not any(t.name == "vidpay-dispatcher" for t in threading.enumerate())
    (request,) = receiver.requests
    (delivery,) = _deliveries(db)
    assert delivery.status == "delivered"
    assert request.headers["x-vidpay-idempotency-key"] == delivery.idempotency_key


# --- private addresses -----------------------------------------------------------------------

PUBLIC_ONLY = "webhooks go only to public addresses unless VIDPAY_ALLOW_PRIVATE_WEBHOOKS=true"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost:8000/hook", "localhost resolves to 127.0.0.1, a loopback address"),
        ("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address"),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("https://10.0.0.7/hook", "10.0.0.7 is a private address"),
        ("https://172.16.5.4/hook", "172.16.5.4 is a private address"),
        ("https://192.168.0.10/hook", "192.168.0.10 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
        ("https://[fc00::1]/hook", "fc00::1 is a private address"),
        ("http://0.0.0.0/hook", "0.0.0.0 is an unspecified address"),
    ],
)
def test_an_endpoint_on_a_private_address_is_refused_unless_allowed(
    web: TestClient, db: Session, url: str, reason: str
) -> None:
    with pytest.raises(PrivateAddressError) as refused:
        add_endpoint(db, url)
    assert str(refused.value) == f"'{url}' is refused: {reason}; {PUBLIC_ONLY}"
    db.rollback()
    assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0
    add_endpoint(db, url, allow_private=True)
    db.commit()
    assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 1


def test_a_delivery_to_an_address_that_is_not_public_fails_at_once(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
) -> None:
    """Checked again when sending (DNS can change since the endpoint was added): here the
    endpoint was added while private addresses were allowed, and the server no longer does."""
    endpoint_id = _endpoint(db, receiver.url)  # on 127.0.0.1
    _ask_callback(web, campaign[NL])
    _ask_callback(web, campaign["DEMO-EN-1"])
    strict = settings.model_copy(update={"allow_private_webhooks": False})

    report = Dispatcher(sessions, strict).tick(http)  # the server's thread, one round

    assert report is not None
    assert (report.failed, report.retried, report.delivered) == (2, 0, 0)
    assert receiver.requests == []
    error = f"refused: 127.0.0.1 is a loopback address; {PUBLIC_ONLY}"
    deliveries = _deliveries(db)
    assert {(d.status, d.attempts, d.last_error) for d in deliveries} == {("failed", 1, error)}
    assert report.errors == [
        f"delivery {d.id} to endpoint {endpoint_id}: {error}" for d in deliveries
    ]
    assert retry_failed(db) == 2  # once allowed again, they can be sent
    db.commit()
    assert Dispatcher(sessions, settings).tick(http).delivered == 2  # type: ignore[union-attr]
    assert len(receiver.requests) == 2


# --- pausing, removing, retrying -------------------------------------------------------------


def test_a_paused_endpoint_is_sent_every_outcome_once_resumed(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
) -> None:
    endpoint_id = _endpoint(db, receiver.url)
    pause_endpoint(db, endpoint_id)
    db.commit()
    _ask_callback(web, campaign[NL])
    _ask_callback(web, campaign["DEMO-EN-1"])
    assert [d.status for d in _deliveries(db)] == ["pending", "pending"]
    held = _deliver(sessions, settings, http)
    assert held.attempted == 0 and receiver.requests == []

    pause_endpoint(db, endpoint_id, paused=False)
    db.commit()
    sent = _deliver(sessions, settings, http)

    assert sent.delivered == 2 and len(receiver.requests) == 2
    assert {d.status for d in _deliveries(db)} == {"delivered"}


def test_a_removed_endpoint_gives_up_its_queue_and_is_sent_nothing_more(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
) -> None:
    gone = _endpoint(db, receiver.url)
    kept = _endpoint(db, receiver.url + "?kept")
    _ask_callback(web, campaign[NL])

    assert remove_endpoint(db, gone) == 1
    db.commit()
    _ask_callback(web, campaign["DEMO-EN-1"])

    deliveries = _deliveries(db)
    assert [(d.endpoint_id, d.status) for d in deliveries] == [
        (gone, "failed"),
        (kept, "pending"),
        (kept, "pending"),
    ]
    assert deliveries[0].last_error == "endpoint removed"
    assert retry_failed(db) == 0  # a removed endpoint's deliveries stay given up
    with pytest.raises(LookupError, match=f"no webhook endpoint {gone}"):
        pause_endpoint(db, gone)
    with pytest.raises(LookupError):
        remove_endpoint(db, gone)
    db.rollback()
    _deliver(sessions, settings, http)
    assert [r.headers["x-vidpay-idempotency-key"] for r in receiver.requests] == [
        d.idempotency_key for d in deliveries[1:]
    ]


def test_failed_deliveries_are_sent_again_after_a_retry_unless_purged(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
) -> None:
    _endpoint(db, receiver.url)
    _ask_callback(web, campaign[NL])
    _ask_callback(web, campaign["DEMO-EN-1"])
    receiver.answer(500, 500)
    once = RetryPolicy(max_attempts=1, timeout=0.5)
    while _deliver(sessions, settings, http, policy=once).attempted:
        pass
    assert [d.status for d in _deliveries(db)] == ["failed", "failed"]
    purged = db.scalars(select(Outcome).order_by(Outcome.id)).first()
    assert purged is not None
    scrub_deliveries(db, [(purged.id, purged.submission)])
    db.commit()

    assert retry_failed(db) == 1
    db.commit()
    report = _deliver(sessions, settings, http)

    assert report.delivered == 1
    first, second = _deliveries(db)
    assert (first.status, first.payload) == ("failed", "{}")
    assert (second.status, second.attempts) == ("delivered", 1)
    assert receiver.requests[-1].body == second.payload.encode()
    assert retry_failed(db) == 0


# --- the command line -------------------------------------------------------------------------


def test_the_command_line_adds_lists_and_delivers(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database)
    monkeypatch.setenv("VIDPAY_VAR", str(settings.var))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    monkeypatch.setenv("VIDPAY_ALLOW_PRIVATE_WEBHOOKS", "true")  # the receiver is on loopback
    runner = CliRunner()
    own = db.scalar(select(Debtor.campaign_id).where(Debtor.reference == NL))
    added = runner.invoke(cli, ["webhook", "add", receiver.url, "--campaign", str(own)])
    assert added.exit_code == 0, added.output
    id_line, secret_line = added.stdout.splitlines()
    endpoint_id = int(id_line.removeprefix("endpoint "))
    secret = secret_line.removeprefix("secret ")
    assert secret == endpoint_secret(b"test-secret", endpoint_id)
    assert db.get(WebhookEndpoint, endpoint_id) is not None
    assert runner.invoke(cli, ["webhook", "add", "ftp://x.example/"]).exit_code == 2
    assert runner.invoke(cli, ["webhook", "add", receiver.url, "--campaign", "99"]).exit_code == 2
    _ask_callback(web, campaign[NL])
    listed = runner.invoke(cli, ["webhook", "list"])
    assert listed.stdout == (
        f"{endpoint_id}\t{own}\tactive\t{receiver.url}\tpending=1 delivered=0 failed=0\n"
    )
    sent = runner.invoke(cli, ["webhooks", "deliver"])
    assert sent.exit_code == 0, sent.output
    assert "delivered 1, to retry 0, failed 0" in sent.stderr
    (request,) = receiver.requests
    assert verify_signature(secret, request.headers["x-vidpay-signature"], request.body)
    assert "delivered=1" in runner.invoke(cli, ["webhook", "list"]).stdout


def test_the_command_line_refuses_a_private_address_unless_allowed(
    web: TestClient, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database)
    monkeypatch.setenv("VIDPAY_VAR", str(settings.var))
    monkeypatch.delenv("VIDPAY_ALLOW_PRIVATE_WEBHOOKS", raising=False)
    runner = CliRunner()
    for url, reason in (
        ("http://localhost:8000/hook", "localhost resolves to 127.0.0.1, a loopback address"),
        ("http://192.168.1.1/hook", "192.168.1.1 is a private address"),
    ):
        refused = runner.invoke(cli, ["webhook", "add", url])
        assert refused.exit_code == 2
        assert refused.stderr == f"vidpay: '{url}' is refused: {reason}; {PUBLIC_ONLY}\n"
        assert refused.stdout == ""  # no secret
    assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0
    monkeypatch.setenv("VIDPAY_ALLOW_PRIVATE_WEBHOOKS", "true")
    allowed = runner.invoke(cli, ["webhook", "add", "http://localhost:8000/hook"])
    assert allowed.exit_code == 0, allowed.output
    assert db.scalar(select(func.count()).select_from(WebhookEndpoint)) == 1


def test_the_command_line_pauses_resumes_removes_and_retries(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database)
    monkeypatch.setenv("VIDPAY_VAR", str(settings.var))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    monkeypatch.setenv("VIDPAY_ALLOW_PRIVATE_WEBHOOKS", "true")  # the receiver is on loopback
    runner = CliRunner()
    endpoint_id = _endpoint(db, receiver.url)
    _ask_callback(web, campaign[NL])

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return result.stderr

    def state() -> str:
        return runner.invoke(cli, ["webhook", "list"]).stdout.split("\t")[2]

    assert "paused endpoint" in run("webhook", "pause", str(endpoint_id))
    assert state() == "paused"
    assert "delivered 0" in run("webhooks", "deliver")
    run("webhook", "resume", str(endpoint_id))
    assert state() == "active"
    receiver.answer(500)
    once = RetryPolicy(max_attempts=1, timeout=0.5)
    assert _deliver(sessions, settings, http, policy=once).failed == 1
    retried = run("webhooks", "retry", "--endpoint", str(endpoint_id))
    assert "queued 1 failed deliveries again" in retried
    assert "gave up 1 pending deliveries" in run("webhook", "remove", str(endpoint_id))
    assert state() == "removed"
    for args in (["webhook", "pause", "99"], ["webhook", "remove", str(endpoint_id)]):
        refused = runner.invoke(cli, args)
        assert refused.exit_code == 2 and "no webhook endpoint" in refused.stderr
    assert runner.invoke(cli, ["webhooks", "retry", "--endpoint", "99"]).exit_code == 2


def test_a_status_change_is_sent_signed_as_its_own_event(
    web: TestClient,
    campaign: dict[str, str],
    db: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    receiver: Receiver,
    http: httpx.Client,
) -> None:
    endpoint_id = _endpoint(db, receiver.url)
    _post(web, campaign[NL], "dispute", {"reason": "Ik ben verhuisd."})
    assert _deliver(sessions, settings, http).delivered == 2
    (request,) = [r for r in receiver.requests if r.json["type"] == "case.status_changed"]
    assert request.headers["x-vidpay-event"] == "case.status_changed"
    secret = endpoint_secret(b"test-secret", endpoint_id)
    assert verify_signature(secret, request.headers["x-vidpay-signature"], request.body)
    data = request.json["data"]
    assert {k: data[k] for k in ("debtor_reference", "previous_status", "status")} == {
        "debtor_reference": NL, "previous_status": "open", "status": "disputed",
    }  # fmt: skip
    assert (data["open_cents"], data["paid_cents"]) == (14820, 0)
