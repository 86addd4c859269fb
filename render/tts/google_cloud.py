"""Google Cloud Text-to-Speech's WaveNet (and newer) voices through its REST API.

Not gTTS: this is the paid Cloud service with its own voices. One POST to
``https://texttospeech.googleapis.com/v1/text:synthesize`` with an API key in ``X-Goog-Api-Key``
and JSON naming the text, the voice and the audio wanted answers with JSON whose
``audioContent`` is the audio in base64; LINEAR16 comes as a WAV file, header included.
Environment: ``VIDPAY_GOOGLE_TTS_KEY`` (a key allowed to call the Text-to-Speech API) and, for
tests, ``VIDPAY_GOOGLE_TTS_URL`` instead of Google's address.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Final

import httpx

from render.tts.base import SpeechError
from render.tts.cloud import DEFAULT_TIMEOUT, CloudEngine, pcm_samples, wav_samples

KEY: Final = "VIDPAY_GOOGLE_TTS_KEY"
URL: Final = "VIDPAY_GOOGLE_TTS_URL"
DEFAULT_URL: Final = "https://texttospeech.googleapis.com"
SAMPLE_RATE: Final = 24_000  # the rate the shared speech cache keeps

VOICES: Final = {
    "nl": "nl-NL-Wavenet-B",
    "en": "en-GB-Wavenet-A",
    "de": "de-DE-Wavenet-A",
    "tr": "tr-TR-Wavenet-A",
    "es": "es-ES-Wavenet-B",
}

_LOCALE = re.compile(r"^[a-z]{2,3}-[A-Z]{2}\b")  # a voice name starts with its language tag


class GoogleCloudEngine(CloudEngine):
    """A Google Cloud voice, such as nl-NL-Wavenet-B."""

    name = "google-cloud"
    provider = "Google Cloud Text-to-Speech"
    credentials = (KEY,)
    secrets = (KEY,)

    def __init__(
        self, language: str, *, voice: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        chosen = voice or VOICES.get(language)
        if chosen is None:
            raise SpeechError(
                f"google-cloud has no default voice for language {language}; set voice = "
                f'"<language>-<REGION>-Wavenet-A" (or another) in [voices.{language}] of vidpay.toml'
            )
        super().__init__(language, voice=chosen, timeout=timeout)
        match = _LOCALE.match(chosen)
        self.locale = match.group(0) if match else language

    def identity(self) -> str:
        return (
            f"google-cloud voice={self.voice} encoding=LINEAR16 rate={SAMPLE_RATE} "
            f"language={self.language}"
        )

    def body(self, text: str) -> dict[str, Any]:
        """The synthesize request's JSON for one line."""
        return {
            "input": {"text": text},
            "voice": {"languageCode": self.locale, "name": self.voice},
            "audioConfig": {"audioEncoding": "LINEAR16", "sampleRateHertz": SAMPLE_RATE},
        }

    def _request(self, text: str) -> httpx.Request:
        key = self.required(KEY, "the Google Cloud API key")
        base = self.endpoint(URL, DEFAULT_URL)
        return httpx.Request(
            "POST", f"{base}/v1/text:synthesize", headers={"X-Goog-Api-Key": key},
            json=self.body(text),
        )  # fmt: skip

    def _audio(self, response: httpx.Response) -> tuple[bytes, int]:
        try:
            encoded = response.json()["audioContent"]
            audio = base64.b64decode(encoded, validate=True)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise ValueError(f"no base64 audioContent in the JSON ({exc})") from exc
        if audio[:4] == b"RIFF":
            return wav_samples(audio)
        return pcm_samples(audio, SAMPLE_RATE)  # LINEAR16 without its header, as streams come

    def _problem(self, response: httpx.Response) -> str:
        error = _error_object(response)
        if error is None:
            return super()._problem(response)
        return f"{error.get('status', '')}: {error.get('message', '')}".strip(": ")

    def _refused(self, response: httpx.Response) -> bool:
        """A wrong key is a 400 with reason API_KEY_INVALID; a key without the API, a 403."""
        if response.status_code in (401, 403):
            return True
        error = _error_object(response) or {}
        details = error.get("details")
        reasons = [d.get("reason") for d in details if isinstance(d, dict)] if details else []
        return "API_KEY_INVALID" in reasons or "API key not valid" in str(error.get("message"))

    def _key_advice(self) -> str:
        return (
            f"check {KEY}, and that the Cloud Text-to-Speech API is enabled for the key's "
            "project and allowed by the key's restrictions"
        )

    def _advice(self) -> str:
        return (
            f"check voice = {self.voice!r} in [voices.{self.language}] of vidpay.toml against "
            "Google's list of voices"
        )


def _error_object(response: httpx.Response) -> dict[str, Any] | None:
    """Google's ``{"error": {"code", "message", "status", "details"}}``, if the body is one."""
    try:
        payload = json.loads(response.content)
    except ValueError:
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, dict) else None
