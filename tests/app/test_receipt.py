"""The PDF receipt of a plan or a promise: served in the debtor's language, with what was
agreed, and made without a single fetch outside our static folder."""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from fastapi.testclient import TestClient
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Installment, Outcome
from app.receipt import STATIC, RefusedURLError, local_only, pdf_from_html

NL = "DEMO-NL-1"  # Sanne de Vries, owes € 148,20
EN = "DEMO-EN-1"  # James Walker, owes €89.95


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _plan(web: TestClient, token: str, first: date, language: str, cents: int) -> None:
    form = {
        "submission": str(uuid.uuid4()),
        "amount_cents": str(cents),
        "installments": "3",
        "first_date": first.isoformat(),
        "confirm": "yes",
    }
    assert web.post(f"/v/{token}/step/plan?lang={language}", data=form).status_code == 303


def _text(pdf: bytes) -> str:
    """The PDF's text, lines joined (a long sentence may wrap); no-break spaces kept."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")


def _fonts(pdf: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(pdf))
    found = set()
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for font in cast(DictionaryObject, resources["/Font"].get_object()).values():
            found.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return found


def test_a_plans_receipt_in_dutch_has_every_instalment_and_how_to_change_it(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    first = _today() + timedelta(days=2)
    _plan(web, token, first, "nl", 14820)
    (outcome,) = db.scalars(select(Outcome))
    response = web.get(f"/v/{token}/agreed.pdf?lang=nl")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    disposition = f'attachment; filename="receipt-{NL}-{outcome.id}.pdf"'
    assert response.headers["content-disposition"] == disposition
    assert response.headers["cache-control"] == "no-store"
    text = _text(response.content)
    assert "Bevestiging van onze afspraak" in text
    assert "Test" in text and "Sanne de Vries" in text  # the campaign and the debtor
    assert f"Kenmerk {NL}-{outcome.id}" in text
    installments = db.scalars(select(Installment).order_by(Installment.number)).all()
    assert len(installments) == 3
    for row in installments:
        day = format_date(row.due, format="long", locale="nl_NL")
        assert f"{row.number} {day} €\u00a049,40 Nog niet" in text
    assert "Nog open €\u00a0148,20" in text
    assert "Uw volgende betaling is €\u00a049,40 op" in text
    assert "Wilt u iets veranderen? Bel ons. Telefoon: +31 10 000 0000" in text
    made = format_date(_today(), format="long", locale="nl_NL")
    assert f"Deze bevestiging is gemaakt op {made}." in text
    assert f"Afgesproken op {made}" in text
    fonts = _fonts(response.content)
    assert fonts and all(f.startswith("Atkinson-Hyperlegible-Next") for f in fonts)  # bundled


def test_a_plans_receipt_in_english(web: TestClient, campaign: dict[str, str], db: Session) -> None:
    token = campaign[EN]
    first = _today() + timedelta(days=3)
    _plan(web, token, first, "en", 8995)
    text = _text(web.get(f"/v/{token}/agreed.pdf?lang=en").content)
    assert "Receipt" in text and "James Walker" in text
    installments = db.scalars(select(Installment).order_by(Installment.number)).all()
    assert sum(row.amount_cents for row in installments) == 8995
    for row in installments:
        day = format_date(row.due, format="long", locale="en_GB")
        amount = f"€{row.amount_cents // 100}.{row.amount_cents % 100:02d}"
        assert f"{row.number} {day} {amount} Not yet" in text
    assert "Still open €89.95" in text


def test_a_promises_receipt_has_the_date_and_the_amount(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[EN]
    promised = _today() + timedelta(days=10)
    form = {"submission": str(uuid.uuid4()), "date": promised.isoformat()}
    assert web.post(f"/v/{token}/step/later?lang=en&mode=text", data=form).status_code == 303
    (outcome,) = db.scalars(select(Outcome))
    response = web.get(f"/v/{token}/agreed.pdf?lang=en")
    assert response.status_code == 200
    text = _text(response.content)
    day = format_date(promised, format="long", locale="en_GB")
    assert f"Reference {EN}-{outcome.id}" in text
    assert f"Pay later You will pay €89.95 on {day}." in text
    assert f"Your next payment is €89.95 on {day}." in text
    dutch = _text(web.get(f"/v/{token}/agreed.pdf?lang=nl").content)  # the language asked for
    dutch_day = format_date(promised, format="long", locale="nl_NL")
    assert f"U betaalt €\u00a089,95 op {dutch_day}." in dutch


def test_the_confirmation_page_links_to_the_receipt(
    web: TestClient, campaign: dict[str, str]
) -> None:
    token = campaign[NL]
    _plan(web, token, _today(), "nl", 14820)
    page = web.get(f"/v/{token}/agreed?lang=nl").text
    link = f'href="/v/{token}/agreed.pdf?lang=nl" type="application/pdf" download>'
    assert f"{link}Download de bevestiging (pdf)</a>" in page


def test_nothing_agreed_is_a_404(web: TestClient, campaign: dict[str, str]) -> None:
    token = campaign[NL]
    assert web.get(f"/v/{token}/agreed.pdf?lang=nl").status_code == 404
    _plan(web, token, _today(), "nl", 14820)
    assert web.get(f"/v/{campaign['DEMO-DE-1']}/agreed.pdf?lang=de").status_code == 404
    assert web.get("/v/not-a-token/agreed.pdf").status_code == 404


# --- no fetch outside static/ -----------------------------------------------------------------


@pytest.fixture
def remote() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on a loopback port that records every request it gets."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red; }")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


def test_a_remote_url_in_the_template_is_never_fetched(
    remote: tuple[str, list[str]], tmp_path: Path
) -> None:
    base, asked = remote
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red; }")
    html = f"""<html><head>
      <link rel="stylesheet" href="{base}/style.css">
      <style>@import url("{base}/import.css");
        @font-face {{ font-family: X; src: url("{base}/font.ttf"); }}</style>
      <link rel="stylesheet" href="{secret.as_uri()}">
      </head><body><p style="font-family: X">Hello</p><img src="{base}/logo.png" alt="">
      <img src="fonts/../../pyproject.toml" alt=""></body></html>"""
    pdf = pdf_from_html(html)
    assert pdf.startswith(b"%PDF")
    assert asked == []  # the server heard nothing
    assert "Hello" in _text(pdf)


def test_the_fetcher_serves_static_files_and_refuses_the_rest(tmp_path: Path) -> None:
    font = STATIC / "fonts" / "AtkinsonHyperlegibleNext-Regular.ttf"
    assert local_only(font.as_uri())["string"] == font.read_bytes()
    outside = tmp_path / "x.css"
    outside.write_text("p {}")
    refused = [
        "https://fonts.example.org/font.ttf",
        "http://127.0.0.1/x.css",
        "data:text/css,p{}",
        outside.as_uri(),
        (STATIC / "fonts").as_uri() + "/../../pyproject.toml",
        "file://fileserver/static/fonts/x.ttf",
    ]
    for url in refused:
        with pytest.raises(RefusedURLError):
            local_only(url)
