"""Payment providers: the built-in demo checkout, and Mollie for production."""

from __future__ import annotations

from app.config import Settings
from app.payments.base import PaymentProvider


def make_provider(settings: Settings) -> PaymentProvider:
    if settings.payment_provider == "mollie":
        from app.payments.mollie import MollieProvider

        assert settings.mollie_api_key is not None  # the settings refuse mollie without a key
        return MollieProvider(settings.mollie_api_key, api_url=settings.mollie_api_url)
    from app.payments.demo import DemoProvider

    return DemoProvider(settings.base_url)
