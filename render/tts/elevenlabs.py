"""ElevenLabs' voices through its text to speech REST API.

One POST of JSON to ``https://api.elevenlabs.io/v1/text-to-speech/{voice_id}`` with the key in
``xi-api-key`` answers with the audio itself; ``output_format=pcm_16000`` is raw 16-bit mono
samples at 16 kHz. Its voices speak every language of a multilingual model, so one voice serves
all of ours. ``language_code`` makes a model speak a given language, but the API reference says
multilingual v2 does not take it (it reads the language from the text): it is sent only to the
models that do. Environment: ``VIDPAY_ELEVENLABS_KEY`` and, for tests, ``VIDPAY_ELEVENLABS_URL``.
"""

from __future__ import annotations

import json
from typing import Any, Final
from urllib.parse import quote

import httpx

from render.tts.cloud import DEFAULT_TIMEOUT, CloudEngine, pcm_samples

KEY: Final = "VIDPAY_ELEVENLABS_KEY"
URL: Final = "VIDPAY_ELEVENLABS_URL"
DEFAULT_URL: Final = "https://api.elevenlabs.io"
OUTPUT_FORMAT: Final = "pcm_16000"
SAMPLE_RATE: Final = 16_000
DEFAULT_MODEL: Final = "eleven_multilingual_v2"
DEFAULT_VOICE: Final = "JBFqnCBsd6RMkjVDRZzb"  # "George", a premade voice of every account


class ElevenLabsEngine(CloudEngine):
    """An ElevenLabs voice (its voice id) speaking through ``model``."""

    name = "elevenlabs"
    provider = "ElevenLabs"
    credentials = (KEY,)
    secrets = (KEY,)

    def __init__(
        self,
        language: str,
        *,
        voice: str | None = None,
        model: str = DEFAULT_MODEL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(language, voice=voice or DEFAULT_VOICE, timeout=timeout)
        self.model = model

    def identity(self) -> str:
        return (
            f"elevenlabs voice={self.voice} model={self.model} format={OUTPUT_FORMAT} "
            f"language={self.language}"
        )

    def body(self, text: str) -> dict[str, Any]:
        """The request's JSON for one line."""
        body = {"text": text, "model_id": self.model}
        if self.model.startswith("eleven_multilingual_v2"):
            return body
        return {**body, "language_code": self.language}

    def _request(self, text: str) -> httpx.Request:
        key = self.required(KEY, "the ElevenLabs API key")
        base = self.endpoint(URL, DEFAULT_URL)
        return httpx.Request(
            "POST",
            f"{base}/v1/text-to-speech/{quote(self.voice, safe='')}",
            params={"output_format": OUTPUT_FORMAT},
            headers={"xi-api-key": key, "Accept": "audio/pcm"},
            json=self.body(text),
        )

    def _audio(self, response: httpx.Response) -> tuple[bytes, int]:
        return pcm_samples(response.content, SAMPLE_RATE)

    def _problem(self, response: httpx.Response) -> str:
        status, message = _detail(response)
        if not message:
            return super()._problem(response)
        return f"{status}: {message}" if status else message

    def _refused(self, response: httpx.Response) -> bool:
        """401 is also how ElevenLabs says the quota is used up: that is no key problem."""
        status, _ = _detail(response)
        refused = response.status_code in (401, 403) or status == "invalid_api_key"
        return refused and status != "quota_exceeded"

    def _transient(self, response: httpx.Response) -> bool:
        return super()._transient(response) and _detail(response)[0] != "quota_exceeded"

    def _advice(self) -> str:
        return (
            f"check voice = {self.voice!r} (a voice id) and model = {self.model!r} in "
            f"[voices.{self.language}] of vidpay.toml"
        )


def _detail(response: httpx.Response) -> tuple[str, str]:
    """ElevenLabs' ``{"detail": {"status", "message"}}``, or a validation error's
    ``{"detail": [{"loc", "msg"}]}`` (422) said as "field: problem"."""
    try:
        detail = json.loads(response.content).get("detail")
    except (ValueError, AttributeError):
        return "", ""
    if isinstance(detail, dict):
        return str(detail.get("status", "")), str(detail.get("message", ""))
    if isinstance(detail, list):
        said = [
            f"{'.'.join(str(p) for p in item.get('loc', []))}: {item.get('msg', '')}"
            for item in detail
            if isinstance(item, dict)
        ]
        return "", "; ".join(said)
    return "", str(detail or "")
