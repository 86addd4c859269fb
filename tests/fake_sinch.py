"""A fake of Sinch's SMS REST API (XMS), served for real on loopback, for tests.

It follows the documented API closely enough to catch what a mock would let through: the
bearer token must belong to the service plan in the path (401 otherwise), the body must be
JSON with ``from``, a ``to`` list of MSISDNs and a ``body`` (400 in Sinch's ``{"code",
"text"}`` shape: ``syntax_invalid_json``, ``syntax_invalid_parameter_format``,
``syntax_constraint_violation``), a delivery report asked for without a callback URL is a
403 ``missing_callback_url``, and MSISDNs come back without their ``+``. Tests steer it from
Python: make the next request fail (500/503), be rate limited (429 with ``Retry-After``),
hang, or get an exact answer; read back every request; and build callback bodies (delivery
reports, inbound texts) with the HMAC headers Sinch signs them with.

    with serve_fake_sinch() as fake:
        provider = SinchProvider(service_plan_id=TEST_SERVICE_PLAN_ID,
                                 api_token=TEST_API_TOKEN, sender="VidPay", base_url=fake.url)
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.loopback import serve_on_loopback

TEST_SERVICE_PLAN_ID = "jd63jf88477ll123ab4567cd89012ef3"  # the docs' example's shape
TEST_API_TOKEN = "8a1c4f0e2b7d4e6f9a3b5c7d9e1f2a4b"
DELIVERY_REPORTS = frozenset({"none", "summary", "full", "per_recipient", "per_recipient_final"})
# International format, optionally with + or 00; spaces, dashes and brackets are ignored.
_MSISDN = re.compile(r"(?:\+|00)?([1-9][0-9]{6,14})")
_IGNORED = re.compile(r"[\s\-()]")
_ULID = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # batch ids are ULIDs: 01FC66621XXXXX119Z8PMV1QPQ

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


def error(status: int, code: str, text: str, headers: dict[str, str] | None = None) -> Response:
    """An error in Sinch's documented shape: ``{"code": ..., "text": ...}``."""
    return JSONResponse({"code": code, "text": text}, status_code=status, headers=headers)


