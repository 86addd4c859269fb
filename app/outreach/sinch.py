"""Sinch's SMS REST API ("XMS"): send a batch of one, read delivery reports and inbound texts.

What the docs say, and what this module does with it:

- Sending is ``POST {base}/xms/v1/{service_plan_id}/batches`` with ``Authorization: Bearer
  {api_token}`` and a JSON body (``from``, ``to`` list, ``body``, ``delivery_report``,
  ``callback_url``, ``client_reference``); the answer is ``201 Created`` with the batch's
  ``id`` (developers.sinch.com/docs/sms/api-reference/sms/batches, "Send a batch message").
  The base URL is per region (``https://{region}.sms.api.sinch.com``; the examples use us
  and eu), hence ``base_url``.
- MSISDNs: "Only MSISDNs in international format are accepted ... with or without a leading
  ``+`` ... or with a leading ``00``", and "All MSISDNs returned by the REST API will be
  without a ``+`` or ``00`` prefix" ("SMS REST Formats"). We send E.164 with its ``+``, and
  put the ``+`` back on the numbers that callbacks return, so they compare equal to ours.
- ``client_reference``: "If set, it will be added in the delivery report/callback of this
  batch"; the older reference says "Max 128 characters", the current one states no limit, so
  128 is enforced (``app.outreach.sms.MAX_REFERENCE``).
- Errors: 400 and 403 carry ``{"code": ..., "text": ...}`` (``syntax_invalid_json``,
  ``syntax_invalid_parameter_format``, ``syntax_constraint_violation``; 403
  ``missing_callback_url`` ...); 401 is "Authentication token is invalid for this service
  plan"; 429 "too many outstanding requests"; 5xx are Sinch's side ("HTTP Status Codes for
  the SMS REST API"). The docs promise the JSON body only for 400 and 403, so any other
  status is read for it but need not have one.
- Delivery reports: ``delivery_report`` is none, summary, full, per_recipient or
  per_recipient_final; per_recipient posts a ``recipient_delivery_report_sms`` to the
  callback URL on each status change ("Delivery Reports"; "Callbacks").
- Inbound (MO) texts are posted as ``mo_text`` objects (``id``, ``from``, ``to``, ``body``,
  ``received_at``, ...) to a URL set on the service plan ("Inbounds").
- Callback authenticity: see ``verify_callback``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from app.models.base import as_utc
from app.outreach.sms import MAX_PARTS, SmsError, SmsProvider, SmsReceipt, check_message
from render.retry_after import retry_after

DEFAULT_BASE_URL = "https://us.sms.api.sinch.com"

# Sinch's statuses ("Delivery Report Statuses"; the SDKs add Cancelled and Deleted) in our
# vocabulary. The docs call Unknown *final* ("delivered to the SMSC but no delivery receipt
# has been received"); we keep it pending, as nothing says the debtor did not get it.
STATUSES = {
    "delivered": "delivered",
    "failed": "failed",
    "rejected": "failed",
    "expired": "failed",
    "aborted": "failed",
    "cancelled": "failed",
    "canceled": "failed",
    "deleted": "failed",
    "queued": "pending",
    "dispatched": "pending",
    "unknown": "pending",
}
_MSISDN = re.compile(r"[0-9]{7,15}")  # shorter digit strings are short codes: left as they are


@dataclass(frozen=True)
class DeliveryReport:
    """One recipient's status: ``provider_id`` the batch id, ``reference`` our message key."""

    provider_id: str
    reference: str | None
    recipient: str  # E.164; "" in a batch summary that lists no recipients
    status: str  # "delivered", "failed" or "pending"
    code: int | None  # Sinch's detailed status code (0 delivered, 400 queued, 401 dispatched...)
    at: datetime | None


@dataclass(frozen=True)
class InboundSms:
    """A text a debtor sent to our number."""

    sender: str  # E.164
    to: str  # our number (E.164) or short code
    text: str
    provider_id: str
    at: datetime | None


