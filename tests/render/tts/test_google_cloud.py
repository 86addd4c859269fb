"""Google Cloud Text-to-Speech: the synthesize request as documented, the base64 WAV it answers
with (and headerless LINEAR16), and its ways of refusing a key."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from render.tts.base import SpeechError
from render.tts.google_cloud import KEY, URL, GoogleCloudEngine
from tests.fake_tts_cloud import serve, tone
from tests.fake_tts_cloud_google import TEST_KEY, FakeGoogle


@pytest.fixture(scope="module")
def served() -> Iterator[FakeGoogle]:
    with serve(FakeGoogle()) as fake:
        yield fake


@pytest.fixture
def fake(served: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> FakeGoogle:
    served.reset()
    served.said.clear()
    monkeypatch.setenv(KEY, TEST_KEY)
    monkeypatch.setenv(URL, served.url)
    return served


def test_the_request_is_the_documented_json(fake: FakeGoogle) -> None:
    GoogleCloudEngine("nl").samples("Goedemiddag, Ayşe & Co <b>.", Path("unused"))
    (request,) = fake.requests
    assert request.path == "/v1/text:synthesize"
    assert request.headers["x-goog-api-key"] == TEST_KEY
    assert request.headers["content-type"] == "application/json"
    assert request.json == {
        "input": {"text": "Goedemiddag, Ayşe & Co <b>."},
        "voice": {"languageCode": "nl-NL", "name": "nl-NL-Wavenet-B"},
        "audioConfig": {"audioEncoding": "LINEAR16", "sampleRateHertz": 24000},
    }


def test_linear16_without_its_header_is_read_too(fake: FakeGoogle) -> None:
    audio = base64.b64encode(tone(24_000)).decode()
    fake.respond_next(200, f'{{"audioContent": "{audio}"}}'.encode(), "application/json")
    assert GoogleCloudEngine("de").samples("Hallo.", Path("unused")) == (tone(24_000), 24_000)


def test_a_wrong_key_is_a_400_that_is_still_a_refused_key(
    fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY, "AIzaSyNotTheRightKeyAtAll0000000000000")
    with pytest.raises(SpeechError) as caught:
        GoogleCloudEngine("en").samples("Hello.", Path("unused"))
    message = str(caught.value)
    assert "the key was refused (HTTP 400: INVALID_ARGUMENT: API key not valid." in message
    assert (
        "check VIDPAY_GOOGLE_TTS_KEY, and that the Cloud Text-to-Speech API is enabled" in message
    )


def test_a_key_without_the_api_is_a_403(fake: FakeGoogle) -> None:
    body = (
        b'{"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "Cloud '
        b'Text-to-Speech API has not been used in project 1 before or it is disabled."}}'
    )
    fake.respond_next(403, body, "application/json")
    with pytest.raises(
        SpeechError, match=r"the key was refused \(HTTP 403: PERMISSION_DENIED: Cloud"
    ):
        GoogleCloudEngine("en").samples("Hello.", Path("unused"))


def test_a_language_without_a_default_voice_asks_for_one() -> None:
    with pytest.raises(SpeechError, match="google-cloud has no default voice for language fr"):
        GoogleCloudEngine("fr")
    assert GoogleCloudEngine("fr", voice="fr-FR-Wavenet-A").locale == "fr-FR"
