"""The files debtors send: their type read from their bytes, their names made safe, written
to a temporary file and put in place (or removed), and never kept in a served folder."""

from __future__ import annotations

import time
import uuid
from datetime import date
from pathlib import Path

import pytest

from app.config import Settings
from app.documents import Incoming, ascii_filename, display_name, sniff
from app.models import Document
from render.content import BUNDLED
from tests.app.web.test_steps import HTML, JPEG, PDF, PNG


def test_the_type_is_read_from_the_bytes() -> None:
    assert sniff(PDF) == "application/pdf"
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(PNG) == "image/png"
    for other in (HTML, b"", b"%PD", b"\x89PNG\r\n", b"GIF89a", b" %PDF-1.7"):
        assert sniff(other) is None


def test_a_debtors_file_name_is_shown_safely_and_downloaded_as_ascii() -> None:
    assert display_name("C:\\Users\\Ayşe\\dekont.pdf") == "dekont.pdf"
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("a\x00b\u202ec.png") == "abc.png"  # no control or direction marks
    assert display_name("  .. ") == "proof"
    long = display_name("x" * 300 + ".jpeg")
    assert len(long) == 100 and long.endswith(".jpeg")
    document = Document(id=7, filename="Überweisung März.pdf", media_type="image/png")
    assert ascii_filename(document) == "Uberweisung-Marz.png"  # the extension of its real type
    assert ascii_filename(Document(id=7, filename="€€.pdf", media_type="application/pdf")) == (
        "proof-7.pdf"
    )


def _incoming(tmp_path: Path, *pieces: bytes, limit: int = 100) -> Incoming:
    incoming = Incoming(folder=tmp_path / "documents", filename="bank.pdf", limit=limit)
    for piece in pieces:
        incoming.write(piece)
    incoming.close()
    return incoming


def test_an_incoming_file_is_checked_and_stops_being_written_over_its_limit(
    tmp_path: Path,
) -> None:
    good = _incoming(tmp_path, PDF[:3], PDF[3:])  # the magic number split over two pieces
    assert good.problem() is None and good.media_type == "application/pdf"
    assert good.path.read_bytes() == PDF and good.size == len(PDF)
    assert good.path.stat().st_mode & 0o777 == 0o600
    assert _incoming(tmp_path).problem() == "empty"
    assert _incoming(tmp_path, HTML).problem() == "type"
    big = _incoming(tmp_path, PDF, b"0" * 200)
    assert big.problem() == "too_large" and big.path.stat().st_size <= 100


def test_an_incoming_file_is_placed_or_removed(tmp_path: Path) -> None:
    incoming = _incoming(tmp_path, PNG)
    target = tmp_path / "documents" / "3" / ("a" * 64)
    incoming.place(target)
    assert target.read_bytes() == PNG and target.stat().st_mode & 0o777 == 0o600
    assert not incoming.path.exists()
    incoming.discard()  # after the answer: nothing to do once placed
    assert target.exists()
    incoming.unplace()  # the commit failed
    assert not target.exists()
    left = _incoming(tmp_path, PDF)
    left.discard()
    assert not left.path.exists()


def test_documents_live_in_var_unless_set_and_never_in_a_served_folder(tmp_path: Path) -> None:
    base = {"env": "test", "secret_key": "x", "var": tmp_path / "var"}
    assert Settings(**base).documents_dir == tmp_path / "var" / "documents"  # type: ignore[arg-type]
    elsewhere = tmp_path / "private"
    assert Settings(**base, documents=elsewhere).documents_dir == elsewhere  # type: ignore[arg-type]
    for served in (
        tmp_path / "var" / "media",
        tmp_path / "var" / "media" / "segments" / "proofs",
        BUNDLED / "static" / "proofs",
        tmp_path / "content" / "static",
    ):
        with pytest.raises(ValueError, match="must not lie inside a served folder"):
            Settings(**base, root=tmp_path / "content", documents=served)  # type: ignore[arg-type]


@pytest.mark.slow  # a server process of its own
def test_a_real_server_answers_a_too_large_proof_at_once(tmp_path: Path, database_url: str) -> None:
    """Through uvicorn, as a browser meets it: a body over the limit is not read, and the
    debtor gets the form with the reason instead of a reset connection or a wait."""
    from tests.live_server import serve

    with serve(tmp_path, database_url, debtors=1) as served, served.client() as client:
        token = next(iter(served.tokens.values()))
        form = {"submission": str(uuid.uuid4()), "amount": "5", "date": date.today().isoformat()}
        for size, status in ((10_000_100, 422), (50_000_000, 413)):
            started = time.monotonic()
            response = client.post(
                f"/v/{token}/step/already_paid/proof?lang=de",
                data=form,
                files={"proof": ("a.pdf", PDF + b"0" * size, "application/pdf")},
            )
            assert response.status_code == status
            assert "Die Datei ist größer als 10 MB." in response.text
            assert time.monotonic() - started < 10
        documents = served.settings.documents_dir
        assert [p for p in documents.rglob("*") if p.is_file()] == []
