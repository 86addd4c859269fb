"""A fake of Mollie's Payments API v2, served for real on loopback, for tests.

It follows the documented API closely enough to catch what a mock would let through: the
bearer key is checked (401 in Mollie's error shape), amounts must be strings with exactly two
decimals in EUR (422, naming the field), unknown payments are 404, an ``Idempotency-Key`` sent
again with the same body replays the first answer (``Idempotent-Replayed: true``) and with a
different body is a 400. Tests steer it from Python: change a payment's status as if the
customer paid, make the next request fail or hang, and read back every request it received.

    with serve_fake_mollie() as fake:
        provider = MollieProvider(TEST_API_KEY, api_url=fake.url)
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import string
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.loopback import serve_on_loopback

TEST_API_KEY = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"  # the shape of a Mollie test key
HAL = "application/hal+json"
DOCS = "https://docs.mollie.com/overview/handling-errors"
METHODS = frozenset({"applepay", "bancontact", "banktransfer", "creditcard", "ideal", "paypal"})
_AMOUNT = re.compile(r"(0|[1-9][0-9]*)\.[0-9]{2}")
_LOCALE = re.compile(r"[a-z]{2}_[A-Z]{2}")
_ID_CHARS = string.ascii_letters + string.digits

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it; header names are lower case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class _Stored:
    """An idempotency key's first request and the answer it got."""

    fingerprint: str
    status_code: int
    payload: dict[str, Any]


def error(status: int, title: str, detail: str, field: str | None = None) -> JSONResponse:
    """An error in Mollie's documented shape."""
    body: dict[str, Any] = {"status": status, "title": title, "detail": detail}
    if field:
        body["field"] = field
    body["_links"] = {"documentation": {"href": DOCS, "type": "text/html"}}
    return JSONResponse(body, status_code=status, media_type=HAL)


