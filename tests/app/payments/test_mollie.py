"""The Mollie provider against a fake Mollie served over real HTTP on loopback."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.payments.base import STATUSES, PaymentError
from app.payments.mollie import MollieProvider, amount_value, idempotency_key
from tests.fake_mollie import TEST_API_KEY, FakeMollie, serve_fake_mollie

WRONG_KEY = "test_WrongKeyWrongKeyWrongKeyWrong"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeMollie]:
    with serve_fake_mollie() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeMollie) -> Iterator[FakeMollie]:
    """The module's fake, emptied for each test."""
    server.reset()
    yield server
    server.reset()


# Shared by the module: each new httpx client builds an SSL context, some 30 ms.
@pytest.fixture(scope="module")
def provider(server: FakeMollie) -> Iterator[MollieProvider]:
    with MollieProvider(TEST_API_KEY, api_url=server.url, timeout=2.0) as provider:
        yield provider


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """A plain client, to talk to the fake directly."""
    with httpx.Client() as client:
        yield client


def create(provider: MollieProvider, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "amount_cents": 1234,
        "description": "INV-2024-001",
        "redirect_url": "https://vidpay.example/v/tok/step/pay/return?lang=nl&mode=video",
        "webhook_url": "https://vidpay.example/webhooks/payments/mollie",
        "locale": "nl",
        "metadata": {"debtor": "7", "node": "pay", "submission": "3f0c9a4e-sub-0001"},
    }
    return provider.create(**(arguments | overrides))


def test_create_sends_the_documented_request(fake: FakeMollie, provider: MollieProvider) -> None:
    checkout = create(provider)

    (request,) = fake.requests
    assert (request.method, request.path) == ("POST", "/v2/payments")
    assert request.headers["authorization"] == f"Bearer {TEST_API_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == idempotency_key(
        {"debtor": "7", "submission": "3f0c9a4e-sub-0001"}
    )
    assert request.json == {
        "amount": {"currency": "EUR", "value": "12.34"},
        "description": "INV-2024-001",
        "redirectUrl": "https://vidpay.example/v/tok/step/pay/return?lang=nl&mode=video",
        "webhookUrl": "https://vidpay.example/webhooks/payments/mollie",
        "method": "ideal",
        "locale": "nl_NL",
        "metadata": {"debtor": "7", "node": "pay", "submission": "3f0c9a4e-sub-0001"},
    }
    assert checkout.provider_id.startswith("tr_")
    assert checkout.provider_id in fake.payments
    assert checkout.checkout_url == fake.checkout_url(checkout.provider_id)
    assert checkout.status == "open"


@pytest.mark.parametrize(
    ("cents", "value"),
    [
        (1, "0.01"),
        (5, "0.05"),
        (99, "0.99"),
        (100, "1.00"),
        (1000, "10.00"),
        (1234567, "12345.67"),
        (100000000001, "1000000000.01"),
    ],
)
def test_amounts_are_exact_strings_with_two_decimals(
    fake: FakeMollie, provider: MollieProvider, cents: int, value: str
) -> None:
    checkout = create(provider, amount_cents=cents)
    assert fake.requests[-1].json["amount"] == {"currency": "EUR", "value": value}
    assert fake.payments[checkout.provider_id]["amount"]["value"] == value


@pytest.mark.parametrize("cents", [0, -5, -1234])
def test_no_payment_of_nothing_or_less(
    fake: FakeMollie, provider: MollieProvider, cents: int
) -> None:
    with pytest.raises(PaymentError, match="cents"):
        create(provider, amount_cents=cents)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("language", "locale"),
    [
        ("nl", "nl_NL"),
        ("en", "en_US"),
        ("de", "de_DE"),
        ("es", "es_ES"),
        ("fr", "fr_FR"),
        ("tr", "en_US"),
        ("pl", "en_US"),
        ("NL", "nl_NL"),
        ("nl-BE", "nl_NL"),
        ("", "en_US"),
    ],
)
def test_languages_become_mollie_locales(
    fake: FakeMollie, provider: MollieProvider, language: str, locale: str
) -> None:
    create(provider, locale=language)
    assert fake.requests[-1].json["locale"] == locale


def test_a_retried_create_gives_the_same_payment(
    fake: FakeMollie, provider: MollieProvider
) -> None:
    first = create(provider)
    fake.set_status(first.provider_id, "pending")  # a replay is Mollie's first answer
    second = create(provider)

    assert second == first
    assert len(fake.payments) == 1
    keys = {request.headers["idempotency-key"] for request in fake.requests}
    assert len(fake.requests) == 2 and len(keys) == 1


def test_other_submissions_and_debtors_are_other_payments(
    fake: FakeMollie, provider: MollieProvider
) -> None:
    one = create(provider, metadata={"debtor": "7", "submission": "sub-aaaaaaaa"})
    other_form = create(provider, metadata={"debtor": "7", "submission": "sub-bbbbbbbb"})
    other_debtor = create(provider, metadata={"debtor": "8", "submission": "sub-aaaaaaaa"})

    assert len({one.provider_id, other_form.provider_id, other_debtor.provider_id}) == 3
    assert len({request.headers["idempotency-key"] for request in fake.requests}) == 3


