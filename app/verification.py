"""Optional verification: the debtor proves it is them (postcode or date of birth) before a
page shows their name or what they owe.

A link can end up with someone else: a shared inbox, a forwarded text message, a letter at an
old address. A campaign may therefore ask for something the creditor knows and the debtor
knows by heart. Only a keyed hash of the answer is stored (``HMAC-SHA256`` of the server's
secret, the debtor's reference and the normalised answer), so a copy of the database does not
hold the postcodes or birth dates, and equal answers give different hashes per debtor. A right
answer gives the browser a signed cookie for that one debtor; five wrong ones lock the link for
an hour, so the answer cannot be guessed by trying.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from app.locks import debtor_locked
from app.models import Debtor
from app.models.base import as_utc

KINDS = ("postcode", "birth_date")
MAX_TRIES = 5
LOCK = timedelta(hours=1)
VERIFIED_FOR = 12 * 3600  # seconds a right answer holds in that browser

_POSTCODE = re.compile(r"^[A-Z0-9]{3,10}$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-./ ](\d{1,2})[-./ ](\d{4})$")


def normalise(kind: str, raw: str, *, day_first: bool = False) -> str:
    """The answer as it is compared; ``ValueError`` says what is wrong with it.

    A postcode ignores case, spaces and hyphens (``1234 ab`` is ``1234AB``). A date of birth
    is ISO in a CSV; a debtor may also type it day first (``15-10-1980``, ``15.10.1980``).
    """
    text = raw.strip()
    if kind == "postcode":
        compact = re.sub(r"[\s-]", "", text).upper()
        if not _POSTCODE.match(compact):
            raise ValueError(f"'{text}' is not a postcode")
        return compact
    if kind == "birth_date":
        return _birth_date(text, day_first=day_first).isoformat()
    raise ValueError(f"unknown verification '{kind}' (one of: {', '.join(KINDS)})")


def _birth_date(text: str, *, day_first: bool) -> date:
    found = _DAY_FIRST.match(text) if day_first else None
    try:
        if found:
            day = date(int(found[3]), int(found[2]), int(found[1]))
        else:
            day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date; write it like 1980-10-15") from None
    if not date(1900, 1, 1) <= day < date.today():
        raise ValueError(f"'{text}' is not a date of birth")
    return day


def answer_hash(key: bytes, reference: str, normalised: str) -> str:
    message = f"verify:{reference}:{normalised}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- the debtor's answer ------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    ok: bool
    locked_until: datetime | None = None
    invalid: str | None = None  # the answer could not be read (nothing counted)
    busy: bool = False  # the answer could not be checked now (nothing counted)


def check_answer(
    session: Session, debtor: Debtor, kind: str, answer: str, key: bytes, now: datetime
) -> Verdict:
    """Count the attempt, then compare, under the debtor's lock and committed before the
    answer: answers sent at once are each counted, and none is compared past the limit.
    ``BusyError`` when the lock cannot be had (nothing counted, nothing compared)."""
    try:
        given = normalise(kind, answer, day_first=True)
    except ValueError as exc:
        return Verdict(ok=False, invalid=str(exc))
    with debtor_locked(session, debtor.id) as fresh:
        until = fresh.verify_locked_until
        locked = as_utc(until) if until is not None else None
        if locked is not None and locked > now:
            return Verdict(ok=False, locked_until=locked)
        fresh.verify_failures += 1
        if hmac.compare_digest(answer_hash(key, fresh.reference, given), fresh.verify_hash or ""):
            fresh.verify_failures = 0
            fresh.verify_locked_until = None
            return Verdict(ok=True)
        if fresh.verify_failures >= MAX_TRIES:
            return _lock(fresh, now)
        return Verdict(ok=False)


def _lock(debtor: Debtor, now: datetime) -> Verdict:
    debtor.verify_failures = 0
    debtor.verify_locked_until = now + LOCK
    return Verdict(ok=False, locked_until=now + LOCK)


# --- the browser's proof ------------------------------------------------------------------


def cookie_name(debtor_id: int) -> str:
    return f"vp_ok_{debtor_id}"


def cookie_value(key: bytes, debtor_id: int, now: float | None = None) -> str:
    """``<expiry>.<signature>``: valid for this debtor only, until the expiry."""
    until = int((now or time.time()) + VERIFIED_FOR)
    return f"{until}.{_signature(key, debtor_id, until)}"


def is_verified(key: bytes, debtor_id: int, cookie: str | None, now: float | None = None) -> bool:
    until, _, signature = (cookie or "").partition(".")
    if not until.isdigit() or int(until) < (now or time.time()):
        return False
    return hmac.compare_digest(signature, _signature(key, debtor_id, int(until)))


def _signature(key: bytes, debtor_id: int, until: int) -> str:
    return hmac.new(key, f"verified:{debtor_id}:{until}".encode(), hashlib.sha256).hexdigest()
