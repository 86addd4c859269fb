""" "Is this message real?": how a debtor checks that a message from the creditor is real
(the address the links start with, what we never ask, a number they already know)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from app.brand import FONT_TYPES, Brand, brand_of, default_brand, visit_brand
from app.deps import StateDep, UnverifiedVisitDep
from app.i18n import gettext_for
from app.web.debtor_route import DebtorRoute
from app.web.errors import brand_page_context, browser_language, site_of
from app.web.player import page_context
from app.web.urls import player_url

router = APIRouter(route_class=DebtorRoute)


@router.get("/real", response_class=HTMLResponse)
def real_message(request: Request, state: StateDep) -> Response:
    """For anyone who got a message: the default brand's page, in the browser's language."""
    language = browser_language(request)
    brand = default_brand(request)
    context = brand_page_context(
        request, language, brand, title=gettext_for(language)("Is this message real?"),
        site=site_of(request), website=brand.website, back=None,
    )  # fmt: skip
    return state.templates.TemplateResponse(request, "real.html", context)


@router.get("/v/{token}/real", response_class=HTMLResponse)
def real_message_for(
    request: Request, token: str, visit: UnverifiedVisitDep, state: StateDep
) -> Response:
    """From a debtor's own pages: their creditor and the scene's phone; asks for nothing."""
    brand = visit_brand(request, visit)
    context = page_context(
        request, visit, token, title=visit._("Is this message real?"), site=site_of(request),
        website=brand.website, back=player_url(token, visit.language),
    )  # fmt: skip
    context["real_link"] = None  # this is the page
    return state.templates.TemplateResponse(request, "real.html", context)


@router.get("/brand/{key}/{weight}.{suffix}")
def brand_font(key: str, weight: str, suffix: str, state: StateDep) -> Response:
    """The brand's own font for the debtor pages (see ``app.brand.font_style``): only the two
    weights its theme names, of a brand folder of the content root."""
    brand = _known_brand(key, state)
    path = brand.fonts.get(weight) if brand else None
    kind = FONT_TYPES.get(path.suffix.lower()) if path else None
    if path is None or kind is None or path.suffix.lower() != f".{suffix.lower()}":
        return _not_found()
    return FileResponse(path, media_type=kind, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/brand/{key}.css")
def brand_colours(key: str, state: StateDep) -> Response:
    """The brand's colours for the debtor pages (a stylesheet: the pages' policy allows no
    inline styles). Only a brand folder of the content root can be named."""
    brand = _known_brand(key, state)
    if brand is None:
        return _not_found()
    return Response(
        brand.style, media_type="text/css", headers={"Cache-Control": "public, max-age=300"}
    )


def _known_brand(key: str, state: StateDep) -> Brand | None:
    """The brand of a folder of the content root (cached while its theme is unchanged), or
    None for any other name: a path cannot leave the brand folders."""
    settings = state.settings
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", key) or settings.content.brand_dir(key) is None:
        return None
    return brand_of(settings.content, key, fallback=settings.creditor_name)


def _not_found() -> Response:
    return Response("Not found", status_code=404, media_type="text/plain")
