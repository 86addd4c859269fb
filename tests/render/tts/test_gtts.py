"""gTTS fails cleanly offline, within its timeout, and converts what a faithful fake of Google's
endpoint answers."""

from __future__ import annotations

import base64
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from render.ffmpeg import run_ffmpeg
from render.tts.base import SpeechError
from render.tts.espeak import EspeakEngine
from render.tts.gtts import GttsEngine
from tests.render.tts.speech import (
    SENTENCES,
    assert_only_files,
    assert_speech,
)


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