class SinchProvider(SmsProvider):
    """Sends each text as a batch of one recipient, so a batch id names one message."""

    name: ClassVar[str] = "sinch"

    def __init__(
        self,
        *,
        service_plan_id: str,
        api_token: str,
        sender: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self._token = api_token
        self.sender = sender
        self.timeout = timeout
        self.path = f"/xms/v1/{quote(service_plan_id, safe='')}/batches"
        self.url = base_url.rstrip("/") + self.path
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(follow_redirects=False)

    def close(self) -> None:
        """Close the connection pool, unless the caller passed in (and owns) the client."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> SinchProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, *, to: str, text: str, reference: str, callback_url: str | None) -> SmsReceipt:
        """Post the batch; the receipt's ``provider_id`` is Sinch's batch id.

        A timeout or a dropped connection is reported as transient although Sinch may have
        created the batch before the answer was lost: retrying can then send the text twice.
        Sinch documents no idempotency key for batches; listing batches filtered by
        ``client_reference`` (release notes) is the way to check before resending.
        """
        cost = check_message(to=to, text=text, reference=reference)
        body: dict[str, Any] = {
            "from": self.sender,
            "to": [to],
            "body": text,
            "type": "mt_text",
            "client_reference": reference,
            "delivery_report": "per_recipient" if callback_url else "none",
            # Sinch aborts (code 411) rather than bill more parts than we counted, should its
            # count ever differ from ours. The older reference types it String, the SDKs int.
            "max_number_of_message_parts": MAX_PARTS,
        }
        if callback_url:
            body["callback_url"] = callback_url
        answer = self._post(body)
        batch_id = answer.get("id")
        if not isinstance(batch_id, str) or not batch_id:
            raise self._error(
                f"Sinch POST {self.path}: HTTP 201 without a batch id; the batch may have been "
                "created, so this is not retried",
                transient=False,
            )
        return SmsReceipt(batch_id, cost.parts)

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        """The JSON object of a 2xx answer, or an ``SmsError`` saying whether to try again."""
        where = f"Sinch POST {self.path}"
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            response = self._client.post(self.url, json=body, headers=headers, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise self._error(f"{where}: no answer in time ({type(exc).__name__})") from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
            raise self._error(f"{where}: {type(exc).__name__}: {exc}") from exc
        except httpx.HTTPError as exc:  # an unsupported scheme, too many redirects: our fault
            raise self._error(f"{where}: {type(exc).__name__}: {exc}", transient=False) from exc
        if not response.is_success:
            raise self._status_error(where, response)
        try:
            payload = json.loads(response.content)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise self._error(
                f"{where}: HTTP {response.status_code} without a JSON object; the batch may "
                "have been created, so this is not retried",
                transient=False,
            )
        return payload

    def _status_error(self, where: str, response: httpx.Response) -> SmsError:
        """429, 408 and 5xx may pass; 400 (bad body or number), 401, 403, 404 will not."""
        status = response.status_code
        transient = status in (408, 429) or status >= 500
        wait = retry_after(response.headers.get("retry-after")) if transient else None
        return self._error(
            f"{where}: HTTP {status}: {_problem(response.text)}",
            transient=transient,
            retry_after=wait,
        )

    def _error(
        self, message: str, *, transient: bool = True, retry_after: float | None = None
    ) -> SmsError:
        """The error for the log, with the API token cut out wherever it was echoed."""
        if self._token:
            message = message.replace(self._token, "[api token]")
        return SmsError(message, transient=transient, retry_after=retry_after)


def _problem(body: str) -> str:
    """Sinch's ``code: text`` from an error body, else the start of the body."""
    try:
        problem = json.loads(body)
    except ValueError:
        problem = None
    if isinstance(problem, dict) and ("code" in problem or "text" in problem):
        return f"{problem.get('code', '')}: {problem.get('text', '')}"
    return repr(body[:200]) if body else "(empty body)"


# Callbacks.


def parse_delivery_report(body: bytes) -> list[DeliveryReport]:
    """The reports in a delivery report callback, one per recipient.

    ``recipient_delivery_report_sms`` (what ``per_recipient`` sends) gives one; a batch
    report ``delivery_report_sms`` (summary or full) gives one per listed recipient, or one
    per status with recipient "" when a summary lists none. A malformed body is a
    ``ValueError`` naming what is wrong, for a 400 the web layer can log.
    """
    report = _json_object(body, "delivery report")
    kind = report.get("type")
    if kind == "recipient_delivery_report_sms":
        return [
            DeliveryReport(
                provider_id=_text(report, "batch_id"),
                reference=_optional_text(report, "client_reference"),
                recipient=_e164(_text(report, "recipient")),
                status=_status(_text(report, "status")),
                code=_code(report.get("code")),
                at=_moment(report.get("at"), "at"),
            )
        ]
    if kind == "delivery_report_sms":
        return _batch_reports(report)
    raise ValueError(f"not an SMS delivery report: type {kind!r}")


def _batch_reports(report: dict[str, Any]) -> list[DeliveryReport]:
    batch_id = _text(report, "batch_id")
    reference = _optional_text(report, "client_reference")
    statuses = report.get("statuses")
    if not isinstance(statuses, list):
        raise ValueError("delivery report: statuses must be a list")
    reports = []
    for entry in statuses:
        if not isinstance(entry, dict):
            raise ValueError("delivery report: each status must be an object")
        status, code = _status(_text(entry, "status")), _code(entry.get("code"))
        recipients = entry.get("recipients") or [""]
        if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
            raise ValueError("delivery report: recipients must be a list of strings")
        for recipient in recipients:
            reports.append(
                DeliveryReport(batch_id, reference, _e164(recipient), status, code, None)
            )
    return reports


def parse_inbound(body: bytes) -> InboundSms:
    """An inbound text (``mo_text``); binary and media messages are a ``ValueError``."""
    message = _json_object(body, "inbound message")
    if message.get("type") != "mo_text":
        raise ValueError(f"not an inbound text message: type {message.get('type')!r}")
    text = message.get("body")
    if not isinstance(text, str):
        raise ValueError("inbound message: body must be a string")
    return InboundSms(
        sender=_e164(_text(message, "from")),
        to=_e164(_text(message, "to")),
        text=text,
        provider_id=_text(message, "id"),
        at=_moment(message.get("received_at"), "received_at"),
    )


_ALGORITHMS: dict[str, Callable[[], Any]] = {
    "hmacsha256": hashlib.sha256,
    "hmacsha384": hashlib.sha384,
    "hmacsha512": hashlib.sha512,
}


def verify_callback(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    """Whether a callback carries Sinch's HMAC signature of exactly this body.

    Mechanism: HMAC signing headers. Since 2025-02-13 the SMS API supports "HMAC
    authentication configuration at the service plan level" (SMS REST API release notes,
    developers.sinch.com/docs/sms/release-notes), enabled through the account manager. The
    signature is ``x-sinch-webhook-signature`` = Base64(HMAC(secret, body + "." + nonce + "."
    + timestamp)) over the raw body, with ``x-sinch-webhook-signature-nonce``,
    ``-timestamp`` and ``-algorithm`` (HmacSHA256 when absent) beside it: the scheme the
    Conversation API documents ("Validating callbacks") and Sinch's own SMS SDKs verify (the
    Python SDK's ``SmsWebhooks.validate_authentication_header``, the .NET ``ISmsWebhooks``).
    The SMS callback page itself we could not read in full, so the exact header set for SMS
    rests on those SDKs. Chosen over the other documented options (basic auth or OAuth
    provisioned on the callback URL, mutual TLS) because it authenticates the body, not
    just the caller; for accounts without HMAC, a secret in the callback URL is the fallback
    and is checked by the web layer, not here.

    The timestamp is signed but not checked for age: the docs do not say whether Sinch's
    retries (for up to 22 h 45 min) are signed afresh, and a replayed delivery report or STOP
    changes nothing the first one did not.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    signature = lowered.get("x-sinch-webhook-signature")
    nonce = lowered.get("x-sinch-webhook-signature-nonce")
    timestamp = lowered.get("x-sinch-webhook-signature-timestamp")
    algorithm = _ALGORITHMS.get(
        lowered.get("x-sinch-webhook-signature-algorithm", "HmacSHA256").lower()
    )
    if not secret or not signature or not nonce or not timestamp or algorithm is None:
        return False
    signed = b".".join((body, nonce.encode(), timestamp.encode()))
    expected = base64.b64encode(hmac.new(secret.encode(), signed, algorithm).digest())
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError as exc:
        raise ValueError(f"{what}: the body is not JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise ValueError(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value


def _text(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{field} must be a non-empty string, got {value!r:.60}")
    return value


def _optional_text(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is None or isinstance(value, str):
        return value or None
    raise ValueError(f"{field} must be a string, got {value!r:.60}")


def _status(sinch_status: str) -> str:
    """Ours for Sinch's; a status Sinch adds later is pending, not a rejected callback."""
    return STATUSES.get(sinch_status.lower(), "pending")


def _code(value: object) -> int | None:
    """The status code: an integer, or a numeric string as in the older docs' example."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ValueError(f"code must be an integer, got {value!r:.60}")


def _moment(value: object, field: str) -> datetime | None:
    """An ISO-8601 timestamp, in UTC; the docs: without an offset it *is* UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field} must be an ISO-8601 string, got {value!r:.60}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{field} is not an ISO-8601 timestamp: {value!r:.60}") from exc
    return as_utc(moment)


def _e164(msisdn: str) -> str:
    """Sinch's MSISDN (no ``+``) as E.164; short codes and other senders stay as they are."""
    return f"+{msisdn}" if _MSISDN.fullmatch(msisdn) else msisdn
