"""``vidpay export``: a scene for another channel; ``export ivr`` writes it as a phone menu.

The call itself is modelled in ``render.ivr`` and written by ``render.ivr_twiml`` and
``render.ivr_voicexml``; this module reads the options, the catalogue, the debtor (or the
sample debtor) and the recordings at hand, and writes the files.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli._base import (
    RootOption,
    check_known,
    content_root,
    counted,
    export_app,
    fail,
    load_one_scene,
    report,
)
from render.content import ContentRoot
from render.formatting import Value
from render.i18n import load_translations
from render.ivr import Call, build_call, phrase_language
from render.problems import ContentError, display_path
from render.scene import Scene

FORMATS = ("twiml", "voicexml")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="voicexml: a file (else stdout); twiml: a folder."),
]
AudioBaseOption = Annotated[
    str | None, typer.Option(help="Play recorded lines from URL/<scene>/<lang>/<node>-<shot>.wav.")
]
ActionUrlOption = Annotated[
    str | None,
    typer.Option(help="Hand self-service steps to this URL; without it a person takes them."),
]
BaseUrlOption = Annotated[
    str,
    typer.Option(help="twiml: where the documents are published; links are relative without it."),
]
RouterOption = Annotated[str, typer.Option(help="twiml: the router a pressed key is sent to.")]
VoiceOption = Annotated[
    str | None,
    typer.Option(help="twiml: the <Say> voice, instead of a Polly voice of the language."),
]
DebtorOption = Annotated[
    Path | None, typer.Option(help="A debtor's JSON, as for render; a sample debtor without it.")
]
VerifyOption = Annotated[
    bool, typer.Option(help="Ask 'Am I speaking with {name}?' before anything about the debt.")
]


@export_app.command("ivr")
def ivr(
    scene: Annotated[str, typer.Argument(help="Scene id or path.", show_default=False)],
    lang: Annotated[str, typer.Option("--lang", help="The call's language, one of the scene's.")],
    format: Annotated[str, typer.Option("--format", help="twiml or voicexml.")],
    output: OutputOption = None,
    audio_base: AudioBaseOption = None,
    action_url: ActionUrlOption = None,
    base_url: BaseUrlOption = "",
    router_url: RouterOption = "route",
    voice: VoiceOption = None,
    debtor: DebtorOption = None,
    verify: VerifyOption = True,
    root: RootOption = Path(),
) -> None:
    """Write a scene as an IVR phone menu: its lines, a key per choice, 9 again, 0 a person."""
    if format not in FORMATS:
        raise fail(f"unknown format '{format}'; use one of: {', '.join(FORMATS)}")
    if format == "twiml" and output is None:
        raise fail("twiml is one document per step: give --output FOLDER")
    for option, url in (
        ("--audio-base", audio_base),
        ("--action-url", action_url),
        ("--base-url", base_url or None),
    ):
        if url is not None and not _URL.match(url):
            raise fail(f"{option} '{url}' is not a web address starting with https://")
    content = content_root(root)
    loaded = load_one_scene(content, scene, catalogues=False)
    _check_language(loaded, lang)
    try:
        call = build_call(
            loaded,
            lang,
            translations=_translations(content, loaded, lang),
            values=_values(loaded, lang, debtor),
            audio_base=audio_base,
            recorded=_recorded(content, loaded, lang) if audio_base else None,
            action_url=action_url,
            verify=verify,
        )
    except ContentError as exc:
        report(exc.problems)
        raise typer.Exit(1) from exc
    except ValueError as exc:
        typer.echo(f"{display_path(content.find_scene(scene))}: {exc}", err=True)
        raise typer.Exit(1) from exc
    _write(call, format, output, base_url=base_url, router_url=router_url, voice=voice)
    _summary(call, debtor, output)


def _check_language(scene: Scene, language: str) -> None:
    check_known(scene, languages=[language])
    try:
        phrase_language(language)
    except ValueError as exc:
        raise fail(str(exc)) from exc


def _translations(content: ContentRoot, scene: Scene, language: str) -> dict[str, str]:
    if language == scene.source_language:
        return {}
    return load_translations(content, scene.id, language)


def _values(scene: Scene, language: str, debtor: Path | None) -> dict[str, Value]:
    """The debtor's values, or the sample debtor's (a name of the language, € 148.20)."""
    if debtor is None:
        from render.voice_check import sample_values  # numpy: only when it is needed

        return sample_values(scene, language)
    from render.pipeline import read_debtor

    return dict(read_debtor(debtor, scene).values)


def _recorded(content: ContentRoot, scene: Scene, language: str) -> dict[tuple[str, int], str]:
    """(node, shot) -> the recording's file name, for the lines recorded in voiceovers/."""
    from render.voices import recorded_voiceover

    found = {}
    for node_id, node in scene.nodes.items():
        for number, shot in enumerate(node.shots, start=1):
            path = shot.say and recorded_voiceover(content, scene.id, language, node_id, number)
            if path:
                found[(node_id, number)] = path.name
    return found


def _write(
    call: Call,
    format: str,
    output: Path | None,
    *,
    base_url: str,
    router_url: str,
    voice: str | None,
) -> None:
    if format == "voicexml":
        from render.ivr_voicexml import voicexml_document

        document = voicexml_document(call)
        if output is None:
            sys.stdout.write(document.decode("utf-8"))
        else:
            output.write_bytes(document)
        return
    from render.ivr_twiml import twiml_documents

    assert output is not None  # checked with the options
    if output.exists() and not output.is_dir():
        raise fail(f"{output} is a file; twiml writes a folder of documents")
    output.mkdir(parents=True, exist_ok=True)
    documents = twiml_documents(call, base_url=base_url, router_url=router_url, voice=voice)
    for name, document in documents.items():
        (output / name).write_bytes(document)


def _summary(call: Call, debtor: Path | None, output: Path | None) -> None:
    menus = sum(1 for step in call.steps.values() if step.is_menu)
    where = f"; wrote {display_path(output)}" if output else ""
    typer.echo(
        f"{call.scene_id} in {call.language}: {len(call.steps)} steps, {menus} menus{where}",
        err=True,
    )
    if debtor is None:
        typer.echo(
            "placeholders filled with a sample debtor; --debtor FILE for a real one", err=True
        )
    missing = len(call.recordings_missing)
    if missing:
        typer.echo(
            f"{counted(missing, 'line')} not recorded yet in "
            f"voiceovers/{call.scene_id}/{call.language}/, said by the platform's voice "
            f"meanwhile (vidpay voice script {call.scene_id} --lang {call.language} lists them)",
            err=True,
        )
