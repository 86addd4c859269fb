"""SMS: what a text costs, the provider interface, a file provider for development, STOP words.

A debtor's link and reminders go out as plain SMS. Carriers bill per *part*, and a single
character outside the GSM-7 alphabet (a Turkish ``ş``, a Dutch ``ë``) turns the whole text
into UCS-2, cutting a part from 160 to 70 characters; ``encoding`` counts exactly what the
carriers count so the texts can be kept to ``MAX_PARTS``. Sending itself is behind
``SmsProvider``: ``FileProvider`` writes files (no network, for development) and
``app.outreach.sinch.SinchProvider`` talks to Sinch. Both refuse the same bad input before
anything is sent, so development catches what production would.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

MAX_PARTS = 2  # our texts must fit in one or two parts

# GSM 03.38 (3GPP TS 23.038) default alphabet, basic table, in code order 0x00-0x7F with the
# escape 0x1B left out. Only these cost one septet. Note what is *not* here: lowercase ç
# (only Ç is, at 0x09; many phones map ç to it, but the table does not list it), á í ó ú,
# â ê î ô û, ë ï (Dutch "België", "geïnd"), and every Turkish ş ğ ı İ.  # noqa: RUF003
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + char, so it costs two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_SINGLE = {"GSM-7": 160, "UCS-2": 70}  # units in a message of one part
_CONCATENATED = {"GSM-7": 153, "UCS-2": 67}  # units per part once the UDH takes its 6 bytes

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
MAX_REFERENCE = 128  # Sinch's client_reference limit (see app.outreach.sinch)


class SmsError(RuntimeError):
    """Sending failed; ``transient`` says whether trying again later may help (network error,
    timeout, 429, 5xx) or not (401/403, 400: a bad number or body).

    ``retry_after`` is the wait in seconds the provider asked for (a 429's ``Retry-After``), if
    any, so the outbox can schedule the retry instead of guessing.
    """

    def __init__(self, message: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient: bool = transient
        self.retry_after: float | None = retry_after


@dataclass(frozen=True)
class Encoding:
    """What an SMS text costs: its alphabet, its length in that alphabet's units, its parts."""

    alphabet: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    parts: int


def encoding(text: str) -> Encoding:
    """The alphabet, units and parts of ``text``, as a carrier splits it.

    GSM-7 when every character is in the basic or extension table (extension characters cost
    2), otherwise UCS-2 (a character beyond the BMP, such as an emoji, costs 2: a surrogate
    pair). One part holds 160 septets or 70 units; a longer text is split into parts of 153 or
    67, and an escape + character or a surrogate pair is never split across two parts, so a
    part may hold one unit less (which the count here follows, character by character).
    """
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        alphabet = "GSM-7"
        costs = [2 if c in GSM7_EXTENSION else 1 for c in text]
    else:
        alphabet = "UCS-2"
        costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
    units = sum(costs)
    if units <= _SINGLE[alphabet]:
        return Encoding(alphabet, units, 1)
    return Encoding(alphabet, units, _pack(costs, _CONCATENATED[alphabet]))


def _pack(costs: list[int], size: int) -> int:
    """How many parts of ``size`` units the characters fill, none split across two parts."""
    parts, used = 1, 0
    for cost in costs:
        if used + cost > size:
            parts, used = parts + 1, 0
        used += cost
    return parts


def fits(text: str) -> bool:
    """Whether ``text`` goes out in at most ``MAX_PARTS`` parts."""
    return encoding(text).parts <= MAX_PARTS


def check_message(*, to: str, text: str, reference: str) -> Encoding:
    """The text's encoding, or a non-transient ``SmsError`` for what no retry would fix.

    Every provider calls this before sending, so a bad number or an overlong text fails the
    same way in development (``FileProvider``) as against Sinch, and costs no request.
    """
    if not E164.fullmatch(to):
        raise SmsError(f"not an E.164 phone number: {to[:32]!r}", transient=False)
    if not text.strip():
        raise SmsError("refusing to send an empty SMS", transient=False)
    if not reference or len(reference) > MAX_REFERENCE or not reference.isprintable():
        raise SmsError(
            f"the reference must be 1 to {MAX_REFERENCE} printable characters: {reference[:40]!r}",
            transient=False,
        )
    cost = encoding(text)
    if cost.parts > MAX_PARTS:
        raise SmsError(
            f"the text takes {cost.parts} {cost.alphabet} parts ({cost.units} units), "
            f"more than the {MAX_PARTS} allowed",
            transient=False,
        )
    return cost


@dataclass(frozen=True)
class SmsReceipt:
    """What a provider accepted: its id of the message (to match delivery reports), parts."""

    provider_id: str
    parts: int


class SmsProvider(ABC):
    """Hands one text to one phone. Implementations raise ``SmsError`` for every failure."""

    name: ClassVar[str]

    @abstractmethod
    def send(self, *, to: str, text: str, reference: str, callback_url: str | None) -> SmsReceipt:
        """``to`` is E.164 (+31612345678); ``reference`` our message key (sent as the
        provider's client reference, comes back in delivery reports); ``callback_url`` where
        delivery reports go (None: none asked)."""

    def close(self) -> None:  # noqa: B027 (optional hook: most providers hold nothing)
        """Release connections; the app keeps one provider for its lifetime."""


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_stem(reference: str) -> str:
    """A file-name stem from a reference: no path separators, no leading dot, bounded."""
    stem = _UNSAFE.sub("_", reference).strip("._")[:64]
    return stem or "message"


class FileProvider(SmsProvider):
    """Writes each message as one JSON file in ``folder``: for development, no network.

    Each file is written to a temporary name and renamed into place, so a reader polling the
    folder (a developer, a test) never sees half a message; the name is the sanitized
    reference plus a uuid, so two messages never overwrite each other.
    """

    name: ClassVar[str] = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, *, to: str, text: str, reference: str, callback_url: str | None) -> SmsReceipt:
        cost = check_message(to=to, text=text, reference=reference)
        message_id = uuid.uuid4().hex
        record = {
            "provider_id": f"file-{message_id}",
            "to": to,
            "text": text,
            "reference": reference,
            "callback_url": callback_url,
            "alphabet": cost.alphabet,
            "units": cost.units,
            "parts": cost.parts,
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        target = self.folder / f"{safe_stem(reference)}-{message_id}.json"
        try:
            _write_atomically(target, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        except OSError as exc:  # a full or read-only disk may well be fixed by the next try
            raise SmsError(f"could not write {target.name}: {exc}", transient=True) from exc
        return SmsReceipt(f"file-{message_id}", cost.parts)


def _write_atomically(target: Path, content: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Words that, opening an inbound text, ask us to stop: English, Dutch, German, Turkish
# ("dur", "iptal"), Spanish. Compared without case or accents.
STOP_WORDS = frozenset(
    {
        "stop",
        "stopp",
        "stoppen",
        "unsubscribe",
        "afmelden",
        "abmelden",
        "dur",
        "iptal",
        "baja",
        "cancelar",
    }
)


def is_stop(text: str) -> bool:
    """Whether an inbound text asks to stop messages: it *starts* with a stop word.

    Leading whitespace and punctuation are skipped ("*STOP*", "'stop'"), then the first word
    counts, in any case and with accents or Turkish dots ignored (``İPTAL``, dotless ``IPTAL``).
    "STOP ALL" and "stop alles" stop; "don't stop" and "stopped by" do not, and neither does
    "please stop" (its first word is "please"): a reply that merely mentions the word is read
    by a person, not obeyed by a machine.
    """
    position = 0
    while position < len(text) and unicodedata.category(text[position])[0] != "L":
        if unicodedata.category(text[position])[0] == "N":
            return False  # starts with a number: "2 stop" is not an opt-out
        position += 1
    end = position
    while end < len(text) and unicodedata.category(text[end])[0] in "LM":
        end += 1
    return _fold(text[position:end]) in STOP_WORDS


def _fold(word: str) -> str:
    """Lower case without accents; Turkish dotless and dotted i (U+0131, U+0130) become i."""
    decomposed = unicodedata.normalize("NFKD", word.replace("ı", "i").replace("İ", "I"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold()
