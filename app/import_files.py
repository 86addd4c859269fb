"""Debtor files as operators have them: a header and rows, from CSV or Excel (``.xlsx``).

A CSV is read as UTF-8 (with or without a byte order mark), UTF-16 with a byte order mark
(Excel's "Unicode text"), else Windows-1252 (what Excel writes in Western Europe); its
delimiter, ``,`` ``;`` or tab, is sniffed. An ``.xlsx`` is read from its first sheet, cells
keeping their types: a date cell is a date, a number cell a number. Rows are numbered as
Excel shows them, the header being row 1. ``Table.read_as`` says how the file was read, for
the import's summary.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from app.csv_safe import SafeWriter
from app.import_values import Cell
from app.verification import KINDS as VERIFY_KINDS
from render.problems import ContentError, Problem, display_path

DELIMITERS = ",;\t"
_NAMES = {",": "','", ";": "';'", "\t": "tab"}
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the Excel 97-2003 format
_SAMPLE = 64 * 1024


@dataclass(frozen=True)
class Table:
    header: list[str]  # as written, without a byte order mark and surrounding spaces
    rows: list[tuple[int, list[Cell]]]  # (row number as Excel shows it, its cells)
    read_as: str  # "read as Windows-1252, ';'-separated" or "read from sheet 'Debtors'"
    delimiter: str | None = None  # None for a workbook
    broken: Problem | None = None  # a CSV row that could not be read: the rows stop before it


def column_key(name: str) -> str:
    """A header cell compared as operators mean it: ``Amount Due`` and ``E-mail`` are
    ``amount_due`` and ``email``."""
    return re.sub(r"[\s_-]+", "", name.replace("\ufeff", "").strip().casefold())


def read_table(path: Path) -> Table:
    """The file's header and rows; ``ContentError`` when it cannot be read at all."""
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(shown, f"cannot read the file: {exc.strerror}") from exc
    if data.startswith(_XLS_MAGIC):
        raise _unreadable(shown, "this is an old Excel file (.xls); save it as .xlsx or CSV")
    if data.startswith(_XLSX_MAGIC):
        return _read_workbook(path, shown)
    text, encoding = _decode(data, shown)
    return _read_csv(text, encoding, shown)


def _unreadable(shown: str, message: str) -> ContentError:
    return ContentError([Problem(shown, 1, 1, message)])


def _decode(data: bytes, shown: str) -> tuple[str, str]:
    """The text and the name of its encoding: strict UTF-8 first, then Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        attempts = [("utf-16", "UTF-16")]
    elif data.startswith(codecs.BOM_UTF8):
        attempts = [("utf-8-sig", "UTF-8 with BOM")]
    else:
        attempts = [("utf-8", "UTF-8"), ("cp1252", "Windows-1252")]
    for codec, name in attempts:
        try:
            return data.decode(codec), name
        except UnicodeDecodeError as exc:
            failure = exc
    line = data[: failure.start].count(b"\n") + 1
    message = "the file is not UTF-8 or Windows-1252 text; save it as CSV UTF-8"
    raise ContentError([Problem(shown, line, 1, message)]) from failure


def sniff_delimiter(text: str) -> str:
    """``,`` ``;`` or tab: what ``csv.Sniffer`` finds, if the header line has it too; else
    the one the header line has most of; else ``,``."""
    lines = (line.replace("\ufeff", "") for line in text.splitlines())
    header = next((line for line in lines if line.strip(DELIMITERS + " ")), "")
    sample = text[:_SAMPLE]
    if len(text) > _SAMPLE and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and sniffed in header:
        return sniffed
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(text: str, encoding: str, shown: str) -> Table:
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    read_as = f"read as {encoding}, {_NAMES[delimiter]}-separated"
    header: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            broken = Problem(shown, number, 1, f"cannot read this row: {exc}")
            return Table(header or [], rows, read_as, delimiter, broken)
        if header is None:
            if any(cell.replace("\ufeff", "").strip() for cell in cells):
                header = _header(cells)
            continue
        rows.append((number, list(_trimmed(cells, len(header)))))
    return Table(header or [], rows, read_as, delimiter)


def _header(cells: Sequence[Cell]) -> list[str]:
    names = [str(cell).replace("\ufeff", "").strip() if cell is not None else "" for cell in cells]
    while names and not names[-1]:
        names.pop()
    return names


def _trimmed(cells: Sequence[Cell], width: int) -> list[Cell]:
    """The cells without empty ones past the header's last column (a trailing ``;``)."""
    end = len(cells)
    while end > width and (cells[end - 1] is None or str(cells[end - 1]).strip() == ""):
        end -= 1
    return list(cells[:end])


