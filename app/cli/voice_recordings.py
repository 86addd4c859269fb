"""``vidpay voice script`` and ``vidpay voice import``: the voice-over recorded by people.

A creditor who wants a human voice hands a voice actor the script (a spreadsheet or a printed
page: the file to save per line, the line, its context, a target length), and takes the
recordings back with ``import``, which checks each file before it can reach a debtor. The work
itself is in ``render.recording_script`` and ``render.recording_import``; this module reads
the options and writes the files and the report.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli._base import (
    RootOption,
    check_known,
    content_root,
    fail,
    load_one_scene,
    report,
    voice_app,
)
from app.csv_safe import SafeWriter
from render.content import ContentRoot
from render.problems import ContentError, display_path
from render.scene import Scene

if TYPE_CHECKING:
    from render.recording_import import ImportReport, RecordingCheck

FORMATS = ("csv", "html")

SceneArgument = Annotated[str, typer.Argument(help="Scene id or path.", show_default=False)]
LangOption = Annotated[
    str,
    typer.Option("--lang", help="The language recorded, one of the scene's.", show_default=False),
]


@voice_app.command("script")
def script(
    scene: SceneArgument,
    lang: LangOption,
    format: Annotated[
        str | None,
        typer.Option("--format", help="csv or html [default: from --output, else csv]."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
    root: RootOption = Path(),
) -> None:
    """Write a voice actor's recording script: file name, line, context and target length."""
    from render.recording_script import build_script, script_html, script_rows

    chosen = format or (output.suffix.lstrip(".").lower() if output else "") or "csv"
    if chosen not in FORMATS:
        raise fail(f"unknown format '{chosen}'; use one of: {', '.join(FORMATS)}")
    loaded, content = _scene(root, scene, lang)
    try:
        built = build_script(loaded, content, lang)
    except ContentError as exc:
        report(exc.problems)
        raise typer.Exit(1) from exc
    text = _csv(script_rows(built)) if chosen == "csv" else script_html(built)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    personal = sum(1 for line in built.lines if line.personal)
    where = f"; wrote {display_path(output)}" if output else ""
    typer.echo(
        f"{len(built.lines)} spoken lines, {personal} of them personal (not to be recorded), "
        f"targets at {built.rate:g} words/s{where}",
        err=True,
    )


def _csv(rows: list[list[str]]) -> str:
    """CSV as Excel opens it: UTF-8 with a byte order mark, CRLF, no cell run as a formula."""
    buffer = io.StringIO()
    SafeWriter(buffer).writerows(rows)
    return "\ufeff" + buffer.getvalue()


@voice_app.command("import")
def import_(
    folder: Annotated[
        Path,
        typer.Argument(help="A folder of recordings named <node>-<shot>.wav.", show_default=False),
    ],
    scene: Annotated[str, typer.Option("--scene", help="Scene id or path.", show_default=False)],
    lang: LangOption,
    root: RootOption = Path(),
) -> None:
    """Check recordings, copy the good ones into voiceovers/<scene>/<lang>/, list what is missing."""
    from render.recording_import import import_recordings
    from render.recording_script import build_script

    if not folder.is_dir():
        raise fail(f"{folder} is not a folder of recordings")
    loaded, content = _scene(root, scene, lang)
    try:
        built = build_script(loaded, content, lang)
    except ContentError as exc:
        report(exc.problems)
        raise typer.Exit(1) from exc
    result = import_recordings(folder, loaded, built, content)
    _print_report(result, f"{loaded.id} in {lang}")
    if result.failed:
        raise typer.Exit(1)


def _scene(root: Path, name: str, language: str) -> tuple[Scene, ContentRoot]:
    """The scene (its catalogues are read later, per language) and its content root."""
    content = content_root(root)
    loaded = load_one_scene(content, name, catalogues=False)
    check_known(loaded, languages=[language])
    return loaded, content


def _print_report(result: ImportReport, what: str) -> None:
    for outcome in result.outcomes:
        _print_outcome(outcome)
    if result.missing:
        typer.echo(f"still missing for {what}: {len(result.missing)} line(s)")
        for line in result.missing:
            typer.echo(f"  {line.file_name}: “{line.text}”")
    else:
        typer.echo(f"nothing missing for {what}: every line to record has a recording")
    if result.personal:
        names = ", ".join(line.file_name for line in result.personal)
        typer.echo(f"personal lines, left to the TTS voice: {names}")
    taken = sum(1 for outcome in result.outcomes if outcome.ok)
    refused = len(result.outcomes) - taken
    typer.echo(
        f"{taken} imported, {refused} refused, {len(result.missing)} still missing", err=True
    )


def _print_outcome(outcome: RecordingCheck) -> None:
    if outcome.written is not None:
        typer.echo(f"{outcome.name}: imported as {display_path(outcome.written)}")
    else:
        typer.echo(f"{outcome.name}: refused, nothing written")
    for error in outcome.errors:
        typer.echo(f"  error: {error}")
    for warning in outcome.warnings:
        typer.echo(f"  warning: {warning}")
    if outcome.done:
        typer.echo(f"  {'; '.join(outcome.done)}")
