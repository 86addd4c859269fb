"""Values as operators' spreadsheets write them: amounts, numbers and dates, read exactly.

Amounts come in Dutch/German form (``1.234,56``, ``€ 1.234,56``, ``12,-``) and in English form
(``1,234.56``, ``1234.56``); an Excel cell holds a number. Every amount becomes a ``Decimal``
(never a float) and is stored as render reads it: ``1234.56``.

``1.234`` is 1234 where ``,`` is the decimal separator and 1.234 where ``.`` is. The file
decides (``decimal_comma_of``): a value elsewhere that can only be read one way (``89,95``,
``1.234,56``), else a ``;``-separated file (what Excel writes where ``,`` is the decimal
separator). A file that says neither, or both, gets an error on each amount of that kind.

Dates: ``2026-11-01``, ``01-11-2026``, ``01/11/2026``, ``01.11.2026`` and date cells. Dates
with the day and month in front are read day first, as in Europe. A date that fits only the
US order, month first (``12/31/2026``), is an error; once a column holds one, every date in it
that could be read either way (``01/02/2026``) is an error too, naming its row: that column
was written month first, and guessing would move a due date by months.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from render.formatting import Value
from render.scene import VariableType

Cell = str | int | float | Decimal | date | datetime | bool | None

_DIGITS = {"money": 10, "number": 12}  # before the decimal separator
_DECIMALS = {"money": 2, "number": 6}
_CURRENCY = re.compile(r"^(?:€|eur)\s*|\s*(?:€|eur)$", re.IGNORECASE)
_GROUPED = re.compile(r"(?<=\d)[ '](?=\d{3}(?!\d))")  # 1 234,56 and 1'234.56
_SHAPE = re.compile(r"\d[\d.,]*")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})")
_MIDNIGHT = re.compile(r"\s+0?0:00(:00)?$")  # "01-11-2026 00:00", as some exports add


def cell_text(value: Cell) -> str:
    """A cell as text for a text column: 12345 and not 12345.0, a date as 2026-11-01."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- amounts and numbers ---------------------------------------------------------------------


def _unsigned(raw: str) -> tuple[bool, str]:
    """(negative, the figure without currency, sign or grouping spaces)."""
    text = raw.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2212", "-").strip()
    text = re.sub(r"[,.]-$", "", text)  # "12,-": whole euros
    negative = False
    for _ in range(2):  # "-€ 12,50", "€ -12,50", "12,50-", "12,50 €"; one sign at most
        text = _CURRENCY.sub("", text).strip()
        if not negative and text[:1] == "-":
            negative, text = True, text[1:].strip()
        elif not negative and text[-1:] == "-":
            negative, text = True, text[:-1].strip()
    return negative, _GROUPED.sub("", text)


def _decimal_mark(text: str) -> str | None:
    """The decimal separator a figure shows by itself; None when it cannot tell."""
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        return "," if text.rfind(",") > text.rfind(".") else "."
    if commas + dots == 1:
        mark = "," if commas else "."
        return mark if len(text) - text.rfind(mark) - 1 != 3 else None
    if commas + dots > 1:  # 1,234,567 or 1.234.567: all grouping
        return "." if commas else ","
    return "."


def decimal_comma_of(texts: Iterable[str], delimiter: str | None) -> bool | None:
    """Whether the file writes ``,`` as the decimal separator: its figures that can be read
    one way only decide; else a ``;``-separated file does; None when nothing tells."""
    seen = set()
    for raw in texts:
        _, text = _unsigned(raw)
        if _SHAPE.fullmatch(text) and ("," in text or "." in text):
            seen.add(_decimal_mark(text))
    seen.discard(None)
    if len(seen) == 1:
        return seen == {","}
    return True if not seen and delimiter == ";" else None


def parse_figure(kind: VariableType, value: Cell, decimal_comma: bool | None) -> Decimal:
    """An amount (``money``) or a ``number`` from a cell; ``ValueError`` says what to write."""
    example = "1234.56 or 1.234,56" if kind == "money" else "12 or 3.5"
    what = "an amount" if kind == "money" else "a number"
    if isinstance(value, bool | date):
        raise ValueError(f"'{cell_text(value)}' is not {what}; write it like {example}")
    if isinstance(value, int | float | Decimal):
        figure = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return _checked(kind, figure, cell_text(value), cell=True)
    negative, text = _unsigned(value or "")
    if not _SHAPE.fullmatch(text):
        raise ValueError(f"'{value}' is not {what}; write it like {example}")
    mark = _decimal_mark(text)
    if mark is None:
        if decimal_comma is None:
            whole, part = re.sub(r"[,.]", "", text), text.replace(",", ".")
            raise ValueError(
                f"'{value}' could be {whole} or {part}: nothing else in the file shows which "
                f"separator is the decimal one; write it without a thousands separator, like "
                f"{whole} or {whole},00"
            )
        mark = "," if decimal_comma else "."
    group = "." if mark == "," else ","
    whole, _, part = text.partition(mark)
    groups = whole.split(group)
    if (
        mark in part
        or group in part
        or not whole
        or (len(groups) > 1 and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])))
    ):
        raise ValueError(f"'{value}' is not {what}; write it like {example}")
    figure = Decimal(f"{'-' if negative else ''}{''.join(groups)}.{part or '0'}")
    return _checked(kind, figure, str(value), cell=False)


