"""Campaign render throughput: debtors' personal segments per minute with the local process pool,
and with two Celery workers (`vidpay worker`, started here) on the same kind of campaign.

Each executor renders 30 debtors of the bundled `arrears` scene, as two campaigns of 15 taken
in the order local, celery, celery, local (a machine busier at one moment than at another then
weighs on both alike). The debtors differ only in names, amounts and invoice numbers, so none
finds another's segments in the cache, and the media folder's shared segments are rendered
first: what is timed is the personal nodes, planning and bookkeeping included. Both executors
get the same cores (the pool one process per core, the two workers half as many each), so the
ratio is what Celery and Redis cost; workers on two machines would add up instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from app.campaigns import import_campaign, read_rows
from app.db import make_engine, session_factory, transaction, upgrade
from app.rendering import CampaignRender, render_campaign
from render.celery_app import broker_url
from render.content import ContentRoot
from render.executors import CeleryExecutor, Executor, LocalExecutor
from render.pipeline import render_scene
from render.validate import load_scene

REPO = Path(__file__).resolve().parent.parent
DEBTORS = 30
LANGUAGES = ("nl", "en", "de", "tr", "es")
HEADER = "reference,name,language,email,phone,amount_due,due_date,invoice_number\n"


def _csv(path: Path, letter: str, base: int, count: int) -> Path:
    """Debtors alike in every campaign but for their names, amounts and invoice numbers."""
    rows = (
        f"{letter}-{i},Debtor {letter}{i:02d},{LANGUAGES[i % len(LANGUAGES)]},,,"
        f"{base + i}.{i:02d},2026-10-{1 + i % 28:02d},2026-{base * 1000 + i}\n"
        for i in range(count)
    )
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _start_workers(
    count: int, concurrency: int, queue: str, log: Path
) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "VIDPAY_RENDER_QUEUE": queue}
    if os.geteuid() == 0:  # Celery refuses to run a pickle-accepting worker as root without it
        env["C_FORCE_ROOT"] = "1"
    command = [sys.executable, "-m", "app", "worker", "--root", str(REPO)]
    command += ["--concurrency", str(concurrency), "--threads", "1"]
    workers = []
    with log.open("ab") as sink:
        for _ in range(count):
            workers.append(
                subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
            )
    executor = CeleryExecutor(queue=queue)
    deadline = time.monotonic() + 60
    while len(executor.workers(timeout=0.5)) < count:
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            _stop(workers)
            raise RuntimeError(f"the render workers did not start:\n{log.read_text()}")
    return workers


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@dataclass
class Tally:
    """Personal segments rendered and the seconds it took, over an executor's campaigns."""

    segments: int = 0
    seconds: float = 0.0
    shared: int = 0  # found in the cache: the shared segments rendered first
    manifests: int = 0

    def add(self, done: CampaignRender) -> None:
        if done.errors:
            raise RuntimeError(done.errors[0])
        self.segments += done.counts.rendered
        self.seconds += done.seconds
        self.shared = done.counts.cached
        self.manifests += done.manifests

    @property
    def per_minute(self) -> float:
        return self.segments / self.seconds * 60


def _forget_queue(queue: str) -> None:
    """Remove what the queue left in Redis (its bindings; the queue itself is empty)."""
    import redis

    client = redis.Redis.from_url(broker_url())
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()


def throughput(work: Path) -> list[tuple[str, str]]:
    content = ContentRoot(REPO)
    scene = load_scene(content.find_scene("arrears"), content)
    url = f"sqlite:///{work / 'vidpay.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    # local, celery, celery, local: half the debtors each time, so that the machine being
    # busier at one moment than at another weighs on both alike
    order = [("L", 100), ("C", 200), ("D", 300), ("M", 400)]
    campaigns = {}
    for letter, base in order:
        rows = read_rows(_csv(work / f"{letter}.csv", letter, base, DEBTORS // 2), scene)
        with transaction(sessions) as session:
            campaign = import_campaign(session, scene=scene, rows=rows, name=letter, key=b"bench")
            campaigns[letter] = campaign.id
    out = work / "media"
    render_scene(scene, content, out, languages=list(LANGUAGES))  # the shared segments, first

    def render(letter: str, executor: Executor, tally: Tally) -> None:
        tally.add(
            render_campaign(
                sessions, campaigns[letter], content=content, out=out, executor=executor
            )
        )

    cores = os.cpu_count() or 1
    per_worker = max(1, cores // 2)
    local, celery = Tally(), Tally()
    render("L", LocalExecutor(), local)
    queue = f"vidpay-bench-{uuid.uuid4().hex[:8]}"
    workers = _start_workers(2, per_worker, queue, work / "workers.log")
    try:
        render("C", CeleryExecutor(queue=queue), celery)
        render("D", CeleryExecutor(queue=queue), celery)
    finally:
        _stop(workers)
        _forget_queue(queue)
    render("M", LocalExecutor(), local)
    engine.dispose()
    return [
        (
            f"Campaign of {DEBTORS} debtors, `arrears`, 5 languages: {local.segments} personal "
            f"segments ({local.segments // DEBTORS} per debtor); the {local.shared} shared ones "
            "rendered first",
            f"planning, RenderJob updates and {local.manifests} manifests included; each executor "
            f"renders two halves, in the order local, celery, celery, local",
        ),
        (
            f"Local pool, {cores} processes",
            f"{local.seconds:.1f} s: **{local.per_minute:.0f} personal segments/min**",
        ),
        (
            f"Two Celery workers (`vidpay worker`, {per_worker} "
            f"process{'es' if per_worker > 1 else ''} each), Redis on localhost, same machine",
            f"{celery.seconds:.1f} s: **{celery.per_minute:.0f} personal segments/min**, "
            f"**{celery.per_minute / local.per_minute:.2f}x** the local pool",
        ),
    ]


def section() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        rows = throughput(Path(tmp))
    lines = [
        "## Campaign render",
        "",
        "Throughput of `vidpay campaign render` on the same cores: the local process pool against "
        "two Celery workers on this machine (so the ratio is Celery's and Redis's overhead; "
        "workers on more machines add their cores).",
        "",
        "| what | measured |",
        "| --- | --- |",
        *(f"| {what} | {value} |" for what, value in rows),
    ]
    return "\n".join(lines) + "\n"
