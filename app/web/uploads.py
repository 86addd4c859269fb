"""A debtor's form with a file (the proof of payment), read as it arrives.

The body is read here, in an async dependency, so the route stays a plain ``def`` in a thread;
the file part goes straight to a temporary file in the documents folder (written in a thread,
never on the event loop), counted, hashed, and no longer written once it is over the limit.
The temporary file is removed once the answer is sent, unless the step put it in place.

A body over the route's own limit (``BodyLimit`` in ``app.main``) is not read at all: the
route is told (``BODY_TOO_LARGE`` in the scope, or ``BodyTooLargeError`` while reading) and
answers with the form and a message in the debtor's language, never a 500.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool

from app.deps import StateDep, form_fields
from app.documents import Incoming, Problem
from app.i18n import Gettext

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

BODY_TOO_LARGE = "vidpay.body_too_large"  # set in the scope by BodyLimit: the body is unread
FILE_FIELD = "proof"
FIELD_CHARS = 4000  # every other field is cut here, as in ``app.deps.form_fields``
MAX_FIELDS = 50


class BodyTooLargeError(HTTPException):
    """The body went over the route's limit while it was being read (a 413)."""


@dataclass
class SentForm:
    """What a form with a file brought: its fields, the file if one was chosen, and whether
    the body was over the route's limit (then nothing of it was read)."""

    fields: dict[str, str] = field(default_factory=dict)
    upload: Incoming | None = None
    body_too_large: bool = False


def problem_message(_: Gettext, problem: Problem, limit_bytes: int) -> str:
    """Why the file was not taken, in the debtor's words."""
    if problem == "empty":
        return _("The file is empty. Please choose another file.")
    if problem == "too_large":
        return _("The file is larger than {megabytes} MB. Please choose a smaller file.").format(
            megabytes=f"{limit_bytes / 1_000_000:g}"
        )
    return _("The file is not a PDF, JPEG or PNG. Please choose a photo or a PDF of your payment.")


class _Parts:
    """The multipart parser's callbacks: small fields kept in memory, one file to disk."""

    def __init__(self, sent: SentForm, incoming: Incoming) -> None:
        self.sent, self.incoming = sent, incoming
        self.header, self.value, self.disposition = b"", b"", b""
        self.name: str | None = None
        self.is_file = False
        self.data = bytearray()
        self.pending: list[bytes] = []  # file data to write after this chunk (in a thread)
        self.files = 0

    def on_part_begin(self) -> None:
        self.disposition, self.name, self.is_file, self.data = b"", None, False, bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def on_header_end(self) -> None:
        if self.header.lower() == b"content-disposition":
            self.disposition = self.value
        self.header, self.value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options and self.name == FILE_FIELD and self.files == 0:
            self.files += 1
            self.is_file = True
            self.incoming.filename = options[b"filename"].decode("utf-8", "replace")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.is_file:
            self.pending.append(data[start:end])
        elif len(self.data) < FIELD_CHARS * 4:  # the rest of an over-long field is dropped
            self.data.extend(data[start : min(end, start + FIELD_CHARS * 4 - len(self.data))])

    def on_part_end(self) -> None:
        if self.name and not self.is_file and len(self.sent.fields) < MAX_FIELDS:
            text = codecs.decode(bytes(self.data), "utf-8", "replace")
            self.sent.fields.setdefault(self.name, text[:FIELD_CHARS])

    def write_pending(self) -> None:
        for data in self.pending:
            self.incoming.write(data)
        self.pending.clear()


async def _read_multipart(request: Request, sent: SentForm, incoming: Incoming) -> None:
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise HTTPException(status_code=400, detail="The form is incomplete. Please try again.")
    parts = _Parts(sent, incoming)
    callbacks: MultipartCallbacks = {
        "on_part_begin": parts.on_part_begin, "on_part_data": parts.on_part_data,
        "on_part_end": parts.on_part_end, "on_header_field": parts.on_header_field,
        "on_header_value": parts.on_header_value, "on_header_end": parts.on_header_end,
        "on_headers_finished": parts.on_headers_finished,
    }  # fmt: skip
    parser = MultipartParser(boundary, callbacks)
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if parts.pending:
                await run_in_threadpool(parts.write_pending)
        parser.finalize()
    except FormParserError:
        raise HTTPException(status_code=400, detail="The form is incomplete.") from None
    finally:
        await run_in_threadpool(incoming.close)
    if parts.files and not (incoming.size == 0 and incoming.filename == ""):
        sent.upload = incoming  # a file was chosen (no file: an empty part with no name)


async def sent_form(request: Request, state: StateDep) -> AsyncIterator[SentForm]:
    """The form and its file; the temporary file is removed when the request is done."""
    sent = SentForm(body_too_large=bool(request.scope.get(BODY_TOO_LARGE)))
    multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    if sent.body_too_large or not multipart:
        if not sent.body_too_large:
            sent = await _read_plain(request)
        yield sent
        return
    settings = state.settings
    incoming = await run_in_threadpool(
        Incoming, folder=settings.documents_dir, filename="", limit=settings.max_proof_bytes
    )
    try:
        try:
            await _read_multipart(request, sent, incoming)
        except BodyTooLargeError:
            sent = SentForm(body_too_large=True)
        yield sent
    finally:
        await run_in_threadpool(incoming.discard)


async def _read_plain(request: Request) -> SentForm:
    """A form sent without a file (``application/x-www-form-urlencoded``)."""
    try:
        return SentForm(fields=await form_fields(request))
    except BodyTooLargeError:
        return SentForm(body_too_large=True)


SentFormDep = Annotated[SentForm, Depends(sent_form)]
