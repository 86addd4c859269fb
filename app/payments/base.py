"""The payment-provider interface: start a payment, and ask a payment's status.

Statuses are Mollie's vocabulary, which the demo provider shares: ``open``, ``pending``,
``authorized``, ``paid``, ``canceled``, ``expired``, ``failed``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

FINAL = frozenset({"paid", "canceled", "expired", "failed"})
STATUSES = frozenset({"open", "pending", "authorized"}) | FINAL


class PaymentError(RuntimeError):
    """The provider could not be reached or refused; the message is for the operator's log."""


@dataclass(frozen=True)
class Checkout:
    provider_id: str  # the provider's id of the payment, e.g. Mollie's tr_...
    checkout_url: str  # where the debtor's browser goes to pay
    status: str


class PaymentProvider(ABC):
    name: ClassVar[str]

    @abstractmethod
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
        """Start a payment in euros; the debtor is sent to ``checkout_url``."""

    @abstractmethod
    def status(self, provider_id: str) -> str:
        """The payment's current status, asked of the provider (never taken from a webhook body)."""

    def close(self) -> None:  # noqa: B027  (most providers hold nothing to close)
        """Release connections when the app stops."""
