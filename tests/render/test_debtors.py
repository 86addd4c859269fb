"""A debtor's voice tracks: their lines spoken into one small AAC file per node, timings,
captions and texts, their manifest, what is prepared when, and what is kept and removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from render.content import ContentRoot
from render.debtors import (
    DebtorJob,
    audio_folder,
    current_tracks,
    debtor_manifest_path,
    prepare_batch,
    prepare_debtor,
    prepared,
)
from render.segment import RenderError, render_segment
from tests.conftest import ffprobe, plan_tiny, track_tiny


def _job(root: ContentRoot, **values: object) -> DebtorJob:
    tracks = tuple(track_tiny(root, node, **values) for node in ("hello", "amount"))  # type: ignore[arg-type]
    return DebtorJob("d7", "tiny", "tr", tracks)


def test_a_debtor_gets_one_aac_file_per_personal_node_and_a_manifest(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    path = prepare_debtor(_job(render_root), tmp_path)
    assert path == debtor_manifest_path(tmp_path, "d7", "tiny", "tr")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    hello = manifest["nodes"]["hello"]
    assert hello["texts"] == [{"title": "Merhaba Ayşe"}]
    assert hello["cues"][0]["text"] == "Merhaba Ayşe." and hello["cues"][0]["start"] == 0
    (shot,) = hello["shots"]
    assert shot[0] == 0 and abs(shot[1] - hello["duration"]) < 1e-9
    audio = tmp_path / hello["audio"]
    info = ffprobe(audio)
    (stream,) = info["streams"]
    assert stream["codec_name"] == "aac" and stream["sample_rate"] == "16000"
    # the line and not the silence after it: the picture holds on without it
    assert hello["duration"] - 0.6 < float(info["format"]["duration"]) < hello["duration"]
    assert manifest["nodes"]["amount"]["texts"] == [{"card": "€80,00"}]
    # nothing personal in the shared stores: the debtor's lines are not cached by name
    shared = [p for p in tmp_path.rglob("*") if p.is_file() and "debtors" not in p.parts]
    assert all("tmp" in p.parts for p in shared) or not shared


def test_a_prepared_debtor_is_skipped_until_what_they_hear_changes(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    job = _job(render_root)
    prepare_debtor(job, tmp_path)
    assert prepared(job, tmp_path) is not None
    paid_less = _job(render_root, amount_due="50.00")
    assert paid_less.stamp != job.stamp and prepared(paid_less, tmp_path) is None
    prepare_debtor(paid_less, tmp_path)
    files = sorted(p.name for p in audio_folder(tmp_path, "d7", "tiny", "tr").iterdir())
    assert len(files) == 2  # the old amount's audio is gone; the greeting stays the same
    assert prepared(job, tmp_path) is None


def test_one_node_can_be_prepared_first_and_the_others_when_asked_for(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    job = _job(render_root)
    path = prepare_debtor(job, tmp_path, only={"hello"})  # a link opens at hello
    assert list(json.loads(path.read_text(encoding="utf-8"))["nodes"]) == ["hello"]
    assert prepared(job, tmp_path) is None and list(current_tracks(job, tmp_path)) == ["hello"]
    stamp = path.stat().st_mtime_ns
    prepare_debtor(job, tmp_path, only={"hello"})
    assert path.stat().st_mtime_ns == stamp  # up to date: nothing written
    prepare_debtor(job, tmp_path, only={"amount"})
    assert prepared(job, tmp_path) is not None
    assert list(json.loads(path.read_text(encoding="utf-8"))["nodes"]) == ["hello", "amount"]


def test_a_failing_debtor_is_named_and_does_not_stop_the_others(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    folder = render_root.voiceovers_dir / "tiny" / "tr"
    folder.mkdir(parents=True)
    (folder / "hello-1.wav").write_bytes(b"RIFF not really a wave file")
    broken = _job(render_root)
    fine = DebtorJob("d8", "tiny", "tr", (track_tiny(render_root, "amount"),))
    errors = prepare_batch([broken, fine], tmp_path)
    assert errors[1] is None and errors[0] is not None
    assert errors[0].startswith("scene tiny, debtor d7, node hello, language tr: ")
    assert not debtor_manifest_path(tmp_path, "d7", "tiny", "tr").exists()
    with pytest.raises(RenderError):
        prepare_debtor(broken, tmp_path)


def test_the_picture_a_track_is_for_is_the_shared_one(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    picture = render_segment(plan_tiny(render_root, "amount"), tmp_path)
    assert track_tiny(render_root, "amount").picture == picture.key
    assert track_tiny(render_root, "amount", name="Bram").picture == picture.key
