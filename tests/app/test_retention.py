"""Retention: purging a campaign removes its personal data and personal media, keeps the
anonymous counts, and ends its links; by command and after the retention period. On SQLite and
PostgreSQL, through HTTP."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.apikeys import create_api_key
from app.background import Dispatcher
from app.campaigns import outcomes
from app.cli import app as cli
from app.config import Settings
from app.db import make_engine, session_factory
from app.models import Campaign, Debtor, Document, Event, Message, Outcome, WebhookDelivery
from app.retention import purge_campaign, purge_expired
from app.webhooks import add_endpoint, deliver_due
from render.debtors import audio_folder, debtor_manifest_path
from tests.callback_slots import offered_slots, slot_fields
from tests.factories import make_campaign, make_message

NL, EN = "DEMO-NL-1", "DEMO-EN-1"
PHONE = "+31 6 1234 5678"


def _key(n: int) -> str:
    return f"{n:02x}" * 20  # 40 hex characters, like the renderer's content keys


class FakeMedia:
    """Media as the pipeline lays it out, without rendering: shared segments, and per debtor
    a folder of voice tracks with the manifest that lists them."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def segment(self, key: str) -> str:
        folder = self.root / "segments" / key[:2]
        folder.mkdir(parents=True, exist_ok=True)
        for extension in ("mp4", "jpg", "json"):
            (folder / f"{key}.{extension}").write_bytes(b"media")
        return key

    def debtor(self, reference: str, scene: str, language: str, nodes: dict[str, str]) -> Path:
        """A debtor's manifest: node -> the picture key its track goes with."""
        path = debtor_manifest_path(self.root, reference, scene, language)
        tracks = {}
        for node, picture in nodes.items():
            audio = (
                audio_folder(self.root, reference, scene, language) / f"{node}-{picture[:8]}.m4a"
            )
            audio.parent.mkdir(parents=True, exist_ok=True)
            audio.write_bytes(b"sound")
            tracks[node] = {"picture": picture, "audio": audio.relative_to(self.root).as_posix()}
        path.write_text(json.dumps({"version": 1, "nodes": tracks}))
        return path

    def files(self) -> set[str]:
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()}


@pytest.fixture
def other(settings: Settings, campaign: dict[str, str], db: Session) -> int:
    """A second campaign with the same debtors, which must stay untouched."""
    created = make_campaign(db, settings.content, key=settings.key, name="Other")
    db.commit()
    return created.id


def _debtor(db: Session, reference: str, campaign_id: int | None = None) -> Debtor:
    query = select(Debtor).where(Debtor.reference == reference)
    if campaign_id is not None:
        query = query.where(Debtor.campaign_id == campaign_id)
    found = db.scalars(query.order_by(Debtor.id)).first()
    assert found is not None
    return found


def _step(web: TestClient, token: str, node: str, fields: dict[str, str], lang: str = "nl") -> None:
    form = {"submission": str(uuid.uuid4()), **fields}
    response = web.post(f"/v/{token}/step/{node}?lang={lang}", data=form)
    assert response.status_code == 303, response.text


def _event(web: TestClient, token: str, **fields: Any) -> None:
    event = {"id": str(uuid.uuid4()), "language": "nl", **fields}
    response = web.post(f"/api/v1/sessions/{token}/events", json=event)
    assert response.status_code in (200, 201, 202), response.text


def _counts(db: Session, campaign_id: int) -> dict[str, Any]:
    """What the funnel needs: all anonymous."""
    db.expire_all()
    debtors = list(db.scalars(select(Debtor).where(Debtor.campaign_id == campaign_id)))
    ids = [d.id for d in debtors]
    found = list(db.scalars(select(Outcome).where(Outcome.debtor_id.in_(ids))))
    events = list(db.scalars(select(Event).where(Event.debtor_id.in_(ids))))
    return {
        "outcomes": Counter((o.action, o.node) for o in found),
        "installments": sorted((i.due, i.amount_cents) for o in found for i in o.installments),
        "events": Counter((e.type, e.node, e.language) for e in events),
        "languages": Counter(d.language for d in debtors),
        "variants": Counter(d.scene_id for d in debtors),
        "disputed": sum(d.disputed for d in debtors),
        "choices": sorted((e.node, e.data.get("target")) for e in events if e.type == "choice"),
    }


