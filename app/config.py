"""Settings, read once from the environment (``VIDPAY_*``, and ``DATABASE_URL``) and passed in.

The defaults are the embedded demo: SQLite in ``var/``, media rendered into ``var/media``, the
demo payment provider. In production (``VIDPAY_ENV=production``) the secret key must come from
the environment; in development one is generated once and kept in ``var/secret.key``.
"""

from __future__ import annotations

import os
import secrets
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from render.content import BUNDLED, ContentRoot

DEFAULT_RETENTION_DAYS = 180  # personal data of a campaign is purged this long after it starts


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIDPAY_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    root: Path = Path()  # the content root: scenes, translations, voiceovers, static
    var: Path = Path("var")  # the database file, media and the development secret live here
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "VIDPAY_DATABASE_URL")
    )
    media: Path | None = None  # rendered segments; default <var>/media
    documents: Path | None = None  # files debtors send (proofs of payment); default <var>/documents
    secret_key: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    timezone: str = "Europe/Amsterdam"
    payment_provider: Literal["demo", "mollie"] = "demo"
    mollie_api_key: str | None = None
    mollie_api_url: str = "https://api.mollie.com/v2"
    max_body_bytes: int = 16_384  # the largest form or event a debtor's browser may send
    max_upload_bytes: int = 50_000_000  # a campaign CSV uploaded on the admin pages (50 MB)
    max_proof_bytes: int = 10_000_000  # a proof of payment a debtor sends (10 MB)
    render_executor: Literal["local", "celery"] = "local"  # renders started from the admin pages
    allow_private_webhooks: bool = False  # webhooks to loopback, private, link-local addresses
    creditor_name: str = "Demo Energie"  # who writes to debtors: the messages' sender name
    smtp_url: str | None = None  # smtp://user:pass@host:587 (STARTTLS) or smtps://host:465
    mail_from: str | None = None  # the messages' From address
    sms_provider: Literal["file", "sinch"] = "file"  # file: written to <var>/outbox, not sent
    sms_sender: str = "vidpay"  # the SMS sender: a number or up to 11 letters
    sinch_service_plan_id: str | None = None
    sinch_api_token: str | None = None
    sinch_api_url: str = "https://eu.sms.api.sinch.com"
    # the HMAC secret Sinch signs its callbacks with (delivery reports, inbound STOP); without
    # one the callbacks are refused
    sinch_callback_secret: str | None = None
    messages_per_minute: int = Field(default=1200, ge=0)  # 0: no limit
    messages_per_week: int = Field(default=3, ge=1)  # to one debtor, every channel together

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.env == "production" and not self.secret_key:
            raise ValueError("VIDPAY_SECRET_KEY must be set in production")
        if self.payment_provider == "mollie" and not self.mollie_api_key:
            raise ValueError("VIDPAY_MOLLIE_API_KEY must be set for the mollie payment provider")
        if self.sms_provider == "sinch" and not (
            self.sinch_service_plan_id and self.sinch_api_token
        ):
            raise ValueError(
                "VIDPAY_SINCH_SERVICE_PLAN_ID and VIDPAY_SINCH_API_TOKEN must be set for sinch"
            )
        if self.smtp_url and not self.mail_from:
            raise ValueError("VIDPAY_MAIL_FROM must be set with VIDPAY_SMTP_URL")
        return self

    @model_validator(mode="after")
    def _documents_are_not_served(self) -> Settings:
        """Debtors' documents are personal: never in a folder the web server serves."""
        documents = self.documents_dir.resolve()
        for served in (self.media_dir, self.content.static_dir, BUNDLED / "static"):
            if documents.is_relative_to(served.resolve()):
                raise ValueError(
                    f"VIDPAY_DOCUMENTS ({documents}) must not lie inside a served folder ({served})"
                )
        return self

    @property
    def content(self) -> ContentRoot:
        return ContentRoot(self.root)

    @property
    def https(self) -> bool:
        """Served over https: cookies are then sent only over https."""
        return self.base_url.lower().startswith("https://")

    def now(self) -> datetime:
        """The creditor's wall clock (naive local time, as callback slots are stored)."""
        return datetime.now(ZoneInfo(self.timezone)).replace(tzinfo=None)

    def today(self) -> date:
        """The date where the creditor works: promises and instalments fall due by it."""
        return datetime.now(ZoneInfo(self.timezone)).date()

    @property
    def media_dir(self) -> Path:
        return self.media or self.var / "media"

    @property
    def outbox_dir(self) -> Path:
        """Where the file SMS provider writes the messages it would have sent."""
        return self.var / "outbox"

    @property
    def documents_dir(self) -> Path:
        return self.documents or self.var / "documents"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.var / 'vidpay.db').resolve()}"

    @cached_property
    def key(self) -> bytes:
        """The secret that link tokens are derived from."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.var / "secret.key"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip().encode()
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
        return path.read_text().strip().encode()
