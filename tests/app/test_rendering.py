"""A campaign rendered ahead of time: every debtor's manifest, the RenderJob row, a second run
that renders nothing, A/B variants, and a render killed halfway that a second run completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, session_factory
from app.media import Media
from app.models import Debtor, RenderJob
from app.rendering import CampaignNotFoundError, RenderCounts, render_campaign
from app.scenes import SceneBook
from render.content import ContentRoot
from render.debtors import debtor_manifest_path
from render.executors import LocalExecutor
from render.pipeline import manifest_path
from tests.conftest import ffprobe
from tests.factories import TINY_DEBTORS, make_tiny_campaign

# tiny in English (the only language in use): 4 shared segments, two of them pictures of
# personal nodes; tiny-b (B-1's variant): 2 shared (its greeting shows the same card for the
# amount as tiny's, but opens the video, so its picture carries the creditor's logo and is its
# own); and the three debtors' voice tracks
SEGMENTS = 4 + 2 + len(TINY_DEBTORS)


@pytest.fixture
def database(database_url: str) -> Iterator[tuple[str, sessionmaker[Session]]]:
    engine: Engine = make_engine(database_url)
    yield database_url, session_factory(engine)
    engine.dispose()


def _jobs(sessions: sessionmaker[Session]) -> list[RenderJob]:
    with sessions() as session:
        return list(session.scalars(select(RenderJob).order_by(RenderJob.id)))


def _debtors(sessions: sessionmaker[Session]) -> list[Debtor]:
    with sessions() as session:
        return list(session.scalars(select(Debtor).order_by(Debtor.id)))


def _media(out: Path) -> dict[str, object]:
    """Rendered files as they were written, manifests by what they say (they are rewritten)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        if p.parts[len(out.parts)] == "manifests"
        else p.stat().st_mtime_ns
        for p in out.rglob("*.*")
    }


def _assert_complete(out: Path, sessions: sessionmaker[Session]) -> None:
    """Every manifest the web app looks for is there and points at complete files."""
    debtors = _debtors(sessions)
    manifests = [manifest_path(out, scene, "en") for scene in {d.scene_id for d in debtors}]
    for manifest in manifests:
        for node in json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values():
            for kind in ("video", "poster", *(["captions"] if not node["personal"] else [])):
                assert (out / node[kind]).is_file()
    for d in debtors:
        path = debtor_manifest_path(out, f"d{d.id}", d.scene_id, "en")
        for node in json.loads(path.read_text(encoding="utf-8"))["nodes"].values():
            assert (out / node["audio"]).is_file()
    assert not manifest_path(out, "tiny", "tr").exists()  # nobody speaks Turkish
    for video in (out / "segments").rglob("*.mp4"):
        if not video.name.startswith(".tmp-"):
            assert float(ffprobe(video)["format"]["duration"]) > 0


def test_a_campaign_render_writes_every_debtors_manifest_and_a_second_run_renders_nothing(
    render_root: ContentRoot, database: tuple[str, sessionmaker[Session]], tmp_path: Path
) -> None:
    url, sessions = database
    campaign_id = make_tiny_campaign(render_root, url)
    out = tmp_path / "media"
    seen: list[tuple[int, int, int | None]] = []

    def progress(counts: RenderCounts) -> None:  # and what the admin pages would read meanwhile
        with sessions() as session:
            stored = session.scalar(select(RenderJob.done).order_by(RenderJob.id.desc()))
        seen.append((counts.done, counts.total, stored))

    done = render_campaign(
        sessions,
        campaign_id,
        content=render_root,
        out=out,
        executor=LocalExecutor(2),
        progress=progress,
        refresh=0,  # every step written, so that the row is seen moving
    )
    assert done.counts == RenderCounts(total=SEGMENTS, cached=0, rendered=SEGMENTS, failed=0)
    assert done.errors == [] and done.manifests == 2 + len(TINY_DEBTORS)
    assert seen[-1][:2] == (SEGMENTS, SEGMENTS)
    assert any(0 < stored < SEGMENTS for _, _, stored in seen if stored is not None)  # live
    (job,) = _jobs(sessions)
    assert (job.id, job.campaign_id, job.executor, job.status) == (
        done.job_id,
        campaign_id,
        "local",
        "finished",
    )
    assert (job.total, job.done, job.failed, job.error) == (SEGMENTS, SEGMENTS, 0, None)
    assert job.finished_at is not None and job.finished_at >= job.started_at
    _assert_complete(out, sessions)

    ayse, bram, chris = _debtors(sessions)
    assert (ayse.scene_id, chris.scene_id) == ("tiny", "tiny-b")
    mine = json.loads(debtor_manifest_path(out, f"d{ayse.id}", "tiny", "en").read_text())["nodes"]
    assert list(mine) == ["hello", "amount"]
    assert "Ayşe" in mine["hello"]["cues"][0]["text"]
    assert mine["amount"]["texts"] == [{"card": "€80.00"}]
    variant = json.loads(debtor_manifest_path(out, f"d{chris.id}", "tiny-b", "en").read_text())
    assert list(variant["nodes"]) == ["greet"] and variant["scene"] == "tiny-b"

    before = _media(out)
    book, media = SceneBook(render_root), Media(render_root, out)
    for debtor in (ayse, bram, chris):  # the web app finds all of it: nothing is rendered
        manifest = media.manifest(book.get(debtor.scene_id), debtor, "en")
        assert manifest["nodes"]["bye"]["video"]
    again = render_campaign(
        sessions, campaign_id, content=render_root, out=out, executor=LocalExecutor(2)
    )
    assert again.counts == RenderCounts(total=SEGMENTS, cached=SEGMENTS, rendered=0, failed=0)
    assert _media(out) == before
    first, second = _jobs(sessions)
    assert (first.status, second.status, second.done, second.total) == (
        "finished",
        "finished",
        SEGMENTS,
        SEGMENTS,
    )

    with pytest.raises(CampaignNotFoundError):
        render_campaign(sessions, 999, content=render_root, out=out, executor=LocalExecutor())


