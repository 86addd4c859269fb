"""The server's background work: due webhooks every few seconds, the retention purge once a
day, in one thread beside the web server."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.case_status import TIMED, announce
from app.locks import debtor_locked
from app.models import Campaign, Debtor
from app.retention import purge_expired
from app.webhooks.delivery import (
    DEFAULT_POLICY,
    USER_AGENT,
    DeliveryReport,
    RetryPolicy,
    deliver_due,
)

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger("vidpay.background")


class Dispatcher:
    """Sends due webhooks every ``interval`` seconds; once a day runs the retention purge and
    announces the status changes the calendar made,
    in a background thread (``start``/``stop``) or in the foreground (``run``)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        interval: float = 5.0,
        policy: RetryPolicy = DEFAULT_POLICY,
        purge_every: float = 86_400.0,
        on_purge: Callable[[], object] | None = None,
    ) -> None:
        self.sessions = sessions
        self.on_purge = on_purge  # e.g. forget cached links
        self.settings = settings
        self.interval = interval
        self.policy = policy
        self.purge_every = purge_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_purge: float | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="vidpay-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to end and wait for it: at most one request's timeout."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.policy.timeout * 3 + 5 if timeout is None else timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run(self) -> None:
        """Work until ``stop``: deliveries now and every ``interval``, the purge once a day."""
        with httpx.Client(headers={"User-Agent": USER_AGENT}) as client:
            while not self._stop.is_set():
                self.tick(client)
                self._stop.wait(self.interval)

    def tick(self, client: httpx.Client) -> DeliveryReport | None:
        """One round; errors are logged, never raised, so the loop goes on."""
        report = None
        try:
            report = deliver_due(
                self.sessions,
                key=self.settings.key,
                client=client,
                policy=self.policy,
                stop=self._stop,
                allow_private=self.settings.allow_private_webhooks,
            )
        except Exception:
            log.exception("sending webhooks failed")
        if self._last_purge is None or time.monotonic() - self._last_purge >= self.purge_every:
            self._last_purge = time.monotonic()
            try:
                purged = purge_expired(
                    self.sessions, self.settings.media_dir, documents=self.settings.documents_dir
                )
                if purged:
                    log.info("purged campaigns past their retention: %s", purged)
                    if self.on_purge is not None:
                        self.on_purge()
            except Exception:
                log.exception("the retention purge failed")
            try:
                sweep_statuses(self.sessions, self.settings.today())
            except Exception:
                log.exception("announcing the calendar's status changes failed")
        return report


class _Idle(Dispatcher):
    def start(self) -> None:
        pass


def start_dispatcher(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    on_purge: Callable[[], object] | None = None,
) -> Dispatcher:
    """The server's dispatcher thread, started; tests (``VIDPAY_ENV=test``) get an idle one
    and drive ``deliver_due`` themselves. ``on_purge`` runs after campaigns were purged."""
    kind = _Idle if settings.env == "test" else Dispatcher
    dispatcher = kind(sessions, settings, on_purge=on_purge)
    dispatcher.start()
    return dispatcher


def sweep_statuses(sessions: sessionmaker[Session], today: date) -> int:
    """Announce what the calendar changed (promises past their date, plans fallen behind),
    one debtor at a time under their lock; returns how many changed."""
    query = (
        select(Debtor.id)
        .join(Campaign, Campaign.id == Debtor.campaign_id)
        .where(Debtor.case_status.in_(TIMED), Campaign.purged_at.is_(None))
        .order_by(Debtor.id)
    )
    changed = 0
    with sessions() as session:
        for debtor_id in list(session.scalars(query)):
            with debtor_locked(session, debtor_id, link_alive=False) as debtor:
                changed += announce(session, debtor, today) is not None
    return changed
