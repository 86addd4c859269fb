"""Campaigns from CSV or Excel files, their links, and what each debtor did.

A file is checked completely before anything is written: every bad row is reported with its
line and the reason, and one bad row means nothing is imported (unless the operator asks to
skip the bad rows, which are then listed). Reading the file is ``app.import_files``; amounts
and dates as spreadsheets write them are ``app.import_values``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.config import DEFAULT_RETENTION_DAYS
from app.contacts import contact_email, contact_phone
from app.import_files import column_key, header_problems, read_table
from app.import_values import Cell, ColumnReader, cell_text
from app.models import Campaign, Debtor, Event, Outcome, Variant
from app.tokens import new_salt, token_for, token_hash
from app.verification import KINDS as VERIFY_KINDS
from app.verification import answer_hash
from app.verification import normalise as normalise_answer
from app.web.urls import link_url
from render.problems import ContentError, Problem, display_path
from render.scene import Scene, VariableType

CORE_COLUMNS = ("reference", "name", "language", "email", "phone")
REQUIRED = ("reference", "name", "language")
MAX_FIELD = 1000
_LIMITS = {"reference": 100, "name": 200, "email": 254, "phone": 40}
_FILE_SAFE = re.compile(r"[A-Za-z0-9._-]")
_NAME_LIMIT = 200  # of a QR code's file name, before ".svg"; file systems allow 255 bytes


@dataclass(frozen=True)
class Row:
    line: int
    fields: dict[str, str]  # the core columns
    values: dict[str, str]  # the scene's variables as render reads them: 1234.56, 2026-11-01
    amount_cents: int | None
    verify_answer: str | None = None  # normalised, when the campaign asks for verification


def amount_variable(scene: Scene) -> str | None:
    """The variable that holds what is owed: ``amount_due``, else the only money variable."""
    money = [name for name, kind in scene.variables.items() if kind == "money"]
    if "amount_due" in money:
        return "amount_due"
    return money[0] if len(money) == 1 else None


@dataclass(frozen=True)
class Requirements:
    """What a CSV must hold for a campaign of one or more scenes (A/B variants): every
    variable of every scene, and a language all of them offer."""

    label: str
    variables: dict[str, VariableType]
    languages: list[str]
    amount: str | None
    verify: str | None = None  # the column debtors verify themselves with, if any

    @property
    def columns(self) -> list[str]:
        extra = [self.verify] if self.verify else []
        return [*CORE_COLUMNS, *(v for v in self.variables if v not in CORE_COLUMNS), *extra]

    @property
    def column_kinds(self) -> dict[str, VariableType]:
        """Every column with the kind of its values (core and verification columns: text)."""
        return {name: self.variables.get(name, "text") for name in self.columns}

    @classmethod
    def of(cls, scenes: Scene | Sequence[Scene]) -> Requirements:
        scenes = [scenes] if isinstance(scenes, Scene) else list(scenes)
        variables: dict[str, VariableType] = {}
        for scene in scenes:
            for name, kind in scene.variables.items():
                if variables.setdefault(name, kind) != kind:
                    raise ValueError(
                        f"variable '{name}' is {variables[name]} in one scene and {kind} in another"
                    )
        languages = [
            lang for lang in scenes[0].languages if all(lang in s.languages for s in scenes)
        ]
        amounts = {amount_variable(scene) for scene in scenes}
        if len(amounts) > 1:
            raise ValueError("the scenes keep the amount owed in different variables")
        return cls(", ".join(s.id for s in scenes), variables, languages, amounts.pop())


def read_rows(
    path: Path, scenes: Scene | Sequence[Scene], *, verify: str | None = None
) -> list[Row]:
    """Every row checked; ``ContentError`` lists every bad one (``file:line:1: reason``)."""
    rows, problems = check_rows(path, scenes, verify=verify)
    if problems:
        raise ContentError(problems)
    return rows


def check_rows(
    path: Path, scenes: Scene | Sequence[Scene], *, verify: str | None = None
) -> tuple[list[Row], list[Problem]]:
    """The good rows and a problem for each bad one (see ``check_file``)."""
    checked = check_file(path, scenes, verify=verify)
    return checked.rows, checked.problems


@dataclass(frozen=True)
class Checked:
    rows: list[Row]
    problems: list[Problem]
    read_as: str  # "read as Windows-1252, ';'-separated, decimal comma", for the summary


def check_file(
    path: Path, scenes: Scene | Sequence[Scene], *, verify: str | None = None
) -> Checked:
    """The good rows of a CSV or ``.xlsx`` file (``app.import_files``), a problem for each bad
    one, and how the file was read; a file that cannot be read at all (no header, no rows)
    raises ``ContentError``. With ``verify`` (a kind from ``app.verification``) every row
    needs that column too. Lines are rows as Excel numbers them."""
    if verify is not None and verify not in VERIFY_KINDS:
        raise ValueError(f"unknown verification '{verify}' (one of: {', '.join(VERIFY_KINDS)})")
    need = replace(Requirements.of(scenes), verify=verify)
    shown = display_path(path)
    table = read_table(path)
    known = {column_key(name): name for name in need.columns}
    columns = [known.get(column_key(name), name) for name in table.header]
    header = header_problems(columns, need.columns, shown, table.read_as)
    if header:
        raise ContentError(header)
    reader = ColumnReader.of(table.rows, columns, need.variables, table.delimiter)
    rows: list[Row] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        if not any(cell_text(cell).strip() for cell in cells):
            continue
        raw = dict(zip(columns, cells, strict=False))
        row, messages = _check_row(raw, len(cells), len(columns), need, reader)
        reference = cell_text(raw.get("reference")).strip()
        if reference in seen:
            messages.append(f"reference '{reference}' is also on line {seen[reference]}")
        seen.setdefault(reference, line)
        problems.extend(Problem(shown, line, 1, message) for message in messages)
        if row is not None and not messages:
            rows.append(Row(line, *row))
    problems += [table.broken] if table.broken else []
    if not rows and not problems:
        raise ContentError([Problem(shown, 1, 1, "the file has no debtors")])
    return Checked(rows, problems, table.read_as + reader.described)


def _check_row(
    cells: dict[str, Cell], count: int, columns: int, need: Requirements, reader: ColumnReader
) -> tuple[tuple[dict[str, str], dict[str, str], int | None, str | None] | None, list[str]]:
    """(fields, variable values as stored, cents owed, verification answer), or None and
    every reason the row is bad."""
    if count != columns:
        hint = " (a quote left open?)" if count < columns else ""
        return None, [f"{count} fields where the header has {columns}{hint}"]
    raw = {name: cell_text(cell) for name, cell in cells.items()}
    problems = _text_problems(raw)
    fields = {name: raw.get(name, "").strip() for name in CORE_COLUMNS}
    problems += [f"{name}: missing" for name in REQUIRED if not fields[name]]
    language = fields["language"]
    if language and language not in need.languages:
        offered = ", ".join(need.languages)
        problems.append(
            f"language: '{language}' is not offered by scene '{need.label}' ({offered})"
        )
    for name, check in (("email", contact_email), ("phone", contact_phone)):
        if fields[name]:
            try:
                fields[name] = check(fields[name])
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
    values, parsed = {}, {}
    for name, kind in need.variables.items():
        if not raw.get(name, "").strip():
            if name not in REQUIRED:
                problems.append(f"{name}: missing")
            continue
        try:
            values[name], parsed[name] = reader.read(name, kind, cells[name])
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    amount = need.amount
    cents = None
    if amount in parsed:
        cents = int(Decimal(str(parsed[amount])) * 100)  # exact: at most two decimals
        if cents <= 0:
            problems.append(f"{amount}: the amount owed must be more than zero")
    answer = None
    if need.verify:
        try:
            answer = normalise_answer(need.verify, raw.get(need.verify, ""))
        except ValueError as exc:
            empty = not raw.get(need.verify, "").strip()
            problems.append(f"{need.verify}: {'missing' if empty else exc}")
    if problems:
        return None, problems
    return (fields, values, cents, answer), []


def _text_problems(raw: dict[str, str]) -> list[str]:
    problems = []
    for name, value in raw.items():
        limit = _LIMITS.get(name, MAX_FIELD)
        if len(value) > limit:
            problems.append(f"{name}: longer than {limit} characters")
        if "\x00" in value:  # PostgreSQL cannot store it in text, and no name holds one
            problems.append(f"{name}: contains a NUL character; remove it")
    return problems


def import_campaign(
    session: Session,
    *,
    scene: Scene,
    rows: list[Row],
    name: str,
    key: bytes,
    variants: Sequence[tuple[Scene, int]] = (),
    expires_at: datetime | None = None,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    verify: str | None = None,
) -> Campaign:
    """Create the campaign and its debtors in one transaction (the caller commits).

    With ``variants`` (scene, weight), each debtor gets one scene, chosen from a hash of their
    reference in proportion to the weights: the same CSV always splits the same way.
    """
    variants = list(variants) or [(scene, 1)]
    campaign = Campaign(
        name=name,
        scene_id=variants[0][0].id,
        expires_at=expires_at,
        retention_days=retention_days,
        verify=verify,
    )
    campaign.variants = [Variant(scene_id=s.id, weight=w) for s, w in variants]
    session.add(campaign)
    session.flush()
    debtors = []
    for row in rows:
        salt = new_salt()
        debtors.append(
            {
                "campaign_id": campaign.id,
                "reference": row.fields["reference"],
                "name": row.fields["name"],
                "language": row.fields["language"],
                "email": row.fields["email"] or None,
                "phone": row.fields["phone"] or None,
                "scene_id": assign_variant(row.fields["reference"], variants).id,
                "values": row.values,
                "amount_cents": row.amount_cents,
                "token_salt": salt,
                "token_hash": token_hash(token_for(key, salt)),
                "disputed": False,
                "verify_hash": _verify_hash(key, row, verify),
                "verify_failures": 0,
            }
        )
    for start in range(0, len(debtors), 5000):  # bounded statements for very large files
        session.execute(insert(Debtor), debtors[start : start + 5000])
    return campaign


def _verify_hash(key: bytes, row: Row, verify: str | None) -> str | None:
    if verify is None:
        return None
    if row.verify_answer is None:
        raise ValueError(f"line {row.line}: no {verify} to verify the debtor with")
    return answer_hash(key, row.fields["reference"], row.verify_answer)


def assign_variant(reference: str, variants: Sequence[tuple[Scene, int]]) -> Scene:
    """The variant for a debtor: deterministic, and spread in proportion to the weights."""
    total = sum(weight for _, weight in variants)
    point = int.from_bytes(hashlib.sha256(f"variant:{reference}".encode()).digest()[:8]) % total
    for scene, weight in variants:
        if point < weight:
            return scene
        point -= weight
    raise AssertionError("unreachable: the point lies below the total weight")


def get_campaign(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)


def links(
    session: Session, campaign_id: int, *, key: bytes, base_url: str
) -> Iterator[tuple[str, str]]:
    """(reference, personal link) for every debtor of a campaign."""
    query = (
        select(Debtor.reference, Debtor.token_salt)
        .where(Debtor.campaign_id == campaign_id)
        .order_by(Debtor.id)
    )
    for reference, salt in session.execute(query):
        yield reference, link_url(base_url, token_for(key, salt))


def write_qr_codes(found: list[tuple[str, str]], folder: Path) -> list[Path]:
    """One SVG QR code per debtor, named by reference, for printing on a letter."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    names = qr_file_names([reference for reference, _ in found])
    for (_, link), name in zip(found, names, strict=True):
        path = folder / name
        image = qrcode.make(
            link, image_factory=SvgPathImage, error_correction=qrcode.constants.ERROR_CORRECT_M
        )
        with path.open("wb") as file:
            image.save(file)
        written.append(path)
    return written


