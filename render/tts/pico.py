"""SVOX Pico: the best offline voice we can ship for German, Spanish and English (also French
and Italian), through its library with ctypes.

Measured with an offline recogniser (../shared/notes/voices.md), Pico is understood about ten
times better than eSpeak in those languages (word error rate de 0.07, es 0.09, en 0.03 against
espeak's 0.59, 0.43, 0.15) at a few milliseconds per second of speech. It comes from Debian's
``libttspico0`` and ``libttspico-data`` (component non-free: ``.ci/services`` and ``make install``
enable it); where they are missing, :func:`installed` says so and the language keeps eSpeak.

The library is driven in this process, not through ``pico2wave``: a debtor's own line is
synthesised for every debtor, and a process per line costs more than the speech. Each language
gets its own Pico system (its own memory area), built once per process; the library is not
thread-safe, so every synthesis holds ``_LOCK``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from render.tts.base import InMemoryEngine, SpeechError

SAMPLE_RATE = 16_000  # Pico speaks 16 kHz, 16-bit mono
LINGWARE = "/usr/share/pico/lang"  # where Debian puts the voices; VIDPAY_PICO_LANG elsewhere
LIBRARY = "libttspico.so.0"

# Per language the two "lingware" files: text analysis and the voice's signal generation.
VOICES = {
    "de": ("de-DE_ta.bin", "de-DE_gl0_sg.bin"),
    "en": ("en-GB_ta.bin", "en-GB_kh0_sg.bin"),  # British: closest to what a Dutch debtor hears
    "en-us": ("en-US_ta.bin", "en-US_lh0_sg.bin"),
    "es": ("es-ES_ta.bin", "es-ES_zl0_sg.bin"),
    "fr": ("fr-FR_ta.bin", "fr-FR_nk0_sg.bin"),
    "it": ("it-IT_ta.bin", "it-IT_cm0_sg.bin"),
}

# From picoapi.h
_MEMORY = 2_500_000  # what pico2wave gives one system
_STEP_IDLE = 200
_STEP_BUSY = 201
_RESET_FULL = 0  # a soft reset keeps state: the same text then sounds a little different
_NAME_SIZE = 32
_CHUNK = 30_000  # bytes of text per pico_putTextUtf8 (its length is a 16-bit integer)

_LOCK = threading.Lock()


def lingware() -> Path:
    """The folder of the voices' files."""
    return Path(os.environ.get("VIDPAY_PICO_LANG") or LINGWARE)


def installed(voice: str) -> bool:
    """Whether the library and ``voice``'s files are on this machine."""
    files = VOICES.get(voice)
    folder = lingware()
    return (
        files is not None
        and _library_path() is not None
        and all((folder / name).is_file() for name in files)
    )


@cache
def _library_path() -> str | None:
    for candidate in (LIBRARY, ctypes.util.find_library("ttspico")):
        if candidate is None:
            continue
        try:
            ctypes.CDLL(candidate)
        except OSError:
            continue
        return candidate
    return None


@dataclass
class _System:
    """One language's Pico system and engine, with the memory the library works in."""

    lib: ctypes.CDLL
    memory: ctypes.Array[ctypes.c_char]
    system: ctypes.c_void_p
    engine: ctypes.c_void_p


def _check(lib: ctypes.CDLL, system: ctypes.c_void_p, status: int, doing: str) -> None:
    if status != 0:
        message = ctypes.create_string_buffer(200)
        lib.pico_getSystemStatusMessage(system, status, message)
        text = message.value.decode(errors="replace") or f"status {status}"
        raise SpeechError(f"pico: cannot {doing}: {text}")


