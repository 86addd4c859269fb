"""The default voice: eSpeak NG through ctypes, offline and in every language we speak.

The ``espeakng-loader`` wheel ships libespeak-ng and its data, so nothing is installed on the
system and nothing is fetched over the network. eSpeak sounds robotic but is fast (hundreds of
times real time), small and predictable, which makes it the safe default.

The library keeps global state (one current voice, one callback, one sample buffer) and is not
thread-safe: it is initialised once per process and every synthesis holds ``_LOCK``.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import espeakng_loader

from render.tts.base import InMemoryEngine, SpeechError

DEFAULT_RATE = 150  # words per minute; espeak's own 175 is fast for low-literacy listeners
MIN_RATE = 80  # espeak's limits (espeakRATE_MINIMUM, espeakRATE_MAXIMUM)
MAX_RATE = 450

# Constants from speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2  # espeak_Synth returns when all sound went to the callback
_INITIALIZE_DONT_EXIT = 0x8000  # report missing data instead of calling exit()
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAMETER_RATE = 1
_EE_OK = 0
_EE_NOT_FOUND = 2

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)

_LOCK = threading.Lock()
_chunks: list[bytes] = []  # filled by the callback while _LOCK is held


def _collect(wav: int | None, count: int, _events: int | None) -> int:
    """Receive 16-bit samples from espeak_Synth; returning 0 asks for more."""
    if wav and count > 0:
        _chunks.append(ctypes.string_at(wav, count * 2))
    return 0


# Module-level so the C function pointer outlives every call into the library.
_CALLBACK = _SynthCallback(_collect)


@dataclass(frozen=True)
class _Library:
    lib: ctypes.CDLL
    sample_rate: int


@cache
def _library() -> _Library:
    """Load and initialise libespeak-ng once per process; call with ``_LOCK`` held."""
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p,  # text
        ctypes.c_size_t,  # size
        ctypes.c_uint,  # position
        ctypes.c_int,  # position_type
        ctypes.c_uint,  # end_position
        ctypes.c_uint,  # flags
        ctypes.c_void_p,  # unique_identifier
        ctypes.c_void_p,  # user_data
    ]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synchronize.restype = ctypes.c_int
    data = espeakng_loader.get_data_path()
    sample_rate = lib.espeak_Initialize(
        _AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode(), _INITIALIZE_DONT_EXIT
    )
    if sample_rate <= 0:
        raise SpeechError(f"espeak: eSpeak NG could not start with its data at {data}")
    lib.espeak_SetSynthCallback(_CALLBACK)
    return _Library(lib, sample_rate)


@cache
def library_version() -> str:
    """The libespeak-ng version and the wheel that ships it (its data can change the sound)."""
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    lib.espeak_Info.restype = ctypes.c_char_p
    info: bytes = lib.espeak_Info(None)
    return f"{info.decode()} (espeakng-loader {version('espeakng-loader')})"


class EspeakEngine(InMemoryEngine):
    """An eSpeak NG voice: by default the one named like the language (nl, en, de, tr, es)."""

    name = "espeak"

    def __init__(self, language: str, *, voice: str | None = None, rate: int = DEFAULT_RATE):
        super().__init__(language)
        if not MIN_RATE <= rate <= MAX_RATE:
            raise ValueError(f"espeak rate {rate} is outside {MIN_RATE}-{MAX_RATE} words/minute")
        self.voice = voice or language
        self.rate = rate

    def identity(self) -> str:
        return (
            f"espeak {library_version()} language={self.language} "
            f"voice={self.voice} rate={self.rate}"
        )

    def samples(self, text: str, work: Path) -> tuple[bytes, int]:
        """In memory: the samples come from the library through a callback anyway."""
        spoken = text.replace("\0", "").strip()
        if not spoken:
            raise SpeechError(f"espeak, language {self.language}: there is no text to speak")
        return self._speak(spoken)

    def _speak(self, text: str) -> tuple[bytes, int]:
        """16-bit samples of ``text`` spoken with this voice, and their sample rate."""
        encoded = text.encode()
        with _LOCK:
            library = _library()
            lib = library.lib
            self._select_voice(lib)
            _chunks.clear()
            try:
                status = lib.espeak_Synth(
                    encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
                )
                lib.espeak_Synchronize()
                samples = b"".join(_chunks)
            finally:
                _chunks.clear()
        if status != _EE_OK:
            raise SpeechError(f"espeak, language {self.language}: synthesis failed ({status})")
        if not samples:
            raise SpeechError(f"espeak, language {self.language}: the text produced no sound")
        return samples, library.sample_rate

    def _select_voice(self, lib: ctypes.CDLL) -> None:
        status = lib.espeak_SetVoiceByName(self.voice.encode())
        if status == _EE_NOT_FOUND:
            raise SpeechError(
                f"espeak has no voice '{self.voice}' for language {self.language}; "
                "use a voice name such as nl, en, de, tr or es"
            )
        if status != _EE_OK:
            raise SpeechError(
                f"espeak could not select voice '{self.voice}' for language {self.language}"
            )
        # Set after the voice: selecting a voice resets the rate to the voice's default.
        lib.espeak_SetParameter(_PARAMETER_RATE, self.rate, 0)
