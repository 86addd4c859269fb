"""Commands for content: validate, graph, translate and render scenes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

from app.cli._base import (
    PROBLEMS,
    RootOption,
    ScenesArgument,
    app,
    check_known,
    content_root,
    counted,
    fail,
    i18n_app,
    load_one_scene,
    progress_bar,
    report,
    scene_paths,
)
from render.i18n import compile_catalogue, update_catalogues
from render.problems import ContentError, display_path, errors_in
from render.validate import inspect_scene, validate_root

StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Compliance findings are errors (as [compliance] strict = true in vidpay.toml).",
    ),
]

SceneArgument = Annotated[str, typer.Argument(help="Scene id or path.")]
NodesOption = Annotated[
    list[str] | None, typer.Option("--node", help="Only this node (repeatable).")
]


@app.command()
def validate(
    scenes: ScenesArgument = None, root: RootOption = Path(), strict: StrictOption = False
) -> None:
    """Check scenes and their catalogues, compliance too; print every problem as
    path:line:col: message."""
    content = content_root(root)
    paths = scene_paths(content, scenes)
    problems = validate_root(content, paths, strict=strict)
    report(problems)
    errors = len(errors_in(problems))
    warnings = len(problems) - errors
    typer.echo(
        f"{counted(len(paths), 'scene')} checked: {counted(errors, 'error')}, "
        f"{counted(warnings, 'warning')}",
        err=True,
    )
    if errors:
        raise typer.Exit(1)


@app.command()
def lint(
    scenes: ScenesArgument = None, root: RootOption = Path(), strict: StrictOption = False
) -> None:
    """Check that scenes keep the rules of debt collection (WIK costs, debt help, a person to
    talk to, an offer before firm words, no threats, plain language); each finding cites its
    rule. Errors that keep a scene from being linted are printed too."""
    content = content_root(root)
    paths = scene_paths(content, scenes)
    problems = [p for p in validate_root(content, paths, strict=strict) if p.rule or p.is_error]
    report(problems)
    findings = sum(1 for p in problems if p.rule)
    as_errors = any(p.rule and p.is_error for p in problems)
    typer.echo(
        f"{counted(len(paths), 'scene')} linted: {counted(findings, 'finding')}"
        + (", counted as errors (strict)" if as_errors else ""),
        err=True,
    )
    if errors_in(problems):
        raise typer.Exit(1)


@app.command()
def graph(
    scene: SceneArgument,
    root: RootOption = Path(),
    format: Annotated[str, typer.Option("--format", help="mermaid, dot or svg.")] = "mermaid",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
) -> None:
    """Draw a scene graph: nodes with their first line, choices on the edges."""
    from render.graph import FORMATS  # grandalf: only when drawing

    if format not in FORMATS:
        raise fail(f"unknown format '{format}'; use one of: {', '.join(FORMATS)}")
    loaded = load_one_scene(content_root(root), scene, catalogues=False)
    drawing = FORMATS[format](loaded)
    if output is None:
        sys.stdout.write(drawing)
    else:
        output.write_text(drawing, encoding="utf-8")
        typer.echo(f"wrote {display_path(output)}", err=True)


@i18n_app.command("extract")
def i18n_extract(scenes: ScenesArgument = None, root: RootOption = Path()) -> None:
    """Write translations/<scene>.pot with every text of each scene."""
    _update(root, scenes, templates_only=True, drop_obsolete=False)


@i18n_app.command("update")
def i18n_update(
    scenes: ScenesArgument = None,
    root: RootOption = Path(),
    drop_obsolete: Annotated[
        bool, typer.Option(help="Remove entries no longer in the scene.")
    ] = False,
) -> None:
    """Extract, then merge new texts into translations/<lang>/LC_MESSAGES/<scene>.po."""
    _update(root, scenes, templates_only=False, drop_obsolete=drop_obsolete)


def _update(
    root: Path, scenes: list[str] | None, *, templates_only: bool, drop_obsolete: bool
) -> None:
    content = content_root(root)
    failed = False
    for path in scene_paths(content, scenes):
        inspection = inspect_scene(path, content, catalogues=False)
        if inspection.scene is None:
            report(errors_in(inspection.problems))
            failed = True
            continue
        changed, problems = update_catalogues(
            content,
            inspection.scene,
            inspection.positions,
            _relative_to(path, content.path),
            templates_only=templates_only,
            drop_obsolete=drop_obsolete,
        )
        report(problems)
        failed = failed or bool(problems)
        for changed_path in changed:
            typer.echo(f"wrote {display_path(changed_path)}")
    if failed:
        raise typer.Exit(1)


@i18n_app.command("compile")
def i18n_compile(scenes: ScenesArgument = None, root: RootOption = Path()) -> None:
    """Write .mo files beside the .po files (fuzzy translations are left out)."""
    content = content_root(root)
    failed = False
    for path in scene_paths(content, scenes):
        inspection = inspect_scene(path, content)
        if inspection.scene is None:
            report(errors_in(inspection.problems))
            failed = True
            continue
        scene = inspection.scene
        for language in scene.languages:
            if language != scene.source_language:
                written = compile_catalogue(content.po_path(scene.id, language), language)
                typer.echo(f"wrote {display_path(written)}")
    if failed:
        raise typer.Exit(1)


@app.command()
def render(
    scene: SceneArgument,
    root: RootOption = Path(),
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="Language to render (repeatable), or 'all'.")
    ] = None,
    node: NodesOption = None,
    debtor: Annotated[
        Path | None, typer.Option("--debtor", help="A debtor's JSON: render their personal nodes.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder [default: ROOT/var/media].")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", min=1, help="Parallel renders [default: all cores].")
    ] = None,
) -> None:
    """Render a scene into segments and manifests; print the manifest paths."""
    from render.pipeline import read_debtor, render_scene

    content = content_root(root)
    loaded = load_one_scene(content, scene)
    try:
        debtor_values = read_debtor(debtor, loaded) if debtor else None
    except ContentError as exc:
        report(exc.problems)
        raise typer.Exit(1) from exc
    languages = loaded.languages if not lang or "all" in lang else lang
    check_known(loaded, languages=languages, nodes=node or [])
    with _render_progress(loaded.id) as progress:
        manifests = render_scene(
            loaded,
            content,
            out or content.path / "var" / "media",
            languages=languages,
            nodes=node,
            debtor=debtor_values,
            jobs=jobs,
            progress=progress,
        )
    for manifest in manifests:
        typer.echo(display_path(manifest))


@contextmanager
def _render_progress(scene_id: str) -> Iterator[Callable[[int, int], None]]:
    """A failed render ends the bar before its message, so the message is not drawn over."""
    from render.segment import RenderError

    with progress_bar(
        TextColumn("rendering {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    ) as bar:
        task = bar.add_task(scene_id, total=None)
        try:
            yield lambda done, total: bar.update(task, completed=done, total=total)
        except (RenderError, ContentError) as exc:
            bar.stop()
            raise fail(str(exc), code=PROBLEMS) from exc


def _relative_to(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@app.command("contact-sheet")
def contact_sheet(
    scene: SceneArgument,
    root: RootOption = Path(),
    lang: Annotated[str | None, typer.Option("--lang", help="Language [default: source].")] = None,
    node: NodesOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The PNG to write.")] = Path(
        "contact-sheet.png"
    ),
    out: Annotated[
        Path | None, typer.Option("--out", help="Media folder [default: ROOT/var/media].")
    ] = None,
) -> None:
    """Draw the start, middle and end of every shot of a scene for the sample debtor, as a
    grid in one PNG: how the video looks and moves, at a glance."""
    from render.contact_sheet import contact_sheet as draw_sheet
    from render.segment import RenderError

    content = content_root(root)
    loaded = load_one_scene(content, scene)
    language = lang or loaded.source_language
    check_known(loaded, languages=[language], nodes=node or [])
    try:
        sheet = draw_sheet(loaded, content, language, out or content.path / "var" / "media", node)
    except (RenderError, ContentError) as exc:
        raise fail(str(exc), code=PROBLEMS) from exc
    sheet.save(output)
    typer.echo(f"wrote {display_path(output)}")
