"""API keys: shown once, stored as a hash, checked in constant time, revocable; on SQLite and
PostgreSQL, through HTTP and the command line."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.apikeys import check_key, create_api_key, key_prefix, revoke
from app.cli import app
from app.config import Settings
from app.models import ApiKey, Debtor


@pytest.fixture(autouse=True)
def _schema(settings: Settings) -> None:
    """The tables, for tests that use the database without the web app."""
    from app.db import upgrade

    upgrade(settings.database)


def test_a_key_is_shown_once_and_only_its_hash_and_prefix_are_kept(db: Session) -> None:
    key = create_api_key(db, "collections system")
    db.commit()
    assert re.fullmatch(r"vp_[A-Za-z0-9_-]{43}", key)  # 32 random bytes, base64url
    (stored,) = db.scalars(select(ApiKey))
    assert stored.name == "collections system"
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert stored.prefix == key[3:11] == key_prefix(key)
    assert key not in repr(
        [stored.name, stored.prefix, stored.key_hash]
    )  # the key itself is nowhere
    assert create_api_key(db, "another") != key


def test_check_key_accepts_the_key_and_nothing_like_it(db: Session) -> None:
    key = create_api_key(db, "crm")
    db.commit()
    found = check_key(db, key)
    assert found is not None and found.name == "crm"
    same_prefix = key[:11] + ("A" if key[11] != "A" else "B") + key[12:]
    for wrong in (None, "", "vp_", key[:-1], key + "x", same_prefix, key.upper(), "Bearer " + key):
        assert check_key(db, wrong) is None, wrong


def test_revoke_by_prefix_with_or_without_vp(db: Session) -> None:
    first, second = create_api_key(db, "a"), create_api_key(db, "b")
    db.commit()
    assert revoke(db, key_prefix(first))
    assert not revoke(db, key_prefix(first))  # already revoked
    assert revoke(db, "vp_" + key_prefix(second))
    assert not revoke(db, "nothing1")
    assert not revoke(db, "")
    db.commit()
    assert check_key(db, first) is None and check_key(db, second) is None


def test_names_are_checked(db: Session) -> None:
    with pytest.raises(ValueError, match="1 to 100"):
        create_api_key(db, "  ")
    with pytest.raises(ValueError, match="1 to 100"):
        create_api_key(db, "x" * 101)


def _assert_refused(response: object) -> None:
    from httpx2 import Response

    assert isinstance(response, Response)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="vidpay"'
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "a valid API key is needed: Authorization: Bearer <key>"}


def test_the_api_refuses_missing_wrong_and_revoked_keys_alike(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    key = create_api_key(db, "crm")
    db.commit()
    campaign_id = db.scalar(select(Debtor.campaign_id).limit(1))
    url = f"/api/v1/campaigns/{campaign_id}/outcomes"
    assert web.get(url, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert web.get(url, headers={"Authorization": f"bearer {key}"}).status_code == 200
    wrong = key[:-2] + ("AA" if key[-2:] != "AA" else "BB")
    for headers in (
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": f"Basic {key}"},
        {"Authorization": f"Bearer {wrong}"},
        {"Authorization": "Bearer vp_unknownunknownunknownunknownunknownunknownun"},
        {"X-Api-Key": key},
    ):
        _assert_refused(web.get(url, headers=headers))
    _assert_refused(web.get("/api/v1/campaigns/999/outcomes"))  # 401 before 404: says nothing
    assert revoke(db, key_prefix(key))
    db.commit()
    _assert_refused(web.get(url, headers={"Authorization": f"Bearer {key}"}))


def test_the_command_line_adds_and_revokes_keys(
    settings: Settings, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database)
    monkeypatch.setenv("VIDPAY_VAR", str(settings.var))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    runner = CliRunner()
    added = runner.invoke(app, ["apikey", "add", "CRM export"])
    assert added.exit_code == 0, added.output
    key = added.stdout.strip()
    assert re.fullmatch(r"vp_[A-Za-z0-9_-]{43}", key)
    assert f"prefix {key[3:11]}" in added.stderr
    assert check_key(db, key) is not None
    listed = runner.invoke(app, ["apikey", "list"])
    assert f"{key[3:11]}\tCRM export\t" in listed.stdout and key not in listed.stdout
    assert runner.invoke(app, ["apikey", "revoke", "zzzzzzzz"]).exit_code == 2
    revoked = runner.invoke(app, ["apikey", "revoke", key[:11]])
    assert revoked.exit_code == 0, revoked.output
    db.expire_all()
    assert check_key(db, key) is None
    assert runner.invoke(app, ["apikey", "revoke", key[3:11]]).exit_code == 2
