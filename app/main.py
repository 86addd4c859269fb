"""The web app: the debtor's player and self-service, and the JSON API."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from html import escape
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import session_options
from app.background import start_dispatcher
from app.callers import CallerCache
from app.config import Settings
from app.db import make_engine, session_factory, upgrade
from app.deps import AppState, LinkExpiredError, VerificationRequiredError
from app.event_writer import EventWriter
from app.i18n import gettext_for
from app.locks import BusyError, LinkEndedError
from app.media import Media
from app.outreach.worker import start_sender
from app.payments import make_provider
from app.scenes import SceneBook
from app.web import (
    admin,
    admin_actions,
    admin_cases,
    admin_documents,
    admin_integration,
    admin_messages,
    admin_reminders,
    agreed,
    integration,
    payments,
    personal_video,
    player,
    player_events,
    real_message,
    sms_hooks,
    step_paid,
    steps,
    studio,
    unsubscribe,
    verify,
)
from app.web.debtor_route import with_debtor_headers
from app.web.errors import not_found_page, wants_page
from app.web.steps import PROOF_PATH
from app.web.uploads import BODY_TOO_LARGE, BodyTooLargeError
from app.web.urls import player_url
from render.content import BUNDLED

TEMPLATES = Path(__file__).resolve().parent / "templates"
PROOF_FORM_BYTES = 65_536  # a proof's form fields and multipart headers, beside the file
log = logging.getLogger(__name__)
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = _engine(settings)
    state = _state(settings, engine)
    app = FastAPI(
        title="vidpay",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=_lifespan(state, engine),
    )
    app.state.vidpay = state
    _mount_files(app, settings)
    _include_routers(app)
    _add_error_handlers(app)
    _add_middleware(app, settings)
    return app


def _engine(settings: Settings) -> Engine:
    """The schema is brought up to date and the folders made before the first request, so no
    request pays for them or fails on a missing folder."""
    upgrade(settings.database)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    settings.documents_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return make_engine(settings.database)


def _state(settings: Settings, engine: Engine) -> AppState:
    """What every route shares; made once, so a scene or a caller is read once for all."""
    sessions = session_factory(engine)
    return AppState(
        settings=settings,
        sessions=sessions,
        events=EventWriter(sessions),
        callers=CallerCache(sessions),
        scenes=SceneBook(settings.content),
        media=Media(settings.content, settings.media_dir),
        templates=Jinja2Templates(
            env=Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
        ),
        payments=make_provider(settings),
    )


def _lifespan(state: AppState, engine: Engine) -> Lifespan:
    """The threads beside the server start with it and stop before the connections close."""
    settings = state.settings

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.env != "test":  # ready for a burst of first opens before the first one
            await asyncio.to_thread(state.media.warm, state.scenes)
        gc.collect()
        gc.freeze()  # what start-up built lives forever: keep it out of every collection
        state.events.start()
        # Webhooks and the daily retention purge, in a thread; a purge ends cached links too.
        dispatcher = start_dispatcher(settings, state.sessions, on_purge=state.callers.forget)
        sender = start_sender(settings, state.sessions)  # messages to debtors, in their own thread
        yield
        sender.stop()
        dispatcher.stop()
        state.events.stop()  # writes what is queued before the connections close
        engine.dispose()  # close pooled connections when the server stops
        state.payments.close()

    return lifespan


def _mount_files(app: FastAPI, settings: Settings) -> None:
    """Only the segments (videos, captions, posters) are public, under content-addressed names
    nobody can guess; the manifests (named after debtor ids) and the speech stay private."""
    app.mount("/static", StaticFiles(directory=BUNDLED / "static"), name="static")
    segments = settings.media_dir / "segments"
    segments.mkdir(exist_ok=True)
    app.mount("/media/segments", StaticFiles(directory=segments), name="media")


def _include_routers(app: FastAPI) -> None:
    """The order matters where two routes could match one path."""
    public = (player, personal_video, steps, step_paid, agreed, payments, verify, player_events,
              integration, real_message)  # fmt: skip
    operators = (admin_actions, admin_integration, admin_cases, admin_documents, admin)
    for module in (*public, *operators):  # admin last: /admin/campaigns/new is not an id
        app.include_router(module.router)
    app.include_router(admin_messages.router)  # sending a campaign's links, the preview
    app.include_router(admin_reminders.router)  # a campaign's reminder rules
    app.include_router(studio.router)  # the designers' scenes, graphs, previews
    app.include_router(unsubscribe.router)  # an e-mail's unsubscribe link, one-click too
    app.include_router(sms_hooks.router)  # Sinch's delivery reports and inbound texts (STOP)


def _add_error_handlers(app: FastAPI) -> None:
    """Errors a debtor or a client may meet get a kind answer, never a traceback or a 500."""
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(LinkExpiredError, _expired)  # type: ignore[arg-type]
    app.add_exception_handler(VerificationRequiredError, _verify_first)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(BusyError, _database_busy)
    app.add_exception_handler(LinkEndedError, _link_ended)


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Added innermost first: the security headers go on every answer, a refused body too."""
    app.add_middleware(SessionMiddleware, **session_options(settings))  # the admin pages
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        uploads={"/admin/campaigns/new": settings.max_upload_bytes},
        answered={PROOF_PATH: settings.max_proof_bytes + PROOF_FORM_BYTES},
    )
    from app.web.headers import SecurityHeaders  # outermost: HSTS, nosniff, no-store on /api/

    app.add_middleware(SecurityHeaders, https=settings.https)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """Plain short answers: a 404 for an unknown link says nothing about why (behind the admin
    login it may: an operator is told which endpoint or key is gone); a debtor's browser on a
    ``/v/`` address gets a page in its language with the creditor's phone instead."""
    if exc.status_code == 404 and wants_page(request):
        return not_found_page(request)
    if exc.status_code == 404 and not request.url.path.startswith("/admin/"):
        return PlainTextResponse("Not found", status_code=404)
    headers = getattr(exc, "headers", None)  # e.g. WWW-Authenticate on a 401
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
    return PlainTextResponse(str(exc.detail), status_code=exc.status_code, headers=headers)


