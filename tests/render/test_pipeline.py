"""A scene rendered end to end: manifests, the cache across runs, debtors, and failures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from render.content import ContentRoot
from render.debtors import debtor_manifest_path
from render.pipeline import Debtor, manifest_path, read_debtor, render_scene
from render.problems import ContentError
from render.segment import RenderError
from render.validate import load_scene
from tests.conftest import ffprobe


def _render(root: ContentRoot, out: Path, **options: object) -> list[Path]:
    scene = load_scene(root.find_scene("tiny"), root)
    options.setdefault("languages", scene.languages)
    return render_scene(scene, root, out, jobs=2, **options)  # type: ignore[arg-type]


def _files(out: Path) -> dict[str, int]:
    return {
        p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in (out / "segments").rglob("*.*")
    }


def test_manifests_per_language_list_every_node(render_root: ContentRoot, tmp_path: Path) -> None:
    manifests = _render(render_root, tmp_path)
    assert manifests == [
        manifest_path(tmp_path, "tiny", "en"),
        manifest_path(tmp_path, "tiny", "tr"),
    ]
    turkish = json.loads(manifests[1].read_text(encoding="utf-8"))
    assert (
        turkish["scene"] == "tiny" and turkish["language"] == "tr" and turkish["start"] == "hello"
    )
    assert list(turkish["nodes"]) == ["hello", "amount", "menu", "bye"]
    menu = turkish["nodes"]["menu"]
    assert menu["choices"] == [
        {"label": "Şimdi öde", "icon": "pay", "goto": "bye"},
        {"label": "Sonra", "icon": "later", "goto": "bye"},
    ]
    assert menu["personal"] is False and turkish["nodes"]["hello"]["personal"] is True
    assert turkish["nodes"]["hello"]["next"] == "amount"
    hello = turkish["nodes"]["hello"]  # a picture: its shot's frames, the place of the name
    assert hello["captions"] == "" and hello["frames"] == [[0, 20]]  # logo, icon, title enter
    assert [box["element"] for box in hello["boxes"]] == ["title"]
    for node in turkish["nodes"].values():
        for key in ("video", "poster", *(["captions"] if not node["personal"] else [])):
            assert (tmp_path / node[key]).is_file()
        assert (
            abs(float(ffprobe(tmp_path / node["video"])["format"]["duration"]) - node["duration"])
            < 0.1
        )


def test_warm_rerender_renders_nothing_and_one_turkish_line_only_its_segment(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    _render(render_root, tmp_path)
    before = _files(tmp_path)
    english = manifest_path(tmp_path, "tiny", "en").read_bytes()
    started = time.perf_counter()
    _render(render_root, tmp_path)
    assert time.perf_counter() - started < 5  # generous: the benchmark measures it properly
    assert _files(tmp_path) == before

    po = render_root.po_path("tiny", "tr")
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "Seçin."', 'msgstr "Lütfen seçin."'),
        encoding="utf-8",
    )
    _render(render_root, tmp_path)
    after = _files(tmp_path)
    new = sorted(set(after) - set(before))
    changed = sorted(name for name in before if after.get(name) != before[name])
    assert changed == []  # nothing rendered before was touched
    assert len(new) == 4 and all(name.endswith((".mp4", ".vtt", ".jpg", ".json")) for name in new)
    turkish = json.loads(manifest_path(tmp_path, "tiny", "tr").read_text(encoding="utf-8"))
    assert turkish["nodes"]["menu"]["video"] in new
    assert "Lütfen seçin." in (tmp_path / turkish["nodes"]["menu"]["captions"]).read_text(
        encoding="utf-8"
    )
    assert manifest_path(tmp_path, "tiny", "en").read_bytes() == english


def test_a_debtor_gets_a_manifest_of_their_personal_nodes(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    scene = load_scene(render_root.find_scene("tiny"), render_root)
    debtor_file = tmp_path / "debtor.json"
    debtor_file.write_text('{"reference": "INV/42", "name": "Ayşe", "amount_due": 1234.5}')
    debtor = read_debtor(debtor_file, scene)
    assert debtor == Debtor("INV_42", {"name": "Ayşe", "amount_due": Decimal("1234.5")})
    (manifest,) = _render(render_root, tmp_path / "out", languages=["tr"], debtor=debtor)
    assert manifest == debtor_manifest_path(tmp_path / "out", "INV_42", "tiny", "tr")
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    assert list(nodes) == ["hello", "amount"]
    assert nodes["amount"]["cues"][0]["text"] == "Borcunuz: €1.234,50."
    assert nodes["amount"]["texts"] == [{"card": "€1.234,50"}]
    videos = [p for p in (tmp_path / "out").rglob("*.mp4") if "debtors" in p.parts]
    assert videos == []  # no video is made for a debtor


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"reference": "A", "name": "Ayşe"}', "missing value for variable 'amount_due' (money)"),
        (
            '{"reference": "A", "name": "Ayşe", "amount_due": "12,50"}',
            "amount_due: '12,50' is not an amount",
        ),
        ('{"name": "Ayşe"}', "a debtor file is an object with a 'reference'"),
        ("{not json", "cannot read debtor file"),
    ],
)
def test_bad_debtor_files_say_what_is_wrong(
    render_root: ContentRoot, tmp_path: Path, content: str, message: str
) -> None:
    scene = load_scene(render_root.find_scene("tiny"), render_root)
    path = tmp_path / "debtor.json"
    path.write_text(content)
    with pytest.raises(ContentError) as failure:
        read_debtor(path, scene)
    assert any(message in p.message for p in failure.value.problems)


def test_a_missing_voice_model_is_a_clear_error(render_root: ContentRoot, tmp_path: Path) -> None:
    (render_root.path / "vidpay.toml").write_text(
        '[voices.tr]\nengine = "piper"\nmodel = "models/nope.onnx"\n'
    )
    with pytest.raises(RenderError, match=r"^scene tiny, language tr: .*nope\.onnx"):
        _render(render_root, tmp_path)
    assert not (tmp_path / "segments").exists()


def test_a_killed_render_leaves_no_broken_file_and_a_rerun_completes(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "app",
        "render",
        "tiny",
        "--root",
        str(render_root.path),
        "--out",
        str(out),
        "--jobs",
        "2",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 30
    while time.time() < deadline and not any((out / "segments").rglob("*.mp4")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for video in (out / "segments").rglob("*.mp4"):
        if not video.name.startswith(".tmp-"):
            assert float(ffprobe(video)["format"]["duration"]) > 0  # complete, playable files only
    subprocess.run(command, check=True, capture_output=True)
    for manifest in (manifest_path(out, "tiny", "en"), manifest_path(out, "tiny", "tr")):
        for node in json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values():
            assert (out / node["video"]).is_file()
