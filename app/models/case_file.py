"""What operators keep about a debtor's case beside the debtor's own steps: the documents a
debtor sent (a proof of payment) and the operators' notes, of which some resolve something
(a dispute, a reported payment, a callback) and so change the case's status."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped


class Document(Timestamped, Base):
    """A file a debtor uploaded, kept outside every served folder under ``storage_name`` (a
    random name: the debtor's own file name is shown, never used as a path)."""

    __tablename__ = "case_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcome.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "proof" (of a payment made elsewhere)
    filename: Mapped[str] = mapped_column(String(200))  # as the debtor named it, for display
    media_type: Mapped[str] = mapped_column(String(64))  # from the file's bytes, not its name
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)


class CaseNote(Timestamped, Base):
    """An operator's note on a case. With ``topic`` other than ``note`` it resolves the
    outcome it names: ``dispute`` (verdict ``upheld`` or ``rejected``), ``review`` of a
    reported payment (``confirmed``, with the amount received, or ``rejected``), ``callback``
    (``done``)."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    topic: Mapped[str] = mapped_column(String(16))  # note, dispute, review, callback
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcome.id"), index=True)
    verdict: Mapped[str | None] = mapped_column(String(16))
    amount_cents: Mapped[int | None]  # a confirmed payment's amount
    text: Mapped[str] = mapped_column(Text, default="")


class StatusChange(Timestamped, Base):
    """The case's status moved (``app.case_status``): told to integrations as a
    ``case.status_changed`` webhook and listed by the API."""

    __tablename__ = "case_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    previous: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    open_cents: Mapped[int]
    paid_cents: Mapped[int]
