"""What the cloud voices share: settings from the environment, one HTTP client per process,
retries when the provider is busy, and failures said in words a content designer can act on.

The neural voices of Azure AI Speech, Google Cloud Text-to-Speech, Amazon Polly and ElevenLabs
are understood far better than the offline ones, but each line's text travels to the provider.
Their keys and endpoints come from the renderer's environment, never from ``vidpay.toml``:
content is copied, versioned and shown to designers, and a key in it would leak with it.

A rate limit (429) or a server error (5xx) is tried again: after the ``Retry-After`` the provider
asked for (seconds or an HTTP date), else after a capped exponential backoff, at most
``VIDPAY_TTS_ATTEMPTS`` times in all. A refused key or a refused request is not: trying again
cannot help, and the message says what to change instead. The waits are set by environment
variables, so that tests (and impatient operators) can shorten them.
"""

from __future__ import annotations

import atexit
import io
import os
import random
import re
import threading
import time
import wave
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import httpx

from render.retry_after import retry_after
from render.tts.base import InMemoryEngine, SpeechError

DEFAULT_TIMEOUT = 15.0  # seconds per request; a neural line takes one or two
USER_AGENT = "vidpay-render/1"  # Azure requires one; the others are told who calls too

# Environment variables of the retry policy, with their defaults.
ATTEMPTS = ("VIDPAY_TTS_ATTEMPTS", 4)  # requests in all, the first one included
BACKOFF = ("VIDPAY_TTS_BACKOFF", 1.0)  # seconds before the second attempt, doubled after
BACKOFF_CAP = ("VIDPAY_TTS_BACKOFF_CAP", 16.0)  # the longest wait of our own choosing
MAX_WAIT = ("VIDPAY_TTS_MAX_WAIT", 60.0)  # a longer Retry-After fails the line at once

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in XML, never spoken


def setting(variable: str) -> str | None:
    """An environment variable's value without surrounding blanks; None when unset or empty."""
    value = os.environ.get(variable, "").strip()
    return value or None


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a busy provider is tried again."""

    attempts: int
    backoff: float
    cap: float
    max_wait: float

    @classmethod
    def from_environment(cls) -> RetryPolicy:
        """Read on every line, so that a changed setting applies without a restart."""
        attempts = int(_number(*ATTEMPTS, whole=True))
        return cls(attempts, _number(*BACKOFF), _number(*BACKOFF_CAP), _number(*MAX_WAIT))

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (from 1): doubling up to ``cap``, less a
        random quarter, so that workers rate limited together do not come back together."""
        wait = min(self.cap, self.backoff * 2.0 ** (attempt - 1))
        return wait * (1 - random.random() / 4)  # spreads load; no secret


def _number(variable: str, default: float, *, whole: bool = False) -> float:
    """A number of seconds (or, ``whole``, of attempts) from the environment."""
    text = setting(variable)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if whole and (value < 1 or not value.is_integer()):
        raise SpeechError(f"{variable} must be a whole number of at least 1, not {text!r}")
    if value < 0 or value != value:  # negative or not a number
        raise SpeechError(f"{variable} must be a number of seconds, not {text!r}")
    return value


def speakable(text: str) -> str:
    """The text without control characters (a stray one breaks SSML and says nothing)."""
    return _CONTROL.sub(" ", text).strip()


