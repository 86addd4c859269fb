"""Problems found in content files, reported as ``path:line:col: message``.

Every check in the project speaks this one format so that editors and CI can jump to the spot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One finding in one file; ``line`` and ``col`` count from 1."""

    path: str
    line: int
    col: int
    message: str
    severity: Severity = "error"
    # set on a compliance finding: the rule it breaks, such as "wik-term" (see render/lint/)
    rule: str = ""

    def __str__(self) -> str:
        label = "warning: " if self.severity == "warning" else ""
        cited = f" [{self.rule}]" if self.rule else ""
        return f"{self.path}:{self.line}:{self.col}: {label}{self.message}{cited}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class ContentError(Exception):
    """Raised when content cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """A path as a user wants to read it: relative to the working directory when below it."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def errors_in(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that make content unusable (warnings excluded)."""
    return [p for p in problems if p.is_error]
