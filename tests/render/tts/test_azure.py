"""Azure AI Speech: the SSML it is sent (escaped, with the voice's locale), the headers the REST
reference requires, both output formats, and the region that makes the address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from render.tts.azure import KEY, REGION, URL, AzureEngine
from render.tts.base import SpeechError
from tests.fake_tts_cloud import serve, tone
from tests.fake_tts_cloud_azure import TEST_KEY, FakeAzure


@pytest.fixture(scope="module")
def served() -> Iterator[FakeAzure]:
    with serve(FakeAzure()) as fake:
        yield fake


@pytest.fixture
def fake(served: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> FakeAzure:
    served.reset()
    served.said.clear()
    monkeypatch.setenv(KEY, TEST_KEY)
    monkeypatch.setenv(URL, served.url)
    monkeypatch.delenv(REGION, raising=False)
    return served


def test_a_name_with_markup_is_said_not_parsed(fake: FakeAzure) -> None:
    AzureEngine("tr").samples("Merhaba Ayşe & Co <b>, borcunuz 80 €.", Path("unused"))
    assert fake.said == ["Merhaba Ayşe & Co <b>, borcunuz 80 €."]
    (request,) = fake.requests
    assert request.body.decode() == (
        '<speak version=\'1.0\' xml:lang="tr-TR"><voice name="tr-TR-EmelNeural">'
        "Merhaba Ayşe &amp; Co &lt;b&gt;, borcunuz 80 €.</voice></speak>"
    )


def test_the_request_has_the_documented_headers(fake: FakeAzure) -> None:
    AzureEngine("nl").samples("Goedemiddag.", Path("unused"))
    (request,) = fake.requests
    assert request.path == "/cognitiveservices/v1"
    assert request.headers["ocp-apim-subscription-key"] == TEST_KEY
    assert request.headers["content-type"] == "application/ssml+xml"
    assert request.headers["x-microsoft-outputformat"] == "riff-24khz-16bit-mono-pcm"
    assert request.headers["user-agent"].startswith("vidpay")


def test_raw_16_khz_is_read_as_samples(fake: FakeAzure) -> None:
    engine = AzureEngine("nl", output="raw-16khz-16bit-mono-pcm")
    assert engine.samples("Goedemiddag.", Path("unused")) == (tone(16_000), 16_000)
    assert "format=raw-16khz-16bit-mono-pcm" in engine.identity()


def test_a_voice_of_another_locale_speaks_in_its_locale(fake: FakeAzure) -> None:
    AzureEngine("nl", voice="nl-NL-MaartenNeural").samples("Dag.", Path("unused"))
    assert 'xml:lang="nl-NL"><voice name="nl-NL-MaartenNeural">' in fake.requests[0].body.decode()


def test_the_region_makes_the_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY, TEST_KEY)
    monkeypatch.delenv(URL, raising=False)
    monkeypatch.setenv(REGION, "westeurope")
    request = AzureEngine("nl")._request("Dag.")
    assert str(request.url) == "https://westeurope.tts.speech.microsoft.com/cognitiveservices/v1"


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (None, "set VIDPAY_AZURE_SPEECH_REGION to the region"),
        ("west europe", "(not 'west europe')"),
    ],
)
def test_a_missing_or_odd_region_is_named(
    monkeypatch: pytest.MonkeyPatch, region: str | None, expected: str
) -> None:
    monkeypatch.setenv(KEY, TEST_KEY)
    monkeypatch.delenv(URL, raising=False)
    if region is None:
        monkeypatch.delenv(REGION, raising=False)
    else:
        monkeypatch.setenv(REGION, region)
    with pytest.raises(SpeechError, match=r"^azure, language nl: ") as caught:
        AzureEngine("nl").samples("Dag.", Path("unused"))
    assert expected in str(caught.value)


def test_a_language_without_a_default_voice_asks_for_one() -> None:
    with pytest.raises(SpeechError, match=r"azure has no default voice for language fr; set voice"):
        AzureEngine("fr")
    assert AzureEngine("fr", voice="fr-FR-DeniseNeural").locale == "fr-FR"


def test_a_wrong_content_type_is_the_documented_415(fake: FakeAzure) -> None:
    fake.respond_next(415, b"", "text/plain")
    with pytest.raises(SpeechError) as caught:
        AzureEngine("nl").samples("Dag.", Path("unused"))
    assert "HTTP 415: the content type was not application/ssml+xml" in str(caught.value)
