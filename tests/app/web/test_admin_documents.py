"""The documents debtors send, downloaded by operators only; on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Document
from tests.admin_session import sign_in
from tests.admin_session import users as users
from tests.app.web.test_steps import JPEG, NL, PDF, PNG, _proof


def _sent(web: TestClient, token: str, name: str, body: bytes, db: Session) -> Document:
    assert _proof(web, token, (name, body, "application/octet-stream")).status_code == 303
    db.expire_all()
    return db.scalars(select(Document).order_by(Document.id.desc())).first()  # type: ignore[return-value]


def test_an_operator_downloads_the_same_bytes_as_an_attachment(
    web: TestClient, campaign: dict[str, str], users: None, db: Session
) -> None:
    token = campaign[NL]
    sent = [("Betaling okt.pdf", PDF), ("€€€.jpg", JPEG), ("<script>.png", PNG)]
    documents = [_sent(web, token, name, body, db) for name, body in sent]
    sign_in(web, "olga@example.org")
    names = ['"Betaling-okt.pdf"', f'"proof-{documents[1].id}.jpg"', '"script.png"']
    types = ["application/pdf", "image/jpeg", "image/png"]
    for document, (_, body), name, media_type in zip(documents, sent, names, types, strict=True):
        response = web.get(f"/admin/documents/{document.id}")
        assert response.status_code == 200
        assert response.content == body
        assert response.headers["content-type"] == media_type
        disposition = response.headers["content-disposition"]
        assert disposition.startswith(f"attachment; filename={name}")
        assert re.fullmatch(
            r"attachment; filename=\"[A-Za-z0-9_.-]+\"; filename\*=UTF-8''[A-Za-z0-9_.-]+",
            disposition,
        )
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
    assert web.get("/admin/documents/999").status_code == 404
    assert web.get("/admin/documents/99999999999").status_code == 422


def test_nobody_else_fetches_a_document(
    web: TestClient, campaign: dict[str, str], users: None, db: Session, settings: Settings
) -> None:
    document = _sent(web, campaign[NL], "bank.pdf", PDF, db)
    anonymous = web.get(f"/admin/documents/{document.id}")  # the debtor's own browser
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/admin/login?next=/admin/documents/{document.id}"
    assert web.get("/admin/documents/999").status_code == 303  # an id says nothing
    for path in (
        f"/media/segments/{document.storage_name}",
        f"/static/{document.storage_name}",
        f"/v/{campaign[NL]}/step/already_paid/proof",
        f"/v/{campaign[NL]}/documents/{document.id}",
    ):
        response = web.get(path)
        assert response.status_code in (404, 405), path
        assert PDF not in response.content
    sign_in(web, "dan@example.org")  # a designer may look at campaigns, not at bank details
    assert web.get(f"/admin/documents/{document.id}").status_code == 403


def test_a_document_whose_file_is_gone_is_not_found(
    web: TestClient, campaign: dict[str, str], users: None, db: Session, settings: Settings
) -> None:
    document = _sent(web, campaign[NL], "bank.pdf", PDF, db)
    for path in settings.documents_dir.rglob(document.storage_name):
        path.unlink()
    sign_in(web, "olga@example.org")
    assert web.get(f"/admin/documents/{document.id}").status_code == 404
