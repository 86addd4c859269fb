from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from render.cache import MediaStore, atomic_path, content_key, file_digest, prune


def test_content_key_is_stable_and_order_independent() -> None:
    a = content_key({"text": "Hallo", "voice": {"engine": "espeak", "rate": 150}})
    b = content_key({"voice": {"rate": 150, "engine": "espeak"}, "text": "Hallo"})
    assert a == b and len(a) == 40
    assert content_key({"text": "Hallo."}) != content_key({"text": "Hallo"})


def test_file_digest_follows_content(tmp_path: Path) -> None:
    path = tmp_path / "icon.svg"
    path.write_text("<svg/>")
    first = file_digest(path)
    path.write_text("<svg></svg>")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    assert file_digest(path) != first


def test_atomic_path_renames_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.mp4"
    with atomic_path(target) as temporary:
        temporary.write_bytes(b"complete")
    assert target.read_bytes() == b"complete"
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"complete"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.mp4"]


def test_store_paths_and_urls(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    path = store.path("segments", "abcdef", "mp4")
    assert path == tmp_path / "segments" / "ab" / "abcdef.mp4"
    assert store.url(path) == "segments/ab/abcdef.mp4"
    assert not store.has("segments", "abcdef", ("mp4", "vtt"))
    path.parent.mkdir(parents=True)
    path.touch()
    store.path("segments", "abcdef", "vtt").touch()
    assert store.has("segments", "abcdef", ("mp4", "vtt"))


def test_prune_removes_old_unused_files_and_stale_temps_only(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    old = time.time() - 30 * 86400
    files = {
        "kept": store.path("segments", "aa11", "mp4"),
        "unused-old": store.path("segments", "bb22", "mp4"),
        "unused-new": store.path("segments", "cc33", "mp4"),
        "temp-old": store.path("segments", "dd44", "mp4").with_name(".tmp-1-dd44.mp4"),
    }
    for name, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        if name != "unused-new":
            os.utime(path, (old, old))
    removed = prune(tmp_path, keep={"aa11"})
    assert sorted(removed) == sorted([files["unused-old"], files["temp-old"]])
    assert files["kept"].exists() and files["unused-new"].exists()