def qr_file_names(references: Sequence[str]) -> list[str]:
    """A file name per (distinct) reference, ``<reference>.svg`` with every character but
    ``A-Za-z0-9._-`` percent-encoded, so ``unquote`` gives the reference back.

    Names stay distinct where case does not count (Windows, macOS, a zip opened there): when
    two names differ only in case, their capitals are encoded too. A name too long for a file
    system is cut and ends in ``~`` and a hash of the reference instead.
    """
    plain = [_percent(reference) for reference in references]
    folded = Counter(name.casefold() for name in plain)
    names = []
    for reference, name in zip(references, plain, strict=True):
        if folded[name.casefold()] > 1:
            name = _percent(reference, capitals=True)
        if len(name) > _NAME_LIMIT:  # "~" is always encoded, so it marks a cut name
            cut = re.sub(r"%[0-9A-F]?$", "", name[: _NAME_LIMIT - 17])
            name = f"{cut}~{hashlib.sha256(reference.encode()).hexdigest()[:16]}"
        names.append(f"{name}.svg")
    return names


def _percent(text: str, *, capitals: bool = False) -> str:
    return "".join(
        char
        if _FILE_SAFE.fullmatch(char) and not (capitals and char.isupper())
        else "".join(f"%{byte:02X}" for byte in char.encode())
        for char in text
    )


def outcomes(session: Session, campaign_id: int) -> Iterator[dict[str, Any]]:
    """Per debtor: the last node reached, the choices made and the latest outcome."""
    debtors = session.scalars(
        select(Debtor).where(Debtor.campaign_id == campaign_id).order_by(Debtor.id)
    )
    for debtor in debtors:
        events = session.scalars(
            select(Event).where(Event.debtor_id == debtor.id).order_by(Event.received_at, Event.id)
        ).all()
        latest = session.scalars(
            select(Outcome)
            .where(Outcome.debtor_id == debtor.id)
            .order_by(Outcome.id.desc())
            .limit(1)
        ).first()
        yield {
            "reference": debtor.reference,
            "last_node": next((e.node for e in reversed(events) if e.node), None),
            "choices": [f"{e.node}->{e.data.get('target')}" for e in events if e.type == "choice"],
            "outcome": latest.action if latest else None,
            "details": latest.details if latest else {},
            "disputed": debtor.disputed,
        }