class FakeSinch:
    """The fake's state and its Starlette app; ``url`` is set once it is served."""

    def __init__(
        self,
        service_plan_id: str = TEST_SERVICE_PLAN_ID,
        api_token: str = TEST_API_TOKEN,
        default_callback_url: str | None = None,
    ) -> None:
        self.service_plan_id = service_plan_id
        self.api_token = api_token
        self.default_callback_url = default_callback_url  # as provisioned on the service plan
        self.url = ""
        self.requests: list[RecordedRequest] = []
        self.batches: dict[str, dict[str, Any]] = {}
        self._next: list[tuple[str, Any]] = []  # ("fail" | "hang" | "respond", argument)
        self._generation = 0  # bumped by reset(): hanging requests give up
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/xms/v1/{plan}/batches", self._api(self._create), methods=["POST"]),
                Route("/xms/v1/{plan}/batches/{batch_id}", self._api(self._get), methods=["GET"]),
                Route("/{rest:path}", self._api(self._not_found)),
            ]
        )

    # The test's controls.

    def fail_next(self, status_code: int = 500, retry_after: str | None = None) -> None:
        """The next API request gets this status (in Sinch's error shape), e.g. 503 or 429."""
        with self._lock:
            self._next.append(("fail", (status_code, retry_after)))

    def rate_limit_next(self, retry_after: str = "2") -> None:
        """The next API request is a 429 "too many outstanding requests" with ``Retry-After``."""
        self.fail_next(429, retry_after)

    def hang_next(self, seconds: float = 10.0) -> None:
        """The next API request is answered only after ``seconds`` (sooner on reset or stop)."""
        with self._lock:
            self._next.append(("hang", seconds))

    def respond_next(
        self, status_code: int, body: bytes, content_type: str = "application/json"
    ) -> None:
        """The next API request gets exactly this answer, e.g. a body that is not JSON."""
        with self._lock:
            self._next.append(("respond", (status_code, body, content_type)))

    def reset(self) -> None:
        """Forget batches, requests and pending controls; release any hanging request."""
        with self._lock:
            self.requests.clear()
            self.batches.clear()
            self._next.clear()
            self._generation += 1

    # The API.

    def _api(self, handler: Handler) -> Handler:
        """Record the request, apply the test's controls, then check the token as Sinch does."""

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
            plan = request.path_params.get("plan", self.service_plan_id)
            token = request.headers.get("authorization")
            if token != f"Bearer {self.api_token}" or plan != self.service_plan_id:
                # The docs show the JSON error body for 400 and 403 only; the fake gives 401
                # the same shape so a client reading it is exercised, not relied upon.
                return error(
                    401, "unauthorized", "Authentication token is invalid for this service plan"
                )
            return await handler(request)

        return endpoint

    async def _control(self, kind: str, argument: Any) -> Response | None:
        if kind == "fail":
            status_code, retry_after = argument
            headers = {"Retry-After": retry_after} if retry_after is not None else None
            text = (
                "Too many outstanding requests"
                if status_code == 429
                else "The fake was told to fail"
            )
            return error(status_code, "fake_failure", text, headers)
        if kind == "respond":
            status_code, body, content_type = argument
            return Response(body, status_code=status_code, media_type=content_type)
        generation, deadline = self._generation, time.monotonic() + argument
        while time.monotonic() < deadline:
            if self._generation != generation:
                return error(503, "fake_stopped", "The fake was stopped while hanging")
            await asyncio.sleep(0.02)
        return None  # late, but answered normally: as a real request that outlived its client

    async def _create(self, request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return error(415, "unsupported_media_type", "Content-Type must be application/json")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return error(400, "syntax_invalid_json", "The JSON in the request is invalid")
        if not isinstance(body, dict):
            return error(400, "syntax_invalid_json", "The request body must be a JSON object")
        problem = self._invalid(body)
        if problem is not None:
            return problem
        batch = _new_batch(body)
        with self._lock:
            self.batches[batch["id"]] = batch
        return JSONResponse(batch, status_code=201)

    async def _get(self, request: Request) -> Response:
        with self._lock:
            batch = self.batches.get(request.path_params["batch_id"])
        if batch is None:
            return error(404, "not_found", "No batch with that id")
        return JSONResponse(batch)

    async def _not_found(self, request: Request) -> Response:
        return error(404, "not_found", "The path is invalid")

    def _invalid(self, body: dict[str, Any]) -> Response | None:
        """The 400 or 403 Sinch gives for the first problem, or None when the batch is valid."""
        problem = _invalid_fields(body)
        if problem is not None:
            return problem
        report = body.get("delivery_report", "none")
        if report != "none" and not body.get("callback_url") and not self.default_callback_url:
            return error(
                403, "missing_callback_url", "Callback has been requested but no URL is provided"
            )
        return None

    # Callback bodies, shaped like the docs' examples, for tests of the receiving side.

    @staticmethod
    def recipient_report(
        batch_id: str,
        recipient: str,
        *,
        status: str = "Delivered",
        code: int = 0,
        client_reference: str | None = None,
    ) -> bytes:
        """A ``recipient_delivery_report_sms`` callback body (MSISDN without ``+``)."""
        report: dict[str, Any] = {
            "type": "recipient_delivery_report_sms",
            "batch_id": batch_id,
            "recipient": recipient.lstrip("+"),
            "code": code,
            "status": status,
            "at": _timestamp(datetime.now(UTC)),
            "operator_status_at": _timestamp(datetime.now(UTC) - timedelta(seconds=1)),
        }
        if client_reference is not None:
            report["client_reference"] = client_reference
        return json.dumps(report).encode()

    @staticmethod
    def inbound_text(sender: str, to: str, text: str) -> bytes:
        """An ``mo_text`` callback body: a debtor's reply to our number."""
        now = datetime.now(UTC)
        message = {
            "type": "mo_text",
            "id": _ulid(),
            "from": sender.lstrip("+"),
            "to": to.lstrip("+"),
            "body": text,
            "operator_id": "20416",
            "sent_at": _timestamp(now - timedelta(seconds=2)),
            "received_at": _timestamp(now),
        }
        return json.dumps(message, ensure_ascii=False).encode()

    @staticmethod
    def sign(
        body: bytes, secret: str, *, nonce: str | None = None, timestamp: str | None = None
    ) -> dict[str, str]:
        """The HMAC headers Sinch sends with a signed callback: Base64(HMAC-SHA256(secret,
        body.nonce.timestamp))."""
        nonce = nonce or _ulid()
        timestamp = timestamp or str(int(time.time()))
        signed = body + f".{nonce}.{timestamp}".encode()
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
        return {
            "x-sinch-webhook-signature-timestamp": timestamp,
            "x-sinch-webhook-signature-nonce": nonce,
            "x-sinch-webhook-signature-algorithm": "HmacSHA256",
            "x-sinch-webhook-signature": base64.b64encode(digest).decode(),
        }


def _invalid_fields(body: dict[str, Any]) -> Response | None:
    """The 400 for the first field that breaks the documented constraints, if any."""
    if not isinstance(body.get("from"), str) or not body["from"]:
        return _violation("from is required (no default originator is configured)")
    to = body.get("to")
    if not isinstance(to, list) or not 1 <= len(to) <= 1000:
        return _violation("to must be a list of 1 to 1000 recipients")
    for recipient in to:
        if not isinstance(recipient, str) or not _MSISDN.fullmatch(_IGNORED.sub("", recipient)):
            return _format(f"to: {recipient!r} is not an MSISDN in international format")
    if body.get("type", "mt_text") != "mt_text":
        return _format("type: the fake only knows mt_text")
    text = body.get("body")
    if not isinstance(text, str) or not text or len(text) > 1600:
        return _violation("body must be 1 to 1600 characters")
    if body.get("delivery_report", "none") not in DELIVERY_REPORTS:
        return _format(f"delivery_report: {body.get('delivery_report')!r} is not a valid type")
    callback = body.get("callback_url")
    if callback is not None and not _is_url(callback):
        return _format(f"callback_url: {callback!r} is not a valid URL")
    reference = body.get("client_reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 128):
        return _violation("client_reference must be a string of at most 128 characters")
    parts = body.get("max_number_of_message_parts")
    if parts is not None and (not isinstance(parts, int) or isinstance(parts, bool) or parts < 1):
        return _format("max_number_of_message_parts must be an integer of at least 1")
    return None


def _violation(text: str) -> Response:
    return error(400, "syntax_constraint_violation", text)


def _format(text: str) -> Response:
    return error(400, "syntax_invalid_parameter_format", text)


def _is_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 2048:
        return False
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def _new_batch(body: dict[str, Any]) -> dict[str, Any]:
    """The 201 answer: the request's fields, MSISDNs without ``+``, and the batch's own."""
    now = datetime.now(UTC)
    batch = {key: value for key, value in body.items() if key != "to"}
    batch.update(
        id=_ulid(),
        to=[_bare(recipient) for recipient in body["to"]],
        type="mt_text",
        canceled=False,
        created_at=_timestamp(now),
        modified_at=_timestamp(now),
        send_at=_timestamp(now),
        expire_at=_timestamp(now + timedelta(days=3)),
        delivery_report=body.get("delivery_report", "none"),
        flash_message=body.get("flash_message", False),
    )
    return batch


def _bare(msisdn: str) -> str:
    """An MSISDN as the API returns it: digits only, without ``+`` or ``00``."""
    match = _MSISDN.fullmatch(_IGNORED.sub("", msisdn))
    if match is None:
        raise ValueError(f"not an MSISDN: {msisdn!r}")
    return match.group(1)


def _ulid() -> str:
    return "01" + "".join(secrets.choice(_ULID) for _ in range(24))


def _timestamp(moment: datetime) -> str:
    """UTC with millisecond precision, as the API returns timestamps."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@contextmanager
def serve_fake_sinch(
    service_plan_id: str = TEST_SERVICE_PLAN_ID,
    api_token: str = TEST_API_TOKEN,
    default_callback_url: str | None = None,
) -> Iterator[FakeSinch]:
    """Serve a fresh fake on a free loopback port in a background thread, for the block."""
    fake = FakeSinch(service_plan_id, api_token, default_callback_url)
    # reset() releases a hanging request, so shutdown need not wait for it
    with serve_on_loopback(fake.app, "fake Sinch", before_stop=fake.reset) as base:
        fake.url = base
        yield fake
