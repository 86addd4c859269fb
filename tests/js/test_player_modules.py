"""The player's pure parts (what plays next, the WebVTT parser, the count-up, the addresses,
the event queue's rules) tested with Node's own test runner: ``tests/js/*.test.mjs``, which
import ``static/player/*.js`` as the browser does (ES modules, no build step); and the page
asking for every module the player imports at once."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO

JS_TESTS = Path(__file__).resolve().parent
PLAYER = REPO / "static" / "player"
IMPORT = re.compile(r'^import [^;]* from "\./([\w-]+\.js)";', re.MULTILINE)


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


def test_the_player_page_preloads_every_module_the_player_imports() -> None:
    needed, waiting = set(), ["player.js"]
    while waiting:
        module = waiting.pop()
        if module not in needed:
            needed.add(module)
            waiting.extend(IMPORT.findall((PLAYER / module).read_text()))
    page = (REPO / "app" / "templates" / "player.html").read_text()
    listed = re.search(r'{%-? for module in \(([^)]*)\) %}\s*<link rel="modulepreload"', page)
    assert listed, "player.html lists the modules to preload"
    assert {f"{name}.js" for name in re.findall(r'"([\w-]+)"', listed[1])} == needed
