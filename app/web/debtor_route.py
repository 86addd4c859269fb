"""Headers for every page a debtor sees: personal data stays out of caches, frames and
referrers, and the page runs only our own scripts and styles."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.web.headers import SECURITY_HEADERS

# No form-action: a payment form is answered with a redirect to the provider's checkout.
DEBTOR_CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; script-src 'self'; "
    "style-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class DebtorRoute(APIRoute):
    """A route of the debtor's pages: ``APIRouter(route_class=DebtorRoute)``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def debtor_handler(request: Request) -> Response:
            return with_debtor_headers(await handler(request))

        return debtor_handler


def with_debtor_headers(response: Response) -> Response:
    """The debtor pages' headers, unless the page set its own; also for the pages that
    exception handlers answer with (an ended link, the verification question)."""
    for name, value in {**SECURITY_HEADERS, "Content-Security-Policy": DEBTOR_CSP}.items():
        response.headers.setdefault(name, value)
    return response