async def _expired(request: Request, exc: LinkExpiredError) -> Response:
    """An ended campaign: say so kindly, and how to reach a person (410 Gone)."""
    from app.web.player import page_context

    state: AppState = request.app.state.vidpay
    token = request.path_params.get("token", "")
    context = page_context(request, exc.visit, token, title=exc.visit._("This link has ended"))
    page = state.templates.TemplateResponse(request, "expired.html", context, status_code=410)
    return with_debtor_headers(page)


async def _verify_first(request: Request, exc: VerificationRequiredError) -> Response:
    """The campaign asks debtors to verify themselves: ask, then come back to this page."""
    token = request.path_params.get("token", "")
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or request.url.path.endswith(".json"):  # a form, the player's data
        here = player_url(token, exc.visit.language)
    target = verify.safe_next(here, token, exc.visit.language)
    return with_debtor_headers(verify.verify_page(request, exc.visit, token, target))


async def _link_ended(request: Request, exc: Exception) -> Response:
    """Purged or ended while the request was on its way: as if the link were unknown."""
    if wants_page(request):
        return not_found_page(request)
    return PlainTextResponse("Not found", status_code=404, headers={"Cache-Control": "no-store"})


async def _database_busy(request: Request, exc: Exception) -> Response:
    """A lock not had in time, or the database away: nothing was stored, say so (503) and
    when to try again, in the language the page asked for; never a 500 or a hang."""
    log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
    _ = gettext_for(request.query_params.get("lang") or "en")
    message = _("We are very busy right now. Nothing was saved; please try again.")
    headers = {"Retry-After": "5", "Cache-Control": "no-store"}
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": "try again"}, status_code=503, headers=headers)
    return PlainTextResponse(message, status_code=503, headers=headers)


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes before anything reads them whole."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        uploads: dict[str, int] | None = None,
        answered: dict[re.Pattern[str], int] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.uploads = uploads or {}  # paths that take a file, and their own limit
        # Paths (patterns) with their own limit whose route answers a body over it with its
        # own page (a debtor's, in their language): the route is told, the body is not read.
        self.answered = answered or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        own = next((n for pattern, n in self.answered.items() if pattern.fullmatch(path)), None)
        limit = self.uploads.get(path, self.limit) if own is None else own
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            if own is None:
                await self._too_large(path, limit)(scope, receive, send)
                return
            scope[BODY_TOO_LARGE] = True
            await self.app(scope, _unread(receive), send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLargeError(status_code=413, detail=self._message(path, limit))
            return message

        await self.app(scope, counted, send)

    def _message(self, path: str, limit: int) -> str:
        if path in self.uploads:
            return (
                f"The file is larger than {limit / 1_000_000:g} MB, the most that can be "
                "uploaded here. Split the CSV into smaller files and import each as a campaign."
            )
        return "Request too large"

    def _too_large(self, path: str, limit: int) -> Response:
        if path not in self.uploads:
            return PlainTextResponse(self._message(path, limit), status_code=413)
        page = (
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>File too large</title>'
            f"<main><h1>File too large</h1><p>{escape(self._message(path, limit))}</p>"
            f'<p><a href="{escape(path)}">Back</a></p></main></html>'
        )
        return HTMLResponse(page, status_code=413)


def _unread(receive: Receive) -> Receive:
    """A body that is not read: empty to the app, what the client sends is let go unseen."""
    given = False

    async def empty() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message

    return empty
