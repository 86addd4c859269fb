"""Campaigns from CSV: every bad row reported with its line, nothing half-imported."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.campaigns import check_rows, qr_file_names, read_rows
from app.cli import app
from app.config import Settings
from app.models import Debtor
from render.content import ContentRoot
from render.problems import ContentError
from render.scene import Scene
from render.validate import load_scene
from tests.conftest import REPO

HEADER = "reference,name,language,email,phone,amount_due,due_date,invoice_number\n"
GOOD = "A-1,Ana,nl,ana@example.org,+31 6 1234 5678,148.20,2026-10-15,F-1\n"


@pytest.fixture(scope="module")
def scene() -> Scene:
    root = ContentRoot(REPO)
    return load_scene(root.find_scene("arrears"), root)


def _problems(path: Path, scene: Scene) -> list[str]:
    with pytest.raises(ContentError) as failure:
        read_rows(path, scene)
    return [f"{p.line}: {p.message}" for p in failure.value.problems]


def test_good_rows_keep_the_csv_text_and_the_amount_in_cents(tmp_path: Path, scene: Scene) -> None:
    path = tmp_path / "debtors.csv"
    path.write_text(
        "\ufeff" + HEADER + GOOD + '"A-2","Ben, Jr.",en,,,1234.5,2026-01-02,"F\n2"\n',
        encoding="utf-8",
    )
    first, second = read_rows(path, scene)
    assert (first.line, first.fields["name"], first.amount_cents) == (2, "Ana", 14820)
    assert first.values == {
        "name": "Ana",
        "amount_due": "148.20",
        "due_date": "2026-10-15",
        "invoice_number": "F-1",
    }
    assert (
        second.line,
        second.fields["name"],
        second.values["invoice_number"],
        second.amount_cents,
    ) == (3, "Ben, Jr.", "F\n2", 123450)


def test_every_bad_row_is_reported_with_its_line(tmp_path: Path, scene: Scene) -> None:
    path = tmp_path / "debtors.csv"
    rows = [
        GOOD,
        "A-2,Bea,fr,not-an-email,call me,12.345,15-10-2026,F-2\n",
        "A-1,Cas,nl,,,10.00,2026-10-15,F-3\n",
        "A-4,,nl,,,0.00,2026-10-15,\n",
        "A-5," + "x" * 201 + ",nl,,,10.00,2026-10-15,F-5\n",
        "A-6,Dirk,nl\n",
    ]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    assert _problems(path, scene) == [
        "3: amount_due: '12.345' has too many decimals: an amount is euros and cents",
        "3: email: 'not-an-email' is not an e-mail address: An email address must have an @-sign.",
        "3: language: 'fr' is not offered by scene 'arrears' (nl, en, de, tr, es)",
        "3: phone: 'call me' is not a phone number",
        "4: reference 'A-1' is also on line 2",
        "5: amount_due: the amount owed must be more than zero",
        "5: invoice_number: missing",
        "5: name: missing",
        "6: name: longer than 200 characters",
        "7: 3 fields where the header has 8 (a quote left open?)",
    ]


def test_phone_numbers_become_e164_and_addresses_are_checked(tmp_path: Path, scene: Scene) -> None:
    path = tmp_path / "debtors.csv"
    rows = [
        "A-1,Ana,nl,Ana@Example.NL,06 1234 5678,10.00,2026-10-15,F-1\n",
        "A-2,Bo,de,,0049 30 123456,10.00,2026-10-15,F-2\n",
        "A-3,Cem,tr,,+90 532 123 45 67,10.00,2026-10-15,F-3\n",
        "A-4,Dirk,nl,dirk@localhost,0612,10.00,2026-10-15,F-4\n",
    ]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    good, problems = check_rows(path, scene)
    assert [(r.fields["email"], r.fields["phone"]) for r in good] == [
        ("Ana@example.nl", "+31612345678"),
        ("", "+4930123456"),
        ("", "+905321234567"),
    ]
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(5, "email"), (5, "phone")]
    assert "'0612' is not a phone number (too short, too long or unknown)" in problems[1].message


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "1: the file is empty; it needs a header row"),
        (HEADER.encode(), "1: the file has no debtors"),
        (GOOD.encode(), "1: the first line must name the columns: reference,name,language,email,phone,amount_due,due_date,invoice_number (read as UTF-8, ','-separated)"),
        (HEADER.replace("amount_due", "amount").encode() + GOOD.encode(), "1: missing column 'amount_due'"),
        ((HEADER.strip() + ",colour\n").encode(), "1: unknown column 'colour' (columns: reference, name, language, email, phone, amount_due, due_date, invoice_number)"),
        (HEADER.encode() + b"A-1,J\x81rgen,de,,,1.00,2026-01-01,F\n", "2: the file is not UTF-8 or Windows-1252 text; save it as CSV UTF-8"),
        (HEADER.replace(",name,", ",,name,").encode() + GOOD.encode(), "1: column 2 has no name"),
    ],
)  # fmt: skip
def test_broken_files_are_refused(
    tmp_path: Path, scene: Scene, content: bytes, problem: str
) -> None:
    path = tmp_path / "debtors.csv"
    path.write_bytes(content)
    assert problem in _problems(path, scene)


def test_the_last_of_many_rows_being_bad_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDPAY_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    path = tmp_path / "debtors.csv"
    body = "".join(f"R-{i},Name {i},nl,,,10.00,2026-10-15,F-{i}\n" for i in range(2000))
    path.write_text(HEADER + body + "R-bad,Zoe,nl,,,ten,2026-10-15,F\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "campaign",
            "import",
            "--scene",
            "arrears",
            "--csv",
            str(path),
            "--name",
            "Big",
            "--root",
            str(REPO),
        ],
    )
    assert result.exit_code == 1
    assert result.stdout.strip().endswith(
        ":2002:1: amount_due: 'ten' is not an amount; write it like 1234.56 or 1.234,56"
    )
    from app.db import make_engine, session_factory, upgrade

    upgrade(Settings().database)  # the failed import did not even create the database
    engine = make_engine(Settings().database)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Debtor)) == 0
    engine.dispose()


def test_cli_imports_prints_links_and_outcomes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDPAY_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    runner = CliRunner()
    csv_path = str(REPO / "demo" / "debtors.csv")
    imported = runner.invoke(
        app,
        [
            "campaign",
            "import",
            "--scene",
            "arrears",
            "--csv",
            csv_path,
            "--name",
            "Demo",
            "--root",
            str(REPO),
        ],
    )
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.strip() == "1"
    links = runner.invoke(app, ["campaign", "links", "1", "--base-url", "https://pay.example.org/"])
    lines = links.stdout.splitlines()
    assert lines[0] == "reference,link" and len(lines) == 6
    assert (
        lines[1].startswith("DEMO-NL-1,https://pay.example.org/v/")
        and len(lines[1].split("/v/")[1]) == 32
    )
    assert runner.invoke(app, ["campaign", "links", "1"]).stdout == links.stdout.replace(
        "https://pay.example.org", "http://127.0.0.1:8000"
    )
    outcomes = runner.invoke(app, ["campaign", "outcomes", "1", "--format", "json"])
    assert '"reference": "DEMO-TR-1"' in outcomes.stdout
    assert runner.invoke(app, ["campaign", "outcomes", "9"]).exit_code == 2
    assert runner.invoke(app, ["campaign", "outcomes", "1", "--format", "xml"]).exit_code == 2


def test_a_nul_character_is_a_row_problem_on_every_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("VIDPAY_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = tmp_path / "debtors.csv"
    rows = (
        GOOD + "A-2,Ben\x00,nl,,,10.00,2026-10-15,F-2\n" + "A-3,Cas,nl,,,10.00,2026-10-15,F\x003\n"
    )
    path.write_text(HEADER + rows, encoding="utf-8")
    command = ["campaign", "import", "--scene", "arrears", "--csv", str(path), "--name", "Nul"]
    runner = CliRunner()
    refused = runner.invoke(app, [*command, "--root", str(REPO)])
    assert refused.exit_code == 1, refused.output
    assert refused.stdout.splitlines()[:2] == [
        f"{path}:3:1: name: contains a NUL character; remove it",
        f"{path}:4:1: invoice_number: contains a NUL character; remove it",
    ]
    skipped = runner.invoke(app, [*command, "--skip-invalid", "--root", str(REPO)])
    assert skipped.exit_code == 0, skipped.output
    from app.db import make_engine, session_factory

    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        assert session.scalars(select(Debtor.reference)).all() == ["A-1"]
    engine.dispose()


# References as outsiders may write them: formulas for a spreadsheet, and names for files.
AWKWARD = ['=HYPERLINK("http://evil.example","Pay")', "+31 6", "-12", "@SUM(A1)", "REF-A/1"]
AWKWARD += ["REF-A_1", "ref-a_1", "50%", "50%25", "Ayşe/2", "..", "CON"]


def test_cli_exports_defuse_formulas_and_give_every_debtor_their_own_qr_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIDPAY_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    path = tmp_path / "debtors.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER.strip().split(","))
        writer.writerows([r, "Ana", "nl", "", "", "10.00", "2026-10-15", "F"] for r in AWKWARD)
    runner = CliRunner()
    command = ["campaign", "import", "--scene", "arrears", "--csv", str(path), "--name", "Odd"]
    assert runner.invoke(app, [*command, "--root", str(REPO)]).exit_code == 0
    defused = ["'" + r if r[0] in "=+-@" else r for r in AWKWARD]

    qr = tmp_path / "qr"
    links = runner.invoke(app, ["campaign", "links", "1", "--qr", str(qr)])
    assert links.exit_code == 0, links.output
    table = list(csv.reader(io.StringIO(links.stdout)))
    assert [row[0] for row in table[1:]] == defused
    assert links.stderr == f"wrote {len(AWKWARD)} QR codes to {qr}\n"
    files = sorted(qr.iterdir())
    assert len(files) == len(AWKWARD)
    assert sorted(unquote(f.name.removesuffix(".svg")) for f in files) == sorted(AWKWARD)
    assert len({f.name.casefold() for f in files}) == len(AWKWARD)  # Windows and macOS too
    assert len({f.read_bytes() for f in files}) == len(AWKWARD)  # each holds its own link

    outcomes = runner.invoke(app, ["campaign", "outcomes", "1"])
    assert outcomes.exit_code == 0, outcomes.output
    assert [row[0] for row in csv.reader(io.StringIO(outcomes.stdout))][1:] == defused


def test_qr_file_names_are_unique_and_give_the_reference_back() -> None:
    names = qr_file_names(AWKWARD)
    assert names[4:8] == ["REF-A%2F1.svg", "%52%45%46-%41_1.svg", "ref-a_1.svg", "50%25.svg"]
    assert [unquote(n.removesuffix(".svg")) for n in names] == AWKWARD
    long = qr_file_names(["中" * 100, "中" * 99 + "x"])  # 900 characters once encoded
    assert all(len(n) <= 204 for n in long) and long[0] != long[1]
    assert unquote(long[0].removesuffix(".svg")).startswith("中" * 20)
