"""``vidpay validate``: every problem of a scene and its catalogues, in one run.

Shape problems come from ``render.structure``, the graph's from ``render.graph_checks``
(targets, reachability, a way to an end), the content root's from ``render.asset_checks``
(brand, icons, images, illustrations) and compliance from ``render.lint``; this module adds
the texts (placeholders), the policy an action relies on, recordings and the catalogues.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from render.asset_checks import asset_problems
from render.content import ContentRoot
from render.graph_checks import graph_problems
from render.i18n import catalogue_texts, check_catalogue
from render.lint import as_errors, lint_scene
from render.loader import Loc, Positions, read_yaml
from render.problems import ContentError, Problem, display_path, errors_in
from render.recordings import (
    personal_advice,
    personal_kinds,
    personal_names,
    recorded_languages,
    without_personal,
)
from render.scene import CASE_PLACEHOLDERS, Contact, Scene
from render.structure import Draft, read_draft
from render.texts import node_texts, placeholders, raw_node_texts
from render.voices import read_voice_config

# What an action needs from the rest of the scene: (section, key, why).
_ACTION_NEEDS = {
    "arrangement": ("policy", "arrangement", "the limits of a payment plan"),
    "later": ("policy", "later", "how many days later a debtor may pay"),
    "help": ("contact", "help_url", "the debt-help page to refer to"),
    "callback": ("contact", "hours", "the hours a callback can be planned in"),
}


@dataclass(frozen=True)
class Inspection:
    """What validating one scene file found."""

    scene: Scene | None  # set when there are no errors
    problems: list[Problem]  # errors and warnings, sorted
    positions: Positions


def inspect_scene(
    path: Path,
    root: ContentRoot,
    *,
    catalogues: bool = True,
    lint: bool = True,
    strict: bool = False,
) -> Inspection:
    """Check a scene file; ``catalogues=False`` skips the translations (while updating them,
    and with them the compliance lint, which reads them). The lint runs on a scene that has
    no errors: its rules follow the graph, which must hold together first. Its findings are
    warnings, errors when ``strict`` or when ``vidpay.toml`` says ``[compliance] strict``."""
    try:
        document = read_yaml(path)
    except ContentError as exc:
        return Inspection(None, exc.problems, Positions(display_path(path)))
    draft = read_draft(document)
    problems = [*draft.problems, *_semantic_problems(draft, root)]
    if catalogues:
        problems.extend(_catalogue_problems(draft, root))
    scene = draft.scene() if not errors_in(problems) else None
    if scene is not None and catalogues and lint:
        findings, strict = _lint(scene, draft.positions, root, strict)
        problems.extend(as_errors(findings) if strict else findings)
        scene = scene if not errors_in(problems) else None
    return Inspection(scene, sorted(set(problems)), draft.positions)


def _lint(
    scene: Scene, positions: Positions, root: ContentRoot, strict: bool
) -> tuple[list[Problem], bool]:
    """The lint's findings, and whether they count as errors (a broken ``vidpay.toml`` is
    reported as what it is, and then the lint is not strict)."""
    try:
        strict = strict or read_voice_config(root).compliance.strict
    except ContentError as exc:
        return [*exc.problems, *lint_scene(scene, positions, root)], False
    return lint_scene(scene, positions, root), strict


def compliance_is_strict(root: ContentRoot) -> bool:
    """Whether ``vidpay.toml`` makes the lint's findings errors (False when it is unreadable:
    ``vidpay validate`` says why)."""
    try:
        return read_voice_config(root).compliance.strict
    except ContentError:
        return False


def load_scene(path: Path, root: ContentRoot, *, catalogues: bool = True) -> Scene:
    """The scene, or ``ContentError`` with every error; warnings do not stop a render.

    The lint runs only when it is strict: its findings are then errors that must stop a
    render, and otherwise they are warnings nobody reads here (and the word lists it loads
    cost a second).
    """
    lint = catalogues and compliance_is_strict(root)
    inspection = inspect_scene(path, root, catalogues=catalogues, lint=lint, strict=lint)
    if inspection.scene is None:
        raise ContentError(errors_in(inspection.problems))
    return inspection.scene


def validate_root(
    root: ContentRoot, paths: Iterable[Path], *, strict: bool = False
) -> list[Problem]:
    """Problems of several scenes, including ids used by more than one file; ``strict``
    makes the compliance findings errors."""
    problems: list[Problem] = []
    owners: dict[str, Path] = {}
    for path in paths:
        inspection = inspect_scene(path, root, strict=strict)
        problems.extend(inspection.problems)
        scene = inspection.scene
        if scene is None:
            continue
        if scene.id in owners and owners[scene.id].resolve() != path.resolve():
            first = display_path(owners[scene.id])
            message = f"scene id '{scene.id}' is already used by {first}; ids must be unique"
            problems.append(inspection.positions.problem(("id",), message))
        owners.setdefault(scene.id, path)
    return problems


def _semantic_problems(draft: Draft, root: ContentRoot) -> Iterator[Problem]:
    yield from graph_problems(draft)
    yield from _text_problems(draft)
    yield from asset_problems(draft, root)
    yield from _action_problems(draft)
    yield from _personal_node_problems(draft)
    yield from _count_up_problems(draft)
    yield from _recording_problems(draft, root)


# --- texts -------------------------------------------------------------------------------


def _text_problems(draft: Draft) -> Iterator[Problem]:
    known = _known_placeholders(draft)
    for node_id, node in draft.nodes.items():
        for text in node_texts(node_id, node):
            yield from _placeholder_problems(text.text, text.loc, known, draft.positions)
    for node_id in draft.broken_nodes:  # its shape is reported; its texts are still checked
        for text in raw_node_texts(node_id, draft.raw_nodes[node_id]):
            yield from _placeholder_problems(text.text, text.loc, known, draft.positions)


def _known_placeholders(draft: Draft) -> set[str]:
    """The names a text may use: the variables and contact fields as written, even when those
    sections are broken (or ``contact`` is missing: then every field it could have)."""
    variables = draft.fields.get("variables")
    names = set(variables) if variables is not None else draft.raw_names.get("variables", set())
    contact: Contact | None = draft.fields.get("contact")
    if contact is not None:
        names |= set(contact.fields())
    else:
        names |= draft.raw_names.get("contact", set()) | set(Contact.model_fields)
    return names | set(CASE_PLACEHOLDERS)


def _placeholder_problems(
    text: str, loc: Loc, known: set[str], positions: Positions
) -> Iterator[Problem]:
    try:
        names = placeholders(text)
    except ValueError as exc:
        yield positions.problem(loc, str(exc))
        return
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = (
                f"did you mean {{{close[0]}}}?"
                if close
                else f"known: {', '.join(sorted(known)) or 'none'}"
            )
            message = (
                f"unknown placeholder {{{name}}}: not a variable, contact field or case value; "
                f"{hint}"
            )
            yield positions.problem(loc, message)


# --- actions and policy --------------------------------------------------------------------


def _action_problems(draft: Draft) -> Iterator[Problem]:
    for node_id, node in draft.nodes.items():
        if node.action not in _ACTION_NEEDS:
            continue
        section, key, why = _ACTION_NEEDS[node.action]
        holder = draft.fields.get(section)
        if holder is not None and getattr(holder, key) is None:
            message = f"action '{node.action}' needs {section}.{key} ({why})"
            yield draft.positions.problem(("nodes", node_id, "action"), message)


def _personal_node_problems(draft: Draft) -> Iterator[Problem]:
    """Nodes that use debtor variables or case values are rendered once per debtor: keep them
    short."""
    declared = draft.fields.get("variables")
    if declared is None:
        return
    variables = set(declared) | set(CASE_PLACEHOLDERS)
    for node_id, node in draft.nodes.items():
        per_shot: dict[int, set[str]] = {}  # shots with texts -> the debtor variables they use
        for text in node_texts(node_id, node):
            if text.loc[2] == "shots":
                per_shot.setdefault(int(text.loc[3]), set()).update(_names(text.text) & variables)
        generic = sum(1 for names in per_shot.values() if not names)
        if generic and generic < len(per_shot):
            message = (
                f"node '{node_id}' is rendered for every debtor (it uses debtor variables), and so "
                f"are its {generic} shot(s) that do not; move those into a node of their own"
            )
            yield draft.positions.problem(("nodes", node_id), message, key=True, warning=True)


def _count_up_problems(draft: Draft) -> Iterator[Problem]:
    """``emphasis: count-up`` counts an amount up, and only the player can (over the debtor's
    own text): the shot's card must say a debtor's amount, or nothing would move."""
    declared = draft.fields.get("variables")
    if declared is None:
        return
    kinds = {**CASE_PLACEHOLDERS, **declared}
    money = {name for name, kind in kinds.items() if kind == "money"}
    for node_id, node in draft.nodes.items():
        for i, shot in enumerate(node.shots):
            show = shot.show
            if show is None or show.emphasis != "count-up":
                continue
            if show.card is None or not _names(show.card) & money:
                message = (
                    "emphasis 'count-up' counts the amount on the shot's card up to its value: "
                    'give the shot a card that says an amount, like card: "{amount_due}"'
                )
                loc = ("nodes", node_id, "shots", i, "show", "emphasis")
                yield draft.positions.problem(loc, message)


def _recording_problems(draft: Draft, root: ContentRoot) -> Iterator[Problem]:
    """A line that says a debtor's value in a language that has recordings: no recording can
    say it, so amid the human voice this line alone keeps the TTS voice."""
    scene_id, languages = draft.fields.get("id"), draft.fields.get("languages")
    variables = draft.fields.get("variables")
    if scene_id is None or languages is None or variables is None:
        return
    recorded = recorded_languages(root, scene_id, languages)
    if not recorded:
        return
    kinds = personal_kinds(variables)
    source = draft.fields.get("source_language") or ""
    for node_id, node in draft.nodes.items():
        for i, shot in enumerate(node.shots):
            names = personal_names(shot.say, kinds) if shot.say is not None else []
            if shot.say is None or not names:
                continue
            suggestion = without_personal(shot.say, kinds, source)
            message = (
                f"scene '{scene_id}' has recorded voice-overs in {', '.join(recorded)}, but "
                f"{personal_advice(names, suggestion)}"
            )
            loc: Loc = ("nodes", node_id, "shots", i, "say")
            yield draft.positions.problem(loc, message, warning=True)


def _names(text: str) -> set[str]:
    try:
        return set(placeholders(text))
    except ValueError:
        return set()


# --- catalogues --------------------------------------------------------------------------


def _catalogue_problems(draft: Draft, root: ContentRoot) -> Iterator[Problem]:
    scene_id, languages = draft.fields.get("id"), draft.fields.get("languages")
    source = draft.fields.get("source_language")
    if scene_id is None or languages is None or source is None:
        return
    texts = catalogue_texts(draft.nodes)
    for i, language in enumerate(languages):
        if language == source:
            continue
        path = root.po_path(scene_id, language)
        if not path.is_file():
            shown = display_path(path)
            message = f"language '{language}' has no catalogue {shown}; run 'vidpay i18n update'"
            yield draft.positions.problem(("languages", i), message)
            continue
        yield from check_catalogue(path, language, texts, draft.positions)
