"""Gettext catalogues for scenes, kept with Babel's own tools.

A scene's texts are its msgids and its id is the gettext domain:
``translations/<scene>.pot`` and ``translations/<lang>/LC_MESSAGES/<scene>.po``. The renderer
reads the ``.po`` files directly, so a translator's change needs no compile step; ``compile``
writes ``.mo`` files for other gettext consumers.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po

from render.content import ContentRoot
from render.loader import Positions, parse_yaml
from render.problems import ContentError, Problem, display_path
from render.scene import Node, Scene
from render.structure import read_draft
from render.texts import (
    SceneText,
    needs_translation,
    node_texts,
    placeholders,
)

log = logging.getLogger(__name__)

_QUOTED = r'"(?:[^"\\]|\\.)*"'
_KEYWORD_LINE = re.compile(rf"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+({_QUOTED})\s*$")
_CONTINUATION = re.compile(rf"^\s*{_QUOTED}\s*$")
_DATE_HEADERS = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.MULTILINE)


def catalogue_texts(nodes: dict[str, Node]) -> dict[str, list[SceneText]]:
    """msgid -> where it is used, in scene order, for every text that needs translating."""
    found: dict[str, list[SceneText]] = {}
    for node_id, node in nodes.items():
        for text in node_texts(node_id, node):
            if needs_translation(text.text):
                found.setdefault(text.text, []).append(text)
    return found


# --- reading and checking catalogues -----------------------------------------------------


@dataclass(frozen=True)
class PoFile:
    """A catalogue read from disk, with the line of each msgstr (where a fix is typed)."""

    catalog: Catalog
    shown: str
    msgstr_lines: dict[int, int]  # msgid line -> msgstr line

    def line_of(self, message: Message) -> int:
        line = message.lineno or 1
        return self.msgstr_lines.get(line, line)


def read_catalogue(path: Path, language: str) -> tuple[PoFile | None, list[Problem]]:
    """Read a ``.po`` file strictly: Babel's reader skips many mistakes we want reported."""
    shown = display_path(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        return None, [Problem(shown, 1, 1, f"cannot read catalogue: {exc.strerror}")]
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, 1, "the catalogue is not UTF-8 text; save it as UTF-8")]
    problems, msgstr_lines = _scan(text, shown)
    if problems:
        return None, problems
    try:
        catalog = read_po(io.StringIO(text), locale=language, abort_invalid=True)
    except PoFileError as exc:
        return None, [Problem(shown, exc.lineno, 1, f"invalid catalogue: {exc}")]
    return PoFile(catalog, shown, msgstr_lines), []


def _scan(text: str, shown: str) -> tuple[list[Problem], dict[int, int]]:
    """Syntax problems and duplicate entries, plus where each entry's msgstr stands."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    msgstr_lines: dict[int, int] = {}
    context, msgid, msgid_line, current = "", None, 0, ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword = _KEYWORD_LINE.match(stripped)
        if keyword:
            current = keyword[1]
            if current == "msgctxt":
                context = keyword[2]
            elif current == "msgid":
                msgid, msgid_line = keyword[2], number
            elif current.startswith("msgstr") and msgid is not None:
                entry = (context, msgid)
                if entry in seen and msgid != '""':
                    message = f"duplicate entry for msgid {msgid} (first at line {seen[entry]})"
                    problems.append(Problem(shown, msgid_line, 1, message))
                seen.setdefault(entry, msgid_line)
                msgstr_lines[msgid_line] = number
                context, msgid = "", None
        elif _CONTINUATION.match(stripped) and current:
            if current == "msgid" and msgid is not None:
                msgid += stripped
        else:
            message = f"cannot read this line: {stripped[:40]!r} (expected msgid, msgstr or a quoted string)"
            problems.append(Problem(shown, number, 1, message))
    return problems, msgstr_lines


def check_catalogue(
    path: Path, language: str, texts: dict[str, list[SceneText]], scene_positions: Positions
) -> list[Problem]:
    """Every problem of one language's catalogue against the scene's texts."""
    po, problems = read_catalogue(path, language)
    if po is None:
        return problems
    for msgid, uses in texts.items():
        message = po.catalog.get(msgid)
        if message is None:
            first = uses[0]
            text = f"no {language} translation of {_quoted(msgid)} in {po.shown}; run 'vidpay i18n update'"
            problems.append(scene_positions.problem(first.loc, text))
            continue
        problems.extend(_check_message(message, po.shown, po.line_of(message)))
    for message in po.catalog.obsolete.values():
        text = f"obsolete entry {_quoted(str(message.id))}; delete it or run 'vidpay i18n update --drop-obsolete'"
        problems.append(Problem(po.shown, message.lineno or 1, 1, text, "warning"))
    return problems


def _check_message(message: Message, shown: str, line: int) -> list[Problem]:
    msgid, msgstr = str(message.id), message.string
    if not isinstance(msgstr, str) or not msgstr.strip():
        return [Problem(shown, line, 1, f"{_quoted(msgid)} is not translated yet")]
    if message.fuzzy:
        text = f"the translation of {_quoted(msgid)} is marked fuzzy: check it and remove the flag (until then the source text is used)"
        return [Problem(shown, line, 1, text, "warning")]
    try:
        used = set(placeholders(msgstr))
    except ValueError as exc:
        return [Problem(shown, line, 1, f"translation of {_quoted(msgid)}: {exc}")]
    expected = set(placeholders(msgid))
    problems = []
    if used != expected:
        missing = ", ".join(f"{{{n}}}" for n in sorted(expected - used)) or "nothing"
        extra = ", ".join(f"{{{n}}}" for n in sorted(used - expected)) or "nothing"
        text = f"the translation of {_quoted(msgid)} has other placeholders than the source text (missing: {missing}; unknown: {extra})"
        problems.append(Problem(shown, line, 1, text))
    return problems


def _quoted(text: str, limit: int = 48) -> str:
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return f'"{short}"'


def load_translations(root: ContentRoot, scene_id: str, language: str) -> dict[str, str]:
    """msgid -> translation, for the renderer: only reviewed (non-fuzzy), non-empty entries."""
    po, problems = read_catalogue(root.po_path(scene_id, language), language)
    if po is None:
        raise ContentError(problems)
    return {
        str(m.id): m.string
        for m in po.catalog
        if m.id and isinstance(m.string, str) and m.string and not m.fuzzy
    }


# --- extraction, update and compilation --------------------------------------------------


def extract_scene(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extractor for scene YAML (entry point ``vidpay_scene``)."""
    shown = getattr(fileobj, "name", "<scene>")
    try:
        document = parse_yaml(fileobj.read(), str(shown))
    except ContentError as exc:
        for problem in exc.problems:
            log.warning("%s", problem)
        return
    draft = read_draft(document)
    for problem in draft.problems:
        log.warning("%s", problem)
    for msgid, uses in catalogue_texts(draft.nodes).items():
        for use in uses:
            yield draft.positions.at(use.loc)[0], None, msgid, [use.what]