def _fill(web: TestClient, campaign: dict[str, str], db: Session, settings: Settings) -> None:
    """Outcomes with free text through the step forms, and player events with some too."""
    nl, en = campaign[NL], campaign[EN]
    _step(web, nl, "dispute", {"reason": "Ik ben verhuisd naar Utrecht.", "phone": PHONE})
    _step(
        web,
        en,
        "already_paid",
        {
            "amount": "10.00",
            "date": datetime.now(UTC).date().isoformat(),
            "reference": "NL12 INGB 42",
        },
        lang="en",
    )
    first = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    plan = {"amount_cents": "14820", "installments": "3", "first_date": first, "confirm": "yes"}
    _step(web, nl, "plan", plan)
    page = web.get(f"/v/{en}/step/callback?lang=en").text
    slot = offered_slots(page)[0]
    _step(web, en, "callback", {"phone": PHONE, **slot_fields(slot)}, lang="en")
    _event(web, nl, type="choice", node="menu", data={"target": "more_time"})
    _event(web, nl, type="language", node="menu", data={"from": "nl", "to": "en"})
    _event(
        web,
        nl,
        type="error",
        node="menu",
        data={"reason": "video", "detail": "Jan de Vries 06-12345678"},
    )
    _event(web, en, type="play", node="intro", data={})