def test_a_campaign_render_killed_halfway_completes_when_run_again(
    render_root: ContentRoot, database: tuple[str, sessionmaker[Session]], tmp_path: Path
) -> None:
    url, sessions = database
    campaign_id = make_tiny_campaign(render_root, url, scene="tiny-b", variant_b=())
    segments_in_all = 2 + len(TINY_DEBTORS)  # tiny-b's two shared segments, a voice track each
    var = tmp_path / "var"
    env = {**os.environ, "DATABASE_URL": url, "VIDPAY_VAR": str(var)}
    env["VIDPAY_SECRET_KEY"] = "test-secret"
    command = [sys.executable, "-m", "app", "campaign", "render", str(campaign_id)]
    command += ["--root", str(render_root.path), "--jobs", "2"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the pool's processes go down with it
    )
    segments = var / "media" / "segments"
    deadline = time.time() + 30
    while time.time() < deadline and not any(segments.rglob("[!.]*.json")):
        time.sleep(0.02)  # a segment's sidecar is its last file: one segment is complete
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    (killed,) = _jobs(sessions)
    assert killed.status == "running" and killed.done < segments_in_all

    rerun = render_campaign(  # started again (the command line's summary: test_executors)
        sessions, campaign_id, content=render_root, out=var / "media", executor=LocalExecutor(2)
    )
    counts = rerun.counts
    assert (counts.total, counts.failed, rerun.errors) == (segments_in_all, 0, [])
    assert counts.cached >= 1 and counts.rendered >= 1  # it continued where the kill left off
    _assert_complete(var / "media", sessions)
    interrupted, finished = _jobs(sessions)
    assert interrupted.status == "failed"
    assert interrupted.error == f"interrupted; continued by render job {finished.id}"
    assert (finished.status, finished.done, finished.failed) == ("finished", segments_in_all, 0)


def test_a_failed_segment_is_counted_and_named_and_the_rest_is_rendered(
    render_root: ContentRoot, database: tuple[str, sessionmaker[Session]], tmp_path: Path
) -> None:
    url, sessions = database
    campaign_id = make_tiny_campaign(render_root, url, scene="tiny-b", variant_b=())
    folder = render_root.voiceovers_dir / "tiny-b" / "en"
    folder.mkdir(parents=True)
    (folder / "bye-1.wav").write_bytes(b"RIFF not really a wave file")
    out = tmp_path / "media"
    done = render_campaign(
        sessions, campaign_id, content=render_root, out=out, executor=LocalExecutor(2)
    )
    assert done.counts == RenderCounts(total=5, cached=0, rendered=4, failed=1)
    (error,) = done.errors
    assert error.startswith("scene tiny-b, node bye, language en: ") and "bye-1.wav" in error
    (job,) = _jobs(sessions)
    assert (job.status, job.done, job.failed, job.error) == ("failed", 4, 1, error)
    assert job.finished_at is not None
    assert not manifest_path(out, "tiny-b", "en").exists()  # it needs the broken segment
    for debtor in _debtors(sessions):  # their own tracks are there
        assert debtor_manifest_path(out, f"d{debtor.id}", "tiny-b", "en").is_file()