def test_without_a_submission_there_is_no_idempotency_key(
    fake: FakeMollie, provider: MollieProvider
) -> None:
    first = create(provider, metadata={"debtor": "7"})
    second = create(provider, metadata={"debtor": "7"})
    assert first.provider_id != second.provider_id
    assert all("idempotency-key" not in request.headers for request in fake.requests)


def test_the_same_submission_with_other_parameters_is_refused(
    fake: FakeMollie, provider: MollieProvider
) -> None:
    create(provider)
    with pytest.raises(PaymentError, match="HTTP 400"):
        create(provider, amount_cents=999)
    assert len(fake.payments) == 1


def test_status_follows_the_payment(fake: FakeMollie, provider: MollieProvider) -> None:
    checkout = create(provider)
    assert provider.status(checkout.provider_id) == "open"
    for status in ("pending", "authorized", "paid", "canceled", "expired", "failed"):
        fake.set_status(checkout.provider_id, status)
        assert provider.status(checkout.provider_id) == status
    request = fake.requests[-1]
    assert (request.method, request.path) == ("GET", f"/v2/payments/{checkout.provider_id}")
    assert request.headers["authorization"] == f"Bearer {TEST_API_KEY}"
    assert "idempotency-key" not in request.headers


def test_the_debtor_pays_through_the_checkout_link(
    fake: FakeMollie, provider: MollieProvider, http: httpx.Client
) -> None:
    checkout = create(provider)
    page = http.get(checkout.checkout_url)
    assert page.status_code == 200 and "12.34" in page.text
    paid = http.post(checkout.checkout_url, data={"status": "paid"})
    assert paid.status_code == 303
    assert paid.headers["location"] == fake.payments[checkout.provider_id]["redirectUrl"]
    assert provider.status(checkout.provider_id) == "paid"


def test_a_wrong_api_key_is_an_error_that_does_not_repeat_it(fake: FakeMollie) -> None:
    with MollieProvider(WRONG_KEY, api_url=fake.url, timeout=2.0) as provider:
        with pytest.raises(PaymentError, match="HTTP 401") as created:
            create(provider)
        with pytest.raises(PaymentError, match="HTTP 401") as asked:
            provider.status("tr_7UhSN1zuXS")
    for exc in (created.value, asked.value):
        assert WRONG_KEY not in str(exc) and WRONG_KEY not in repr(exc)
        assert "Unauthorized Request" in str(exc)
    assert fake.payments == {}


@pytest.mark.parametrize("before", ["upstream said: Bearer ", "x" * 190])
def test_a_key_echoed_back_is_cut_from_the_message(
    fake: FakeMollie, provider: MollieProvider, before: str
) -> None:
    fake.respond_next(500, f"{before}{TEST_API_KEY} and more".encode(), "text/plain")
    with pytest.raises(PaymentError, match="HTTP 500") as raised:
        create(provider)
    assert TEST_API_KEY[:10] not in str(raised.value)  # not even cut in half by shortening
    assert "[api key" in str(raised.value)


@pytest.mark.parametrize("status_code", [500, 502, 503, 429])
def test_a_server_error_is_a_payment_error(
    fake: FakeMollie, provider: MollieProvider, status_code: int
) -> None:
    fake.fail_next(status_code)
    with pytest.raises(PaymentError, match=f"HTTP {status_code}"):
        create(provider)
    assert fake.payments == {}


def test_a_hanging_server_is_given_up_on_within_the_timeout(fake: FakeMollie) -> None:
    fake.hang_next(10)
    with MollieProvider(TEST_API_KEY, api_url=fake.url, timeout=0.5) as provider:
        started = time.monotonic()
        with pytest.raises(PaymentError, match="no answer in time"):
            create(provider)
        elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 2.0  # httpx applies the timeout per phase; only the read hangs


def test_a_create_that_timed_out_is_retried_into_the_same_payment(fake: FakeMollie) -> None:
    fake.hang_next(0.6)  # Mollie still makes the payment, after the client gave up
    with MollieProvider(TEST_API_KEY, api_url=fake.url, timeout=0.3) as provider:
        with pytest.raises(PaymentError, match="no answer in time"):
            create(provider)
        deadline = time.monotonic() + 3
        while not fake.payments and time.monotonic() < deadline:
            time.sleep(0.02)
        checkout = create(provider)
    assert list(fake.payments) == [checkout.provider_id]


def test_a_refused_connection_is_a_payment_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with (
        MollieProvider(TEST_API_KEY, api_url=f"http://127.0.0.1:{port}/v2") as provider,
        pytest.raises(PaymentError, match="ConnectError") as raised,
    ):
        provider.status("tr_7UhSN1zuXS")
    assert TEST_API_KEY not in str(raised.value)


def test_an_unknown_payment_is_an_error(fake: FakeMollie, provider: MollieProvider) -> None:
    with pytest.raises(PaymentError, match=r"HTTP 404.*No payment exists"):
        provider.status("tr_unknown123")