def _checked(kind: VariableType, figure: Decimal, shown: str, *, cell: bool) -> Decimal:
    places = Decimal(1).scaleb(-_DECIMALS[kind])
    if figure != figure.quantize(places):
        rounded = figure.quantize(places)
        if not (cell and abs(figure - rounded) < Decimal("1e-9")):  # a float's last digit
            unit = "an amount is euros and cents" if kind == "money" else "at most 6 decimals"
            raise ValueError(f"'{shown}' has too many decimals: {unit}")
        figure = rounded
    if abs(figure) >= Decimal(10) ** _DIGITS[kind]:
        raise ValueError(f"'{shown}' is too large")
    return figure.quantize(places) if kind == "money" else figure.normalize()


def figure_text(kind: VariableType, figure: Decimal) -> str:
    """A figure as stored and read by ``render.formatting.parse_variable``."""
    return format(figure, "f") if kind == "money" else format(figure.normalize(), "f")


# --- dates ----------------------------------------------------------------------------------


@dataclass
class DateColumn:
    """What the dates of one column show about their order: the rows whose date fits only
    month first (US), which makes every date there that fits both orders ambiguous."""

    month_first: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, cells: Iterable[tuple[int, Cell]]) -> DateColumn:
        column = cls()
        for row, value in cells:
            text = _MIDNIGHT.sub("", value.strip()) if isinstance(value, str) else ""
            found = _DAY_FIRST.fullmatch(text)
            if found and int(found[1]) <= 12 < int(found[3]):
                column.month_first.append(row)
        return column

    def parse(self, value: Cell) -> date:
        """A date from a cell; ``ValueError`` says why it is not one, or not one for sure."""
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if not isinstance(value, str):
            raise ValueError(
                f"'{cell_text(value)}' is a number, not a date; format the cells as dates "
                "or write them like 2026-03-05"
            )
        text = _MIDNIGHT.sub("", value.strip())
        iso, found = _ISO.fullmatch(text), _DAY_FIRST.fullmatch(text)
        if found:
            year, month, day = self._day_first(value, int(found[1]), int(found[3]), found[4])
        elif iso:
            year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
        else:
            year = month = day = 0
        try:
            return date(year, month, day)
        except ValueError:
            raise ValueError(
                f"'{value}' is not a date; write it like 2026-03-05 or 05-03-2026"
            ) from None

    def _day_first(self, raw: str, first: int, second: int, year: str) -> tuple[int, int, int]:
        """(year, month, day) of a date written day first, unless its order is in doubt."""
        if len(year) == 2:
            raise ValueError(f"'{raw}' has a year of two digits; write the year in full")
        if first <= 12 < second:
            raise ValueError(
                f"'{raw}' fits only month first (US order); dates are read day first: "
                f"write it like {second:02}-{first:02}-{year} or {year}-{first:02}-{second:02}"
            )
        if self.month_first and first <= 12 and second <= 12 and first != second:
            raise ValueError(
                f"'{raw}' is ambiguous: this column also has dates written month first "
                f"(row {self.month_first[0]}), so it could be {year}-{second:02}-{first:02} or "
                f"{year}-{first:02}-{second:02}; write it like 2026-03-05"
            )
        return int(year), second, first


# --- a file's columns -------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnReader:
    """How one file writes its values: its decimal separator and each date column's order."""

    decimal_comma: bool | None
    dates: dict[str, DateColumn]

    @classmethod
    def of(
        cls,
        rows: Iterable[tuple[int, list[Cell]]],
        columns: list[str],
        kinds: Mapping[str, VariableType],
        delimiter: str | None,
    ) -> ColumnReader:
        rows = list(rows)
        figures = [i for i, name in enumerate(columns) if kinds.get(name) in _DECIMALS]
        texts = (cells[i] for _, cells in rows for i in figures if i < len(cells))
        comma = decimal_comma_of((t for t in texts if isinstance(t, str)), delimiter)
        dates = {
            name: DateColumn.of((n, cells[i]) for n, cells in rows if i < len(cells))
            for i, name in enumerate(columns)
            if kinds.get(name) == "date"
        }
        return cls(comma, dates)

    @property
    def described(self) -> str:
        """``, decimal comma`` when the file's amounts were read with one, for the summary."""
        return {True: ", decimal comma", False: ", decimal point", None: ""}[self.decimal_comma]

    def read(self, name: str, kind: VariableType, value: Cell) -> tuple[str, Value]:
        """(the value as stored, as ``render.formatting.parse_variable`` reads it; the value)."""
        if kind in _DECIMALS:
            figure = parse_figure(kind, value, self.decimal_comma)
            return figure_text(kind, figure), figure
        if kind == "date":
            day = self.dates.get(name, DateColumn()).parse(value)
            return day.isoformat(), day
        text = cell_text(value).strip()
        return text, text
