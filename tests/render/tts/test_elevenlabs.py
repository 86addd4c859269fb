"""ElevenLabs: the path, query and JSON of a request, language_code only for the models that
take it, and its error bodies (a used-up quota is no refused key)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from render.tts.base import SpeechError
from render.tts.elevenlabs import DEFAULT_VOICE, KEY, URL, ElevenLabsEngine
from tests.fake_tts_cloud import serve, tone
from tests.fake_tts_cloud_elevenlabs import TEST_KEY, FakeElevenLabs


@pytest.fixture(scope="module")
def served() -> Iterator[FakeElevenLabs]:
    with serve(FakeElevenLabs()) as fake:
        yield fake


@pytest.fixture
def fake(served: FakeElevenLabs, monkeypatch: pytest.MonkeyPatch) -> FakeElevenLabs:
    served.reset()
    served.said.clear()
    monkeypatch.setenv(KEY, TEST_KEY)
    monkeypatch.setenv(URL, served.url)
    return served


def test_the_request_is_the_documented_one(fake: FakeElevenLabs) -> None:
    assert ElevenLabsEngine("nl").samples("Goedemiddag.", Path("unused")) == (tone(16_000), 16_000)
    (request,) = fake.requests
    assert request.path == f"/v1/text-to-speech/{DEFAULT_VOICE}"
    assert request.query == {"output_format": "pcm_16000"}
    assert request.headers["xi-api-key"] == TEST_KEY
    # multilingual v2 reads the language from the text; the reference says it takes no code
    assert request.json == {"text": "Goedemiddag.", "model_id": "eleven_multilingual_v2"}


def test_a_model_that_takes_a_language_code_is_sent_one(fake: FakeElevenLabs) -> None:
    engine = ElevenLabsEngine("tr", model="eleven_flash_v2_5", voice="21m00Tcm4TlvDq8ikWAM")
    engine.samples("Merhaba.", Path("unused"))
    assert fake.requests[0].json == {
        "text": "Merhaba.", "model_id": "eleven_flash_v2_5", "language_code": "tr",
    }  # fmt: skip
    assert "model=eleven_flash_v2_5" in engine.identity()


def test_a_used_up_quota_is_not_called_a_refused_key(fake: FakeElevenLabs) -> None:
    fake.fail_next(401, kind="quota_exceeded")
    with pytest.raises(SpeechError) as caught:
        ElevenLabsEngine("nl").samples("Dag.", Path("unused"))
    message = str(caught.value)
    assert "ElevenLabs refused the request (HTTP 401: quota_exceeded: " in message
    assert "key was refused" not in message
    assert len(fake.requests) == 1


def test_a_validation_error_names_the_field(fake: FakeElevenLabs) -> None:
    body = b'{"detail": [{"loc": ["body", "model_id"], "msg": "Input should be a string", "type": "string_type"}]}'
    fake.respond_next(422, body, "application/json")
    with pytest.raises(SpeechError, match=r"HTTP 422: body\.model_id: Input should be a string"):
        ElevenLabsEngine("nl").samples("Dag.", Path("unused"))


def test_a_voice_id_is_one_path_segment(fake: FakeElevenLabs) -> None:
    with pytest.raises(SpeechError, match="refused the request"):
        ElevenLabsEngine("nl", voice="../v1/models").samples("Dag.", Path("unused"))
    assert fake.requests[0].path == "/v1/text-to-speech/..%2Fv1%2Fmodels"
