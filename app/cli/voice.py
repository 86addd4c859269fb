"""``vidpay voice``: how the voice-over sounds and whether a debtor will understand it.

``check`` transcribes every spoken line with an offline recogniser and says which lines a
debtor will not understand; ``script`` and ``import`` (:mod:`app.cli.voice_recordings`) are
the workflow for human recordings.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli._base import (
    PROBLEMS,
    RootOption,
    check_known,
    content_root,
    counted,
    fail,
    load_one_scene,
    voice_app,
    warn,
)

if TYPE_CHECKING:
    from render.voice_check import LineCheck

DEFAULT_THRESHOLD = 0.25  # render.voice_check's, not imported: the check loads the audio stack


@voice_app.command("check")
def check(
    scene: Annotated[str, typer.Argument(help="Scene id or path.")],
    root: RootOption = Path(),
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="Language to check (repeatable).")
    ] = None,
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Highest word error rate a line may have.")
    ] = DEFAULT_THRESHOLD,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the results to this JSON file.")
    ] = None,
) -> None:
    """Speak every line with the configured voice, transcribe it offline (Whisper-base) and
    say which lines a debtor will not understand; exit 1 when a line is over the threshold."""
    from render.segment import RenderError
    from render.tts.base import SpeechError
    from render.voice_check import RecogniserMissingError, check_scene

    content = content_root(root)
    loaded = load_one_scene(content, scene)
    languages = lang or loaded.languages
    check_known(loaded, languages=languages)
    results: list[LineCheck] = []
    try:
        for language in languages:
            checked = list(check_scene(loaded, content, language))
            results += checked
            _print_language(language, checked, threshold)
    except (RecogniserMissingError, SpeechError, RenderError) as exc:
        raise fail(str(exc), code=PROBLEMS) from exc
    report = {"scene": loaded.id, "threshold": threshold, "checked_at": _now(),
              "lines": [{**asdict(r), "over": r.over(threshold)} for r in results]}  # fmt: skip
    if json_out is not None:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    _keep_report(report_path(content.path, loaded.id), report, languages)
    over = [r for r in results if r.over(threshold)]
    typer.echo(
        f"{len(over)} of {counted(len(results), 'line')} over {threshold:.2f} or missing a fact"
    )
    if over:
        raise typer.Exit(1)


def report_path(root: Path, scene_id: str) -> Path:
    """Where the check keeps its last results, for the studio pages to show."""
    return root / "reports" / "voice-check" / f"{scene_id}.json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _keep_report(path: Path, report: dict[str, Any], languages: list[str]) -> None:
    """Write the default report, keeping the lines of the languages not checked this time
    (``--lang de`` leaves the last Dutch results in place); a root that cannot be written
    to is said, and the check's own answer stands."""
    lines = report["lines"]
    try:
        earlier = json.loads(path.read_text(encoding="utf-8")).get("lines", [])
        lines = [line for line in earlier if line.get("language") not in languages] + lines
    except (OSError, ValueError, AttributeError):
        pass  # no earlier report, or one nobody can read: this run's lines only
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.writing")
        temporary.write_text(json.dumps({**report, "lines": lines}, ensure_ascii=False, indent=1))
        temporary.replace(path)
    except OSError as exc:
        warn(f"the report was not saved in {path}: {exc.strerror}")
        return
    typer.echo(f"Saved for the studio pages: {path}")


def _print_language(language: str, checked: list[LineCheck], threshold: float) -> None:
    mean = sum(r.wer for r in checked) / len(checked) if checked else 0.0
    over = sum(r.over(threshold) for r in checked)
    typer.echo(f"{language}: {counted(len(checked), 'line')}, mean word error rate {mean:.2f}, "
               f"{over} over {threshold:.2f}")  # fmt: skip
    for line in checked:
        mark = "✗" if line.over(threshold) else "✓"
        facts = "".join(f"  {name} {'heard' if ok else 'NOT heard'}"
                        for name, ok in line.facts.items())  # fmt: skip
        typer.echo(f"  {mark} {line.node}-{line.shot}  {line.wer:.2f}{facts}")
        if line.over(threshold):
            typer.echo(f"      said:  {line.said}")
            typer.echo(f"      heard: {line.heard}")
