"""Amazon Polly's neural voices through its REST API, signed with AWS Signature Version 4.

One POST of JSON to ``https://polly.{region}.amazonaws.com/v1/speech`` (SynthesizeSpeech)
answers with the audio itself; ``pcm`` is signed 16-bit mono little-endian samples at the
``SampleRate`` asked for (16 kHz, Polly's highest for PCM). The request is signed by
``httpx-auth``'s AWS4Auth (service ``polly``) rather than by code of our own: signing is easy to
get almost right. Environment: ``VIDPAY_AWS_ACCESS_KEY_ID``, ``VIDPAY_AWS_SECRET_ACCESS_KEY``,
``VIDPAY_AWS_REGION`` (such as eu-central-1), ``VIDPAY_AWS_SESSION_TOKEN`` for temporary
credentials and, for tests, ``VIDPAY_POLLY_URL`` instead of the region's address.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import httpx
from httpx_auth import AWS4Auth

from render.tts.base import SpeechError
from render.tts.cloud import DEFAULT_TIMEOUT, CloudEngine, pcm_samples, setting

ACCESS_KEY_ID: Final = "VIDPAY_AWS_ACCESS_KEY_ID"
SECRET_ACCESS_KEY: Final = "VIDPAY_AWS_SECRET_ACCESS_KEY"
SESSION_TOKEN: Final = "VIDPAY_AWS_SESSION_TOKEN"
REGION: Final = "VIDPAY_AWS_REGION"
URL: Final = "VIDPAY_POLLY_URL"
SAMPLE_RATE: Final = 16_000
KINDS: Final = ("neural", "generative", "long-form", "standard")  # Polly's "Engine"
DEFAULT_KIND: Final = "neural"

# A neural voice and its language code per language we speak.
VOICES: Final = {
    "nl": ("Laura", "nl-NL"),
    "en": ("Amy", "en-GB"),
    "de": ("Vicki", "de-DE"),
    "tr": ("Burcu", "tr-TR"),
    "es": ("Lucia", "es-ES"),
}

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# Error types (x-amzn-ErrorType) that mean the credentials, not the request, were refused.
_REFUSED: Final = frozenset(
    {
        "AccessDeniedException",
        "ExpiredTokenException",
        "IncompleteSignature",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "MissingAuthenticationToken",
        "UnrecognizedClientException",
    }
)


class PollyEngine(CloudEngine):
    """A Polly voice, such as Laura; ``model`` is Polly's engine kind (neural by default)."""

    name = "polly"
    provider = "Amazon Polly"
    credentials = (ACCESS_KEY_ID, SECRET_ACCESS_KEY, REGION)
    secrets = (SECRET_ACCESS_KEY, SESSION_TOKEN)

    def __init__(
        self,
        language: str,
        *,
        voice: str | None = None,
        model: str = DEFAULT_KIND,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        default, code = VOICES.get(language, (None, None))
        chosen = voice or default
        if chosen is None:
            raise SpeechError(
                f"polly has no default voice for language {language}; set voice = "
                f'"<VoiceId>" in [voices.{language}] of vidpay.toml'
            )
        if model not in KINDS:
            raise ValueError(f"polly model must be one of {', '.join(KINDS)}, not {model!r}")
        super().__init__(language, voice=chosen, timeout=timeout)
        self.model = model
        self.code = code  # Polly needs it only for bilingual voices; sent where known

    def identity(self) -> str:
        return (
            f"polly voice={self.voice} engine={self.model} format=pcm rate={SAMPLE_RATE} "
            f"language={self.language}"
        )

    def body(self, text: str) -> dict[str, Any]:
        """The SynthesizeSpeech request's JSON for one line."""
        body = {
            "Engine": self.model,
            "OutputFormat": "pcm",
            "SampleRate": str(SAMPLE_RATE),
            "Text": text,
            "TextType": "text",
            "VoiceId": self.voice,
        }
        return {**body, "LanguageCode": self.code} if self.code else body

    def _request(self, text: str) -> httpx.Request:
        region = self._region()
        base = self.endpoint(URL, f"https://polly.{region}.amazonaws.com")
        return httpx.Request("POST", f"{base}/v1/speech", json=self.body(text))

    def _auth(self) -> httpx.Auth:
        """Signed anew for every attempt: a signature holds its time and expires."""
        return AWS4Auth(
            access_id=self.required(ACCESS_KEY_ID, "the AWS access key id"),
            secret_key=self.required(SECRET_ACCESS_KEY, "the AWS secret access key"),
            region=self._region(),
            service="polly",
            security_token=setting(SESSION_TOKEN),
        )

    def _region(self) -> str:
        region = self.required(REGION, "the AWS region")
        if not _REGION.match(region):
            raise self._error(f"{REGION} must be a region such as eu-central-1, not {region!r}")
        return region

    def _audio(self, response: httpx.Response) -> tuple[bytes, int]:
        return pcm_samples(response.content, SAMPLE_RATE)

    def _problem(self, response: httpx.Response) -> str:
        kind, message = _error(response)
        return f"{kind}: {message}" if kind else message or super()._problem(response)

    def _refused(self, response: httpx.Response) -> bool:
        return response.status_code in (401, 403) or _error(response)[0] in _REFUSED

    def _transient(self, response: httpx.Response) -> bool:
        """AWS says "slow down" with a 400 ThrottlingException, not only with a 429."""
        return super()._transient(response) or _error(response)[0] == "ThrottlingException"

    def _key_advice(self) -> str:
        return (
            f"check {ACCESS_KEY_ID}, {SECRET_ACCESS_KEY} ({SESSION_TOKEN} too for temporary "
            f"credentials) and {REGION}, that the user may call polly:SynthesizeSpeech, and "
            "that this machine's clock is right (a signature is valid for 15 minutes)"
        )

    def _advice(self) -> str:
        return (
            f"check voice = {self.voice!r} and model = {self.model!r} in "
            f"[voices.{self.language}] of vidpay.toml: not every voice has every engine"
        )


def _error(response: httpx.Response) -> tuple[str, str]:
    """The error type from ``x-amzn-ErrorType`` (without its ``:namespace``) and the message
    from the JSON body (``message`` or ``Message``)."""
    kind = response.headers.get("x-amzn-errortype", "").split(":")[0].strip()
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    message = ""
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("Message") or "")
        kind = kind or str(body.get("__type", "")).rsplit("#", 1)[-1]
    return kind, message
