"""Files a debtor sends with a step (a proof of payment): checked, stored, opened, deleted.

A file is personal data that no browser but an operator's may fetch, so it lives outside
every served folder, in ``<documents>/<campaign id>/<storage name>`` (mode 0600) under a
random name; the debtor's own name for it is kept for display only. Its type is read from
its first bytes, never from its name or what the browser says it is.

An upload is written to ``<documents>/.incoming/`` while it arrives (``Incoming``), and put
in its campaign's folder just before the outcome that names it commits: a committed row never
lacks its file, and a file whose commit failed is removed again (``Incoming.unplace``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import Debtor, Document

log = logging.getLogger("vidpay.documents")

MAGIC = {  # the first bytes of each type we take, and its media type
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
HEAD_BYTES = 8  # enough for the longest magic number
INCOMING = ".incoming"
NAME_CHARS = 100  # a debtor's file name is shortened to this for display
Problem = Literal["empty", "too_large", "type"]


def sniff(head: bytes) -> str | None:
    """The media type the file's first bytes say, or None when it is none we take."""
    return next((kind for magic, kind in MAGIC.items() if head.startswith(magic)), None)


def display_name(name: str) -> str:
    """The debtor's name for the file, safe to show: no folders, no control characters,
    at most ``NAME_CHARS`` characters (keeping the extension)."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    if len(base) > NAME_CHARS:
        _, dot, ext = base.rpartition(".")
        keep = ext if dot and len(ext) <= 8 else ""
        base = base[: NAME_CHARS - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return base or "proof"


def ascii_filename(document: Document) -> str:
    """A name for ``Content-Disposition`` that no browser or shell misreads: ASCII letters,
    digits, ``._-``, ending in the extension of the stored type."""
    ascii_name = unicodedata.normalize("NFKD", document.filename).encode("ascii", "ignore")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_name.decode().rsplit(".", 1)[0]).strip("-_")
    stem = stem[:60] or f"proof-{document.id}"
    return f"{stem}.{EXTENSIONS.get(document.media_type, 'bin')}"


@dataclass
class Incoming:
    """A file arriving from a debtor's form: written to a temporary file as it comes, with
    its size, hash and first bytes; nothing more is written once it is over ``limit``."""

    folder: Path  # the documents folder
    filename: str  # as the browser sent it
    limit: int
    path: Path = field(init=False)
    size: int = 0
    head: bytes = b""
    too_large: bool = False
    placed: Path | None = None  # where it was put for a commit (unplace if that fails)
    _file: IO[bytes] | None = field(default=None, init=False, repr=False)
    _hash: hashlib._Hash = field(default_factory=hashlib.sha256, init=False, repr=False)

    def __post_init__(self) -> None:
        incoming = self.folder / INCOMING
        incoming.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = incoming / f"{secrets.token_hex(16)}.part"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(descriptor, "wb")

    def write(self, data: bytes) -> None:
        """Take the next piece (blocking: call it in a thread, off the event loop)."""
        if len(self.head) < HEAD_BYTES:
            self.head = (self.head + data)[:HEAD_BYTES]
        self.size += len(data)
        if self.size > self.limit:
            self.too_large = True
            self.close()
        if self._file is not None:
            self._file.write(data)
            self._hash.update(data)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def media_type(self) -> str | None:
        return sniff(self.head)

    def problem(self) -> Problem | None:
        """Why the file cannot be taken: empty, over the limit, or not a PDF, JPEG or PNG."""
        if self.size == 0:
            return "empty"
        if self.too_large:
            return "too_large"
        return None if self.media_type else "type"

    def place(self, target: Path) -> None:
        """Put the finished file at ``target`` (same file system: a rename), mode 0600."""
        self.close()
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path.replace(target)
        target.chmod(0o600)
        self.placed = target

    def unplace(self) -> None:
        """The commit the file was placed for did not happen: remove it."""
        if self.placed is not None:
            self.placed.unlink(missing_ok=True)
            self.placed = None

    def discard(self) -> None:
        """Remove the temporary file (a no-op once it was placed)."""
        self.close()
        self.path.unlink(missing_ok=True)


def store(
    session: Session, *, incoming: Incoming, debtor: Debtor, documents: Path, kind: str = "proof"
) -> Document:
    """Add the document's row (in the caller's transaction) and place its file; the caller
    commits, or calls ``incoming.unplace()`` when it cannot."""
    media_type = incoming.media_type
    assert media_type is not None and incoming.problem() is None, "checked before it is stored"
    document = Document(
        debtor_id=debtor.id,
        kind=kind,
        filename=display_name(incoming.filename),
        media_type=media_type,
        size_bytes=incoming.size,
        sha256=incoming.sha256,
        storage_name=secrets.token_hex(32),
    )
    session.add(document)
    session.flush()
    incoming.place(file_path(documents, debtor.campaign_id, document.storage_name))
    return document


def file_path(documents: Path, campaign_id: int, storage_name: str) -> Path:
    return documents / str(campaign_id) / storage_name


def find(session: Session, documents: Path, document_id: int) -> tuple[Document, Path] | None:
    """The document and its file, or None when either is gone."""
    row = session.execute(
        select(Document, Debtor.campaign_id)
        .join(Debtor, Debtor.id == Document.debtor_id)
        .where(Document.id == document_id)
    ).first()
    if row is None:
        return None
    document, campaign_id = row
    path = file_path(documents, campaign_id, document.storage_name)
    if not re.fullmatch(r"[0-9a-f]{64}", document.storage_name) or not path.is_file():
        log.warning("document %s: its file %s is missing", document.id, path)
        return None
    return document, path


def delete_rows(session: Session, campaign_id: int) -> int:
    """Delete the campaign's document rows, in the caller's transaction; returns how many."""
    in_campaign = select(Debtor.id).where(Debtor.campaign_id == campaign_id)
    result = session.execute(
        delete(Document)
        .where(Document.debtor_id.in_(in_campaign))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def remove_folder(documents: Path, campaign_id: int) -> list[Path]:
    """Delete the campaign's folder of documents and everything in it; returns the files."""
    folder = documents / str(campaign_id)
    if not folder.is_dir():
        return []
    files = [path for path in folder.rglob("*") if path.is_file()]
    shutil.rmtree(folder, ignore_errors=True)
    return [path for path in files if not path.exists()]
