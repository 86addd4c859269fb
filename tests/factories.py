"""Test data: plain functions that build the rows a test needs (a campaign and its debtors,
their links, users, messages, outcomes and payments). The fixtures in conftest.py call them,
and so may any test that needs one more row than the fixtures give.

Each adds its rows to the session it is given and leaves committing to the caller (a
campaign is flushed, so its id is there)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.auth import add_user
from app.campaigns import import_campaign, links, read_rows
from app.db import make_engine, session_factory, transaction, upgrade
from app.models import Campaign, Debtor, Installment, Message, Outcome, Payment, User
from app.outreach.outbox import link_key
from render.content import ContentRoot
from render.validate import load_scene

DEMO_CSV = Path(__file__).resolve().parent.parent / "demo" / "debtors.csv"
PASSWORD = "correct horse battery"  # every test user's


# --- campaigns and debtors -------------------------------------------------------------------


def make_campaign(
    session: Session,
    content: ContentRoot,
    *,
    key: bytes,
    name: str = "Test",
    scene: str = "arrears",
    csv: Path = DEMO_CSV,
    verify: str | None = None,
) -> Campaign:
    """The debtors of a CSV (the demo's, unless told) imported as a campaign of ``scene``."""
    loaded = load_scene(content.find_scene(scene), content)
    rows = read_rows(csv, loaded, verify=verify)
    return import_campaign(session, scene=loaded, rows=rows, name=name, key=key, verify=verify)


def tokens(session: Session, campaign_id: int, *, key: bytes) -> dict[str, str]:
    """Each debtor's token, by reference: the part of their link after ``/v/``."""
    found = links(session, campaign_id, key=key, base_url="")
    return {reference: link.removeprefix("/v/") for reference, link in found}


# The tiny render scene's campaign (conftest's render_root): three debtors, B-1 on variant B.
TINY_VARIANT_SCENE = """\
id: tiny-b
title: Tiny render test, variant B
source_language: en
languages: [en]
variables: {name: text, amount_due: money}
contact: {phone: "+31 10 000 0000"}
start: greet
nodes:
  greet:
    shots:
      - say: "Hi {name}, you owe {amount_due}."
        show: {card: "{amount_due}", icon: invoice}
    next: bye
  bye:
    shots: [{say: "Bye for now.", show: {text: "Bye"}}]
"""
TINY_DEBTORS = [("A-1", "Ayşe", "80.00"), ("A-2", "Bram", "12.50"), ("B-1", "Chris", "99.00")]


def make_tiny_campaign(
    content: ContentRoot,
    url: str,
    *,
    scene: str = "tiny",
    debtors: list[tuple[str, str, str]] = TINY_DEBTORS,
    variant_b: tuple[str, ...] = ("B-1",),
) -> int:
    """A campaign of the tiny render scene in the database at ``url`` (migrated first), committed;
    ``variant_b`` debtors get scene tiny-b."""
    (content.scenes_dir / "tiny-b.yaml").write_text(TINY_VARIANT_SCENE, encoding="utf-8")
    csv = content.path / "debtors.csv"
    rows = "".join(f"{ref},{name},en,,,{amount}\n" for ref, name, amount in debtors)
    csv.write_text("reference,name,language,email,phone,amount_due\n" + rows, encoding="utf-8")
    upgrade(url)
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        campaign = make_campaign(session, content, key=b"test-secret", scene=scene, csv=csv)
        session.execute(
            update(Debtor)
            .where(Debtor.campaign_id == campaign.id, Debtor.reference.in_(variant_b))
            .values(scene_id="tiny-b")
        )
    engine.dispose()
    return campaign.id


# --- users -----------------------------------------------------------------------------------


def make_user(
    session: Session,
    email: str = "olga@example.org",
    role: str = "operator",
    password: str = PASSWORD,
) -> User:
    """An admin user (olga, an operator, unless told)."""
    return add_user(session, email, password, role)


# --- what happens to a debtor ----------------------------------------------------------------


def make_message(
    session: Session,
    debtor: Debtor,
    *,
    channel: str = "email",
    purpose: str = "link",
    key: str | None = None,
    status: str = "sent",
    **values: Any,
) -> Message:
    """A message to a debtor; a link's key is the outbox's own (once per debtor and channel)."""
    if key is None:
        if purpose != "link":
            raise ValueError(f"a {purpose} message needs its key")
        key = link_key(channel, debtor.id)
    message = Message(
        campaign_id=debtor.campaign_id,
        debtor_id=debtor.id,
        channel=channel,
        purpose=purpose,
        key=key,
        status=status,
        **values,
    )
    session.add(message)
    return message


def make_outcome(
    session: Session,
    debtor: Debtor,
    action: str,
    details: dict[str, Any] | None = None,
    *,
    node: str | None = None,
    submission: str | None = None,
    **values: Any,
) -> Outcome:
    """What a debtor chose at a step (the node is named after the action unless told)."""
    outcome = Outcome(
        debtor_id=debtor.id,
        submission=str(uuid.uuid4()) if submission is None else submission,
        action=action,
        node=action if node is None else node,
        details={} if details is None else details,
        **values,
    )
    session.add(outcome)
    return outcome


def make_plan(
    session: Session,
    debtor: Debtor,
    first: date,
    cents: int,
    *,
    count: int = 2,
    every: int = 31,
    node: str = "arrangement",
    details: dict[str, Any] | None = None,
    submission: str | None = None,
) -> Outcome:
    """A payment plan: ``count`` instalments of ``cents``, the first due on ``first`` and the
    next every ``every`` days."""
    plan = make_outcome(
        session,
        debtor,
        "arrangement",
        {"installments": count, "first_date": first.isoformat()} if details is None else details,
        node=node,
        submission=submission,
    )
    plan.installments = [
        Installment(number=n + 1, due=first + timedelta(days=every * n), amount_cents=cents)
        for n in range(count)
    ]
    return plan


def make_payment(
    session: Session,
    debtor: Debtor,
    cents: int,
    *,
    status: str = "paid",
    provider: str = "demo",
    provider_id: str | None = None,
    node: str = "pay_how",
) -> Payment:
    """A payment by a debtor, paid unless told (its provider id ``demo_<cents>`` unless told)."""
    payment = Payment(
        debtor_id=debtor.id,
        node=node,
        provider=provider,
        provider_id=f"{provider}_{cents}" if provider_id is None else provider_id,
        amount_cents=cents,
        status=status,
    )
    session.add(payment)
    return payment
