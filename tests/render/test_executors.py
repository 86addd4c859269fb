"""Executors: the local process pool, and Celery workers (a real `vidpay worker` on the Redis of
127.0.0.1:6379, its own queue per test run) that must give the very same results."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app
from app.db import make_engine, session_factory
from app.models import RenderJob
from render.content import ContentRoot
from render.debtors import DebtorJob, prepared
from render.executors import CeleryExecutor, LocalExecutor, SegmentsFailedError
from render.plan import SegmentPlan
from tests.conftest import REPO, ffprobe, plan_tiny, track_tiny
from tests.factories import make_tiny_campaign

BROKER = "redis://127.0.0.1:6379/15"  # not the default database, and a queue of our own
NODES = ("hello", "menu", "bye")


@pytest.fixture(scope="module")
def worker_queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A render worker process with two pool processes, consuming a queue of its own."""
    import redis

    queue = f"vidpay-test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "VIDPAY_BROKER_URL": BROKER, "VIDPAY_RENDER_QUEUE": queue}
    if os.geteuid() == 0:  # Celery refuses to run a pickle-accepting worker as root without it
        env["C_FORCE_ROOT"] = "1"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "worker", "--concurrency", "2", "--root", str(REPO)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        executor = CeleryExecutor(BROKER, queue=queue)
        deadline = time.time() + 30
        while not executor.workers(timeout=0.5):
            assert process.poll() is None, log.read_text()
            assert time.time() < deadline, log.read_text()
        yield queue
    finally:
        process.send_signal(signal.SIGTERM)  # a warm shutdown: it finishes what it has
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        client = redis.Redis.from_url(BROKER)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()


def _plans(root: ContentRoot, language: str = "en") -> list[SegmentPlan]:
    return [plan_tiny(root, node, language) for node in NODES]


