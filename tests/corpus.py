"""The designers' corpus in ``tests/data``: each case states what it expects.

A case is a single scene file, or a folder that is a whole content root. It states its
problems in ``# expect: line:col: message`` comments at its end (``# expect: path:line:col:
...`` for a problem in another file, such as a catalogue).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from render.content import ContentRoot
from render.validate import validate_root

_EXPECT = re.compile(r"^# expect: (.*)$", re.MULTILINE)


def case_root(case: Path, tmp_path: Path) -> tuple[ContentRoot, Path]:
    """A content root holding the case, and the case's scene file inside it."""
    if case.is_dir():
        root = shutil.copytree(case, tmp_path / case.name)
        return ContentRoot(root), next((root / "scenes").iterdir())
    scene = tmp_path / "scenes" / case.name
    scene.parent.mkdir(parents=True)
    shutil.copy(case, scene)
    return ContentRoot(tmp_path), scene


def expected(scene: Path) -> set[str]:
    """The problems the case states, as ``vidpay validate`` prints them."""
    text = scene.read_bytes().decode("utf-8", errors="replace")
    relative = f"scenes/{scene.name}"
    return {
        line if not line[0].isdigit() else f"{relative}:{line}" for line in _EXPECT.findall(text)
    }


def assert_case_reports_exactly_its_problems(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validate the case from inside its root, as a designer runs ``vidpay validate``."""
    root, scene = case_root(case, tmp_path)
    wanted = expected(scene)
    assert wanted, f"{case} states no expectation"
    monkeypatch.chdir(root.path)
    found = {str(p) for p in validate_root(ContentRoot(Path()), [scene.relative_to(root.path)])}
    assert found == wanted