def test_purge_removes_personal_data_and_files_and_keeps_the_counts(
    web: TestClient,
    campaign: dict[str, str],
    other: int,
    db: Session,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nl = _debtor(db, NL)
    campaign_id = nl.campaign_id
    stranger = _debtor(db, NL, other)
    # Nothing listens on loopback's port 9: the delivery stays pending.
    endpoint = add_endpoint(db, "http://127.0.0.1:9/hook", allow_private=True)
    db.commit()
    _fill(web, campaign, db, settings)
    _step(
        web,
        _token(settings, stranger),
        "dispute",
        {"reason": "Niet mijn rekening.", "phone": PHONE},
    )
    engine = make_engine(settings.database)
    with httpx.Client() as client:
        deliver_due(session_factory(engine), key=settings.key, client=client, allow_private=True)
    engine.dispose()
    assert web.get(f"/v/{campaign[NL]}").status_code == 200
    before = _counts(db, campaign_id)
    assert before["outcomes"] and before["events"] and before["installments"]

    media = FakeMedia(settings.media_dir)
    greeting, amount = media.segment(_key(10)), media.segment(_key(20))
    mine = [
        media.debtor(f"d{nl.id}", "arrears", "nl", {"intro": greeting, "situation": amount}),
        media.debtor(f"d{nl.id}", "arrears", "en", {"intro": greeting}),
    ]
    kept = media.debtor(f"d{stranger.id}", "arrears", "nl", {"intro": greeting})
    before_files = media.files()

    monkeypatch.setenv("DATABASE_URL", settings.database)
    monkeypatch.setenv("VIDPAY_VAR", str(settings.var))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    runner = CliRunner()
    refused = runner.invoke(cli, ["campaign", "purge", str(campaign_id)], input="n\n")
    assert refused.exit_code == 1 and _counts(db, campaign_id) == before
    assert db.get(Campaign, campaign_id).purged_at is None  # type: ignore[union-attr]
    purged = runner.invoke(cli, ["campaign", "purge", str(campaign_id), "--yes"])
    assert purged.exit_code == 0, purged.output
    assert f"purged campaign {campaign_id}: 5 debtors" in purged.stderr
    assert runner.invoke(cli, ["campaign", "purge", "999", "--yes"]).exit_code == 2

    # The links are gone.
    for path in ("", "/text", "/step/dispute", "/manifest/nl.json"):
        assert web.get(f"/v/{campaign[NL]}{path}").status_code == 404, path

    # The counts are the same.
    assert _counts(db, campaign_id) == before
    assert ("menu", "more_time") in before["choices"]

    # Nothing personal is left in the database.
    db.expire_all()
    debtors = list(db.scalars(select(Debtor).where(Debtor.campaign_id == campaign_id)))
    for debtor in debtors:
        assert (debtor.name, debtor.email, debtor.phone, debtor.values) == ("", None, None, {})
        assert debtor.reference == f"purged-{debtor.id}" and debtor.token_salt == ""
    ids = [d.id for d in debtors]
    details = {
        o.action: o.details for o in db.scalars(select(Outcome).where(Outcome.debtor_id.in_(ids)))
    }
    assert details["dispute"] == {}
    assert details["paid"] == {"amount_cents": 1000, "date": datetime.now(UTC).date().isoformat()}
    assert set(details["callback"]) == {"slot"}
    assert details["arrangement"]["total_cents"] == 14820
    data = [e.data for e in db.scalars(select(Event).where(Event.debtor_id.in_(ids)))]
    assert {"reason": "video"} not in data and all("detail" not in d for d in data)
    assert {"target": "more_time"} in data and {"from": "nl", "to": "en"} in data
    text = json.dumps([[d.name, d.email, d.phone, d.reference, d.values] for d in debtors])
    text += json.dumps(list(details.values())) + json.dumps(data)
    for personal_text in ("Jan", "Vries", "06-12345678", "1234 5678", "Utrecht", "INGB", "DEMO-"):
        assert personal_text not in text
    sent = list(
        db.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    )
    deliveries = [d for d in sent if d.event == "outcome.created"]
    assert len(deliveries) == 5
    changes = [d for d in sent if d.event == "case.status_changed"]  # theirs: the dispute
    assert [d.payload != "{}" for d in changes].count(True) == 1
    assert {d.status for d in changes if d.payload == "{}"} == {"failed"}
    mine_deliveries = [d for d in deliveries if d.payload == "{}"]
    assert len(mine_deliveries) == 4 and {d.status for d in mine_deliveries} == {"failed"}
    (their_delivery,) = [d for d in deliveries if d.payload != "{}"]
    assert their_delivery.status == "pending" and "Niet mijn rekening." in their_delivery.payload

    # The personal files are gone, the shared and other debtors' ones are not.
    removed = before_files - media.files()
    assert removed == {name for name in before_files if name.startswith(f"debtors/d{nl.id}/")}
    assert len(removed) == 2 + 3  # two manifests, three voice tracks; no video
    assert kept.is_file() and not any(p.exists() for p in mine)
    assert not (settings.media_dir / "debtors" / f"d{nl.id}").exists()

    # The other campaign is untouched.
    db.expire_all()
    stranger_now = db.get(Debtor, stranger.id)
    assert stranger_now is not None and stranger_now.name == stranger.name
    assert stranger_now.reference == NL and stranger_now.values
    assert db.get(Campaign, other).purged_at is None  # type: ignore[union-attr]

    # The funnel and the API still work, on anonymous data.
    rows = list(outcomes(db, campaign_id))
    assert sorted(r["outcome"] or "" for r in rows) == ["", "", "", "arrangement", "callback"]
    key = create_api_key(db, "crm")
    db.commit()
    page = web.get(
        f"/api/v1/campaigns/{campaign_id}/outcomes", headers={"Authorization": f"Bearer {key}"}
    ).json()
    assert page["campaign"]["purged_at"] is not None
    assert len(page["outcomes"]) == 4
    assert all(o["debtor_reference"].startswith("purged-") for o in page["outcomes"])

    # Again: nothing more to do, and no harm.
    assert runner.invoke(cli, ["campaign", "purge", str(campaign_id), "--yes"]).exit_code == 0
    assert _counts(db, campaign_id) == before


def _token(settings: Settings, debtor: Debtor) -> str:
    from app.tokens import token_for

    return token_for(settings.key, debtor.token_salt)


def test_campaigns_past_their_retention_are_purged_by_the_dispatcher(
    web: TestClient, campaign: dict[str, str], other: int, db: Session, settings: Settings
) -> None:
    nl = _debtor(db, NL)
    old = db.get(Campaign, nl.campaign_id)
    assert old is not None
    old.retention_days = 30
    old.created_at = datetime.now(UTC) - timedelta(days=30, minutes=1)
    young = db.get(Campaign, other)
    assert young is not None
    young.retention_days = 30
    young.created_at = datetime.now(UTC) - timedelta(days=29)
    db.commit()
    media = FakeMedia(settings.media_dir)
    personal = media.debtor(f"d{nl.id}", "arrears", "nl", {"intro": media.segment(_key(50))})
    engine = make_engine(settings.database)
    sessions = session_factory(engine)
    docs = settings.documents_dir
    try:
        with httpx.Client() as client:
            Dispatcher(sessions, settings).tick(client)  # the server's thread, one round
        assert purge_expired(sessions, settings.media_dir, documents=docs) == []  # done already
        later = datetime.now(UTC) + timedelta(days=2)
        assert purge_expired(sessions, settings.media_dir, documents=docs, now=later) == [other]
        assert purge_campaign(sessions, 4242, settings.media_dir, documents=docs) is None
    finally:
        engine.dispose()
    db.expire_all()
    assert db.get(Campaign, nl.campaign_id).purged_at is not None  # type: ignore[union-attr]
    assert db.get(Campaign, other).purged_at is not None  # type: ignore[union-attr]
    assert not personal.exists()
    assert web.get(f"/v/{campaign[NL]}").status_code == 404
    assert _debtor(db, f"purged-{nl.id}").name == ""


def test_purge_removes_the_documents_debtors_sent(
    web: TestClient, campaign: dict[str, str], other: int, db: Session, settings: Settings
) -> None:
    from tests.app.web.test_steps import PDF, PNG, _proof

    nl = _debtor(db, NL)
    stranger = _debtor(db, NL, other)
    for token in (campaign[NL], campaign[EN], _token(settings, stranger)):
        assert (
            _proof(web, token, ("bank.pdf", PDF, "application/pdf"), amount="5").status_code == 303
        )
    assert _proof(web, campaign[NL], ("foto.png", PNG, "image/png"), amount="5").status_code == 303
    folder = settings.documents_dir / str(nl.campaign_id)
    leftover = folder / ("0" * 64)  # a file whose commit never came (a crash): goes too
    leftover.write_bytes(PDF)
    theirs = list((settings.documents_dir / str(other)).iterdir())
    assert len(list(folder.iterdir())) == 4 and len(theirs) == 1
    engine = make_engine(settings.database)
    try:
        report = purge_campaign(
            session_factory(engine), nl.campaign_id, settings.media_dir,
            documents=settings.documents_dir,
        )  # fmt: skip
        assert report is not None and report.documents == 3
        assert len([p for p in report.files if p.parent == folder]) == 4
        assert not folder.exists()
        again = purge_campaign(
            session_factory(engine), nl.campaign_id, settings.media_dir,
            documents=settings.documents_dir,
        )  # fmt: skip
        assert again is not None and again.documents == 0 and again.files == []
    finally:
        engine.dispose()
    db.expire_all()
    left = list(db.scalars(select(Document)))
    assert [d.debtor_id for d in left] == [stranger.id]
    assert [p.read_bytes() for p in theirs] == [PDF]
    paid = db.scalars(
        select(Outcome).where(Outcome.debtor_id == nl.id, Outcome.action == "paid")
    ).all()
    assert all(set(o.details) == {"amount_cents", "date"} for o in paid)  # no reference, no id


def test_purge_forgets_where_messages_went_and_cancels_what_was_not_sent(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    nl, en = _debtor(db, NL), _debtor(db, EN)
    make_message(db, nl, status="failed", address="sanne@example.org",
                 provider_id="<x@energie.example>",
                 last_error="SMTP 550: sanne@example.org unknown")  # fmt: skip
    make_message(db, en, purpose="not_opened", key="not_opened/1/email/2", status="scheduled")
    db.commit()
    engine = make_engine(settings.database)
    report = purge_campaign(session_factory(engine), nl.campaign_id, settings.media_dir,
                            documents=settings.documents_dir)  # fmt: skip
    engine.dispose()
    assert report is not None and report.messages == 2
    db.expire_all()
    rows = sorted(db.scalars(select(Message)), key=lambda m: m.id)
    assert [(m.status, m.address, m.provider_id, m.last_error) for m in rows] == [
        ("failed", None, None, None), ("cancelled", None, None, None),
    ]  # fmt: skip
