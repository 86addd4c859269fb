"""Verification before personal pages: answers normalised, hashed per debtor, the browser's
proof signed per debtor and ending; the CSV import asks for the column; on SQLite and
PostgreSQL through HTTP."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.campaigns import check_rows, read_rows
from app.config import Settings
from app.db import make_engine, session_factory, transaction
from app.models import Campaign, Debtor
from app.retention import purge_campaign
from app.verification import (
    MAX_TRIES,
    answer_hash,
    cookie_name,
    cookie_value,
    is_verified,
    normalise,
)
from render.problems import ContentError
from render.validate import load_scene
from tests.conftest import REPO
from tests.factories import make_campaign, tokens

DEMO = (REPO / "demo" / "debtors.csv").read_text(encoding="utf-8").splitlines()
POSTCODES = ["1012 AB", "SW1A 1AA", "10115", "34000", "28001"]
BIRTH_DATES = ["1980-10-15", "1975-01-31", "1990-06-01", "1968-12-24", "2001-02-28"]


def _csv(tmp_path: Path, column: str, values: list[str]) -> Path:
    lines = [
        f"{DEMO[0]},{column}",
        *(f"{row},{v}" for row, v in zip(DEMO[1:], values, strict=True)),
    ]
    path = tmp_path / f"{column}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import(settings: Settings, tmp_path: Path, kind: str, values: list[str]) -> dict[str, str]:
    """The demo debtors in a campaign that asks for ``kind``: reference -> token."""
    csv = _csv(tmp_path, kind, values)
    engine = make_engine(settings.database)
    with transaction(session_factory(engine)) as session:
        created = make_campaign(
            session, settings.content, key=settings.key, name="Checked", csv=csv, verify=kind
        )
        found = tokens(session, created.id, key=settings.key)
    engine.dispose()
    return found


@pytest.fixture
def postcodes(settings: Settings, web: TestClient, tmp_path: Path) -> dict[str, str]:
    return _import(settings, tmp_path, "postcode", POSTCODES)


def _answer(web: TestClient, token: str, answer: str, target: str = "") -> object:
    return web.post(f"/v/{token}/verify?lang=nl", data={"answer": answer, "next": target})


# --- answers and proofs ---------------------------------------------------------------------


def test_answers_are_compared_as_people_write_them() -> None:
    assert normalise("postcode", " 1012 ab ") == normalise("postcode", "1012-AB") == "1012AB"
    assert normalise("birth_date", "1980-10-15") == "1980-10-15"
    assert normalise("birth_date", "15-10-1980", day_first=True) == "1980-10-15"
    assert normalise("birth_date", "15.10.1980", day_first=True) == "1980-10-15"
    for kind, raw, message in (
        ("postcode", "12", "'12' is not a postcode"),
        ("postcode", "1012 AB; DROP", "is not a postcode"),
        ("birth_date", "15-10-1980", "is not a date; write it like 1980-10-15"),
        ("birth_date", "1880-01-01", "is not a date of birth"),
        ("birth_date", (date.today()).isoformat(), "is not a date of birth"),
        ("shoe_size", "42", "unknown verification 'shoe_size'"),
    ):
        with pytest.raises(ValueError, match=re.escape(message)):
            normalise(kind, raw)


def test_a_proof_holds_for_one_debtor_until_it_ends() -> None:
    key = b"server-secret"
    proof = cookie_value(key, 7, now=1_000_000)
    assert is_verified(key, 7, proof, now=1_000_001)
    assert not is_verified(key, 8, proof, now=1_000_001)  # another debtor
    assert not is_verified(b"other-secret", 7, proof, now=1_000_001)
    assert not is_verified(key, 7, proof, now=1_000_000 + 13 * 3600)  # ended
    until, _, signature = proof.partition(".")
    assert not is_verified(key, 7, f"{int(until) + 3600}.{signature}", now=1_000_001)
    assert not is_verified(key, 7, None) and not is_verified(key, 7, "garbage")


# --- the CSV ----------------------------------------------------------------------------------


def test_the_import_needs_the_column_and_stores_only_a_keyed_hash(
    settings: Settings, web: TestClient, tmp_path: Path, db: Session
) -> None:
    scene = load_scene(settings.content.find_scene("arrears"), settings.content)
    with pytest.raises(ContentError) as missing:
        read_rows(REPO / "demo" / "debtors.csv", scene, verify="postcode")
    assert "missing column 'postcode'" in str(missing.value)
    with pytest.raises(ContentError) as unasked:
        read_rows(_csv(tmp_path, "postcode", POSTCODES), scene)
    assert "use --verify postcode" in str(unasked.value)
    bad = _csv(tmp_path, "postcode", ["1012 AB", "", "x", "10115", "28001"])
    _, problems = check_rows(bad, scene, verify="postcode")
    assert [(p.line, p.message) for p in problems] == [
        (3, "postcode: missing"),
        (4, "postcode: 'x' is not a postcode"),
    ]

    _import(settings, tmp_path, "postcode", POSTCODES)

    campaign = db.scalars(select(Campaign)).one()
    assert campaign.verify == "postcode"
    stored = {d.reference: d.verify_hash for d in db.scalars(select(Debtor))}
    assert stored["DEMO-NL-1"] == answer_hash(settings.key, "DEMO-NL-1", "1012AB")
    assert len(set(stored.values())) == 5 and all(len(h or "") == 64 for h in stored.values())


# --- the pages --------------------------------------------------------------------------------


def test_every_personal_page_asks_first_and_reveals_nothing(
    web: TestClient, postcodes: dict[str, str]
) -> None:
    token = postcodes["DEMO-NL-1"]
    for path in ("", "/text", "/text?node=situation", "/step/plan", "/manifest/nl.json"):
        page = web.get(f"/v/{token}{path}")
        assert page.status_code == 401, path
        assert "Even controleren of u het bent" in page.text
        assert "Sanne" not in page.text and "148" not in page.text
        assert page.headers["cache-control"] == "no-store"
    form = web.get(f"/v/{token}/text?node=situation&lang=nl").text
    assert f'name="next" value="/v/{token}/text?node=situation&amp;lang=nl"' in form
    assert 'autocomplete="postal-code"' in form
    refused = web.post(f"/v/{token}/step/dispute?lang=nl", data={"reason": "x"})
    assert refused.status_code == 401  # nothing stored before the answer


def test_the_right_answer_opens_the_page_it_came_from(
    web: TestClient, postcodes: dict[str, str], db: Session
) -> None:
    token = postcodes["DEMO-NL-1"]
    target = f"/v/{token}/text?node=situation&lang=nl"
    opened = _answer(web, token, "1012ab", target)
    assert (opened.status_code, opened.headers["location"]) == (303, target)  # type: ignore[attr-defined]
    cookie = opened.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=43200" in cookie
    page = web.get(target)
    assert page.status_code == 200 and "€\u00a0148,20" in page.text
    other = postcodes["DEMO-EN-1"]
    assert web.get(f"/v/{other}").status_code == 401  # the proof is for one debtor only


def test_wrong_answers_are_counted_and_lock_the_link(
    web: TestClient, postcodes: dict[str, str], db: Session
) -> None:
    token = postcodes["DEMO-NL-1"]
    unreadable = _answer(web, token, "?")
    assert unreadable.status_code == 422  # type: ignore[attr-defined]
    assert "Controleer wat u heeft ingevuld." in unreadable.text  # type: ignore[attr-defined]
    for _ in range(MAX_TRIES - 1):
        wrong = _answer(web, token, "9999 ZZ")
        assert wrong.status_code == 422  # type: ignore[attr-defined]
        assert "Dat komt niet overeen met wat wij weten." in wrong.text  # type: ignore[attr-defined]
    locked = _answer(web, token, "9999 ZZ")
    assert locked.status_code == 429  # type: ignore[attr-defined]
    assert "werkt deze link een uur niet" in locked.text  # type: ignore[attr-defined]
    assert 'href="tel:' in locked.text  # type: ignore[attr-defined]
    right_but_locked = _answer(web, token, "1012 AB")
    assert right_but_locked.status_code == 429  # type: ignore[attr-defined]
    assert "set-cookie" not in right_but_locked.headers  # type: ignore[attr-defined]
    debtor = db.scalars(select(Debtor).where(Debtor.reference == "DEMO-NL-1")).one()
    assert debtor.verify_locked_until is not None


def test_the_answer_leads_only_to_pages_of_the_same_link(
    web: TestClient, postcodes: dict[str, str]
) -> None:
    token = postcodes["DEMO-NL-1"]
    other = postcodes["DEMO-EN-1"]
    for target in ("https://evil.example/", "//evil.example", f"/v/{other}", f"/v/{token}\\@x"):
        sent = _answer(web, token, "1012 AB", target)
        assert sent.headers["location"] == f"/v/{token}?lang=nl", target  # type: ignore[attr-defined]


def test_a_date_of_birth_is_asked_as_day_month_and_year(
    settings: Settings, web: TestClient, tmp_path: Path
) -> None:
    tokens = _import(settings, tmp_path, "birth_date", BIRTH_DATES)
    token = tokens["DEMO-DE-1"]
    form = web.get(f"/v/{token}").text
    assert "Zum Schutz Ihrer Daten fragen wir zuerst nach Ihrem Geburtsdatum." in form
    assert 'autocomplete="bday-year"' in form
    wrong = web.post(f"/v/{token}/verify", data={"day": "2", "month": "6", "year": "1990"})
    assert wrong.status_code == 422
    right = web.post(f"/v/{token}/verify", data={"day": "1", "month": "06", "year": "1990"})
    assert right.status_code == 303
    assert "Jürgen Müller" in web.get(f"/v/{token}/text?lang=de").text


def test_campaigns_without_verification_open_at_once(
    web: TestClient, campaign: dict[str, str]
) -> None:
    token = campaign["DEMO-NL-1"]
    assert web.get(f"/v/{token}").status_code == 200
    assert web.post(f"/v/{token}/verify", data={"next": f"/v/{token}/text"}).status_code == 303


def test_a_purge_removes_the_answers(
    settings: Settings, postcodes: dict[str, str], db: Session
) -> None:
    campaign_id = db.scalars(select(Campaign.id)).one()
    engine = make_engine(settings.database)
    purge_campaign(
        session_factory(engine), campaign_id, settings.media_dir, documents=settings.documents_dir
    )
    engine.dispose()
    db.expire_all()
    assert {d.verify_hash for d in db.scalars(select(Debtor))} == {None}


def test_a_proof_from_a_cookie_jar_is_checked_on_the_server(
    web: TestClient, postcodes: dict[str, str], db: Session, settings: Settings
) -> None:
    token = postcodes["DEMO-NL-1"]
    debtor = db.scalars(select(Debtor).where(Debtor.reference == "DEMO-NL-1")).one()
    forged = f"{int(time.time()) + 3600}.{'0' * 64}"
    web.cookies.set(cookie_name(debtor.id), forged)
    assert web.get(f"/v/{token}").status_code == 401
    web.cookies.set(cookie_name(debtor.id), cookie_value(settings.key, debtor.id))
    assert web.get(f"/v/{token}").status_code == 200


def test_the_command_line_imports_a_campaign_that_asks_for_the_date_of_birth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from app.cli import app

    monkeypatch.setenv("VIDPAY_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    command = ["campaign", "import", "--scene", "arrears", "--name", "Checked", "--root", str(REPO)]
    runner = CliRunner()
    good = _csv(tmp_path, "birth_date", BIRTH_DATES)
    refused = runner.invoke(app, [*command, "--csv", str(good), "--verify", "shoe_size"])
    assert refused.exit_code == 2
    (tmp_path / "bad").mkdir()
    bad = _csv(tmp_path / "bad", "birth_date", [*BIRTH_DATES[:4], "15-10-1980"])
    wrong = runner.invoke(app, [*command, "--csv", str(bad), "--verify", "birth_date"])
    assert wrong.exit_code == 1
    assert ":6:1: birth_date: '15-10-1980' is not a date; write it like 1980-10-15" in wrong.stdout
    imported = runner.invoke(app, [*command, "--csv", str(good), "--verify", "birth_date"])
    assert imported.exit_code == 0, imported.output
    engine = make_engine(Settings().database)
    with session_factory(engine)() as session:
        campaign = session.scalars(select(Campaign)).one()
        assert campaign.verify == "birth_date"
        debtor = session.scalars(select(Debtor).where(Debtor.reference == "DEMO-ES-1")).one()
        assert debtor.verify_hash == answer_hash(b"test-secret", "DEMO-ES-1", "2001-02-28")
    engine.dispose()
