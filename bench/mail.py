"""Links by e-mail at campaign scale: 20,000 messages handed to a local SMTP server.

The server (aiosmtpd, its ``Sink`` handler) runs in its own process, as a mail relay would.
Ours is the whole path: the outbox claimed in batches, each debtor checked against the
contact rules, the message written in their language with its QR code, handed over and
written down before the next. The floor is the same messages, built beforehand, sent by a bare
``smtplib`` loop over one connection: what the network and the server cost alone.
"""

from __future__ import annotations

import smtplib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.policy import compat32
from pathlib import Path

from sqlalchemy import select

from app.config import Settings
from app.db import make_engine, session_factory
from app.models import Debtor
from app.outreach.email import Envelope, build_email
from app.outreach.outbox import link_key, schedule_links
from app.outreach.rules import ContactRules
from app.outreach.sending import send_due
from app.outreach.texts import Addressee, link_letter
from app.tokens import token_for
from app.web.urls import link_url, unsubscribe_url
from bench.operators import database
from tests.conftest import REPO
from tests.outbox_run import MORNING, mail_campaign, postage
from tests.smtp_server import free_port

COUNT = 20_000
WIRE = compat32.clone(linesep="\r\n")  # as smtplib's send_message writes a message


@contextmanager
def sink() -> Iterator[str]:
    """aiosmtpd in another process, accepting and dropping every message; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
               "-c", "aiosmtpd.handlers.Sink"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"smtp://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _floor(settings: Settings, url: str, campaign_id: int, smtp_url: str) -> float:
    """The same messages built first, then only sent: seconds for the sending."""
    engine = make_engine(url)
    sending = postage(settings, session_factory(engine), smtp_url)
    assert sending.mail_from is not None
    with sending.sessions() as session:
        debtors = list(session.scalars(select(Debtor).where(Debtor.campaign_id == campaign_id)))
    built = []
    for debtor in debtors:
        token = token_for(settings.key, debtor.token_salt)
        to = Addressee(debtor.name, debtor.language, debtor.amount_cents,
                       link_url(sending.base_url, token),
                       sending.base_url + unsubscribe_url(token, "email"), sending.creditor)  # fmt: skip
        envelope = Envelope(sending.mail_from, sending.creditor, debtor.email or "",
                            link_key("email", debtor.id), to.unsubscribe)  # fmt: skip
        message = build_email(link_letter(to), envelope, to.link)
        built.append((debtor.email, message.as_bytes(policy=WIRE)))
    port = int(smtp_url.rsplit(":", 1)[1])
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address, data in built:
            smtp.sendmail(sending.mail_from, [address or ""], data)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def _measure(kind: str, work: Path) -> tuple[str, str]:
    work.mkdir(parents=True, exist_ok=True)
    with database(kind, work) as url, sink() as smtp_url:
        settings = Settings(root=REPO, var=work / "var", database_url=url,
                            secret_key="bench", env="test", messages_per_minute=0)  # fmt: skip
        campaign_id = mail_campaign(settings, work, COUNT)
        engine = make_engine(url)
        sending = postage(settings, session_factory(engine), smtp_url)
        morning = datetime.fromisoformat(MORNING)
        started = time.perf_counter()
        with sending.sessions() as session, session.begin():
            schedule_links(session, campaign_id, channels=["email"], at=morning,
                           rules=ContactRules())  # fmt: skip
        queued = time.perf_counter() - started
        sent = 0
        while report := send_due(sending, now=morning):
            if not report.handled:
                break
            sent += report.sent
        ours = time.perf_counter() - started
        sending.close()
        engine.dispose()
        floor = _floor(settings, url, campaign_id, smtp_url)
    assert sent == COUNT, f"{sent} of {COUNT} sent"
    return (
        f"{COUNT:,} e-mails, {kind}",
        f"{ours:.0f} s in all ({ours / 60:.1f} min, target < 5 min), **{COUNT / ours:.0f} "
        f"messages/s**, of which queueing {queued:.1f} s; floor, the same messages prebuilt "
        f"and sent by a bare smtplib loop: {floor:.0f} s ({COUNT / floor:.0f}/s), so ours is "
        f"**{ours / floor:.1f}x** the floor",
    )


def section() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        rows = [_measure(kind, Path(tmp) / kind) for kind in ("sqlite", "postgresql")]
    lines = [
        "## Links by e-mail",
        "",
        "A campaign's links by e-mail, one sender (one thread), no throttle "
        "(`VIDPAY_MESSAGES_PER_MINUTE=0`), to aiosmtpd in another process on this machine. "
        "Each message: text and HTML parts, the QR code inline, in the debtor's language "
        "(five languages in turn).",
        "",
        "| what | measured |",
        "| --- | --- |",
        *(f"| {what} | {value} |" for what, value in rows),
    ]
    return "\n".join(lines) + "\n"
