"""Content-addressed storage of rendered media, written atomically.

Every rendered file is named by a hash of all its inputs (texts, visuals, theme, voice, renderer
version), so an unchanged segment is never rendered twice and a changed input can never be
served stale. Files appear under their final name only when complete (temp file + rename):
a render killed halfway leaves no broken file, only a temp file that ``prune`` clears.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

# Bump when the renderer's output changes for the same inputs: every key changes with it.
RENDERER_VERSION = "1"
_TEMP_MARK = ".tmp-"


def content_key(payload: Mapping[str, Any]) -> str:
    """A stable hash of a JSON-able description of every input."""
    canonical = json.dumps(
        {"renderer": RENDERER_VERSION, **payload},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:40]


def file_digest(path: Path) -> str:
    """The hash of a file's bytes, remembered while its size and mtime stay the same."""
    stat = path.stat()
    return _digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4096)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` that becomes ``target`` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # host, process and thread: workers on several machines may share the media folder, and a
    # server renders for two debtors at once in two threads
    writer = f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"
    temporary = target.with_name(f"{_TEMP_MARK}{writer}-{target.name}")
    try:
        yield temporary
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


class MediaStore:
    """Rendered files under ``<out>/<kind>/<key[:2]>/<key>.<ext>``."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def path(self, kind: str, key: str, extension: str) -> Path:
        return self.out / kind / key[:2] / f"{key}.{extension}"

    def url(self, path: Path) -> str:
        """The path relative to the output folder, as manifests and the player use it."""
        return path.relative_to(self.out).as_posix()

    def has(self, kind: str, key: str, extensions: tuple[str, ...]) -> bool:
        return all(self.path(kind, key, ext).is_file() for ext in extensions)


def prune(out: Path, keep: set[str], *, older_than: float = 7 * 86400) -> list[Path]:
    """Delete media whose key is not in ``keep`` and that is older than ``older_than`` seconds,
    oldest first, and temp files of killed renders older than an hour. Returns what went."""
    now = time.time()
    removed = []
    files = sorted((p for p in out.glob("*/??/*") if p.is_file()), key=lambda p: p.stat().st_mtime)
    for path in files:
        age = now - path.stat().st_mtime
        stale_temp = path.name.startswith(_TEMP_MARK) and age > 3600
        unused = not path.name.startswith(_TEMP_MARK) and path.stem not in keep and age > older_than
        if stale_temp or unused:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
