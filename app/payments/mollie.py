"""Mollie's Payments API v2: an iDEAL payment per pay step, and its status asked back.

Only the two calls vidpay needs are made (create a payment, get a payment), with a bounded
timeout, so a slow Mollie costs a debtor a few seconds and an error page, never a hung worker.
Every failure becomes a ``PaymentError`` whose message is for the operator's log; the API key
is never part of one, even when Mollie or an exception would echo it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, ClassVar

import httpx

from app.payments.base import STATUSES, Checkout, PaymentError, PaymentProvider

# Our language codes to the locales Mollie's hosted checkout is documented to support; any
# other language gets English rather than a locale Mollie might not show.
LOCALES = {"nl": "nl_NL", "en": "en_US", "de": "de_DE", "es": "es_ES", "fr": "fr_FR"}
DEFAULT_LOCALE = "en_US"

# Mollie's payment ids: ``tr_`` and a short alphanumeric token (``tr_7UhSN1zuXS``).
_PAYMENT_ID = re.compile(r"tr_[A-Za-z0-9]{1,64}")


def amount_value(cents: int) -> str:
    """Mollie's exact amount string: euros, a dot and two decimals, never through a float."""
    if cents < 1:
        raise PaymentError(f"refusing to start a payment of {cents} cents")
    return f"{cents // 100}.{cents % 100:02d}"


def mollie_locale(language: str) -> str:
    """The checkout locale for one of our language codes (``nl``, ``nl-BE``, ``tr``, ...)."""
    primary = re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower()
    return LOCALES.get(primary, DEFAULT_LOCALE)


def idempotency_key(metadata: dict[str, str]) -> str | None:
    """A key per form submission, so a retried create returns the same payment.

    The submission id comes from the debtor's browser, so it is scoped by the debtor: another
    debtor sending the same id gets a payment of their own, not someone else's checkout.
    """
    submission = metadata.get("submission")
    if not submission:
        return None
    scope = json.dumps([metadata.get("debtor", ""), submission])
    return "vidpay-" + hashlib.sha256(scope.encode()).hexdigest()[:40]


class MollieProvider(PaymentProvider):
    name: ClassVar[str] = "mollie"

    def __init__(
        self, api_key: str, *, api_url: str = "https://api.mollie.com/v2", timeout: float = 10.0
    ) -> None:
        self._key = api_key
        self.api_url = api_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.api_url,
            timeout=httpx.Timeout(timeout),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            follow_redirects=False,
        )

    def close(self) -> None:
        """Close the pooled connections (the app keeps one provider for its lifetime)."""
        self._client.close()

    def __enter__(self) -> MollieProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def create(
        self,
        *,
        amount_cents: int,
        description: str,
        redirect_url: str,
        webhook_url: str,
        locale: str,
        metadata: dict[str, str],
    ) -> Checkout:
        body = {
            "amount": {"currency": "EUR", "value": amount_value(amount_cents)},
            "description": description,
            "redirectUrl": redirect_url,
            "webhookUrl": webhook_url,
            "method": "ideal",
            "locale": mollie_locale(locale),
            "metadata": metadata,
        }
        key = idempotency_key(metadata)
        headers = {"Idempotency-Key": key} if key else {}
        payment = self._call("POST", "/payments", json=body, headers=headers)
        provider_id = self._payment_id(payment)
        return Checkout(
            provider_id, self._checkout_url(payment, provider_id), self._status(payment)
        )

    def status(self, provider_id: str) -> str:
        if not _PAYMENT_ID.fullmatch(provider_id):
            raise self._error(f"not a Mollie payment id: {self._quote(provider_id)}")
        payment = self._call("GET", f"/payments/{provider_id}")
        if payment.get("id") != provider_id:
            raise self._error(
                f"Mollie answered for {self._quote(payment.get('id'))}, not {provider_id}"
            )
        return self._status(payment)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One request; the JSON object of a 2xx answer, or a ``PaymentError`` for anything else."""
        where = f"Mollie {method} {path}"
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise self._error(f"{where}: no answer in time ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise self._error(f"{where}: {type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            problem = _problem(self._redact(response.text))
            raise self._error(f"{where}: HTTP {response.status_code}: {problem}")
        try:
            payload = json.loads(response.content)
        except ValueError as exc:
            raise self._error(f"{where}: HTTP {response.status_code} but no JSON body") from exc
        if not isinstance(payload, dict):
            raise self._error(f"{where}: expected a JSON object, got {type(payload).__name__}")
        return payload

    def _payment_id(self, payment: dict[str, Any]) -> str:
        provider_id = payment.get("id")
        if not isinstance(provider_id, str) or not _PAYMENT_ID.fullmatch(provider_id):
            raise self._error(f"Mollie returned no usable payment id: {self._quote(provider_id)}")
        return provider_id

    def _checkout_url(self, payment: dict[str, Any], provider_id: str) -> str:
        """Where the debtor's browser goes: an absolute http(s) URL, or the payment is of no use."""
        links = payment.get("_links")
        checkout = links.get("checkout") if isinstance(links, dict) else None
        href = checkout.get("href") if isinstance(checkout, dict) else None
        if isinstance(href, str) and _is_web_url(href):
            return href
        raise self._error(f"Mollie payment {provider_id} has no usable checkout link")

    def _status(self, payment: dict[str, Any]) -> str:
        status = payment.get("status")
        if not isinstance(status, str) or status not in STATUSES:
            raise self._error(f"Mollie reported an unknown payment status: {self._quote(status)}")
        return status

    def _error(self, message: str) -> PaymentError:
        """The error for the log, with the API key cut out wherever it might have been echoed."""
        return PaymentError(self._redact(message))

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "[api key]") if self._key else text

    def _quote(self, value: object, limit: int = 80) -> str:
        """A value from a request or an answer, shortened for the log (after the key is cut)."""
        return repr(self._redact(str(value))[:limit])


def _is_web_url(href: str) -> bool:
    try:
        url = httpx.URL(href)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def _problem(body: str) -> str:
    """Mollie's own words for an error (``title: detail``), else the start of the body."""
    try:
        problem = json.loads(body)
    except ValueError:
        problem = None
    if isinstance(problem, dict) and ("title" in problem or "detail" in problem):
        field = f" (field {problem['field']})" if problem.get("field") else ""
        return f"{problem.get('title', '')}: {problem.get('detail', '')}{field}"
    return repr(body[:200]) if body else "(empty body)"
