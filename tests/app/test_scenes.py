"""The web app's scene book: what it does with scene files it cannot use."""

from __future__ import annotations

import time

import pytest

from app.scenes import SceneBook
from render.content import ContentRoot
from render.problems import ContentError
from tests.conftest import YAML_BOMBS, SceneWriter


def test_yaml_bombs_are_content_errors_and_do_not_hide_other_scenes(
    content_root: ContentRoot, write_scene: SceneWriter
) -> None:
    write_scene(id="small")
    for name, text in YAML_BOMBS.items():
        (content_root.scenes_dir / f"{name}.yaml").write_text(text)
    book = SceneBook(content_root)
    started = time.perf_counter()
    for name in YAML_BOMBS:
        with pytest.raises(ContentError, match=rf"{name}\.yaml:\d+:\d+: "):
            book.get(name)
    # a scene id that is not a file name: every file's id is read, the bombs' too
    (content_root.scenes_dir / "small.yaml").rename(content_root.scenes_dir / "renamed.yaml")
    assert book.get("small").scene.id == "small"
    assert time.perf_counter() - started < 2.0