def _read_workbook(path: Path, shown: str) -> Table:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _unreadable(shown, f"cannot read the workbook: {exc}") from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise _unreadable(shown, "the workbook has no sheet with rows")
        header: list[str] | None = None
        rows: list[tuple[int, list[Cell]]] = []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells: list[Cell] = list(values)
            if header is None:
                if any(c is not None and str(c).strip() for c in cells):
                    header = _header(cells)
                continue
            cells = _trimmed(cells, len(header))
            rows.append((number, cells + [None] * (len(header) - len(cells))))
        return Table(header or [], rows, f"read from sheet '{sheet.title}'")
    finally:
        book.close()


def header_problems(
    columns: list[str], expected: list[str], shown: str, read_as: str
) -> list[Problem]:
    """What is wrong with a header, its names already matched (``column_key``) to the
    ``expected`` columns; email and phone may be left out."""
    if not columns:
        return [Problem(shown, 1, 1, "the file is empty; it needs a header row")]
    if not set(columns) & set(expected):  # a debtor's row where the names should be
        message = f"the first line must name the columns: {','.join(expected)} ({read_as})"
        return [Problem(shown, 1, 1, message)]
    problems = [
        Problem(shown, 1, 1, f"missing column '{name}'")
        for name in expected
        if name not in columns and name not in ("email", "phone")
    ]
    problems += [
        Problem(shown, 1, 1, f"column {index} has no name")
        if not name
        else Problem(shown, 1, 1, f"unknown column '{name}' (columns: {', '.join(expected)}){hint}")
        for index, name in enumerate(columns, start=1)
        if name not in expected
        for hint in [
            f"; to ask debtors for it, use --verify {name}" if name in VERIFY_KINDS else ""
        ]
    ]
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    problems += [Problem(shown, 1, 1, f"column '{name}' appears twice") for name in repeated]
    return problems


# --- templates --------------------------------------------------------------------------------

EXAMPLES = {"invoice_number": "F-2026-0042", "postcode": "1012 AB", "birth_date": "1980-10-15"}


def example_row(columns: Mapping[str, str], language: str, today: date) -> list[object]:
    """One debtor, as the template shows how to write each column (``columns``: name ->
    ``text``, ``money``, ``date``, ``number``)."""
    core: dict[str, object] = {
        "reference": "A-1001", "name": "Anna de Vries", "language": language,
        "email": "anna@example.org", "phone": "06 1234 5678",
    }  # fmt: skip
    by_kind: dict[str, object] = {
        "money": "148.20", "date": (today + timedelta(days=14)).isoformat(), "number": "3",
    }  # fmt: skip
    return [
        core.get(name) or EXAMPLES.get(name) or by_kind.get(kind) or f"{name} example"
        for name, kind in columns.items()
    ]


def template_csv(columns: Mapping[str, str], language: str, today: date) -> bytes:
    """The header and one example row, comma-separated UTF-8 with a byte order mark (so Excel
    opens it with its accents intact), every cell formula-safe."""
    text = io.StringIO()
    writer = SafeWriter(text, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerow(example_row(columns, language, today))
    return codecs.BOM_UTF8 + text.getvalue().encode("utf-8")


def template_xlsx(columns: Mapping[str, str], language: str, today: date) -> bytes:
    """The same as a workbook: amounts as number cells, dates as date cells, and the text
    columns formatted as text, so Excel keeps a phone number's leading zero."""
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.styles import Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    sheet.title = "Debtors"
    sheet.append(list(columns))
    example = example_row(columns, language, today)
    for index, ((name, kind), value) in enumerate(
        zip(columns.items(), example, strict=True), start=1
    ):
        cell = sheet.cell(row=2, column=index)
        if kind == "money":
            cell.value, cell.number_format = Decimal(str(value)), "#,##0.00"
        elif kind == "date":
            cell.value, cell.number_format = date.fromisoformat(str(value)), "yyyy-mm-dd"
        else:
            cell.value, cell.number_format = str(value), "@"
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(name) + 4)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
