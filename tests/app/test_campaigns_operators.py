"""Operator features from the command line: A/B variants, skipping bad rows, expiry, QR codes."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.campaigns import Requirements, assign_variant
from app.cli import app
from app.config import Settings
from app.models import Campaign, Debtor, Variant
from render.content import ContentRoot
from render.scene import Scene
from render.validate import load_scene
from tests.conftest import REPO

HEADER = "reference,name,language,email,phone,amount_due,due_date,invoice_number\n"
runner = CliRunner()


@pytest.fixture(scope="module")
def scenes() -> tuple[Scene, Scene]:
    root = ContentRoot(REPO)
    return load_scene(root.find_scene("arrears"), root), load_scene(
        root.find_scene("arrears-firm"), root
    )


def test_variants_are_assigned_by_weight_and_always_the_same(scenes: tuple[Scene, Scene]) -> None:
    friendly, firm = scenes
    references = [f"R{i}" for i in range(4000)]
    even = [assign_variant(r, [(friendly, 50), (firm, 50)]).id for r in references]
    assert abs(even.count("arrears") / len(even) - 0.5) < 0.03
    skewed = [assign_variant(r, [(friendly, 3), (firm, 1)]).id for r in references]
    assert abs(skewed.count("arrears") / len(skewed) - 0.75) < 0.03
    assert even == [assign_variant(r, [(friendly, 50), (firm, 50)]).id for r in references]


def test_requirements_of_several_scenes(scenes: tuple[Scene, Scene]) -> None:
    need = Requirements.of(list(scenes))
    assert need.languages == ["nl", "en", "de", "tr", "es"]
    assert need.amount == "amount_due" and set(need.variables) == {
        "name",
        "amount_due",
        "due_date",
        "invoice_number",
    }
    clash = scenes[1].model_copy(update={"variables": {**scenes[1].variables, "due_date": "text"}})
    with pytest.raises(
        ValueError, match="variable 'due_date' is date in one scene and text in another"
    ):
        Requirements.of([scenes[0], clash])


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("VIDPAY_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    return Settings()


def _csv(tmp_path: Path, rows: list[str]) -> str:
    path = tmp_path / "debtors.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return str(path)


def _session(settings: Settings) -> Session:
    from app.db import make_engine, session_factory

    return session_factory(make_engine(settings.database))()


def test_an_ab_campaign_from_the_command_line(tmp_path: Path, cli_env: Settings) -> None:
    rows = [f"R{i},Name {i},nl,,,10.00,2026-10-15,F-{i}\n" for i in range(400)]
    result = runner.invoke(app, ["campaign", "import", "--scene", "arrears=50", "--scene", "arrears-firm=50",
                                 "--csv", _csv(tmp_path, rows), "--name", "AB", "--root", str(REPO)])  # fmt: skip
    assert result.exit_code == 0, result.output
    with _session(cli_env) as session:
        campaign = session.scalars(select(Campaign)).one()
        assert [(v.scene_id, v.weight) for v in session.scalars(select(Variant))] == [
            ("arrears", 50),
            ("arrears-firm", 50),
        ]
        split = dict(
            session.execute(select(Debtor.scene_id, func.count()).group_by(Debtor.scene_id)).all()
        )
        assert split.keys() == {"arrears", "arrears-firm"} and 160 < split["arrears"] < 240
        assert campaign.scene_id == "arrears"
    bad = runner.invoke(
        app,
        [
            "campaign",
            "import",
            "--scene",
            "arrears=x",
            "--csv",
            _csv(tmp_path, rows),
            "--name",
            "AB",
            "--root",
            str(REPO),
        ],
    )
    assert bad.exit_code == 2 and "must be a whole number" in bad.stderr


def test_skip_invalid_imports_the_good_rows_and_lists_the_rest(
    tmp_path: Path, cli_env: Settings
) -> None:
    rows = [
        "A,Ana,nl,,,10.00,2026-10-15,F\n",
        "B,Bo,fr,,,10.00,2026-10-15,F\n",
        "C,Cas,nl,,,ten,2026-10-15,F\n",
        "D,Di,de,,,5.50,2026-10-15,F\n",
    ]
    path = _csv(tmp_path, rows)
    refused = runner.invoke(
        app,
        [
            "campaign",
            "import",
            "--scene",
            "arrears",
            "--csv",
            path,
            "--name",
            "S",
            "--root",
            str(REPO),
        ],
    )
    assert refused.exit_code == 1 and "nothing imported" in refused.stderr
    result = runner.invoke(
        app,
        [
            "campaign",
            "import",
            "--scene",
            "arrears",
            "--csv",
            path,
            "--name",
            "S",
            "--root",
            str(REPO),
            "--skip-invalid",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        ":3:1: language: 'fr' is not offered" in result.stdout
        and ":4:1: amount_due: 'ten' is not an amount" in result.stdout
    )
    assert "imported 2 debtors into campaign 1, skipped 2 rows" in result.stderr
    with _session(cli_env) as session:
        assert sorted(session.scalars(select(Debtor.reference))) == ["A", "D"]


def test_qr_codes_are_written_per_debtor(tmp_path: Path, cli_env: Settings) -> None:
    path = _csv(tmp_path, ["A/1,Ana,nl,,,10.00,2026-10-15,F\n", "B,Bo,en,,,10.00,2026-10-15,F\n"])
    assert (
        runner.invoke(
            app,
            [
                "campaign",
                "import",
                "--scene",
                "arrears",
                "--csv",
                path,
                "--name",
                "Q",
                "--root",
                str(REPO),
            ],
        ).exit_code
        == 0
    )
    result = runner.invoke(
        app,
        [
            "campaign",
            "links",
            "1",
            "--qr",
            str(tmp_path / "qr"),
            "--base-url",
            "https://pay.example.org",
        ],
    )
    assert result.exit_code == 0, result.output
    # "A/1" percent-encoded: one file per debtor, and the name gives the reference back
    assert sorted(p.name for p in (tmp_path / "qr").iterdir()) == ["A%2F1.svg", "B.svg"]
    svg = ET.parse(tmp_path / "qr" / "B.svg").getroot()
    assert svg.tag.endswith("svg") and svg.findall(".//{http://www.w3.org/2000/svg}path")


def test_an_expired_campaign_shows_a_friendly_page_with_the_phone(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    db.query(Campaign).update({Campaign.expires_at: datetime.now(UTC) - timedelta(minutes=1)})
    db.commit()
    page = web.get(f"/v/{campaign['DEMO-TR-1']}")
    assert page.status_code == 410
    assert '<html lang="tr">' in page.text and "tel:+31100000000" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    event = {"id": str(uuid.uuid4()), "type": "play", "node": "intro"}
    assert (
        web.post(f"/api/v1/sessions/{campaign['DEMO-TR-1']}/events", json=event).status_code == 404
    )
    assert web.get(f"/v/{campaign['DEMO-TR-1']}/step/plan").status_code == 410


def test_the_expired_page_speaks_the_debtors_language(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    db.query(Campaign).update({Campaign.expires_at: datetime.now(UTC) - timedelta(minutes=1)})
    db.commit()
    assert "Bu bağlantının süresi doldu" in web.get(f"/v/{campaign['DEMO-TR-1']}").text
    assert "Deze link is verlopen" in web.get(f"/v/{campaign['DEMO-NL-1']}").text


def test_the_demo_makes_one_operator_account_with_a_random_password(
    settings: Settings, db: Session
) -> None:
    from app.auth import authenticate
    from app.cli.operations import demo_account
    from app.db import upgrade

    upgrade(settings.database)
    made = demo_account(db)
    assert made is not None
    email, password = made
    assert len(password) >= 16
    db.commit()
    assert authenticate(db, email, password, client="127.0.0.1").role == "operator"
    assert demo_account(db) is None  # an account exists: the demo makes no other