@pytest.mark.parametrize(
    "provider_id",
    [
        "",
        "tr_",
        "re_4qqhO89gsT",
        "TR_7UhSN1zuXS",
        "tr_7UhSN1zuXS/../../methods",
        "tr_7UhSN1zuXS?testmode=true",
        "tr_7UhSN1zuXS\n",
        "tr_7UhSN 1zuXS",
        "tr_" + "a" * 65,
        "demo_abc",
    ],
)
def test_a_malformed_id_is_refused_without_asking(
    fake: FakeMollie, provider: MollieProvider, provider_id: str
) -> None:
    with pytest.raises(PaymentError, match="not a Mollie payment id"):
        provider.status(provider_id)
    assert fake.requests == []


@pytest.mark.parametrize(
    "body",
    [b"<html>Bad gateway</html>", b"", b"[1, 2]", b'"open"', b'{"id": '],
)
def test_a_malformed_answer_is_an_error(
    fake: FakeMollie, provider: MollieProvider, body: bytes
) -> None:
    fake.respond_next(200, body)
    with pytest.raises(PaymentError, match="JSON"):
        provider.status("tr_7UhSN1zuXS")


def test_a_status_outside_the_vocabulary_is_an_error(
    fake: FakeMollie, provider: MollieProvider
) -> None:
    checkout = create(provider)
    fake.set_status(checkout.provider_id, "refunded")
    assert "refunded" not in STATUSES
    with pytest.raises(PaymentError, match="unknown payment status"):
        provider.status(checkout.provider_id)


@pytest.mark.parametrize(
    "payment",
    [
        {"id": "tr_7UhSN1zuXS", "status": "open", "_links": {}},
        {"id": "tr_7UhSN1zuXS", "status": "open", "_links": {"checkout": {"href": "javascript:x"}}},
        {"id": "tr_7UhSN1zuXS", "status": "wobbly", "_links": {"checkout": {"href": "https://x"}}},
        {"id": "ord_123", "status": "open", "_links": {"checkout": {"href": "https://x"}}},
        {"status": "open", "_links": {"checkout": {"href": "https://x"}}},
    ],
)
def test_a_created_payment_must_be_usable(
    fake: FakeMollie, provider: MollieProvider, payment: dict[str, Any]
) -> None:
    fake.respond_next(201, json.dumps(payment).encode())
    with pytest.raises(PaymentError):
        create(provider)


def test_an_answer_about_another_payment_is_an_error(
    fake: FakeMollie, provider: MollieProvider
) -> None:
    fake.respond_next(200, b'{"id": "tr_someoneElse", "status": "paid"}')
    with pytest.raises(PaymentError, match="tr_someoneElse"):
        provider.status("tr_7UhSN1zuXS")


def test_amount_value_never_goes_through_a_float() -> None:
    assert amount_value(10**20 + 1) == "1000000000000000000.01"  # a float would round this


# The fake itself: it must refuse what Mollie refuses, or the tests above prove nothing.


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        ({"currency": "EUR", "value": 12.34}, "amount.value"),
        ({"currency": "EUR", "value": "12.3"}, "amount.value"),
        ({"currency": "EUR", "value": "12.345"}, "amount.value"),
        ({"currency": "EUR", "value": "12,34"}, "amount.value"),
        ({"currency": "EUR", "value": "1,234.00"}, "amount.value"),
        ({"currency": "EUR", "value": "012.34"}, "amount.value"),
        ({"currency": "USD", "value": "12.34"}, "amount.currency"),
        ({"value": "12.34"}, "amount.currency"),
        ("12.34", "amount"),
    ],
)
def test_the_fake_refuses_malformed_amounts(
    fake: FakeMollie, http: httpx.Client, amount: Any, field: str
) -> None:
    body = {"amount": amount, "description": "x", "redirectUrl": "https://x.example/"}
    answer = http.post(
        f"{fake.url}/payments", json=body, headers={"Authorization": f"Bearer {TEST_API_KEY}"}
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/hal+json"
    problem = answer.json()
    assert (problem["status"], problem["title"], problem["field"]) == (
        422,
        "Unprocessable Entity",
        field,
    )
    assert fake.payments == {}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer test_other"}])
def test_the_fake_wants_the_bearer_key(
    fake: FakeMollie, http: httpx.Client, headers: dict[str, str]
) -> None:
    answer = http.get(f"{fake.url}/payments/tr_7UhSN1zuXS", headers=headers)
    assert answer.status_code == 401
    problem = answer.json()
    assert (problem["status"], problem["title"]) == (401, "Unauthorized Request")
    assert problem["detail"] == "Missing authentication, or failed to authenticate"
    assert problem["_links"]["documentation"]["type"] == "text/html"


def test_the_fake_marks_replays(fake: FakeMollie, http: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer {TEST_API_KEY}", "Idempotency-Key": "k-1"}
    body = {
        "amount": {"currency": "EUR", "value": "1.00"},
        "description": "x",
        "redirectUrl": "https://x.example/",
    }
    first = http.post(f"{fake.url}/payments", json=body, headers=headers)
    again = http.post(f"{fake.url}/payments", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
