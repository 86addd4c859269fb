"""The cloud voices' shared behaviour, each engine against its provider's fake on loopback:
speaking, refusals said in words to act on, retries with Retry-After and backoff, giving up,
timeouts, and keys kept out of identities and messages."""

from __future__ import annotations

import itertools
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from render.tts import azure, elevenlabs, google_cloud, polly
from render.tts.base import SpeechError
from render.tts.cloud import CloudEngine
from tests import fake_tts_cloud_azure as fake_azure
from tests import fake_tts_cloud_elevenlabs as fake_elevenlabs
from tests import fake_tts_cloud_google as fake_google
from tests import fake_tts_cloud_polly as fake_polly
from tests.fake_tts_cloud import FakeProvider, serve, tone


@dataclass(frozen=True)
class Provider:
    """One cloud engine and how to point it at its fake."""

    name: str
    fake: Callable[[], FakeProvider]
    engine: Callable[..., CloudEngine]
    environment: Callable[[str], dict[str, str]]  # the fake's URL -> the engine's variables
    key: str  # the variable holding the secret a refusal names
    rate: int  # of the audio the engine asks for
    unknown_voice: str  # what the provider says of a voice it does not have


PROVIDERS = [
    Provider(
        "azure", fake_azure.FakeAzure, azure.AzureEngine,
        lambda url: {azure.KEY: fake_azure.TEST_KEY, azure.URL: url},
        azure.KEY, 24_000, "often the voice name",
    ),
    Provider(
        "google-cloud", fake_google.FakeGoogle, google_cloud.GoogleCloudEngine,
        lambda url: {google_cloud.KEY: fake_google.TEST_KEY, google_cloud.URL: url},
        google_cloud.KEY, 24_000, "INVALID_ARGUMENT: Voice 'xx-XX-Nobody' does not exist",
    ),
    Provider(
        "polly", fake_polly.FakePolly, polly.PollyEngine,
        lambda url: {
            polly.ACCESS_KEY_ID: fake_polly.TEST_ACCESS_KEY_ID,
            polly.SECRET_ACCESS_KEY: fake_polly.TEST_SECRET,
            polly.REGION: fake_polly.TEST_REGION,
            polly.URL: url,
        },
        polly.SECRET_ACCESS_KEY, 16_000, "ValidationException: Value 'xx-XX-Nobody' at 'voiceId'",
    ),
    Provider(
        "elevenlabs", fake_elevenlabs.FakeElevenLabs, elevenlabs.ElevenLabsEngine,
        lambda url: {elevenlabs.KEY: fake_elevenlabs.TEST_KEY, elevenlabs.URL: url},
        elevenlabs.KEY, 16_000, "voice_not_found: A voice with voice_id xx-XX-Nobody",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, FakeProvider]]:
    """Every provider's fake, served once for the module."""
    with ExitStack() as stack:
        yield {p.name: stack.enter_context(serve(p.fake())) for p in PROVIDERS}


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Waits of hundredths of a second, three attempts: the policy, not the patience, is tested."""
    monkeypatch.setenv("VIDPAY_TTS_ATTEMPTS", "3")
    monkeypatch.setenv("VIDPAY_TTS_BACKOFF", "0.05")
    monkeypatch.setenv("VIDPAY_TTS_BACKOFF_CAP", "1")
    monkeypatch.delenv("VIDPAY_TTS_MAX_WAIT", raising=False)


@pytest.fixture(params=PROVIDERS, ids=[p.name for p in PROVIDERS])
def cloud(
    request: pytest.FixtureRequest,
    fakes: dict[str, FakeProvider],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Provider, FakeProvider]:
    """Each provider in turn, its engine's environment pointing at its fresh fake."""
    return _point(request.param.name, fakes, monkeypatch)


