"""A fake of ElevenLabs' ``POST /v1/text-to-speech/{voice_id}``.

As the API reference and ElevenLabs' help pages document it: the key in ``xi-api-key`` (401
``{"detail": {"status": "invalid_api_key", "message"}}`` otherwise), a known voice id (400
``voice_not_found``), ``output_format`` among the documented ones and a JSON body with ``text``
(422 ``{"detail": [{"loc", "msg", "type"}]}``, the validation error shape, otherwise), a known
``model_id`` (400 ``model_not_found``), and the answer: for ``pcm_<rate>``, raw 16-bit mono
samples at that rate. ``language_code`` is recorded, not judged: the reference says models
ignore one they do not support and that multilingual v2 does not take it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fake_tts_cloud import FakeProvider, tone

TEST_KEY = "sk_fakefakefakefakefakefakefakefakefakefake0123"
VOICES = frozenset({"JBFqnCBsd6RMkjVDRZzb", "21m00Tcm4TlvDq8ikWAM"})
MODELS = frozenset(
    {"eleven_multilingual_v2", "eleven_flash_v2_5", "eleven_turbo_v2_5", "eleven_v3"}
)
PCM_RATES = {f"pcm_{rate}": rate for rate in (8000, 16000, 22050, 24000, 44100, 48000)}
_STATUS = {
    429: "too_many_concurrent_requests",
    500: "internal_error",
    503: "system_busy",
}


class FakeElevenLabs(FakeProvider):
    """Speaks every valid request; ``said`` holds each ``text``."""

    name = "ElevenLabs"

    def __init__(self, key: str = TEST_KEY) -> None:
        self.key = key
        self.said: list[str] = []
        super().__init__()

    def routes(self) -> list[Route]:
        return [
            Route("/v1/text-to-speech/{voice_id}", self.endpoint(self._speak), methods=["POST"])
        ]

    def error(self, status: int, message: str, kind: str = "") -> Response:
        status_word = kind or _STATUS.get(status, "error")
        return JSONResponse(
            {"detail": {"status": status_word, "message": message}}, status_code=status
        )

    async def authenticate(self, request: Request, body: bytes) -> Response | None:
        if request.headers.get("xi-api-key") != self.key:
            return self.error(401, "Invalid API key", "invalid_api_key")
        return None

    async def _speak(self, request: Request, body: bytes) -> Response:
        voice = request.path_params["voice_id"]
        output = request.query_params.get("output_format", "mp3_44100_128")
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        problems = _validation(payload, output)
        if problems:
            return JSONResponse({"detail": problems}, status_code=422)
        if voice not in VOICES:
            return self.error(
                400, f"A voice with voice_id {voice} was not found.", "voice_not_found"
            )
        model = payload.get("model_id", "eleven_multilingual_v2")
        if model not in MODELS:
            return self.error(
                400, f"A model with model_id {model} was not found.", "model_not_found"
            )
        self.said.append(payload["text"])
        return Response(tone(PCM_RATES[output]), media_type="audio/pcm")


def _validation(payload: Any, output: str) -> list[dict[str, Any]]:
    """The 422 details (FastAPI's validation error shape) of a wrong request."""
    problems = []
    if output not in PCM_RATES:  # the fake speaks only PCM
        problems.append(
            {"loc": ["query", "output_format"], "msg": f"Unsupported format {output}",
             "type": "value_error"}
        )  # fmt: skip
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str) or not text:
        problems.append({"loc": ["body", "text"], "msg": "Field required", "type": "missing"})
    return problems
