"""The creditor's brand on the debtor's pages: header, title, the "Is this message real?" page,
and the friendly page of a link nobody knows, in the browser's language."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Campaign
from app.web.errors import accepted_language
from tests.conftest import REPO

NL, TR, DE = "DEMO-NL-1", "DEMO-TR-1", "DEMO-DE-1"
LOGO = '<img src="/static/brand/default/logo.svg" alt="Demo Energie" width="40" height="40">'
UNKNOWN = "/v/" + "Q" * 32


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found, page[:300]
    return found.group(1).strip()


def test_every_debtor_page_names_the_creditor_in_the_header_and_the_title(
    web: TestClient, campaign: dict[str, str]
) -> None:
    token = campaign[NL]
    for path in (
        f"/v/{token}",
        f"/v/{token}/text",
        f"/v/{token}/step/plan",
        f"/v/{token}/step/already_paid",
        f"/v/{token}/real",
    ):
        page = web.get(path + "?lang=nl")
        assert page.status_code == 200, path
        assert LOGO in page.text, path  # alt is the creditor's name, the size is fixed
        assert '<span class="creditor-name" aria-hidden="true">Demo Energie</span>' in page.text
        assert _title(page.text).startswith("Demo Energie: "), path
        assert f'href="/v/{token}/real?lang=nl"' in page.text or path.endswith("/real")
    assert _title(web.get(f"/v/{token}?lang=nl").text) == "Demo Energie: uw betaling"
    assert _title(web.get(f"/v/{token}?lang=tr").text) == "Demo Energie: ödemeniz"
    assert _title(web.get(f"/v/{token}/text?lang=en").text) == "Demo Energie: your payment"


def test_the_header_keeps_the_ways_to_a_person_and_the_languages(
    web: TestClient, campaign: dict[str, str]
) -> None:
    page = web.get(f"/v/{campaign[DE]}").text
    header = page[page.index('<header class="bar">') : page.index("</header>")]
    assert '<a class="person" href="tel:+31100000000">' in header
    assert '<span class="person-label">Persönliches Gespräch: </span>' in header
    assert '<span class="nowrap">+31 10 000 0000</span>' in header
    for name in ("Nederlands", "English", "Deutsch", "Türkçe", "Español"):
        assert f">{name}</a>" in header


def test_the_verification_and_the_expired_page_show_the_brand_too(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[TR]
    db.execute(update(Campaign).values(verify="postcode"))
    db.commit()
    asked = web.get(f"/v/{token}")
    assert LOGO in asked.text  # the postcode is asked under the creditor's name
    assert _title(asked.text) == "Demo Energie: ödemeniz"
    db.execute(update(Campaign).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.commit()
    ended = web.get(f"/v/{token}")
    assert ended.status_code == 410 and LOGO in ended.text
    assert _title(ended.text).startswith("Demo Energie: ")
    assert 'href="tel:+31100000000"' in ended.text and f"/v/{token}/real?lang=tr" in ended.text


REAL = {
    "nl": ("Is dit bericht echt?", "Onze links beginnen altijd met http://127.0.0.1:8000."),
    "en": ("Is this message real?", "Our links always start with http://127.0.0.1:8000."),
    "de": ("Ist diese Nachricht echt?", "Unsere Links beginnen immer mit http://127.0.0.1:8000."),
    "tr": ("Bu mesaj gerçek mi?", "Bağlantılarımız her zaman http://127.0.0.1:8000 ile başlar."),
    "es": ("¿Es real este mensaje?", "siempre empiezan por http://127.0.0.1:8000."),
}
NEVER = {
    "nl": "pincode",
    "en": "We never ask for your PIN",
    "de": "Wir fragen nie nach Ihrer PIN",
    "tr": "PIN kodunuzu",
    "es": "Nunca le pedimos su PIN",
}


@pytest.mark.parametrize("language", list(REAL))
def test_the_real_message_page_in_each_language(
    web: TestClient, campaign: dict[str, str], language: str
) -> None:
    token = campaign[NL]
    heading, site = REAL[language]
    for path in (f"/v/{token}/real?lang={language}", f"/real?lang={language}"):
        page = web.get(path)
        assert page.status_code == 200, path
        assert f'<html lang="{language}">' in page.text
        assert f"<h1>{heading}</h1>" in page.text and site in page.text
        assert NEVER[language] in page.text
        assert 'href="tel:+31100000000"' in page.text  # the creditor's phone
        assert "Demo Energie" in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    own = web.get(f"/v/{token}/real?lang={language}").text
    assert f'href="/v/{token}?lang={language}"' in own  # back to the debtor's own page


def test_the_real_message_page_asks_for_no_verification(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    db.execute(update(Campaign).values(verify="postcode"))
    db.commit()
    page = web.get(f"/v/{campaign[NL]}/real?lang=nl")
    assert page.status_code == 200 and "<h1>Is dit bericht echt?</h1>" in page.text
    assert "148,20" not in page.text  # and shows nothing of the case


@pytest.mark.parametrize(
    ("header", "language", "heading"),
    [
        ("", "nl", "We kunnen deze pagina niet vinden"),
        ("fr-FR,fr;q=0.9", "nl", "We kunnen deze pagina niet vinden"),
        ("tr-TR,tr;q=0.9,en;q=0.8", "tr", "Bu sayfayı bulamıyoruz"),
        ("en;q=0.5, de-DE", "de", "Wir finden diese Seite nicht"),
        ("es", "es", "No encontramos esta página"),
    ],
)
def test_an_unknown_link_gets_a_page_in_the_browsers_language(
    web: TestClient, campaign: dict[str, str], header: str, language: str, heading: str
) -> None:
    for path in (UNKNOWN, UNKNOWN + "/text", "/v/typo", UNKNOWN + "/step/plan"):
        page = web.get(path, headers={"Accept-Language": header} if header else {})
        assert page.status_code == 404, path
        assert f'<html lang="{language}">' in page.text
        assert f"<h1>{heading}</h1>" in page.text
        assert 'href="tel:+31100000000"' in page.text and "Demo Energie" in page.text
        assert "Not found" not in page.text and "Traceback" not in page.text
        assert page.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_an_unknown_link_follows_a_language_chosen_on_the_page(web: TestClient) -> None:
    page = web.get(UNKNOWN + "?lang=en", headers={"Accept-Language": "tr"})
    assert page.status_code == 404 and "<h1>We cannot find this page</h1>" in page.text
    assert 'href="?lang=tr"' in page.text  # the languages, on the same address
    assert web.post(UNKNOWN + "/text", data={"node": "x", "target": "y"}).status_code == 404


def test_data_of_an_unknown_link_stays_a_plain_404(web: TestClient) -> None:
    for path in (UNKNOWN + "/manifest/nl.json", UNKNOWN + "/agreed.ics"):
        assert (web.get(path).status_code, web.get(path).text) == (404, "Not found")


def test_accept_language_is_read_by_weight_and_falls_back_to_dutch() -> None:
    assert accepted_language("tr-TR,tr;q=0.9,en-US;q=0.8") == "tr"
    assert accepted_language("fr;q=1, es;q=0.3, de;q=0.7") == "de"
    assert accepted_language("*, fr") == "nl"
    assert accepted_language("de;q=0, en;q=bad") == "nl"
    assert accepted_language("") == "nl"


@pytest.fixture
def noordstroom(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A content root whose scene is sent for Noordstroom (the second sample brand)."""
    root = tmp_path / "noordstroom-root"
    (root / "scenes").mkdir(parents=True)
    shutil.copytree(REPO / "translations", root / "translations")
    scene = (REPO / "scenes" / "arrears.yaml").read_text(encoding="utf-8")
    assert "brand: default" in scene
    (root / "scenes" / "arrears.yaml").write_text(
        scene.replace("brand: default", "brand: noordstroom"), encoding="utf-8"
    )
    yield settings.model_copy(update={"root": root})


