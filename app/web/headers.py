"""Headers on every answer, whatever answered it (a route, a static file, an error handler):

- ``Strict-Transport-Security`` when the site is served over https (``Settings.https``);
- ``X-Content-Type-Options: nosniff``: media, captions and scripts are what their type says;
- ``Cache-Control: no-store`` on the JSON API under ``/api/`` (outcomes of debtors).

A header the answer sets itself is kept. Installed last in ``create_app``, so that it is the
outermost middleware and sees the body limit's 413 too.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"  # a year, and every subdomain
NO_STORE_PREFIXES = ("/api/",)
# On every page with a person's data (admin and debtor pages): kept out of caches, frames and
# other sites' referrers.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    """Pure ASGI middleware: ``app.add_middleware(SecurityHeaders, https=settings.https)``."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = {"X-Content-Type-Options": "nosniff"}
        if self.https:
            extra["Strict-Transport-Security"] = HSTS
        if str(scope["path"]).startswith(NO_STORE_PREFIXES):
            extra["Cache-Control"] = "no-store"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