def wav_samples(data: bytes) -> tuple[bytes, int]:
    """The 16-bit mono samples and rate of a WAV file; ``ValueError`` if it is not one."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise ValueError(
                    f"{8 * wav.getsampwidth()}-bit audio in {wav.getnchannels()} channels, "
                    "not 16-bit mono"
                )
            return wav.readframes(wav.getnframes()), wav.getframerate()
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"not a WAV file ({exc})") from exc


def pcm_samples(data: bytes, rate: int) -> tuple[bytes, int]:
    """Headerless 16-bit samples as they came; ``ValueError`` if they cannot be."""
    if data[:1] in (b"{", b"<"):
        raise ValueError(f"text instead of audio: {data[:80]!r}")
    if len(data) % 2:
        raise ValueError(f"{len(data)} bytes, an odd number, so not 16-bit samples")
    return data, rate


_CLIENTS: dict[tuple[int, float], httpx.Client] = {}
_CLIENTS_LOCK = threading.Lock()


def _client(timeout: float) -> httpx.Client:
    """One client per process and timeout, shared by the engines: a line reuses the kept-alive
    connection of the one before (no new TLS handshake per debtor), and a worker process never
    uses the sockets it inherited from its parent."""
    key = (os.getpid(), timeout)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = httpx.Client(timeout=timeout)
        return client


@atexit.register
def _close_clients() -> None:
    with _CLIENTS_LOCK:
        for (pid, _), client in list(_CLIENTS.items()):
            if pid == os.getpid():
                client.close()
        _CLIENTS.clear()


class CloudEngine(InMemoryEngine):
    """A voice behind a provider's REST API: each engine says how to ask and how to read the
    answer; this class sends, tries again and explains."""

    provider: ClassVar[str]  # as a designer knows it: "Azure AI Speech"
    credentials: ClassVar[tuple[str, ...]]  # the environment variables a refused key names
    secrets: ClassVar[tuple[str, ...]]  # those never to appear in a message

    def __init__(self, language: str, *, voice: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(language)
        if timeout <= 0:
            raise ValueError(f"{self.name} timeout must be more than 0 seconds, not {timeout}")
        self.voice = voice
        self.timeout = timeout

    # What each engine says.

    @abstractmethod
    def _request(self, text: str) -> httpx.Request:
        """The request for one line, with its credentials from the environment."""

    @abstractmethod
    def _audio(self, response: httpx.Response) -> tuple[bytes, int]:
        """16-bit mono samples and their rate from a successful answer (``ValueError`` if not)."""

    def _auth(self) -> httpx.Auth | None:
        """Signing that must see the request as sent (Polly's); most engines send a key header."""
        return None

    def _problem(self, response: httpx.Response) -> str:
        """The provider's own words for a failed request."""
        return response.text.strip()[:300] or response.reason_phrase

    def _refused(self, response: httpx.Response) -> bool:
        """Whether the credentials were refused: a new attempt cannot help."""
        return response.status_code in (401, 403)

    def _transient(self, response: httpx.Response) -> bool:
        """Whether the same request may well succeed later."""
        return response.status_code in (408, 429) or response.status_code >= 500

    def _key_advice(self) -> str:
        """What to check when the credentials were refused."""
        return f"check {' and '.join(self.credentials)}"

    def _advice(self) -> str:
        """What to check when the provider refused the request itself (a 400)."""
        return f"check voice = {self.voice!r} for language {self.language} in vidpay.toml"

    # What they share.

    def samples(self, text: str, work: Path) -> tuple[bytes, int]:
        """In memory: the provider's answer is the audio, so a debtor's line never hits disk."""
        spoken = speakable(text)
        if not spoken:
            raise self._error("there is no text to speak")
        response = self._post(spoken)
        try:
            pcm, rate = self._audio(response)
        except ValueError as exc:
            raise self._error(
                f"{self.provider} answered, but not with the audio asked for: {exc}"
            ) from exc
        if not pcm:
            raise self._error(f"{self.provider} answered without sound")
        return pcm, rate

    def _post(self, text: str) -> httpx.Response:
        """The successful answer, trying again while the provider is busy or unreachable."""
        policy = RetryPolicy.from_environment()
        last = ""
        for attempt in range(1, policy.attempts + 1):
            request = self._request(text)
            # a built request does not get the client's default headers: Azure requires this
            request.headers.setdefault("User-Agent", USER_AGENT)
            try:
                response = _client(self.timeout).send(request, auth=self._auth())
            except httpx.TimeoutException:
                last, wait = f"no answer within {self.timeout:g} s", policy.delay(attempt)
            except httpx.UnsupportedProtocol as exc:
                raise self._error(f"the address {request.url} cannot be used: {exc}") from exc
            except httpx.TransportError as exc:
                reason = str(exc) or type(exc).__name__
                last, wait = f"could not connect ({reason})", policy.delay(attempt)
            else:
                if response.is_success:
                    return response
                self._raise_unless_transient(response)
                last = f"HTTP {response.status_code}: {self._problem(response)}"
                asked = retry_after(response.headers.get("retry-after"))
                wait = policy.delay(attempt) if asked is None else asked
            if attempt == policy.attempts:
                break
            if wait > policy.max_wait:
                raise self._error(
                    f"{self.provider} asked to wait {wait:.0f} s ({last}), longer than "
                    f"{MAX_WAIT[0]} allows ({policy.max_wait:g} s); try again later"
                )
            time.sleep(wait)
        raise self._error(
            f"{self.provider} did not succeed in {policy.attempts} attempts (last: {last}); "
            "try again later, or choose an offline engine for this language in vidpay.toml"
        )

    def _raise_unless_transient(self, response: httpx.Response) -> None:
        problem = self._problem(response)
        if self._refused(response):
            raise self._error(
                f"the key was refused (HTTP {response.status_code}: {problem}): "
                f"{self._key_advice()}"
            )
        if not self._transient(response):
            raise self._error(
                f"{self.provider} refused the request (HTTP {response.status_code}: {problem}); "
                f"{self._advice()}"
            )

    def required(self, variable: str, what: str) -> str:
        """A setting the engine cannot work without, or a message saying which to set."""
        value = setting(variable)
        if value is None:
            raise self._error(
                f"{what} is missing: set {variable} in the environment of the renderer "
                "(keys are never read from vidpay.toml)"
            )
        return value

    def endpoint(self, variable: str, default: str) -> str:
        """The provider's address, or the one ``variable`` overrides it with (a test's fake)."""
        url = setting(variable) or default
        if not url.startswith(("https://", "http://")):
            raise self._error(f"{variable} must be an address starting with https://, not {url!r}")
        return url.rstrip("/")

    def _error(self, reason: str) -> SpeechError:
        """The error, with every secret of the environment cut out wherever it was echoed."""
        for variable in self.secrets:
            secret = setting(variable)
            if secret:
                reason = reason.replace(secret, f"[{variable}]")
        return SpeechError(f"{self.name}, language {self.language}: {reason}")