@cache
def _system(voice: str, folder: Path) -> _System:
    """Load ``voice``'s lingware into a Pico system of its own; call with ``_LOCK`` held."""
    lib = ctypes.CDLL(_library_path())
    memory = ctypes.create_string_buffer(_MEMORY)
    system = ctypes.c_void_p()
    _check(lib, system, lib.pico_initialize(memory, _MEMORY, ctypes.byref(system)), "start")
    name = b"vidpay-" + voice.encode()
    _check(lib, system, lib.pico_createVoiceDefinition(system, name), "define the voice")
    for file in VOICES[voice]:
        resource = ctypes.c_void_p()
        where = str(folder / file).encode()
        _check(lib, system, lib.pico_loadResource(system, where, ctypes.byref(resource)),
               f"load {file}")  # fmt: skip
        resource_name = ctypes.create_string_buffer(_NAME_SIZE)
        _check(lib, system, lib.pico_getResourceName(system, resource, resource_name),
               f"read the name of {file}")  # fmt: skip
        _check(lib, system, lib.pico_addResourceToVoiceDefinition(system, name, resource_name),
               f"add {file} to the voice")  # fmt: skip
    engine = ctypes.c_void_p()
    _check(lib, system, lib.pico_newEngine(system, name, ctypes.byref(engine)), "make an engine")
    return _System(lib, memory, system, engine)


@cache
def library_version() -> str:
    """The Debian package's version where dpkg knows it (a new one may sound different)."""
    status = Path("/var/lib/dpkg/status")
    try:
        blocks = status.read_text(encoding="utf-8", errors="replace").split("\n\n")
    except OSError:
        return "unknown"
    for block in blocks:
        if block.startswith("Package: libttspico0\n"):
            for line in block.splitlines():
                if line.startswith("Version: "):
                    return line.removeprefix("Version: ")
    return "unknown"


class PicoEngine(InMemoryEngine):
    """A Pico voice: ``de``, ``en`` (British), ``en-us``, ``es``, ``fr`` or ``it``; by default
    the one of the language."""

    name = "pico"

    def __init__(self, language: str, *, voice: str | None = None) -> None:
        super().__init__(language)
        self.voice = voice or language
        if self.voice not in VOICES:
            raise SpeechError(
                f"pico has no voice '{self.voice}' for language {language}; "
                f"it speaks {', '.join(VOICES)}"
            )

    def identity(self) -> str:
        return f"pico {library_version()} voice={self.voice}"

    def samples(self, text: str, work: Path) -> tuple[bytes, int]:
        spoken = text.replace("\0", "").strip()
        if not spoken:
            raise SpeechError(f"pico, language {self.language}: there is no text to speak")
        if not installed(self.voice):
            raise SpeechError(
                f"pico: the voice '{self.voice}' is not installed in {lingware()}; on Debian "
                "install libttspico0 and libttspico-data (component non-free: .ci/pico does "
                'it), or choose engine = "espeak"'
            )
        with _LOCK:
            pcm = _speak(_system(self.voice, lingware()), spoken.encode())
        if not pcm:
            raise SpeechError(f"pico, language {self.language}: the text produced no sound")
        return pcm, SAMPLE_RATE


def _speak(pico: _System, text: bytes) -> bytes:
    """Feed the text (NUL-terminated: that ends the sentence) and collect what comes out."""
    lib, engine = pico.lib, pico.engine
    out = bytearray()
    buffer = ctypes.create_string_buffer(512)
    sent, received, kind = ctypes.c_int16(), ctypes.c_int16(), ctypes.c_int16()
    remaining = text + b"\0"
    try:
        while remaining:
            piece = remaining[:_CHUNK]
            status = lib.pico_putTextUtf8(engine, piece, len(piece), ctypes.byref(sent))
            if status != 0 or sent.value <= 0:
                raise SpeechError(f"pico: the text was refused (status {status})")
            remaining = remaining[sent.value :]
            status = _STEP_BUSY
            while status == _STEP_BUSY:
                status = lib.pico_getData(engine, buffer, 511, ctypes.byref(received),
                                          ctypes.byref(kind))  # fmt: skip
                out += buffer.raw[: received.value]
            if status != _STEP_IDLE:
                raise SpeechError(f"pico: synthesis failed (status {status})")
    finally:
        lib.pico_resetEngine(engine, _RESET_FULL)
    return bytes(out)
