"""Google's voices through the ``gtts`` package: natural speech, but only where the network allows.

gTTS sends the text to translate.google.com, so it needs the internet, is slow, can change its
voice without notice and must never hang a render: every call is bounded by ``timeout`` seconds
in total (also while resolving the host name, which ``requests`` timeouts do not cover), and a
failure says to use the offline engines. Google's certificate is checked (gTTS alone does
not). gTTS returns MP3; it is converted to the WAV every
engine writes, and nothing lands at the target unless all of it worked.
"""

from __future__ import annotations

import io
import re
import tempfile
import threading
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

from render.audio import pcm_output
from render.cache import atomic_path
from render.ffmpeg import FfmpegError, run_ffmpeg
from render.tts.base import Engine, SpeechError

DEFAULT_TIMEOUT = 10.0  # seconds for the whole call

_CONNECTION_PREFIX = re.compile(r"^\w+\(host=[^)]*\): ")  # urllib3's "HTTPSConnection(host=…): "


class GttsEngine(Engine):
    """Google Translate's voice for one language; ``slow`` speaks at a slower pace."""

    name = "gtts"

    def __init__(
        self, language: str, *, timeout: float = DEFAULT_TIMEOUT, slow: bool = False
    ) -> None:
        super().__init__(language)
        if timeout <= 0:
            raise ValueError(f"gtts timeout must be more than 0 seconds, not {timeout}")
        self.timeout = timeout
        self.slow = slow

    def identity(self) -> str:
        # Google can change the voice behind the same version; only the settings are known.
        return f"gtts {version('gtts')} language={self.language} slow={self.slow}"

    def synthesize(self, text: str, target: Path) -> None:
        spoken = text.strip()
        if not spoken:
            raise SpeechError(f"gtts, language {self.language}: there is no text to speak")
        mp3 = self._download(spoken)
        with (
            atomic_path(target) as temporary,
            tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as scratch,
        ):
            source = Path(scratch) / "speech.mp3"
            source.write_bytes(mp3)
            try:
                run_ffmpeg(["-i", source, *pcm_output(), temporary], what="converting gTTS's MP3")
            except FfmpegError as exc:
                raise SpeechError(
                    f"gtts, language {self.language}: Google's answer was not audio ({exc})"
                ) from exc

    def _download(self, text: str) -> bytes:
        """The MP3 from Google, within ``timeout`` seconds or a ``SpeechError``.

        The request runs in a daemon thread so that a hanging name lookup cannot hold up the
        render; a late answer is dropped with the thread.
        """
        outcome: list[bytes | Exception] = []

        def download() -> None:
            try:
                buffer = io.BytesIO()
                speech = _verified_gtts()(
                    text, lang=self.language, slow=self.slow, timeout=self.timeout
                )
                speech.write_to_fp(buffer)
                outcome.append(buffer.getvalue())
            except Exception as exc:  # reported below, in the caller's thread
                outcome.append(exc)

        worker = threading.Thread(target=download, name="gtts", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if not outcome:
            raise self._unreachable(f"no answer within {self.timeout:g} s")
        result = outcome[0]
        if isinstance(result, ValueError):  # gTTS checks the language before any request
            raise SpeechError(f"gtts has no voice for language {self.language}: {result}")
        if isinstance(result, Exception):
            raise self._unreachable(_reason(result)) from result
        if not result:
            raise self._unreachable("Google answered without audio")
        return result

    def _unreachable(self, reason: str) -> SpeechError:
        return SpeechError(
            f"gTTS could not reach Google for language {self.language}: {reason}; "
            "use the espeak or piper engine offline"
        )


def _verified_gtts() -> type:
    """gTTS, but checking Google's certificate.

    gTTS itself sends with ``verify=False`` (for proxies that intercept TLS), which would let
    anyone on the path read the debtor's texts and answer with their own audio. This sends
    the same requests with verification on and the environment's settings (``HTTPS_PROXY``,
    ``REQUESTS_CA_BUNDLE`` for a proxy's own certificate authority), and reads the answer as
    gTTS does. Imported here: requests and urllib3 load only when gTTS is used.
    """
    import base64

    import requests
    from gtts import gTTS

    class VerifiedGTTS(gTTS):  # type: ignore[misc]
        def stream(self) -> Iterator[bytes]:
            for request in self._prepare_requests():
                with requests.Session() as session:
                    settings = session.merge_environment_settings(request.url, {}, None, None, None)
                    response = session.send(request, timeout=self.timeout, **settings)
                response.raise_for_status()
                for line in response.iter_lines(chunk_size=1024):
                    found = _AUDIO.search(line.decode("utf-8"))
                    if found:
                        yield base64.b64decode(found[1].encode("ascii"))

    return VerifiedGTTS


_AUDIO = re.compile(r'jQ1olc","\[\\"(.*)\\"]')  # gTTS's own pattern for the audio


def _reason(exc: BaseException) -> str:
    """The root cause of a failed request: gTTS's own message hides it ("Probable cause: Unknown").

    urllib3 keeps it as the ``reason`` of its retry error, somewhere in the exception's context.
    """
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    reasons = (getattr(e, "reason", None) for e in chain)
    found = next((r for r in reasons if isinstance(r, Exception)), None)
    while found is not None and found.args and isinstance(found.args[-1], Exception):
        found = found.args[-1]  # a proxy error wraps the connection error
    text = str(found or chain[-1])
    return _CONNECTION_PREFIX.sub("", text) or type(chain[-1]).__name__