def _point(
    name: str, fakes: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> tuple[Provider, FakeProvider]:
    """One provider, its engine's environment pointing at its fresh fake."""
    provider = next(p for p in PROVIDERS if p.name == name)
    fake = fakes[name]
    fake.reset()
    for variable, value in provider.environment(fake.url).items():
        monkeypatch.setenv(variable, value)
    return provider, fake


def _failure(engine: CloudEngine, text: str = "Goedemiddag.") -> str:
    with pytest.raises(SpeechError) as caught:
        engine.samples(text, Path("unused"))
    return str(caught.value)


def _gaps(fake: FakeProvider) -> list[float]:
    times = [r.at for r in fake.requests]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_a_line_comes_back_as_16_bit_mono_samples(cloud: tuple[Provider, FakeProvider]) -> None:
    provider, fake = cloud
    pcm, rate = provider.engine("nl").samples("Goedemiddag, mevrouw Ayşe.", Path("unused"))
    assert rate == provider.rate
    assert pcm == tone(rate)
    assert fake.said == ["Goedemiddag, mevrouw Ayşe."]  # type: ignore[attr-defined]


def test_synthesize_writes_the_wav_atomically(
    cloud: tuple[Provider, FakeProvider], tmp_path: Path
) -> None:
    provider, fake = cloud
    target = tmp_path / "line.wav"
    provider.engine("de").synthesize("Guten Tag.", target)
    with wave.open(str(target), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        assert wav.getframerate() == provider.rate
    fake.fail_next(400)
    with pytest.raises(SpeechError):
        provider.engine("de").synthesize("Guten Tag.", tmp_path / "failed.wav")
    assert [p.name for p in tmp_path.iterdir()] == ["line.wav"]  # no half file, no temporary


def test_a_refused_key_says_which_variable_to_check(
    cloud: tuple[Provider, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    provider, fake = cloud
    monkeypatch.setenv(provider.key, "wrong-wrong-wrong-wrong")
    message = _failure(provider.engine("nl"))
    assert message.startswith(f"{provider.name}, language nl: the key was refused (HTTP 40")
    assert ": check " in message and provider.key in message
    assert "wrong-wrong" not in message
    assert len(fake.requests) == 1  # a wrong key stays wrong: not tried again


def test_a_missing_key_says_which_variable_to_set(
    cloud: tuple[Provider, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    provider, fake = cloud
    monkeypatch.delenv(provider.key)
    message = _failure(provider.engine("tr"))
    assert message.startswith(f"{provider.name}, language tr: ")
    assert f"is missing: set {provider.key} in the environment of the renderer" in message
    assert fake.requests == []


def test_a_refused_request_gives_the_providers_own_words(
    cloud: tuple[Provider, FakeProvider],
) -> None:
    provider, fake = cloud
    message = _failure(provider.engine("nl", voice="xx-XX-Nobody"))
    assert "refused the request (HTTP 400: " in message
    assert provider.unknown_voice in message
    assert "check voice = 'xx-XX-Nobody'" in message and "vidpay.toml" in message
    assert len(fake.requests) == 1


def test_a_rate_limit_is_waited_out_as_retry_after_says(
    cloud: tuple[Provider, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retry-After: 0 answers at once, though our own backoff would have waited 4 s or more."""
    provider, fake = cloud
    monkeypatch.setenv("VIDPAY_TTS_BACKOFF", "5")
    fake.fail_next(429, retry_after="0")
    pcm, _ = provider.engine("es").samples("Buenos días.", Path("unused"))
    assert pcm and len(fake.requests) == 2
    assert _gaps(fake)[0] < 2


def test_retry_after_in_seconds_is_waited_for(
    fakes: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, fake = _point("azure", fakes, monkeypatch)
    fake.fail_next(429, retry_after="1")
    azure.AzureEngine("nl").samples("Goedemiddag.", Path("unused"))
    assert len(fake.requests) == 2
    assert 0.95 <= _gaps(fake)[0] < 3


def test_retry_after_as_a_date_is_waited_for(
    fakes: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, fake = _point("google-cloud", fakes, monkeypatch)
    then = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    fake.fail_next(503, retry_after=then)
    google_cloud.GoogleCloudEngine("en").samples("Good afternoon.", Path("unused"))
    assert len(fake.requests) == 2
    assert 0.9 <= _gaps(fake)[0] < 3  # the date has whole seconds: 1 to 2 s from now


def test_server_errors_are_tried_until_the_attempts_run_out(
    cloud: tuple[Provider, FakeProvider],
) -> None:
    provider, fake = cloud
    fake.fail_next(500, times=5)
    message = _failure(provider.engine("nl"))
    assert "did not succeed in 3 attempts (last: HTTP 500: " in message
    assert "try again later, or choose an offline engine" in message
    assert len(fake.requests) == 3
    first, second = _gaps(fake)
    # 0.05 s then 0.1 s, less up to a quarter: the second wait is longer than the first can be
    assert first >= 0.0375 and second >= 0.075 and second < 2


def test_a_retry_after_beyond_the_longest_wait_fails_at_once(
    cloud: tuple[Provider, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    provider, fake = cloud
    monkeypatch.setenv("VIDPAY_TTS_MAX_WAIT", "5")
    fake.fail_next(429, retry_after="120")
    message = _failure(provider.engine("nl"))
    assert "asked to wait 120 s" in message and "VIDPAY_TTS_MAX_WAIT allows (5 s)" in message
    assert len(fake.requests) == 1


def test_no_answer_in_time_is_a_timeout(
    fakes: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, fake = _point("elevenlabs", fakes, monkeypatch)
    monkeypatch.setenv("VIDPAY_TTS_ATTEMPTS", "1")
    fake.hang_next(5)
    started = time.monotonic()
    message = _failure(elevenlabs.ElevenLabsEngine("nl", timeout=0.3))
    assert "did not succeed in 1 attempts (last: no answer within 0.3 s)" in message
    assert time.monotonic() - started < 3


def test_an_unreachable_provider_is_tried_again_then_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    with socket.socket() as closed:  # a port that was free a moment ago
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv(azure.KEY, fake_azure.TEST_KEY)
    monkeypatch.setenv(azure.URL, f"http://127.0.0.1:{port}")
    message = _failure(azure.AzureEngine("nl"))
    assert "did not succeed in 3 attempts (last: could not connect (" in message


def test_an_answer_that_is_not_audio_is_reported(cloud: tuple[Provider, FakeProvider]) -> None:
    provider, fake = cloud
    fake.respond_next(200, b'{"note": "no audio here"}', "application/json")
    message = _failure(provider.engine("nl"))
    assert f"{provider.name}, language nl: " in message
    assert "answered, but not with the audio asked for" in message


def test_the_key_is_cut_out_of_what_the_provider_echoes(
    cloud: tuple[Provider, FakeProvider],
) -> None:
    provider, fake = cloud
    secret = provider.environment(fake.url)[provider.key]
    fake.respond_next(400, f"no such account for key {secret}".encode(), "text/plain")
    message = _failure(provider.engine("nl"))
    assert secret not in message
    assert f"no such account for key [{provider.key}]" in message


def test_identity_names_voice_and_format_but_never_the_key(
    cloud: tuple[Provider, FakeProvider],
) -> None:
    provider, fake = cloud
    identity = provider.engine("nl").identity()
    assert identity.startswith(f"{provider.name} voice=")
    assert "format=" in identity or "encoding=" in identity
    assert provider.environment(fake.url)[provider.key] not in identity
    assert provider.engine("nl").identity() != provider.engine("de").identity()
    assert provider.engine("nl", voice="other").identity() != identity


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("VIDPAY_TTS_ATTEMPTS", "0", "VIDPAY_TTS_ATTEMPTS must be a whole number of at least 1"),
        ("VIDPAY_TTS_ATTEMPTS", "2.5", "VIDPAY_TTS_ATTEMPTS must be a whole number"),
        ("VIDPAY_TTS_BACKOFF", "soon", "VIDPAY_TTS_BACKOFF must be a number of seconds"),
        ("VIDPAY_TTS_MAX_WAIT", "-1", "VIDPAY_TTS_MAX_WAIT must be a number of seconds"),
    ],
)
def test_a_wrong_retry_setting_is_named(
    fakes: dict[str, FakeProvider],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    expected: str,
) -> None:
    _point("polly", fakes, monkeypatch)
    monkeypatch.setenv(variable, value)
    assert expected in _failure(polly.PollyEngine("nl"))


def test_no_text_is_not_sent(cloud: tuple[Provider, FakeProvider]) -> None:
    provider, fake = cloud
    assert "there is no text to speak" in _failure(provider.engine("nl"), " \x00\n ")
    assert fake.requests == []
