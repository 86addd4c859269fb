"""What the fakes of the cloud voices share: a real HTTP server on loopback that records every
request, answers as a test tells it to (a status with the provider's error body and a
``Retry-After``, an exact answer, or a hang), and otherwise checks the request and speaks.

The fakes are of the providers, never of our code: each one (``tests/fake_tts_cloud_*.py``)
checks what its provider's documentation says a request must be and answers in the documented
shapes, so an engine that passes against the fake sends what the provider expects.

    with serve(FakeAzure()) as fake:
        monkeypatch.setenv("VIDPAY_AZURE_SPEECH_URL", fake.url)
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import threading
import time
import wave
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.loopback import serve_on_loopback


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it; header names are lower case."""

    method: str
    path: str  # as sent, percent-encoding and all
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def tone(rate: int, seconds: float = 0.25) -> bytes:
    """A quiet 220 Hz tone as 16-bit mono samples: what every fake "says"."""
    count = int(rate * seconds)
    samples = (int(8000 * math.sin(2 * math.pi * 220 * i / rate)) for i in range(count))
    return b"".join(s.to_bytes(2, "little", signed=True) for s in samples)


def wav_file(pcm: bytes, rate: int) -> bytes:
    """A mono 16-bit WAV file around ``pcm``."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return buffer.getvalue()


class FakeProvider(ABC):
    """The state and Starlette app of one provider's fake; ``url`` is set once it is served."""

    name = "fake"

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[RecordedRequest] = []
        self._next: list[tuple[str, Any]] = []
        self._generation = 0  # bumped by reset(): a hanging request gives up
        self._lock = threading.Lock()
        everything = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        missing = Route("/{rest:path}", self.endpoint(self._missing), methods=everything)
        self.app = Starlette(routes=[*self.routes(), missing])

    # What each provider's fake says.

    @abstractmethod
    def routes(self) -> list[Route]:
        """The provider's endpoints, each wrapped by :meth:`endpoint`."""

    @abstractmethod
    def error(self, status: int, message: str, kind: str = "") -> Response:
        """An error in the provider's documented shape."""

    @abstractmethod
    async def authenticate(self, request: Request, body: bytes) -> Response | None:
        """The provider's refusal of the request's credentials, or None when they are good."""

    # The test's controls.

    def fail_next(
        self, status: int, *, retry_after: str | None = None, kind: str = "", times: int = 1
    ) -> None:
        """The next ``times`` requests get ``status`` in the provider's error shape (of
        ``kind`` where the provider names its errors)."""
        with self._lock:
            self._next.extend([("fail", (status, retry_after, kind))] * times)

    def respond_next(self, status: int, body: bytes, content_type: str) -> None:
        """The next request gets exactly this answer."""
        with self._lock:
            self._next.append(("respond", (status, body, content_type)))

    def hang_next(self, seconds: float) -> None:
        """The next request is answered only after ``seconds`` (sooner on reset or stop)."""
        with self._lock:
            self._next.append(("hang", seconds))

    def reset(self) -> None:
        """Forget requests and pending controls; release a hanging request."""
        with self._lock:
            self.requests.clear()
            self._next.clear()
            self._generation += 1

    # Serving.

    def endpoint(self, handler: Any) -> Any:
        """Record the request, apply the test's controls, check the credentials, then speak."""

        async def serve(request: Request) -> Response:
            body = await request.body()
            recorded = RecordedRequest(
                request.method, request.scope["raw_path"].decode(), dict(request.query_params),
                dict(request.headers), body, time.monotonic(),
            )  # fmt: skip
            with self._lock:
                self.requests.append(recorded)
                control = self._next.pop(0) if self._next else None
            told = await self._control(*control) if control is not None else None
            if told is not None:
                return told
            refused = await self.authenticate(request, body)
            if refused is not None:
                return refused
            spoken: Response = await handler(request, body)
            return spoken

        return serve

    async def _control(self, kind: str, argument: Any) -> Response | None:
        if kind == "fail":
            status, retry_after, kind = argument
            answer = self.error(status, _REASONS.get(status, "The fake was told to fail"), kind)
            if retry_after is not None:
                answer.headers["Retry-After"] = retry_after
            return answer
        if kind == "respond":
            status, body, content_type = argument
            return Response(body, status_code=status, media_type=content_type)
        generation, deadline = self._generation, time.monotonic() + argument
        while time.monotonic() < deadline and self._generation == generation:
            await asyncio.sleep(0.02)
        return None

    async def _missing(self, request: Request, body: bytes) -> Response:
        return self.error(404, f"no such endpoint: {request.method} {request.url.path}")


_REASONS = {
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}

Fake = TypeVar("Fake", bound=FakeProvider)


@contextmanager
def serve(fake: Fake) -> Iterator[Fake]:
    """Serve ``fake`` on a free loopback port in a background thread, for the block."""
    with serve_on_loopback(fake.app, f"fake {fake.name}", before_stop=fake.reset) as base:
        fake.url = base
        yield fake
