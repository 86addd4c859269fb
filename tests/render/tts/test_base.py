"""What every engine shares: an identity that differs between engines, languages and settings
that change the sound, so the speech cache never mixes them up."""

from __future__ import annotations

from pathlib import Path

from render.tts.espeak import EspeakEngine
from render.tts.gtts import GttsEngine
from render.tts.piper import PiperEngine
from tests.render.tts.speech import (
    fake_model,
)


def test_identities_differ_between_engines_and_languages(tmp_path: Path) -> None:
    model = fake_model(tmp_path)
    engines = [
        EspeakEngine("en"),
        EspeakEngine("tr"),
        PiperEngine("en", model=model),
        GttsEngine("en"),
        GttsEngine("tr"),
        GttsEngine("tr", slow=True),
    ]
    identities = [engine.identity() for engine in engines]
    assert len(set(identities)) == len(engines)
    assert identities == [engine.identity() for engine in engines]
    assert GttsEngine("tr", timeout=1).identity() == GttsEngine("tr").identity()
