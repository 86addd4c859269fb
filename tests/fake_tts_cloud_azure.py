"""A fake of Azure AI Speech's text to speech REST API (``POST /cognitiveservices/v1``).

As the REST reference documents it: the resource key in ``Ocp-Apim-Subscription-Key`` (401
otherwise), ``Content-Type: application/ssml+xml`` (415 otherwise), a known
``X-Microsoft-OutputFormat`` and a ``User-Agent`` (both required: 400), and an SSML body whose
``<voice name>`` is a voice of the region (400). The documentation gives no error body, so the
fake sends none. The answer is the audio in the format asked for: RIFF WAV, or raw samples.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fake_tts_cloud import FakeProvider, tone, wav_file

TEST_KEY = "3c1e5f0a9b7d4e2f8a6c4b2d0e9f7a5c"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FORMATS = {"riff-24khz-16bit-mono-pcm": 24_000, "raw-16khz-16bit-mono-pcm": 16_000}
VOICES = frozenset(
    {
        "nl-NL-FennaNeural",
        "nl-NL-MaartenNeural",
        "en-GB-SoniaNeural",
        "de-DE-KatjaNeural",
        "tr-TR-EmelNeural",
        "es-ES-ElviraNeural",
    }
)


class FakeAzure(FakeProvider):
    """Speaks every line of SSML it is sent; ``said`` holds each line's text as SSML read it."""

    name = "Azure AI Speech"

    def __init__(self, key: str = TEST_KEY) -> None:
        self.key = key
        self.said: list[str] = []
        super().__init__()

    def routes(self) -> list[Route]:
        return [Route("/cognitiveservices/v1", self.endpoint(self._speak), methods=["POST"])]

    def error(self, status: int, message: str, kind: str = "") -> Response:
        return Response(b"", status_code=status)  # no error body is documented

    async def authenticate(self, request: Request, body: bytes) -> Response | None:
        if request.headers.get("ocp-apim-subscription-key") != self.key:
            return self.error(401, "unauthorized")
        return None

    async def _speak(self, request: Request, body: bytes) -> Response:
        if request.headers.get("content-type") != "application/ssml+xml":
            return self.error(415, "unsupported media type")
        output = request.headers.get("x-microsoft-outputformat")
        user_agent = request.headers.get("user-agent", "")
        if output not in FORMATS or not 0 < len(user_agent) < 255:
            return self.error(400, "bad request")
        text = _spoken_text(body)
        if text is None:
            return self.error(400, "bad request")
        self.said.append(text)
        pcm = tone(FORMATS[output])
        if output.startswith("riff-"):
            return Response(wav_file(pcm, FORMATS[output]), media_type="audio/x-wav")
        return Response(pcm, media_type="audio/basic")


def _spoken_text(body: bytes) -> str | None:
    """The text of a ``<speak version='1.0' xml:lang=…><voice name=…>`` document whose voice
    exists, or None when the SSML is not one."""
    try:
        speak = ET.fromstring(body.decode("utf-8"))
    except (ET.ParseError, UnicodeDecodeError):
        return None
    voices = list(speak)
    if speak.tag != "speak" or speak.get("version") != "1.0" or not speak.get(XML_LANG):
        return None
    if len(voices) != 1 or voices[0].tag != "voice" or voices[0].get("name") not in VOICES:
        return None
    return "".join(voices[0].itertext())
