"""The sender: due messages sent every few seconds, in a thread beside the web server or in
the foreground (``python -m app outbox run``, for a separate worker process).

Several senders may run at once (two servers, a server and a worker): the outbox's claims
keep them from sending the same message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from app.brand import brand_of
from app.config import Settings
from app.models.base import as_utc, utcnow
from app.outreach.email import Mailer
from app.outreach.reminders import queue_reminders
from app.outreach.rules import ContactRules
from app.outreach.sending import Postage, SendReport, send_due
from app.outreach.sms import FileProvider, SmsProvider
from app.scenes import SceneBook
from render.problems import ContentError

log = logging.getLogger("vidpay.outreach")


def contact_rules(settings: Settings) -> ContactRules:
    return ContactRules(timezone=settings.timezone, per_week=settings.messages_per_week)


def sms_provider(settings: Settings) -> SmsProvider:
    if settings.sms_provider == "sinch":
        from app.outreach.sinch import SinchProvider

        assert settings.sinch_service_plan_id and settings.sinch_api_token  # settings check
        return SinchProvider(
            service_plan_id=settings.sinch_service_plan_id,
            api_token=settings.sinch_api_token,
            sender=settings.sms_sender,
            base_url=settings.sinch_api_url,
        )
    return FileProvider(settings.outbox_dir)


def postage(settings: Settings, sessions: sessionmaker[Session]) -> Postage:
    """The channels as the settings give them; e-mail only when SMTP is set up."""
    return Postage(
        sessions=sessions,
        rules=contact_rules(settings),
        key=settings.key,
        base_url=settings.base_url,
        creditor=settings.creditor_name,
        mail_from=settings.mail_from,
        mailer=Mailer(settings.smtp_url) if settings.smtp_url else None,
        sms=sms_provider(settings),
        per_minute=settings.messages_per_minute,
        sms_callback_url=sms_callback_url(settings),
        creditor_for=creditor_names(settings),
    )


def creditor_names(settings: Settings) -> Callable[[str], str]:
    """Scene id -> the creditor's name in that scene's brand (``display_name``), so a
    campaign of one creditor's scene is signed with its name; the setting otherwise."""
    book = SceneBook(settings.content)

    def name_of(scene_id: str) -> str:
        try:
            brand = book.get(scene_id).scene.brand
        except (ContentError, LookupError, OSError):
            return settings.creditor_name
        return brand_of(settings.content, brand, fallback=settings.creditor_name).name

    return name_of


SMS_DELIVERY_PATH = "/hooks/sms/{provider}/delivery"  # the provider's delivery reports
SMS_INBOUND_PATH = "/hooks/sms/{provider}/inbound"  # texts debtors send back (STOP)


def sms_callback_url(settings: Settings) -> str | None:
    """Delivery reports are asked for only from a provider that can reach us and sign them."""
    if settings.sms_provider != "sinch" or not settings.sinch_callback_secret:
        return None
    path = SMS_DELIVERY_PATH.format(provider=settings.sms_provider)
    return settings.base_url.rstrip("/") + path


class Sender:
    """Sends due messages every ``interval`` seconds until ``stop``, and looks for reminders
    that have fallen due every ``remind_every`` seconds. ``clock`` tells the time (UTC): the
    wall clock, unless a test needs a weekday morning."""

    def __init__(
        self,
        postage: Postage,
        *,
        interval: float = 5.0,
        remind_every: float = 3600.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.postage = postage
        self.clock = clock
        self.interval = interval
        self.remind_every = remind_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_reminders: float | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="vidpay-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 35.0) -> None:
        """Ask the loop to end and wait for it (at most one SMTP command's timeout)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self) -> None:
        try:
            while not self._stop.is_set():
                self.tick()
                self._stop.wait(self.interval)
        finally:
            self.postage.close()

    def tick(self) -> SendReport | None:
        """One round; errors are logged, never raised, so the loop goes on."""
        since = None if self._last_reminders is None else time.monotonic() - self._last_reminders
        if since is None or since >= self.remind_every:
            self._last_reminders = time.monotonic()
            self.remind()
        try:
            report = send_due(self.postage, clock=self.clock, stop=self._stop)
        except Exception:
            log.exception("sending messages failed")
            return None
        if report.handled:
            log.info(
                "messages: %d sent, %d moved, %d retried, %d failed, %d cancelled",
                report.sent, report.moved, report.retried, report.failed, report.cancelled,
            )  # fmt: skip
        for error in report.errors[:20]:
            log.warning("%s", error)
        return report

    def remind(self) -> int:
        """Queue the reminders due now; errors are logged."""
        now = as_utc(self.clock())
        today = now.astimezone(ZoneInfo(self.postage.rules.timezone)).date()
        try:
            with self.postage.sessions() as session, session.begin():
                added = queue_reminders(session, today=today, now=now, rules=self.postage.rules)
        except Exception:
            log.exception("queueing reminders failed")
            return 0
        if added:
            log.info("reminders queued: %d", added)
        return added


class _Idle(Sender):
    def start(self) -> None:
        pass


def start_sender(settings: Settings, sessions: sessionmaker[Session]) -> Sender:
    """The server's sender thread, started; tests (``VIDPAY_ENV=test``) get an idle one and
    call ``send_due`` themselves."""
    kind = _Idle if settings.env == "test" else Sender
    sender = kind(postage(settings, sessions))
    sender.start()
    return sender