def test_a_scene_of_another_brand_shows_that_creditor(
    noordstroom: Settings, tmp_path: Path
) -> None:
    from app.db import make_engine, session_factory, transaction
    from app.main import create_app
    from tests.factories import make_campaign, tokens

    with TestClient(create_app(noordstroom), follow_redirects=False) as client:
        engine = make_engine(noordstroom.database)
        with transaction(session_factory(engine)) as session:
            made = make_campaign(session, noordstroom.content, key=noordstroom.key, name="N")
            link = "/v/" + tokens(session, made.id, key=noordstroom.key)[NL]
        engine.dispose()
        page = client.get(f"{link}?lang=de").text
        assert _title(page) == "Noordstroom: Ihre Zahlung"
        assert (
            '<img src="/static/brand/noordstroom/logo.svg" alt="Noordstroom" width="40" height="40">'
            in page
        )
        real = client.get(f"{link}/real?lang=nl").text
        assert "Noordstroom stuurt u een persoonlijke link" in real
        assert 'href="https://noordstroom.example"' in real  # the brand's website
        # a link nobody knows has no scene: the content root's default brand
        assert "Demo Energie" in client.get(UNKNOWN).text


def test_a_content_roots_own_logo_is_inlined(settings: Settings, tmp_path: Path) -> None:
    from app.main import create_app

    root = tmp_path / "own-root"
    brand = root / "static" / "brand" / "default"
    brand.mkdir(parents=True)
    theme = (REPO / "static" / "brand" / "default" / "theme.toml").read_text(encoding="utf-8")
    (brand / "theme.toml").write_text(
        theme.replace('display_name = "Demo Energie"', 'display_name = "Waterbedrijf Oost"')
        .replace("brand/default/logo.svg", "brand/default/own.svg")
        .replace('phone = "+31 10 000 0000"', 'phone = "+31 26 000 0000"'),
        encoding="utf-8",
    )
    (brand / "own.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 80 40"><rect width="80" height="40"/></svg>',
        encoding="utf-8",
    )
    own = settings.model_copy(update={"root": root})
    with TestClient(create_app(own), follow_redirects=False) as client:
        page = client.get(UNKNOWN, headers={"Accept-Language": "en"}).text
    assert 'src="data:image/svg+xml;base64,' in page
    assert 'alt="Waterbedrijf Oost" width="80" height="40"' in page
    assert _title(page) == "Waterbedrijf Oost: We cannot find this page"
    assert 'href="tel:+31260000000"' in page


