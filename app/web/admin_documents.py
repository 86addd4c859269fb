"""The documents debtors sent (proofs of payment), for operators only.

No debtor route serves them: a proof holds bank details. An operator downloads one as an
attachment with the type read from its bytes when it came in, never shown inline, so a file
that is more than it seems is not run by the browser on this site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, Response

from app.deps import SessionDep, StateDep
from app.documents import ascii_filename, find
from app.models import Document
from app.web.admin_access import AdminRoute, OperatorUser
from app.web.params import DbId

router = APIRouter(prefix="/admin", route_class=AdminRoute)


def document_or_404(
    document_id: DbId, user: OperatorUser, session: SessionDep, state: StateDep
) -> tuple[Document, Path]:
    """The document and its file, for an operator (signed in first: an id says nothing to
    anyone else); 404 when the row or its file is gone."""
    found = find(session, state.settings.documents_dir, document_id)
    if found is None:
        raise HTTPException(status_code=404, detail="There is no such document.")
    return found


DocumentDep = Annotated[tuple[Document, Path], Depends(document_or_404)]


@router.get("/documents/{document_id}")
def download_document(found: DocumentDep) -> Response:
    """Download a document a debtor sent."""
    document, path = found
    name = ascii_filename(document)
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    headers = {
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return FileResponse(path, media_type=document.media_type, headers=headers)