class FakeMollie:
    """The fake's state and its Starlette app; ``url`` is set once it is served."""

    def __init__(self, api_key: str = TEST_API_KEY) -> None:
        self.api_key = api_key
        self.base = ""
        self.requests: list[RecordedRequest] = []
        self.payments: dict[str, dict[str, Any]] = {}
        self._idempotent: dict[str, _Stored] = {}
        self._next: list[tuple[str, Any]] = []  # ("fail" | "hang" | "respond", argument)
        self._generation = 0  # bumped by reset(): hanging requests give up
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/v2/payments", self._api(self._create), methods=["POST"]),
                Route("/v2/payments/{payment_id}", self._api(self._get), methods=["GET"]),
                Route("/v2/{rest:path}", self._api(self._not_found)),
                Route("/checkout/{payment_id}", self._checkout, methods=["GET", "POST"]),
            ]
        )

    @property
    def url(self) -> str:
        """The API base URL, as ``MollieProvider(api_url=...)`` takes it."""
        return f"{self.base}/v2"

    # The test's controls.

    def set_status(self, payment_id: str, status: str) -> None:
        """Change a payment's status, as the customer paying (or Mollie expiring it) would."""
        with self._lock:
            payment = self.payments[payment_id]
            payment["status"] = status
            payment["isCancelable"] = False
            if status == "paid":
                payment["paidAt"] = _now()
            if status != "open":
                payment["_links"].pop("checkout", None)

    def fail_next(self, status_code: int = 500) -> None:
        """The next API request gets this error status in Mollie's error shape."""
        with self._lock:
            self._next.append(("fail", status_code))

    def hang_next(self, seconds: float = 10.0) -> None:
        """The next API request is answered only after ``seconds`` (sooner on reset or stop)."""
        with self._lock:
            self._next.append(("hang", seconds))

    def respond_next(self, status_code: int, body: bytes, content_type: str = HAL) -> None:
        """The next API request gets exactly this answer, e.g. a body that is not JSON."""
        with self._lock:
            self._next.append(("respond", (status_code, body, content_type)))

    def reset(self) -> None:
        """Forget payments, requests and pending controls; release any hanging request."""
        with self._lock:
            self.requests.clear()
            self.payments.clear()
            self._idempotent.clear()
            self._next.clear()
            self._generation += 1

    def checkout_url(self, payment_id: str) -> str:
        return f"{self.base}/checkout/{payment_id}"

    # The API.

    def _api(self, handler: Handler) -> Handler:
        """Record the request, apply the test's controls, then check the key as Mollie does."""

        async def endpoint(request: Request) -> Response:
            body = await request.body()
            with self._lock:
                self.requests.append(
                    RecordedRequest(request.method, request.url.path, dict(request.headers), body)
                )
                control = self._next.pop(0) if self._next else None
            if control is not None:
                answer = await self._control(*control)
                if answer is not None:
                    return answer
            if request.headers.get("authorization") != f"Bearer {self.api_key}":
                return error(
                    401, "Unauthorized Request", "Missing authentication, or failed to authenticate"
                )
            return await handler(request)

        return endpoint

    async def _control(self, kind: str, argument: Any) -> Response | None:
        if kind == "fail":
            return error(argument, "Internal Server Error", "The fake was told to fail")
        if kind == "respond":
            status_code, body, content_type = argument
            return Response(body, status_code=status_code, media_type=content_type)
        generation, deadline = self._generation, time.monotonic() + argument
        while time.monotonic() < deadline:
            if self._generation != generation:
                return error(503, "Service Unavailable", "The fake was stopped while hanging")
            await asyncio.sleep(0.02)
        return None  # late, but answered normally: as a real request that outlived its client

    async def _create(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return error(400, "Bad Request", "The request body is not valid JSON")
        if not isinstance(body, dict):
            return error(400, "Bad Request", "The request body must be a JSON object")
        key = request.headers.get("idempotency-key")
        fingerprint = json.dumps(body, sort_keys=True)
        with self._lock:
            stored = self._idempotent.get(key) if key else None
        if stored is not None:
            if stored.fingerprint != fingerprint:
                return error(
                    400, "Bad Request", "The idempotency key was used with other parameters"
                )
            headers = {"Idempotent-Replayed": "true"}
            return JSONResponse(stored.payload, stored.status_code, headers, media_type=HAL)
        problem = _invalid(body)
        if problem is not None:
            return problem
        payment = self._new_payment(body)
        with self._lock:
            self.payments[payment["id"]] = payment
            if key:
                self._idempotent[key] = _Stored(fingerprint, 201, json.loads(json.dumps(payment)))
            return JSONResponse(payment, status_code=201, media_type=HAL)

    async def _get(self, request: Request) -> Response:
        payment_id = request.path_params["payment_id"]
        with self._lock:
            payment = self.payments.get(payment_id)
            if payment is None:
                return error(404, "Not Found", f"No payment exists with token {payment_id}.")
            return JSONResponse(payment, media_type=HAL)

    async def _not_found(self, request: Request) -> Response:
        return error(404, "Not Found", "The resource does not exist")

    def _new_payment(self, body: dict[str, Any]) -> dict[str, Any]:
        payment_id = "tr_" + "".join(secrets.choice(_ID_CHARS) for _ in range(10))
        created = datetime.now(UTC)
        return {
            "resource": "payment",
            "id": payment_id,
            "mode": "test",
            "createdAt": _iso(created),
            "amount": body["amount"],
            "description": body["description"],
            "method": body.get("method"),
            "metadata": body.get("metadata"),
            "status": "open",
            "isCancelable": False,
            "expiresAt": _iso(created + timedelta(minutes=15)),
            "locale": body.get("locale"),
            "profileId": "pfl_QkEhN94Ba",
            "sequenceType": "oneoff",
            "redirectUrl": body["redirectUrl"],
            "webhookUrl": body.get("webhookUrl"),
            "_links": {
                "self": {"href": f"{self.url}/payments/{payment_id}", "type": HAL},
                "checkout": {"href": self.checkout_url(payment_id), "type": "text/html"},
                "documentation": {
                    "href": "https://docs.mollie.com/reference/create-payment",
                    "type": "text/html",
                },
            },
        }

    # Mollie's hosted checkout, reduced to two buttons, for tests that follow the debtor.

    async def _checkout(self, request: Request) -> Response:
        payment_id = request.path_params["payment_id"]
        with self._lock:
            payment = self.payments.get(payment_id)
        if payment is None:
            return HTMLResponse("<p>No such payment</p>", status_code=404)
        if request.method == "POST":
            form = parse_qs((await request.body()).decode())
            status = form.get("status", ["paid"])[0]
            if payment["status"] == "open" and status in ("paid", "canceled", "failed", "expired"):
                self.set_status(payment_id, status)
            return RedirectResponse(payment["redirectUrl"], status_code=303)
        amount = escape(payment["amount"]["value"])
        buttons = "".join(
            f'<button name="status" value="{s}">{s}</button>'
            for s in ("paid", "canceled", "failed")
        )
        return HTMLResponse(
            f"<h1>Fake Mollie: pay € {amount}</h1><p>{escape(payment['description'])}</p>"
            f'<form method="post">{buttons}</form>'
        )


def _invalid(body: dict[str, Any]) -> JSONResponse | None:
    """The 422 Mollie gives for the first invalid parameter, or None when all are valid."""
    amount = body.get("amount")
    if not isinstance(amount, dict):
        return _unprocessable("The amount is required", "amount")
    if amount.get("currency") != "EUR":
        return _unprocessable("The currency is not supported for this payment", "amount.currency")
    value = amount.get("value")
    if not isinstance(value, str) or not _AMOUNT.fullmatch(value):
        return _unprocessable("The amount contains an invalid value", "amount.value")
    if value == "0.00":
        return _unprocessable("The amount is lower than the minimum", "amount")
    for field in ("description", "redirectUrl"):
        if not isinstance(body.get(field), str) or not body[field]:
            return _unprocessable(f"The {field} is required", field)
    if "method" in body and body["method"] not in METHODS:
        return _unprocessable("The payment method is invalid", "method")
    if "locale" in body and not _LOCALE.fullmatch(str(body["locale"])):
        return _unprocessable("The locale is invalid", "locale")
    return None


def _unprocessable(detail: str, field: str) -> JSONResponse:
    return error(422, "Unprocessable Entity", detail, field)


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def _now() -> str:
    return _iso(datetime.now(UTC))


@contextmanager
def serve_fake_mollie(api_key: str = TEST_API_KEY) -> Iterator[FakeMollie]:
    """Serve a fresh fake on a free loopback port in a background thread, for the block."""
    fake = FakeMollie(api_key)
    # reset() releases a hanging request, so shutdown need not wait for it
    with serve_on_loopback(fake.app, "fake Mollie", before_stop=fake.reset) as base:
        fake.base = base
        yield fake
