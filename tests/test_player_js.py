"""The player's pure parts (what plays next, the WebVTT parser, the count-up, the addresses,
the event queue's rules) tested with Node's own test runner: ``tests/js/*.test.mjs``, which
import ``static/player/*.js`` as the browser does (ES modules, no build step)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

JS_TESTS = Path(__file__).resolve().parent / "js"


def test_the_players_modules_pass_their_node_tests() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for the player's tests (.ci/services installs it)"
    files = sorted(JS_TESTS.glob("*.test.mjs"))
    assert files, f"no tests in {JS_TESTS}"
    result = subprocess.run(
        [node, "--test", *(str(path) for path in files)],
        capture_output=True, text=True, timeout=120, cwd=JS_TESTS,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
