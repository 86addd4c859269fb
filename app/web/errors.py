"""The page of a link nobody knows: a mistyped, cut-off or purged ``/v/...`` link.

It says nothing about why (whether the token ever existed), in the browser's language
(``?lang=``, else ``Accept-Language``, else Dutch), with the creditor of the content root's
default brand and how to reach them. The status stays 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from app.brand import Brand, default_brand
from app.i18n import LANGUAGES, gettext_for, language_name
from app.web.debtor_route import with_debtor_headers

FALLBACK_LANGUAGE = "nl"
DATA_SUFFIXES = (".json", ".mp4", ".vtt", ".ics", ".pdf")  # a script's or a player's, not a page


def wants_page(request: Request) -> bool:
    """A debtor's browser opening a ``/v/`` address (not the player fetching its data)."""
    path = request.url.path
    return path.startswith("/v/") and not path.endswith(DATA_SUFFIXES)


def browser_language(request: Request) -> str:
    """``?lang=``, else the first of ``Accept-Language`` we speak (by weight), else Dutch."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    return accepted_language(request.headers.get("accept-language", ""))


def accepted_language(header: str, offered: tuple[str, ...] = LANGUAGES) -> str:
    """The language of an ``Accept-Language`` header that we offer: ``tr-TR,tr;q=0.9`` is tr."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-weight, index, tag.strip().split("-")[0].lower()))
    for weight, _, language in sorted(ranked):
        if weight < 0 and language in offered:
            return language
    return FALLBACK_LANGUAGE


def site_of(request: Request) -> str:
    """Where the personal links start: ``https://host`` of the configured base address."""
    parts = urlsplit(request.app.state.vidpay.settings.base_url)
    return f"{parts.scheme}://{parts.netloc}"


def brand_page_context(
    request: Request, language: str, brand: Brand, **extra: Any
) -> dict[str, Any]:
    """A page without a debtor: the default brand's name, logo and phone in the header."""
    return {
        "request": request,
        "_": gettext_for(language),
        "lang": language,
        "languages": [(code, language_name(code)) for code in LANGUAGES],
        "phone": brand.phone,
        "brand": brand,
        "real_link": f"/real?lang={language}",
        **extra,
    }


def not_found_page(request: Request) -> Response:
    """The friendly 404 of a ``/v/`` link."""
    language = browser_language(request)
    brand = default_brand(request)
    _ = gettext_for(language)
    context = brand_page_context(request, language, brand, title=_("We cannot find this page"))
    templates = request.app.state.vidpay.templates
    page = templates.TemplateResponse(request, "not_found.html", context, status_code=404)
    page.headers["Cache-Control"] = "no-store"
    page.headers["Vary"] = "Accept-Language"
    return with_debtor_headers(page)