def test_the_local_pool_renders_each_segment_once_and_reports_progress(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    plans = _plans(render_root)
    seen: list[tuple[int, int]] = []
    results = LocalExecutor(jobs=2).run(
        [*plans, plans[0]], tmp_path, lambda done, total: seen.append((done, total))
    )
    assert set(results) == {plan.key for plan in plans}
    assert seen == [(1, 3), (2, 3), (3, 3)]
    for result in results.values():
        assert (
            abs(float(ffprobe(tmp_path / result.video)["format"]["duration"]) - result.duration)
            < 0.1
        )
        assert (tmp_path / result.poster).is_file()
        assert (tmp_path / result.captions).is_file() or result.shots  # a picture has none
    again = list(LocalExecutor(jobs=2).outcomes(plans, tmp_path))
    assert all(outcome.cached for outcome in again)
    assert {outcome.plan.key: outcome.result for outcome in again} == results


def test_the_servers_threads_render_what_the_forked_pool_renders(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    """The web server renders in threads (its own threads make a fork unsafe): the same
    segments as the forked pool, and two renders of the same lines at once do not collide."""
    plans = _plans(render_root)
    forked = LocalExecutor(jobs=2).run(plans, tmp_path / "fork")
    threaded = LocalExecutor(jobs=2, start="thread")
    with ThreadPoolExecutor(max_workers=2) as server:  # two debtors opening at once
        both = list(server.map(lambda _: threaded.run(plans, tmp_path / "thread"), range(2)))
    assert both[0] == both[1]
    assert both[0].keys() == forked.keys()
    for key, result in both[0].items():
        assert result.duration == forked[key].duration
        assert float(ffprobe(tmp_path / "thread" / result.video)["format"]["duration"]) > 0
    assert not list((tmp_path / "thread").rglob(".tmp-*"))  # nothing half-written left


def test_celery_workers_give_the_same_results_as_the_local_pool(
    render_root: ContentRoot, tmp_path: Path, worker_queue: str
) -> None:
    plans = _plans(render_root)
    local = LocalExecutor(jobs=2).run(plans, tmp_path / "local")
    # the same voice recordings on both sides: espeak varies by a few samples between calls
    shutil.copytree(tmp_path / "local" / "speech", tmp_path / "celery" / "speech")
    seen: list[tuple[int, int]] = []
    celery = CeleryExecutor(BROKER, queue=worker_queue, timeout=60)
    remote = celery.run(plans, tmp_path / "celery", lambda d, t: seen.append((d, t)))
    assert remote == local
    assert seen == [(1, 3), (2, 3), (3, 3)]
    for result in remote.values():
        for name in (result.captions, result.poster):
            if not name:
                continue  # a personal node's picture has no captions: the debtor's track has
            assert (tmp_path / "celery" / name).read_bytes() == (
                tmp_path / "local" / name
            ).read_bytes()
        assert float(ffprobe(tmp_path / "celery" / result.video)["format"]["duration"]) > 0
    cached = list(celery.outcomes(plans, tmp_path / "celery"))  # nothing sent: all there
    assert [outcome.cached for outcome in cached] == [True, True, True]
    # and the debtors' voice tracks, in batches, as the local pool prepares them
    jobs = [
        DebtorJob(f"d{i}", "tiny", "en", (track_tiny(render_root, "hello", "en", name=name),))
        for i, name in enumerate(("Ayşe", "Bram", "Chris"))
    ]
    batches = list(celery.prepare(jobs, tmp_path / "celery"))
    assert [error for batch in batches for error in batch.errors] == [None, None, None]
    for job in jobs:
        assert prepared(job, tmp_path / "celery") is not None


def test_a_failed_celery_task_names_its_segment_and_the_others_are_rendered(
    render_root: ContentRoot, tmp_path: Path, worker_queue: str
) -> None:
    folder = render_root.voiceovers_dir / "tiny" / "tr"
    folder.mkdir(parents=True)
    (folder / "bye-1.wav").write_bytes(b"RIFF not really a wave file")
    broken, fine = plan_tiny(render_root, "bye", "tr"), plan_tiny(render_root, "menu", "tr")
    with pytest.raises(SegmentsFailedError) as failure:
        CeleryExecutor(BROKER, queue=worker_queue, timeout=60).run([broken, fine], tmp_path)
    message = str(failure.value)
    assert message.startswith("scene tiny, node bye, language tr: ") and "bye-1.wav" in message
    assert list(failure.value.failures) == [broken.key]
    assert list(failure.value.results) == [fine.key]
    assert (tmp_path / failure.value.results[fine.key].video).is_file()


def test_a_worker_that_cannot_see_the_content_root_says_so(
    render_root: ContentRoot, tmp_path: Path, worker_queue: str
) -> None:
    plan = plan_tiny(render_root, "bye", "en")
    render_root.path.rename(tmp_path / "moved")
    with pytest.raises(SegmentsFailedError) as failure:
        CeleryExecutor(BROKER, queue=worker_queue, timeout=60).run([plan], tmp_path / "out")
    assert re.match(
        r"scene tiny, node bye, language en: the content root \S+creditor is not on this worker "
        r"\(.+\); it must be shared with the workers at the same path$",
        str(failure.value),
    )


def test_a_campaign_renders_through_celery_workers_from_the_command_line(
    render_root: ContentRoot, tmp_path: Path, worker_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'vidpay.db'}"
    debtors = [("B-1", "Chris", "99.00"), ("B-2", "Dana", "45.00")]
    campaign_id = make_tiny_campaign(
        render_root, url, scene="tiny-b", debtors=debtors, variant_b=()
    )
    for name, value in {
        "DATABASE_URL": url,
        "VIDPAY_VAR": str(tmp_path / "var"),
        "VIDPAY_SECRET_KEY": "test-secret",
        "VIDPAY_BROKER_URL": BROKER,
        "VIDPAY_RENDER_QUEUE": worker_queue,
    }.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    command = ["campaign", "render", str(campaign_id), "--root", str(render_root.path)]
    result = runner.invoke(app, [*command, "--executor", "celery"])
    assert result.exit_code == 0, result.output
    # 2 shared segments of tiny-b in English, and each debtor's greeting
    assert re.fullmatch(
        rf"campaign {campaign_id}: 4 segments rendered, 0 already there, 0 failed in \d+\.\d s\n",
        result.stdout,
    )
    engine = make_engine(url)
    with session_factory(engine)() as session:
        (job,) = session.scalars(select(RenderJob))
        assert (job.executor, job.status, job.done, job.total) == ("celery", "finished", 4, 4)
    engine.dispose()
    assert (
        runner.invoke(app, ["campaign", "render", "999", "--root", str(render_root.path)]).exit_code
        == 2
    )
    assert runner.invoke(app, [*command, "--executor", "celery", "--jobs", "2"]).exit_code == 2
    assert runner.invoke(app, [*command, "--executor", "carrier-pigeon"]).exit_code == 2


def test_a_worker_imports_the_renderer_only() -> None:
    """`celery -A render.celery_app worker` runs on a render machine without the web app."""
    check = (
        "import sys, render.celery_app as c; "
        "assert not [m for m in sys.modules if m == 'app' or m.startswith('app.')]; "
        "assert 'vidpay.render_segment' in c.app.tasks and c.app.conf.accept_content == ['pickle']"
    )
    subprocess.run([sys.executable, "-c", check], cwd=REPO, check=True)
