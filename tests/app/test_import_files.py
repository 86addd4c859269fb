"""Debtor files as operators have them: Dutch Excel exports, BOMs, tabs and workbooks, read
exactly (amounts to the cent, dates as meant) through the real import into a real database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from app.campaigns import Checked, check_file, import_campaign, read_rows
from app.cli import app
from app.db import make_engine, session_factory, transaction, upgrade
from app.import_files import read_table, sniff_delimiter, template_csv, template_xlsx
from app.import_values import DateColumn, decimal_comma_of, parse_figure
from app.models import Debtor
from render.content import ContentRoot
from render.formatting import format_variable
from render.problems import ContentError
from render.scene import Scene
from render.validate import load_scene
from tests.conftest import REPO

DUTCH = (
    "Reference;Name;Language;E-mail;Phone;Amount due;Due date;Invoice number\r\n"
    "NL-1;José Müller;nl;jose@example.nl;06 1234 5678;1.234,56;01-11-2026;F-1\r\n"
    "NL-2;Zoë van Dijk;nl;;;€ 89,95;15-12-2026;F-2\r\n"
    "NL-3;Jürgen Öztürk;de;;;\u20ac\u00a01.000,-;02.01.2027;F-3\r\n"
    "NL-4;Renée Blanc;en;;;-;-;F-4\r\n"
)


@pytest.fixture(scope="module")
def scene() -> Scene:
    root = ContentRoot(REPO)
    return load_scene(root.find_scene("arrears"), root)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'vidpay.db'}"
    upgrade(url)
    made = make_engine(url)
    yield made
    made.dispose()


def _imported(engine: Engine, scene: Scene, checked: Checked) -> list[Debtor]:
    with transaction(session_factory(engine)) as session:
        import_campaign(session, scene=scene, rows=checked.rows, name="Import", key=b"k")
    with session_factory(engine)() as session:
        return list(session.scalars(select(Debtor).order_by(Debtor.id)))


def _messages(checked: Checked) -> list[str]:
    return [f"{p.line}: {p.message}" for p in checked.problems]


def test_a_dutch_excel_export_imports_to_the_cent(
    tmp_path: Path, scene: Scene, engine: Engine
) -> None:
    path = tmp_path / "debiteuren.csv"
    path.write_bytes(DUTCH.encode("cp1252"))
    checked = check_file(path, scene)
    assert checked.read_as == "read as Windows-1252, ';'-separated, decimal comma"
    assert _messages(checked) == [
        "5: amount_due: '-' is not an amount; write it like 1234.56 or 1.234,56",
        "5: due_date: '-' is not a date; write it like 2026-03-05 or 05-03-2026",
    ]
    debtors = _imported(engine, scene, checked)
    assert [(d.reference, d.name, d.amount_cents) for d in debtors] == [
        ("NL-1", "José Müller", 123456),
        ("NL-2", "Zoë van Dijk", 8995),
        ("NL-3", "Jürgen Öztürk", 100000),
    ]
    assert debtors[0].phone == "+31612345678" and debtors[0].email == "jose@example.nl"
    assert [d.values["amount_due"] for d in debtors] == ["1234.56", "89.95", "1000.00"]
    assert [d.values["due_date"] for d in debtors] == ["2026-11-01", "2026-12-15", "2027-01-02"]
    # what the debtor then reads, from what was stored
    assert format_variable("money", debtors[0].values["amount_due"], "nl") == "€\xa01.234,56"
    assert format_variable("date", debtors[0].values["due_date"], "nl") == "1 november 2026"


def test_utf8_with_a_bom_and_a_tab_separated_file(tmp_path: Path, scene: Scene) -> None:
    header = "\ufeffREFERENCE ,name,language,email,phone,amount_due,due_date,invoice_number\n"
    bom = tmp_path / "bom.csv"
    bom.write_bytes(
        (header + 'A-1,"Ayşe, Jr.",tr,,,"1,234.56",2026-11-01,F-1\n').encode("utf-8-sig")
    )
    checked = check_file(bom, scene)
    assert checked.read_as == "read as UTF-8 with BOM, ','-separated, decimal point"
    (row,) = checked.rows
    assert (row.fields["reference"], row.fields["name"], row.amount_cents) == (
        "A-1",
        "Ayşe, Jr.",
        123456,
    )

    tab = tmp_path / "debtors.txt"
    lines = [
        header.lstrip("\ufeff").replace(",", "\t"),
        "T-1\tAna\tnl\t\t\t1234.5\t31/12/2026\tF-1\n",
    ]
    tab.write_text("".join(lines), encoding="utf-8")
    checked = check_file(tab, scene)
    assert checked.read_as == "read as UTF-8, tab-separated, decimal point"
    assert [(r.amount_cents, r.values["due_date"]) for r in checked.rows] == [
        (123450, "2026-12-31")
    ]


def test_excels_unicode_text_is_utf16_with_tabs(tmp_path: Path, scene: Scene) -> None:
    path = tmp_path / "unicode.txt"
    text = DUTCH.replace(";", "\t").replace("1.234,56", "1234,56")
    path.write_bytes(text.encode("utf-16"))  # with its byte order mark, as Excel saves it
    checked = check_file(path, scene)
    assert checked.read_as == "read as UTF-16, tab-separated, decimal comma"
    assert [r.fields["name"] for r in checked.rows] == [
        "José Müller",
        "Zoë van Dijk",
        "Jürgen Öztürk",
    ]
    assert [r.amount_cents for r in checked.rows] == [123456, 8995, 100000]


def test_an_xlsx_keeps_its_date_and_number_cells(
    tmp_path: Path, scene: Scene, engine: Engine
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Debiteuren"
    sheet.append(["Reference", "Name", "Language", "Email", "Phone", "Amount_due", "Due_date", "Invoice_number"])  # fmt: skip
    sheet.append(["X-1", "Anaïs", "nl", None, "0612345678", 1234.56, datetime(2026, 11, 1), 4711])
    sheet.append(["X-2", "Bob", "en", None, None, 89.95, date(2026, 12, 15), "F-2"])
    sheet.append(["X-3", "Cem", "tr", None, None, "1.234,50", "01-02-2027", "F-3"])
    sheet.append([None] * 8)  # an empty row Excel leaves
    sheet.append(["X-4", "Dirk", "nl", None, None, 12.345, 46327, "F-4"])
    path = tmp_path / "debiteuren.xlsx"
    book.save(path)
    checked = check_file(path, scene)
    assert checked.read_as == "read from sheet 'Debiteuren', decimal comma"
    assert _messages(checked) == [
        "6: amount_due: '12.345' has too many decimals: an amount is euros and cents",
        "6: due_date: '46327' is a number, not a date; format the cells as dates or write them like 2026-03-05",
    ]  # fmt: skip
    debtors = _imported(engine, scene, checked)
    assert [(d.reference, d.amount_cents, d.values["due_date"]) for d in debtors] == [
        ("X-1", 123456, "2026-11-01"),
        ("X-2", 8995, "2026-12-15"),
        ("X-3", 123450, "2027-02-01"),
    ]
    assert debtors[0].values["invoice_number"] == "4711" and debtors[0].phone == "+31612345678"


def test_ambiguous_dates_and_bad_amounts_name_the_row_and_the_column(
    tmp_path: Path, scene: Scene
) -> None:
    path = tmp_path / "us.csv"
    path.write_text(
        "reference,name,language,email,phone,amount_due,due_date,invoice_number\n"
        "U-1,Ann,en,,,10.00,12/31/2026,F-1\n"
        "U-2,Bo,en,,,10.00,01/02/2027,F-2\n"
        "U-3,Cy,en,,,10.00,13/02/2027,F-3\n"
        "U-4,Di,en,,,ten,2027-02-01,F-4\n"
        "U-5,Ed,en,,,1.234.5,01-01-27,F-5\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as failure:
        read_rows(path, scene)
    assert [str(p).removeprefix(f"{path}:") for p in failure.value.problems] == [
        "2:1: due_date: '12/31/2026' fits only month first (US order); dates are read day first: write it like 31-12-2026 or 2026-12-31",
        "3:1: due_date: '01/02/2027' is ambiguous: this column also has dates written month first (row 2), so it could be 2027-02-01 or 2027-01-02; write it like 2026-03-05",
        "5:1: amount_due: 'ten' is not an amount; write it like 1234.56 or 1.234,56",
        "6:1: amount_due: '1.234.5' is not an amount; write it like 1234.56 or 1.234,56",
        "6:1: due_date: '01-01-27' has a year of two digits; write the year in full",
    ]  # fmt: skip


def test_an_amount_that_reads_two_ways_is_refused_unless_the_file_says_which(
    tmp_path: Path, scene: Scene
) -> None:
    header = "reference,name,language,email,phone,amount_due,due_date,invoice_number\n"
    path = tmp_path / "plain.csv"
    path.write_text(header + "P-1,Ann,nl,,,1.234,2026-11-01,F\n", encoding="utf-8")
    checked = check_file(path, scene)
    assert _messages(checked) == [
        "2: amount_due: '1.234' could be 1234 or 1.234: nothing else in the file shows which "
        "separator is the decimal one; write it without a thousands separator, like 1234 or 1234,00"
    ]
    path.write_text(header + 'P-1,Ann,nl,,,1.234,2026-11-01,F\nP-2,Bo,nl,,,"5,50",2026-11-01,F\n')
    assert [r.amount_cents for r in check_file(path, scene).rows] == [123400, 550]
    path.write_text(header.replace(",", ";") + "P-1;Ann;nl;;;1.234;2026-11-01;F\n")
    assert [r.amount_cents for r in check_file(path, scene).rows] == [123400]


@pytest.mark.parametrize(
    ("text", "comma", "cents"),
    [
        ("1.234,56", None, 123456), ("€ 1.234,56", None, 123456), ("1234,56", None, 123456),
        ("1,234.56", None, 123456), ("1234.56", None, 123456), ("\u00a01\u00a0234,56 €", None, 123456),
        ("-12,50", None, -1250), ("€ -12,50", None, -1250), ("12,50-", None, -1250),
        ("12,-", None, 1200), ("EUR 7", None, 700), ("1.234", True, 123400), ("1,234", False, 123400),
        ("0,1", None, 10), ("1.234.567,89", None, 123456789),
    ],
)  # fmt: skip
def test_amounts_are_exact_cents(text: str, comma: bool | None, cents: int) -> None:
    figure = parse_figure("money", text, comma)
    assert isinstance(figure, Decimal) and int(figure * 100) == cents


@pytest.mark.parametrize(
    "text", ["1.23.4", "12,3456", "1,2,3.4", "€", "1 2", "1.234", "--3", "3e5"]
)
def test_amounts_that_are_not_amounts(text: str) -> None:
    with pytest.raises(ValueError, match=f"'{text}'"):
        parse_figure("money", text, False if text == "1.234" else None)


def test_the_file_decides_the_decimal_separator() -> None:
    assert decimal_comma_of(["1.234,56", "1.234"], ",") is True
    assert decimal_comma_of(["1234.5", "1,234"], ";") is False
    assert decimal_comma_of(["1234", "1.234"], ";") is True  # what Excel writes where , is decimal
    assert decimal_comma_of(["1.234"], ",") is None
    assert decimal_comma_of(["1,5", "1.5"], ";") is None  # both: ambiguous ones stay errors


def test_dates_day_first_unless_the_column_is_month_first() -> None:
    plain = DateColumn()
    assert plain.parse("01/02/2026") == date(2026, 2, 1)
    assert plain.parse("1.2.2026") == plain.parse("01-02-2026") == plain.parse("2026-02-01")
    assert plain.parse(" 01-02-2026 00:00 ") == date(2026, 2, 1)
    for bad in ("30-02-2026", "2026-13-01", "tomorrow", "2026/02/01"):
        with pytest.raises(ValueError, match="is not a date"):
            plain.parse(bad)
    us = DateColumn.of([(2, "02/13/2026"), (3, "05/05/2026")])
    assert us.month_first == [2] and us.parse("05/05/2026") == date(2026, 5, 5)
    with pytest.raises(ValueError, match=r"ambiguous.*\(row 2\)"):
        us.parse("01/02/2026")


def test_reading_tolerates_what_spreadsheets_add(tmp_path: Path) -> None:
    path = tmp_path / "trailing.csv"
    path.write_bytes(b"\r\n\xef\xbb\xbf;;\r\na;b;\r\n1;2;\r\n3;4\r\n")
    table = read_table(path)
    assert table.header == ["a", "b"] and table.delimiter == ";"
    assert table.rows == [(4, ["1", "2"]), (5, ["3", "4"])]  # numbered as Excel shows them
    assert sniff_delimiter("a,b;c\n1,2;3\n") in {",", ";"}
    assert sniff_delimiter("name\nAna\n") == ","
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(ContentError, match=r"old Excel file \(.xls\); save it as .xlsx or CSV"):
        read_table(tmp_path / "old.xls")


def test_templates_hold_the_columns_and_an_example_that_imports(
    tmp_path: Path, scene: Scene
) -> None:
    columns = {"reference": "text", "name": "text", "language": "text", "email": "text",
               "phone": "text", "amount_due": "money", "due_date": "date",
               "invoice_number": "text"}  # fmt: skip
    body = template_csv(columns, "nl", date(2026, 10, 1))
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        list(columns),
        ["A-1001", "Anna de Vries", "nl", "anna@example.org", "06 1234 5678", "148.20",
         "2026-10-15", "F-2026-0042"],
    ]  # fmt: skip
    for name, data in (
        ("t.csv", body),
        ("t.xlsx", template_xlsx(columns, "nl", date(2026, 10, 1))),
    ):
        (tmp_path / name).write_bytes(data)
        (row,) = read_rows(tmp_path / name, scene)
        assert (row.amount_cents, row.values["due_date"]) == (14820, "2026-10-15")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert isinstance(sheet["F2"].value, int | float) and isinstance(sheet["G2"].value, datetime)
    assert sheet["E2"].number_format == "@"  # the phone stays text: its leading zero too


def _cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: Path, *more: str) -> object:
    monkeypatch.setenv("VIDPAY_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("VIDPAY_SECRET_KEY", "test-secret")
    command = ["campaign", "import", "--scene", "arrears", "--csv", str(path), "--name", "Excel"]
    return CliRunner().invoke(app, [*command, *more, "--root", str(REPO)])


def test_the_cli_imports_a_dutch_export_and_says_how_it_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "debiteuren.csv"
    path.write_bytes(DUTCH.encode("cp1252"))
    refused = _cli(tmp_path, monkeypatch, path)
    assert refused.exit_code == 1  # type: ignore[attr-defined]
    assert f"{path}:5:1: amount_due: '-' is not an amount" in refused.stdout  # type: ignore[attr-defined]
    assert refused.stderr.splitlines()[-1] == (  # type: ignore[attr-defined]
        "2 problems: nothing imported (--skip-invalid imports the good rows); "
        "debiteuren.csv was read as Windows-1252, ';'-separated, decimal comma"
    )
    imported = _cli(tmp_path, monkeypatch, path, "--skip-invalid")
    assert imported.exit_code == 0, imported.output  # type: ignore[attr-defined]
    assert imported.stderr.splitlines()[-2:] == [  # type: ignore[attr-defined]
        "imported 3 debtors into campaign 1, skipped 1 row (listed above)",
        "debiteuren.csv was read as Windows-1252, ';'-separated, decimal comma",
    ]
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'vidpay.db'}")
    with session_factory(engine)() as session:
        found = session.execute(select(Debtor.name, Debtor.amount_cents).order_by(Debtor.id))
        assert found.all() == [("José Müller", 123456), ("Zoë van Dijk", 8995), ("Jürgen Öztürk", 100000)]  # fmt: skip
    engine.dispose()
