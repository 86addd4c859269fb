"""Reading the TOML files of a content root (``vidpay.toml``, illustration scenes) with
problems that name the file and the line, like every other content check.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from render.problems import ContentError, Problem, display_path


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed file and its text; ``ContentError`` naming the file and line otherwise."""
    shown = display_path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
        return tomllib.loads(text), text
    except OSError as exc:
        raise ContentError([Problem(shown, 1, 1, f"cannot read file: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(shown, 1, 1, "the file is not UTF-8 text")]) from exc
    except tomllib.TOMLDecodeError as exc:
        line, col = _toml_position(str(exc))
        message = _TOML_POSITION.sub("", str(exc))
        raise ContentError([Problem(shown, line, col, f"invalid TOML: {message}")]) from exc


def model_problems(
    exc: ValidationError,
    shown: str,
    text: str,
    table_hint: str,
    *,
    skip: tuple[str, ...] = (),
    prefix: tuple[str, ...] = (),
) -> list[Problem]:
    """A pydantic error of a TOML file's model as problems at the lines they concern;
    ``skip`` names model fields that do not appear in the file (``languages``), ``prefix``
    the table the model was read from."""
    problems = []
    for error in exc.errors():
        parts = (str(part) for part in error["loc"] if part not in (*skip, "[key]"))
        loc = (*prefix, *parts)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting"
        elif error["type"] in ("model_type", "dict_type"):
            message = f"should be a table, such as {table_hint}"
        line = _line_of(text, loc)
        problems.append(Problem(shown, line, 1, f"{'.'.join(loc) or 'file'}: {message}"))
    return problems


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")


def _toml_position(message: str) -> tuple[int, int]:
    match = _TOML_POSITION.search(message)
    if match and match.group(1):
        return int(match.group(1)), int(match.group(2))
    return 1, 1


def _line_of(text: str, loc: tuple[str, ...]) -> int:
    """Best guess of the line a setting is on: the setting, else its table, else its parent."""
    lines = text.splitlines()
    for depth in range(len(loc), 0, -1):
        line = _find(lines, loc[: depth - 1], loc[depth - 1])
        if line is not None:
            return line
    return 1


def _find(lines: list[str], table: tuple[str, ...], key: str) -> int | None:
    """The line of ``key = ...`` inside ``[table]``, or of a header ``[table.key...]``."""
    current: tuple[str, ...] = ()
    assignment = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line)
        if header:
            current = tuple(part.strip().strip("\"'") for part in header.group(1).split("."))
            if current[: len(table) + 1] == (*table, key):
                return number
        elif current == table and assignment.match(line):
            return number
    return None
