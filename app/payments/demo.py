"""The demo provider: a simulated iDEAL checkout served by vidpay itself.

Nothing leaves the machine. The checkout page lets the debtor pick a bank and pay or cancel;
the page itself sets the payment's status, which ``status`` then reads back.
"""

from __future__ import annotations

import secrets
import threading
from typing import ClassVar

from app.payments.base import Checkout, PaymentError, PaymentProvider


class DemoProvider(PaymentProvider):
    name: ClassVar[str] = "demo"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._statuses: dict[str, str] = {}
        self.return_urls: dict[str, str] = {}
        self._lock = threading.Lock()

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
        provider_id = f"demo_{secrets.token_urlsafe(12)}"
        with self._lock:
            self._statuses[provider_id] = "open"
            self.return_urls[provider_id] = redirect_url
        return Checkout(
            provider_id, f"{self.base_url}/pay/demo/{provider_id}?lang={locale}", "open"
        )

    def settle(self, provider_id: str, status: str) -> None:
        """What the demo bank does when the debtor pays or cancels."""
        with self._lock:
            if provider_id not in self._statuses:
                raise PaymentError(f"unknown demo payment {provider_id}")
            if self._statuses[provider_id] == "open":
                self._statuses[provider_id] = status

    def status(self, provider_id: str) -> str:
        with self._lock:
            return self._statuses.get(provider_id, "expired")