def test_a_broken_brand_does_not_break_the_page(settings: Settings, tmp_path: Path) -> None:
    from app.main import create_app

    root = tmp_path / "broken-root"
    (root / "static" / "brand" / "default").mkdir(parents=True)
    (root / "static" / "brand" / "default" / "theme.toml").write_text("name = \n")
    broken = settings.model_copy(update={"root": root})
    with TestClient(create_app(broken), follow_redirects=False) as client:
        page = client.get(UNKNOWN)
    assert page.status_code == 404 and "Demo Energie" in page.text  # the configured creditor
    header = page.text[page.text.index("<header") : page.text.index("</header>")]
    assert "<img" not in header and '<span class="creditor-name">Demo Energie</span>' in header


def test_the_e_mail_leads_to_the_real_message_page() -> None:
    from app.outreach.texts import Addressee, link_letter

    link = "https://pay.example.org/v/" + "T" * 32
    to = Addressee("Ayşe", "tr", 12345, link, link + "/unsubscribe", "Demo Energie")
    letter = link_letter(to)
    assert f'<a href="{link}/real?lang=tr"' in letter.html
    assert "Demo Energie" in letter.html and "Demo Energie" in letter.text


def test_a_brand_colours_the_debtor_pages_with_its_checked_pairs(
    web: TestClient, campaign: dict[str, str]
) -> None:
    page = web.get(f"/v/{campaign['DEMO-NL-1']}?lang=nl").text
    assert '<link rel="stylesheet" href="/brand/default.css">' in page
    css = web.get("/brand/noordstroom.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.text == (
        ":root { --bar: #0e5a44; --on-bar: #ffffff; --accent: #9be3c9; --on-accent: #0b2e24; }\n"
    )
    for wrong in ("nobody", "..%2Fsecret", "default.css%00"):
        assert web.get(f"/brand/{wrong}.css").status_code == 404


def test_a_brand_with_a_font_of_its_own_sets_it_on_the_pages_too(
    settings: Settings, tmp_path: Path
) -> None:
    from app.main import create_app

    root = tmp_path / "font-root"
    brand = root / "static" / "brand" / "house"
    brand.mkdir(parents=True)
    fonts = REPO / "static" / "fonts"
    for weight, bundled in (("regular", "Regular"), ("bold", "Bold")):  # a house font's files
        shutil.copy(
            fonts / f"AtkinsonHyperlegibleNext-{bundled}.ttf", brand / f"house-{weight}.ttf"
        )
    theme = (REPO / "static" / "brand" / "default" / "theme.toml").read_text(encoding="utf-8")
    (brand / "theme.toml").write_text(
        theme.replace(
            "fonts/AtkinsonHyperlegibleNext-Regular.ttf", "brand/house/house-regular.ttf"
        ).replace("fonts/AtkinsonHyperlegibleNext-Bold.ttf", "brand/house/house-bold.ttf"),
        encoding="utf-8",
    )
    own = settings.model_copy(update={"root": root})
    with TestClient(create_app(own), follow_redirects=False) as client:
        css = client.get("/brand/house.css").text
        bold = client.get("/brand/house/bold.ttf")
        wrong = [
            client.get(path).status_code
            for path in ("/brand/house/italic.ttf", "/brand/house/bold.otf",
                         "/brand/nobody/bold.ttf", "/brand/..%2Fdefault/bold.ttf")
        ]  # fmt: skip
        bundled = client.get("/brand/default.css").text
    assert 'src: url("/brand/house/regular.ttf")' in css and "font-weight: 700" in css
    assert '--font: "vidpay brand", "Atkinson Hyperlegible Next"' in css
    assert bold.status_code == 200 and bold.headers["content-type"] == "font/ttf"
    assert bold.content == (brand / "house-bold.ttf").read_bytes()
    assert wrong == [404, 404, 404, 404]
    assert "@font-face" not in bundled and "--font" not in bundled  # the pages' font already
