"""The web app's media: warming up before the first debtor (the manifests and copies are
exercised through the pages: tests/app/web/test_player.py, tests/e2e/test_personal_video.py)."""

from __future__ import annotations

from pathlib import Path

from app.media import Media
from app.scenes import SceneBook
from render.content import ContentRoot
from tests.conftest import REPO


def test_the_server_warms_every_scenes_voices_before_the_first_debtor(tmp_path: Path) -> None:
    content = ContentRoot(REPO)
    assert sorted(Media(content, tmp_path).warm(SceneBook(content))) == ["arrears", "arrears-firm"]
    assert list(tmp_path.iterdir()) == []  # nothing is written for it
