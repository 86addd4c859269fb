"""The ``vidpay`` command's shared parts: the app, common options and helpers.

Exit codes: 0 when all is well, 1 when content or data has problems, 2 on a usage error.
The database modules are imported inside the helpers that use them, so that ``vidpay
validate`` or ``vidpay render`` do not pay for SQLAlchemy and Alembic at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, ProgressColumn

from app.models.base import MAX_ID
from render.content import ContentRoot, SceneNotFoundError
from render.problems import ContentError, Problem
from render.scene import Scene
from render.validate import load_scene

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from app.config import Settings

PROBLEMS = 1  # content or data has problems, or a render failed
USAGE = 2  # a wrong option or argument, or something named that is not there
app = typer.Typer(
    help="Interactive, personalised video for customer-friendly debt collection.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _group(name: str, help: str) -> typer.Typer:
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


# Every command group, here in the order `vidpay --help` lists them rather than in the order
# their modules happen to be imported; the comment says where each group's commands are.
i18n_app = _group("i18n", "Translate scenes with gettext catalogues (Babel).")  # content
user_app = _group("user", "Users of the admin pages: operators and designers.")  # admin
export_app = _group("export", "Write a scene for another channel.")  # export
db_app = _group("db", "The database.")  # operations
campaign_app = _group(  # campaign; render in workers
    "campaign", "Campaigns: import debtors, print links and outcomes."
)
apikey_app = _group("apikey", "API keys for the integration API.")  # integration
webhook_app = _group("webhook", "Webhook endpoints that receive outcomes.")  # integration
webhooks_app = _group("webhooks", "Webhook deliveries (the outbox).")  # integration
outbox_app = _group("outbox", "The outbox: messages to debtors.")  # outreach
voice_app = _group(  # voice, voice_recordings
    "voice", "The voice-over: check that it is understood, record it with people."
)

CampaignId = Annotated[
    int, typer.Argument(min=1, max=MAX_ID, help="The campaign's id.", show_default=False)
]

RootOption = Annotated[
    Path,
    typer.Option(
        "--root", help="Content root: a folder with scenes/, translations/, voiceovers/, static/."
    ),
]
ScenesArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="Scene ids or paths; none means every scene in ROOT/scenes.", show_default=False
    ),
]


def warn(message: str) -> None:
    """Said on standard error, so that standard output stays the command's result."""
    typer.echo(f"vidpay: {message}", err=True)


def fail(message: str, *, code: int = USAGE) -> typer.Exit:
    """Every command fails the same way, so scripts can tell a usage error (2) from problems
    in content or data (1): raise what this returns."""
    warn(message)
    return typer.Exit(code)


def progress_bar(*columns: ProgressColumn) -> Progress:
    """Drawn on standard error and only on a terminal, and wiped when done: a log or a pipe
    gets the command's summary alone."""
    console = Console(stderr=True)
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)


@contextmanager
def database(settings: Settings, *, pooled: bool = False) -> Iterator[sessionmaker[Session]]:
    """Sessions on an up-to-date schema (migrating is quick when there is nothing to do); every
    connection is closed when the block ends. ``pooled=True`` for work that keeps sessions
    open side by side, such as a render or the sender."""
    from app.db import make_engine, session_factory, upgrade

    upgrade(settings.database)
    engine = make_engine(settings.database, pooled=pooled)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


@contextmanager
def transaction(settings: Settings) -> Iterator[Session]:
    """A command's change in one transaction: all of it is kept, or none on an error."""
    from app.db import transaction as begun

    with database(settings) as sessions, begun(sessions) as session:
        yield session


def content_root(path: Path) -> ContentRoot:
    if not path.is_dir():
        raise fail(f"content root {path} is not a folder")
    return ContentRoot(path)


def scene_paths(root: ContentRoot, names: list[str] | None) -> list[Path]:
    try:
        paths = [root.find_scene(name) for name in names] if names else root.scene_files()
    except SceneNotFoundError as exc:
        raise fail(str(exc)) from exc
    if not paths:
        raise fail(f"no scenes in {root.scenes_dir}")
    return paths


def check_known(scene: Scene, *, languages: Iterable[str] = (), nodes: Iterable[str] = ()) -> None:
    """A typo in --lang or --node is refused before any work starts, with the names there are
    to pick from."""
    for kind, names, known in (
        ("language", languages, scene.languages),
        ("node", nodes, scene.nodes),
    ):
        unknown = [name for name in names if name not in known]
        if unknown:
            raise fail(f"scene '{scene.id}' has no {kind} '{unknown[0]}' ({', '.join(known)})")


def report(problems: list[Problem]) -> None:
    for problem in sorted(problems):
        typer.echo(str(problem))


def counted(count: int, noun: str) -> str:
    """``1 error``, ``2 errors``: a count with its noun in correct English."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def load_one_scene(content: ContentRoot, name: str, *, catalogues: bool = True) -> Scene:
    """The scene named on the command line; its problems printed and exit 1 when it has any."""
    path = scene_paths(content, [name])[0]
    try:
        return load_scene(path, content, catalogues=catalogues)
    except ContentError as exc:
        report(exc.problems)
        raise typer.Exit(1) from exc