def build_template(scene: Scene, positions: Positions, location: str) -> Catalog:
    """The ``.pot`` template of a scene; ``location`` is the scene file relative to the root."""
    catalog = Catalog(
        project=f"vidpay scene {scene.id}",
        version="1",
        domain=scene.id,
        header_comment=_header_comment(scene, "Translation template"),
        fuzzy=False,
    )
    for msgid, uses in catalogue_texts(scene.nodes).items():
        flags = ["python-brace-format"] if placeholders(msgid) else []
        catalog.add(
            msgid,
            locations=[(location, positions.at(use.loc)[0]) for use in uses],
            auto_comments=[use.what for use in uses],
            flags=flags,
        )
    return catalog


def write_template(root: ContentRoot, scene_id: str, template: Catalog) -> Path | None:
    """Write ``translations/<scene>.pot``; return its path when it changed."""
    path = root.pot_path(scene_id)
    return path if _write_catalogue(path, template) else None


def update_catalogue(
    root: ContentRoot, scene: Scene, language: str, template: Catalog, *, drop_obsolete: bool
) -> Path | None:
    """Merge the template into one language's catalogue (creating it); return it if changed.

    Like ``pybabel update``: new texts are added untranslated, texts close to an old one get
    its translation marked fuzzy, and removed texts become obsolete entries.
    """
    path = root.po_path(scene.id, language)
    if path.exists():
        po, problems = read_catalogue(path, language)
        if po is None:
            raise ContentError(problems)
        catalog = po.catalog
    else:
        locale = Locale.parse(language)
        catalog = Catalog(
            locale=locale,
            domain=scene.id,
            project=template.project,
            version=template.version,
            header_comment=_header_comment(scene, f"{locale.english_name} translation"),
            fuzzy=False,
        )
    catalog.update(template, update_header_comment=False)
    return path if _write_catalogue(path, catalog, drop_obsolete=drop_obsolete) else None


def update_catalogues(
    root: ContentRoot,
    scene: Scene,
    positions: Positions,
    location: str,
    *,
    templates_only: bool = False,
    drop_obsolete: bool = False,
) -> tuple[list[Path], list[Problem]]:
    """``vidpay i18n extract|update`` for one scene: the files written, and the catalogues
    that could not be read (those are left alone; the others are still updated)."""
    template = build_template(scene, positions, location)
    changed = [write_template(root, scene.id, template)]
    problems: list[Problem] = []
    for language in [] if templates_only else scene.languages:
        if language == scene.source_language:
            continue
        try:
            changed.append(
                update_catalogue(root, scene, language, template, drop_obsolete=drop_obsolete)
            )
        except ContentError as exc:
            problems.extend(exc.problems)
    return [path for path in changed if path is not None], problems


def _header_comment(scene: Scene, what: str) -> str:
    return (
        f"# {what} of the vidpay scene '{scene.id}' ({scene.title}).\n"
        "# Translate each msgstr; keep every {placeholder} exactly as it is.\n"
        "# Check with: vidpay validate"
    )


def compile_catalogue(path: Path, language: str) -> Path:
    """Write the ``.mo`` file beside a ``.po`` file (fuzzy entries are left out)."""
    po, problems = read_catalogue(path, language)
    if po is None:
        raise ContentError(problems)
    target = path.with_suffix(".mo")
    buffer = io.BytesIO()
    write_mo(buffer, po.catalog, use_fuzzy=False)
    _atomic_write(target, buffer.getvalue())
    return target


def _write_catalogue(path: Path, catalog: Catalog, *, drop_obsolete: bool = False) -> bool:
    """Write a catalogue unless only its date headers would change, so reruns leave no diff."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, ignore_obsolete=drop_obsolete, include_previous=False)
    new = buffer.getvalue()
    if path.exists() and _DATE_HEADERS.sub(b"", path.read_bytes()) == _DATE_HEADERS.sub(b"", new):
        return False
    _atomic_write(path, new)
    return True


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
