"""Browser tests: the e2e scene rendered once, the app served for real, Chromium driving it.

The session's server renders ``tests/data/e2e`` (both languages) into a temporary media
folder, imports its debtors into a temporary SQLite database and serves ``create_app`` with
uvicorn in a background thread. The tests read what happened back from that database.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.campaigns import import_campaign, links, read_rows
from app.config import Settings
from app.db import make_engine, session_factory, transaction, upgrade
from app.main import create_app
from app.models import Debtor, Event
from render.content import ContentRoot
from render.pipeline import render_scene
from render.validate import load_scene

E2E = Path(__file__).resolve().parent.parent / "data" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEZONE = "Europe/Amsterdam"


@dataclass
class LiveServer:
    """The app served on a free port, with its database and the debtors' personal links."""

    base_url: str
    settings: Settings
    sessions: sessionmaker[Session]
    links: dict[str, str] = field(default_factory=dict)  # reference -> link

    def link(self, reference: str, **query: str) -> str:
        """A debtor's link, e.g. ``link("E2E-1", node="menu")``."""
        url = self.links[reference]
        if query:
            url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
        return url

    def token(self, reference: str) -> str:
        return self.links[reference].rsplit("/", 1)[1]

    def text_link(self, reference: str, language: str) -> str:
        return f"{self.base_url}/v/{self.token(reference)}/text?lang={language}"

    def debtor(self, session: Session, reference: str) -> Debtor:
        return session.scalars(select(Debtor).where(Debtor.reference == reference)).one()

    def events(self, reference: str, kind: str | None = None) -> list[Event]:
        with self.sessions() as session:
            query = select(Event).where(Event.debtor_id == self.debtor(session, reference).id)
            if kind is not None:
                query = query.where(Event.type == kind)
            return list(session.scalars(query.order_by(Event.id)))

    def add_debtor(self, like: str, folder: Path, *, postcode: str | None = None) -> str:
        """A new debtor, a copy of ``like`` under a reference of their own, in a campaign of
        their own (asking for ``postcode`` when given); returns the reference.

        For a test that commits something: the session's debtors are shared by every test,
        and what one test agreed for them (a plan, a promise) another cannot agree again."""
        lines = (E2E / "debtors.csv").read_text(encoding="utf-8").splitlines()
        original = next(line for line in lines if line.startswith(like + ","))
        reference = f"{like}-{uuid.uuid4().hex[:8]}"
        row = reference + original[original.index(",") :]
        csv = folder / f"{reference}.csv"
        extra = ("," + "postcode", "," + postcode) if postcode else ("", "")
        csv.write_text(f"{lines[0]}{extra[0]}\n{row}{extra[1]}\n", encoding="utf-8")
        content = ContentRoot(E2E)
        scene = load_scene(content.find_scene("e2e"), content)
        verify = "postcode" if postcode else None
        with transaction(self.sessions) as session:
            rows = read_rows(csv, scene, verify=verify)
            campaign = import_campaign(
                session, scene=scene, rows=rows, name=reference, key=self.settings.key,
                verify=verify,
            )  # fmt: skip
            ((_, link),) = links(
                session, campaign.id, key=self.settings.key, base_url=self.base_url
            )
        self.links[reference] = link
        return reference

    def manifest(self, reference: str, language: str) -> dict[str, Any]:
        url = f"{self.base_url}/v/{self.token(reference)}/manifest/{language}.json"
        with urlopen(url, timeout=60) as response:
            data: dict[str, Any] = json.load(response)
        return data


@contextmanager
def live_server(
    work: Path,
    *,
    warm: bool = True,
    root: Path = E2E,
    scene_id: str = "e2e",
    debtors: Path | None = None,
    render: bool = True,
    database_url: str | None = None,
    allow_private_webhooks: bool = False,
) -> Iterator[LiveServer]:
    """Render the scene into ``work``, import its debtors, serve the app until the end.

    The e2e scene by default; ``render=False`` serves a content root without any video, for
    the pages that need none (the text version, the steps). ``database_url`` serves another
    database than the SQLite file in ``work`` (an empty one)."""
    content = ContentRoot(root)
    scene = load_scene(content.find_scene(scene_id), content)
    media = work / "media"
    if render:
        render_scene(scene, content, media, languages=scene.languages)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings = Settings(
        env="test",
        root=root,
        var=work / "var",
        media=media,
        base_url=base_url,
        secret_key="e2e-tests-secret",
        database_url=database_url,
        allow_private_webhooks=allow_private_webhooks,
    )
    upgrade(settings.database)
    engine = make_engine(settings.database)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        rows = read_rows(debtors or root / "debtors.csv", scene)
        campaign = import_campaign(session, scene=scene, rows=rows, name=scene_id, key=settings.key)
        found = dict(links(session, campaign.id, key=settings.key, base_url=base_url))
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", access_log=False, ws="none", lifespan="on", loop="asyncio"
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        live = LiveServer(base_url, settings, sessions, found)
        if warm and render:  # each debtor's personal segments, rendered now rather than in a test
            for reference in found:
                for language in scene.languages:
                    live.manifest(reference, language)
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()
        engine.dispose()  # the app's own engine is disposed by its lifespan, on shutdown


def today() -> date:
    """The server's today (it plans dates in the Amsterdam time zone)."""
    return datetime.now(ZoneInfo(TIMEZONE)).date()


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium; Playwright's own browsers are never downloaded."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("e2e")) as live:
        yield live


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone-sized page; a script error on it fails the test. Playwright's waiting for a
    JavaScript condition evaluates a string, which the pages' policy forbids: it is bypassed
    here, and ``strict_page`` keeps it."""
    context = browser.new_context(
        viewport=PHONE, locale="en-GB", timezone_id=TIMEZONE, bypass_csp=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def text_page(browser: Browser) -> Iterator[Page]:
    """A page with JavaScript switched off, for the text-only version."""
    context = browser.new_context(
        viewport=PHONE, locale="en-GB", timezone_id=TIMEZONE, java_script_enabled=False
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def strict_page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A phone-sized page under the pages' own Content-Security-Policy, with the console
    messages about anything the policy blocked."""
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id=TIMEZONE)
    context.set_default_timeout(20_000)
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: blocked.append(str(error)))
    yield page, blocked
    context.close()
