from __future__ import annotations

import csv
import io

import pytest

from app.csv_safe import SafeWriter, safe_cell


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil")', "+SUM(A1)", "-1+cmd|' /C calc'!A0", "@x", "\tx", "\rx", "-12.50"],
)
def test_cells_a_spreadsheet_would_run_get_a_leading_quote(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "cell"),
    [("DEMO-NL-1", "DEMO-NL-1"), ("a=b", "a=b"), ("", ""), (None, ""), (True, "True"), (7, "7")],
)
def test_other_cells_are_left_alone(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_the_writer_defuses_every_cell_and_keeps_csv_quoting() -> None:
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(["reference", "link"])
    writer.writerows([['=HYPERLINK("x","y")', "https://e.org/v/1"], ["-2", None]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["reference", "link"],
        ['\'=HYPERLINK("x","y")', "https://e.org/v/1"],
        ["'-2", ""],
    ]
