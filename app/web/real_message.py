""" "Is this message real?": how a debtor checks that a message from the creditor is real
(the address the links start with, what we never ask, a number they already know)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.brand import brand_of, default_brand, visit_brand
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


@router.get("/brand/{key}.css")
def brand_colours(key: str, state: StateDep) -> Response:
    """The brand's colours for the debtor pages (a stylesheet: the pages' policy allows no
    inline styles). Only a brand folder of the content root can be named."""
    settings = state.settings
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", key) or settings.content.brand_dir(key) is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    brand = brand_of(settings.content, key, fallback=settings.creditor_name)
    return Response(
        brand.style, media_type="text/css", headers={"Cache-Control": "public, max-age=300"}
    )
