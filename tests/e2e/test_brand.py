"""The creditor's brand in Chromium on a 390x844 phone: the header shows the logo and name and
takes at most 15 % of the screen in every language; the pages of an unknown link, an ended
link and "Is this message real?" pass axe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from app.models import Campaign
from tests.conftest import REPO
from tests.e2e.conftest import PHONE, TIMEZONE, LiveServer, live_server
from tests.e2e.test_accessibility import assert_accessible

MAX_HEADER = 126  # 15 % of 844 px
LANGUAGES = ("nl", "en", "de", "tr", "es")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bundled sample scene (the default brand), served without video."""
    with live_server(
        tmp_path_factory.mktemp("brand"),
        root=REPO,
        scene_id="arrears",
        debtors=REPO / "demo" / "debtors.csv",
        render=False,
    ) as live:
        yield live


def assert_branded_header(page: Page, what: str) -> None:
    """The header: at most 126 px high, nothing in it wider than the phone, the logo shown."""
    header = page.locator("header.bar")
    box = header.bounding_box()
    assert box is not None, what
    assert box["height"] <= MAX_HEADER, f"{what}: the header is {box['height']:.0f} px high"
    logo = header.locator(".creditor img")
    expect(logo).to_be_visible()
    assert logo.get_attribute("alt") == "Demo Energie"
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0"), f"{what}: logo not loaded"
    drawn = logo.bounding_box()
    assert (
        drawn is not None
        and drawn["height"] >= 30
        and drawn["y"] + drawn["height"] <= box["height"]
    )
    expect(header.locator(".creditor-name")).to_have_text("Demo Energie")
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"{what}: the page is {wide} px wide"
    for item in header.locator(".person, .languages a").all():  # every target fits the phone
        place = item.bounding_box()
        assert place is not None and place["x"] >= 0, what
        assert place["x"] + place["width"] <= PHONE["width"] + 0.5, f"{what}: {item.inner_text()}"
        assert place["height"] >= 48, what


def test_the_header_is_small_and_shows_the_creditor_in_every_language(
    page: Page, sample: LiveServer
) -> None:
    token = sample.token("DEMO-TR-1")
    for language in LANGUAGES:
        page.goto(f"{sample.base_url}/v/{token}/text?lang={language}")
        assert_branded_header(page, f"the text version in {language}")
        assert page.title().startswith("Demo Energie: ")
    for path in ("/step/plan?lang=de", "/step/callback?lang=tr", "?lang=es"):
        page.goto(f"{sample.base_url}/v/{token}{path}")
        assert_branded_header(page, path)


@pytest.mark.parametrize(
    ("locale", "language", "heading"),  # Chromium asks for the languages of its locale
    [
        ("fr-FR", "nl", "We kunnen deze pagina niet vinden"),  # none we speak: Dutch
        ("tr-TR", "tr", "Bu sayfayı bulamıyoruz"),
        ("de-DE", "de", "Wir finden diese Seite nicht"),
    ],
)
def test_an_unknown_link_is_a_friendly_page_that_passes_axe(
    browser: Browser, sample: LiveServer, locale: str, language: str, heading: str
) -> None:
    context = browser.new_context(viewport=PHONE, locale=locale, timezone_id=TIMEZONE)
    try:
        page = context.new_page()
        answer = page.goto(f"{sample.base_url}/v/{'Q' * 32}/text")
        assert answer is not None and answer.status == 404
        expect(page.locator("h1")).to_have_text(heading)
        assert page.evaluate("document.documentElement.lang") == language
        expect(page.locator("main a[href^='tel:']")).to_be_visible()
        assert_branded_header(page, f"the unknown link in {language}")
        assert_accessible(page, f"the unknown link in {language}")
    finally:
        context.close()


def test_the_real_message_page_passes_axe_in_every_language(page: Page, sample: LiveServer) -> None:
    token = sample.token("DEMO-NL-1")
    for language in LANGUAGES:
        page.goto(f"{sample.base_url}/v/{token}/real?lang={language}")
        expect(page.locator("main li")).to_have_count(3)
        assert_branded_header(page, f"is this message real? in {language}")
        assert_accessible(page, f"is this message real? in {language}")
    page.goto(f"{sample.base_url}/real?lang=en")
    expect(page.locator("h1")).to_have_text("Is this message real?")
    assert_accessible(page, "is this message real?, from no link")


def test_an_ended_link_shows_the_creditor_and_passes_axe(
    page: Page, sample: LiveServer, tmp_path: Path
) -> None:
    with sample.sessions() as session, session.begin():
        session.execute(update(Campaign).values(expires_at=datetime.now(UTC) - timedelta(days=1)))
    try:
        answer = page.goto(sample.link("DEMO-TR-1"))
        assert answer is not None and answer.status == 410
        assert_branded_header(page, "an ended link")
        assert_accessible(page, "an ended link")
        page.screenshot(path=str(tmp_path / "ended.png"))
    finally:
        with sample.sessions() as session, session.begin():
            session.execute(update(Campaign).values(expires_at=None))
