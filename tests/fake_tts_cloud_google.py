"""A fake of Google Cloud Text-to-Speech's ``POST /v1/text:synthesize``.

As the REST reference and Google's API error model document it: the API key in
``X-Goog-Api-Key`` (missing: 403 PERMISSION_DENIED; wrong: 400 INVALID_ARGUMENT with reason
API_KEY_INVALID), a JSON body with ``input.text``, ``voice.languageCode`` and ``voice.name``
(a voice of that language) and ``audioConfig.audioEncoding`` (400 INVALID_ARGUMENT for each
that is wrong), errors as ``{"error": {"code", "message", "status", "details"}}``, and the
answer ``{"audioContent": base64}``: for LINEAR16, a WAV file at ``sampleRateHertz``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fake_tts_cloud import FakeProvider, tone, wav_file

TEST_KEY = "AIzaSyFakeFakeFakeFakeFakeFakeFake0123"
VOICES = frozenset(
    {
        "nl-NL-Wavenet-B",
        "en-GB-Wavenet-A",
        "de-DE-Wavenet-A",
        "tr-TR-Wavenet-A",
        "es-ES-Wavenet-B",
    }
)
ENCODINGS = frozenset({"LINEAR16", "MP3", "OGG_OPUS", "MULAW", "ALAW"})
_STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class FakeGoogle(FakeProvider):
    """Speaks every valid synthesize request; ``said`` holds each ``input.text``."""

    name = "Google Cloud Text-to-Speech"

    def __init__(self, key: str = TEST_KEY) -> None:
        self.key = key
        self.said: list[str] = []
        super().__init__()

    def routes(self) -> list[Route]:
        return [Route("/v1/text:synthesize", self.endpoint(self._speak), methods=["POST"])]

    def error(self, status: int, message: str, kind: str = "") -> Response:
        error: dict[str, Any] = {
            "code": status,
            "message": message,
            "status": _STATUS.get(status, "UNKNOWN"),
        }
        if kind:
            error["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": kind,
                    "domain": "googleapis.com",
                    "metadata": {"service": "texttospeech.googleapis.com"},
                }
            ]
        return JSONResponse({"error": error}, status_code=status)

    async def authenticate(self, request: Request, body: bytes) -> Response | None:
        key = request.headers.get("x-goog-api-key")
        if key is None:
            return self.error(
                403, "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
            )  # fmt: skip
        if key != self.key:
            return self.error(
                400, "API key not valid. Please pass a valid API key.", "API_KEY_INVALID"
            )
        return None

    async def _speak(self, request: Request, body: bytes) -> Response:
        try:
            payload = json.loads(body)
        except ValueError:
            return self.error(400, "Invalid JSON payload received.")
        problem = _invalid(payload)
        if problem is not None:
            return self.error(400, problem)
        self.said.append(payload["input"]["text"])
        rate = int(payload["audioConfig"].get("sampleRateHertz") or 24_000)
        audio = wav_file(tone(rate), rate)
        return JSONResponse({"audioContent": base64.b64encode(audio).decode("ascii")})


def _invalid(payload: Any) -> str | None:
    """Google's message for the first field that is wrong, or None."""
    if not isinstance(payload, dict):
        return "Invalid JSON payload received. Expected an object."
    text = (payload.get("input") or {}).get("text")
    if not isinstance(text, str) or not text or len(text.encode()) > 5000:
        return "Either `input.text` or `input.ssml` needs to be set (at most 5000 bytes)."
    voice = payload.get("voice") or {}
    language, name = voice.get("languageCode"), voice.get("name")
    if not language:
        return "Voice language code must be specified."
    if name not in VOICES or not str(name).startswith(f"{language}-"):
        return f"Voice '{name}' does not exist. Is it misspelled?"
    config = payload.get("audioConfig") or {}
    if config.get("audioEncoding") not in ENCODINGS:
        return "AudioConfig.audio_encoding must be specified."
    rate = config.get("sampleRateHertz", 0)
    if not isinstance(rate, int) or not 0 <= rate <= 48_000:
        return f"Invalid sample rate {rate}."
    return None
