"""Azure AI Speech's neural voices through its text to speech REST API.

One POST of SSML to ``https://{region}.tts.speech.microsoft.com/cognitiveservices/v1`` with the
Speech resource's key in ``Ocp-Apim-Subscription-Key`` answers with the audio itself, in the
format ``X-Microsoft-OutputFormat`` asks for: 24 kHz 16-bit mono WAV here, the rate the shared
speech cache keeps. The text is escaped into the SSML, so a debtor called "Ayşe & Co <b>" is
said, not parsed. Environment: ``VIDPAY_AZURE_SPEECH_KEY``, ``VIDPAY_AZURE_SPEECH_REGION``
(such as westeurope) and, for tests, ``VIDPAY_AZURE_SPEECH_URL`` instead of the region's address.
"""

from __future__ import annotations

import re
from typing import Final
from xml.sax.saxutils import escape, quoteattr

import httpx

from render.tts.base import SpeechError
from render.tts.cloud import DEFAULT_TIMEOUT, CloudEngine, pcm_samples, setting, wav_samples

KEY: Final = "VIDPAY_AZURE_SPEECH_KEY"
REGION: Final = "VIDPAY_AZURE_SPEECH_REGION"
URL: Final = "VIDPAY_AZURE_SPEECH_URL"

# A neural voice per language we speak; any other voice name of the voice list may be set.
VOICES: Final = {
    "nl": "nl-NL-FennaNeural",
    "en": "en-GB-SoniaNeural",
    "de": "de-DE-KatjaNeural",
    "tr": "tr-TR-EmelNeural",
    "es": "es-ES-ElviraNeural",
}
# The two output formats of 16-bit mono PCM we read, with their sample rates.
FORMATS: Final = {"riff-24khz-16bit-mono-pcm": 24_000, "raw-16khz-16bit-mono-pcm": 16_000}
DEFAULT_FORMAT: Final = "riff-24khz-16bit-mono-pcm"

_LOCALE = re.compile(r"^[a-z]{2,3}-[A-Z]{2}\b")  # a voice name starts with its locale
_REGION = re.compile(r"^[a-z0-9]+$")
# The documented reasons for each refusal (the answer's body is often empty).
_REASONS: Final = {
    400: "a required parameter is missing, empty or invalid, often the voice name",
    401: "the key is not valid for this region",
    415: "the content type was not application/ssml+xml",
    429: "the quota or rate of requests of the resource was exceeded",
}


class AzureEngine(CloudEngine):
    """An Azure neural voice, such as nl-NL-FennaNeural."""

    name = "azure"
    provider = "Azure AI Speech"
    credentials = (KEY, REGION)
    secrets = (KEY,)

    def __init__(
        self,
        language: str,
        *,
        voice: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        output: str = DEFAULT_FORMAT,
    ) -> None:
        chosen = voice or VOICES.get(language)
        if chosen is None:
            raise SpeechError(
                f"azure has no default voice for language {language}; set voice = "
                f'"<locale>-<Name>Neural" in [voices.{language}] of vidpay.toml'
            )
        if output not in FORMATS:
            raise ValueError(f"azure reads the output formats {', '.join(FORMATS)}, not {output}")
        super().__init__(language, voice=chosen, timeout=timeout)
        self.output = output
        match = _LOCALE.match(chosen)
        self.locale = match.group(0) if match else language

    def identity(self) -> str:
        # Microsoft may improve a voice under the same name; only what we ask for is known.
        return f"azure voice={self.voice} format={self.output} language={self.language}"

    def ssml(self, text: str) -> str:
        """The SSML document of one line, its text and voice name escaped."""
        return (
            f"<speak version='1.0' xml:lang={quoteattr(self.locale)}>"
            f"<voice name={quoteattr(self.voice)}>{escape(text)}</voice></speak>"
        )

    def _request(self, text: str) -> httpx.Request:
        key = self.required(KEY, "the key of the Azure Speech resource")
        region = setting(REGION)
        if setting(URL) is None and (region is None or not _REGION.match(region)):
            raise self._error(
                f"set {REGION} to the region of the Speech resource, such as westeurope"
                + (f" (not {region!r})" if region else "")
            )
        base = self.endpoint(URL, f"https://{region}.tts.speech.microsoft.com")
        headers = {
            "Ocp-Apim-Subscription-Key": key,
            "Content-Type": "application/ssml+xml",
            "X-Microsoft-OutputFormat": self.output,
        }
        return httpx.Request(
            "POST", f"{base}/cognitiveservices/v1", headers=headers, content=self.ssml(text)
        )

    def _audio(self, response: httpx.Response) -> tuple[bytes, int]:
        if self.output.startswith("riff-"):
            return wav_samples(response.content)
        return pcm_samples(response.content, FORMATS[self.output])

    def _problem(self, response: httpx.Response) -> str:
        said = response.text.strip()[:300]
        return said or _REASONS.get(response.status_code, response.reason_phrase)

    def _advice(self) -> str:
        return (
            f"check voice = {self.voice!r} in [voices.{self.language}] of vidpay.toml against "
            "the voice list of the resource's region"
        )
