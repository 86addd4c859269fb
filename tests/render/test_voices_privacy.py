"""Whether a debtor's own lines may go to a cloud voice: ``[voices] send_personal``.

Off (the default), a line that says the debtor's name or amount is spoken by the best offline
voice, and only the lines every debtor hears reach the provider, each once per text and voice
(the shared speech cache). On, the debtor's lines go to the provider too, for every debtor.
Planning and speaking choose the engine alike: what a track's key holds is what spoke."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from render.content import ContentRoot
from render.formatting import Value
from render.tracks import TrackPlan, plan_track, prepare_track
from render.validate import load_scene
from render.voices import best_offline, engine_for
from tests.fake_tts_cloud import serve
from tests.fake_tts_cloud_azure import TEST_KEY, FakeAzure

SCENE = """\
id: privacy
title: A personal line and a shared one
source_language: en
languages: [en]
variables: {name: text, amount_due: money}
contact: {phone: "+31 10 000 0000"}
start: hello
nodes:
  hello:
    shots:
      - say: "Hello {name}, you owe {amount_due}."
        show: {title: "Hello {name}"}
      - say: "We are glad you are here."
        show: {text: "Welcome"}
"""
SHARED = "We are glad you are here."


@pytest.fixture(scope="module")
def served() -> Iterator[FakeAzure]:
    with serve(FakeAzure()) as fake:
        yield fake


@pytest.fixture
def azure(served: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> FakeAzure:
    served.reset()
    served.said.clear()
    monkeypatch.setenv("VIDPAY_AZURE_SPEECH_KEY", TEST_KEY)
    monkeypatch.setenv("VIDPAY_AZURE_SPEECH_URL", served.url)
    return served


def _root(content_root: ContentRoot, voices: str) -> ContentRoot:
    (content_root.scenes_dir / "privacy.yaml").write_text(SCENE, encoding="utf-8")
    (content_root.path / "vidpay.toml").write_text(textwrap.dedent(voices), encoding="utf-8")
    return content_root


def _track(root: ContentRoot, name: str) -> TrackPlan:
    scene = load_scene(root.find_scene("privacy"), root)
    values: dict[str, Value] = {"name": name, "amount_due": Decimal("80.00")}
    return plan_track(
        scene, "hello", "en", root=root, translations={}, values=values, picture="p" * 64
    )


def _prepare(root: ContentRoot, name: str, out: Path) -> TrackPlan:
    plan = _track(root, name)
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    prepare_track(plan, out, out / "debtors" / name, work)
    return plan


def test_by_default_a_debtors_own_line_stays_offline(
    azure: FakeAzure, content_root: ContentRoot, tmp_path: Path
) -> None:
    root = _root(content_root, '[voices.en]\nengine = "azure"\n')
    ayse = _prepare(root, "Ayşe", tmp_path)
    _prepare(root, "Bram", tmp_path)
    assert azure.said == [SHARED]  # once for both debtors, and never a name or an amount
    personal, shared = ayse.shots
    offline = engine_for(root, "en", personal=True)
    assert offline.name == best_offline("en")
    assert personal.personal_voice and personal.voice is not None
    assert personal.voice.identity == offline.identity()
    assert shared.voice is not None and shared.voice.identity.startswith("azure voice=en-GB-")


def test_with_send_personal_the_debtors_line_goes_to_the_cloud_voice(
    azure: FakeAzure, content_root: ContentRoot, tmp_path: Path
) -> None:
    root = _root(content_root, '[voices]\nsend_personal = true\n\n[voices.en]\nengine = "azure"\n')
    ayse = _prepare(root, "Ayşe", tmp_path)
    _prepare(root, "Bram", tmp_path)
    personal_lines = [said for said in azure.said if said != SHARED]
    assert azure.said.count(SHARED) == 1  # the shared line still once, from the cache after
    assert len(personal_lines) == 2
    assert personal_lines[0].startswith("Hello Ayşe, you owe") and "Bram" in personal_lines[1]
    assert all(s.voice is not None and s.voice.identity.startswith("azure ") for s in ayse.shots)


def test_an_offline_voice_is_used_for_personal_lines_as_configured(
    content_root: ContentRoot,
) -> None:
    """Only engines over the network are replaced; an offline one speaks every line."""
    root = _root(content_root, '[voices.en]\nengine = "espeak"\nrate = 120\n')
    assert engine_for(root, "en", personal=True) is engine_for(root, "en")


@pytest.mark.parametrize("engine", ["gtts", "azure", "google-cloud", "polly", "elevenlabs"])
def test_every_engine_over_the_network_keeps_personal_lines_back(
    content_root: ContentRoot, engine: str
) -> None:
    root = _root(content_root, f'[voices]\nengine = "{engine}"\n')
    assert engine_for(root, "nl").name == engine
    assert engine_for(root, "nl", personal=True).name == best_offline("nl")
    _root(content_root, f'[voices]\nengine = "{engine}"\nsend_personal = true\n')
    assert engine_for(root, "nl", personal=True).name == engine
