"""The ``vidpay`` command's shared parts: the app, common options and helpers.

Exit codes: 0 when all is well, 1 when content or data has problems, 2 on a usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.models.base import MAX_ID
from render.content import ContentRoot, SceneNotFoundError
from render.problems import ContentError, Problem
from render.scene import Scene
from render.validate import load_scene

app = typer.Typer(
    help="Interactive, personalised video for customer-friendly debt collection.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
i18n_app = typer.Typer(
    help="Translate scenes with gettext catalogues (Babel).", no_args_is_help=True
)
app.add_typer(i18n_app, name="i18n")

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


def fail_usage(message: str) -> typer.Exit:
    typer.echo(f"vidpay: {message}", err=True)
    return typer.Exit(2)


def content_root(path: Path) -> ContentRoot:
    if not path.is_dir():
        raise fail_usage(f"content root {path} is not a folder")
    return ContentRoot(path)


def scene_paths(root: ContentRoot, names: list[str] | None) -> list[Path]:
    try:
        paths = [root.find_scene(name) for name in names] if names else root.scene_files()
    except SceneNotFoundError as exc:
        raise fail_usage(str(exc)) from exc
    if not paths:
        raise fail_usage(f"no scenes in {root.scenes_dir}")
    return paths


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
