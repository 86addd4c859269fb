"""Checking and importing an uploaded debtor file (CSV or .xlsx) in a process of its own.

Checking 20,000 rows is seconds of pure Python. In a thread of the web server it would hold
the interpreter lock that the event loop and the other request threads need, and every
debtor's page would slow down while an operator imports. A process of its own runs on the
other core. It is spawned, not forked: the server has threads, and a fork copies their locks.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from render.problems import ContentError, Problem


@dataclass(frozen=True)
class ImportJob:
    """Everything the import needs, as plain values that cross into the other process."""

    database: str
    content_root: Path
    key: bytes
    csv_path: Path  # the uploaded file: CSV or .xlsx (``app.import_files``)
    scenes: tuple[tuple[str, int], ...]  # (scene id, weight); the first is the campaign's
    name: str
    expires_at: datetime | None
    retention_days: int
    verify: str | None
    skip_invalid: bool


@dataclass(frozen=True)
class ImportResult:
    campaign_id: int | None  # None: nothing was imported, see the problems
    problems: list[Problem]
    read_as: str = ""  # how the file was read: "read as Windows-1252, ';'-separated"
    imported: int = 0

    @property
    def summary(self) -> str:
        """What the operator is told: rows imported and skipped, and how the file was read."""
        skipped = len({p.line for p in self.problems})
        rows = f"{self.imported} debtor{'s' if self.imported != 1 else ''}"
        note = f", skipped {skipped} bad row{'s' if skipped != 1 else ''}" if skipped else ""
        return f"Imported {rows}{note}; the file was {self.read_as}."


def run_import(job: ImportJob) -> ImportResult:
    """Check every row; import in one transaction unless a row is bad (and not skipped)."""
    from app.campaigns import check_file, import_campaign
    from app.db import make_engine, session_factory, transaction
    from render.content import ContentRoot
    from render.validate import load_scene

    content = ContentRoot(job.content_root)
    variants = [(load_scene(content.find_scene(s), content), w) for s, w in job.scenes]
    try:
        checked = check_file(job.csv_path, [scene for scene, _ in variants], verify=job.verify)
    except ContentError as exc:
        return ImportResult(None, exc.problems)
    rows, bad = checked.rows, checked.problems
    if bad and not (job.skip_invalid and rows):
        return ImportResult(None, bad, checked.read_as)
    engine = make_engine(job.database, pooled=False)
    try:
        with transaction(session_factory(engine)) as session:
            campaign = import_campaign(
                session, scene=variants[0][0], rows=rows, name=job.name, key=job.key,
                variants=variants, expires_at=job.expires_at,
                retention_days=job.retention_days, verify=job.verify,
            )  # fmt: skip
        return ImportResult(campaign.id, bad, checked.read_as, len(rows))
    finally:
        engine.dispose()


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def import_in_process(job: ImportJob) -> ImportResult:
    """Run the import in the worker process (started on first use, kept for the next)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            spawn = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=spawn)
        pool = _pool
    try:
        return pool.submit(run_import, job).result()
    except BrokenProcessPool:
        with _pool_lock:
            _pool = None  # the next import starts a new worker
        raise
