"""What a debtor agreed, as a PDF receipt in their language: to keep, to print, to show.

The receipt is an HTML template (``templates/receipt.html``) laid out by WeasyPrint. It is
personal data, so nothing leaves the server while it is made: every URL WeasyPrint asks for
goes through ``local_only``, which hands out files under our ``static/`` folder (the bundled
fonts) and refuses the rest, a remote address above all. No request handler code lives
here, so a worker or the CLI can make the same receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from app.case import Due
from app.i18n import day, gettext_for, money
from render.content import BUNDLED

# Importing WeasyPrint makes Pillow accept truncated images everywhere in the process; the
# receipt embeds none, and the render pool in this process must refuse a broken picture.
ImageFile.LOAD_TRUNCATED_IMAGES = False

STATIC = (BUNDLED / "static").resolve()
FONTS = STATIC / "fonts"
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Receipt:
    """Everything the receipt says, as stored values; the template formats them per locale."""

    language: str
    creditor: str  # the campaign's name
    name: str  # the debtor's
    reference: str
    agreed_on: date
    made_on: date
    plan: bool  # a payment plan (instalments); else a promise to pay later (one date)
    dues: list[Due]
    open_cents: int
    phone: str
    hours: str | None


class RefusedURLError(ValueError):
    """A URL the receipt may not fetch: it is not a file under our static folder."""


def local_only(url: str) -> dict[str, Any]:
    """WeasyPrint's url_fetcher: a file under ``static/``, or an error (which WeasyPrint logs
    and goes on without): no network, no other file on the machine."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise RefusedURLError(f"the receipt fetches no {parts.scheme or 'relative'} URL: {url}")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file():
        raise RefusedURLError(f"the receipt uses files under {STATIC} only: {url}")
    return {"string": path.read_bytes(), "filename": path.name, "path": str(path)}


def pdf_from_html(html: str) -> bytes:
    """HTML laid out as a tagged PDF (PDF/UA, so a screen reader can read it), fetching only
    through ``local_only``."""
    fonts = FontConfiguration()
    document = HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=local_only)
    pdf: bytes = document.write_pdf(font_config=fonts, pdf_variant="pdf/ua-1")
    return pdf


def receipt_html(receipt: Receipt) -> str:
    """The receipt's HTML: amounts and dates formatted for the debtor's locale."""
    language = receipt.language
    _ = gettext_for(language)
    coming = next((due for due in receipt.dues if not due.paid), None)
    if coming is None:
        next_step = _("Everything is paid. Thank you!")
    else:
        next_step = _(
            "Your next payment is {amount} on {date}. You can pay it through your personal link."
        ).format(amount=money(coming.left_cents, language), date=day(coming.day, language))
    rows = [
        {
            "number": due.number,
            "day": day(due.day, language),
            "amount": money(due.cents, language),
            "paid": due.paid,
        }
        for due in receipt.dues
    ]
    return (
        _environment()
        .get_template("receipt.html")
        .render(
            _=_,
            lang=language,
            next_step=next_step,
            receipt=receipt,
            rows=rows,
            open_amount=money(receipt.open_cents, language),
            agreed_on=day(receipt.agreed_on, language),
            made_on=day(receipt.made_on, language),
            font_regular=(FONTS / "AtkinsonHyperlegibleNext-Regular.ttf").as_uri(),
            font_bold=(FONTS / "AtkinsonHyperlegibleNext-Bold.ttf").as_uri(),
        )
    )


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as PDF bytes (CPU work of a few hundred milliseconds: call it off the
    event loop)."""
    return pdf_from_html(receipt_html(receipt))


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
