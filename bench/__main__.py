"""`make bench`: run every benchmark section and write BENCHMARKS.md.

Benchmarks are not tests: they measure, as ratios against a peer or a floor measured in the
same run, so the figures mean the same on a faster or slower machine.
"""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import commitments, mail, operators, personal, player, render, voices

SECTIONS = {
    "render": render.section,
    "player": player.section,
    "operators": operators.section,
    "personal": personal.section,
    "commitments": commitments.section,
    "mail": mail.section,
    "voices": voices.section,
}


def main() -> None:
    wanted = sys.argv[1:] or list(SECTIONS)
    header = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: "
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}.",
        "",
    ]
    target = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
    sections = _sections(target.read_text(encoding="utf-8")) if target.exists() else {}
    for name in wanted:  # a section measured now replaces the same section measured before
        measured = SECTIONS[name]()
        sections[measured.splitlines()[0]] = measured
    target.write_text("\n".join(header) + "\n" + "\n".join(sections.values()), encoding="utf-8")
    print(target.read_text(encoding="utf-8"))


def _sections(text: str) -> dict[str, str]:
    """The file's sections by their ``## `` title line, in order."""
    found: dict[str, str] = {}
    for part in text.split("\n## ")[1:]:
        body = "## " + part
        found[body.splitlines()[0]] = body.rstrip("\n") + "\n"
    return found


if __name__ == "__main__":
    main()
