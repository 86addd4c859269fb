"""``vidpay validate``: every problem of a scene and its catalogues, in one run.

Shape problems come from ``render.structure``; this module adds what needs the whole graph
(targets, reachability, a way to an end), the texts (placeholders, plain language), the
content root (icons, images, brand, catalogues) and the policy an action relies on.
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from render.content import ContentRoot
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
from render.scene import CASE_PLACEHOLDERS, Contact, Node, Scene
from render.structure import Draft, read_draft
from render.texts import node_texts, placeholders, raw_node_texts
from render.theme import load_theme
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
    yield from _graph_problems(draft)
    yield from _text_problems(draft)
    yield from _asset_problems(draft, root)
    yield from _action_problems(draft)
    yield from _personal_node_problems(draft)
    yield from _recording_problems(draft, root)


# --- the graph ---------------------------------------------------------------------------


def _edges(draft: Draft) -> dict[str, list[tuple[str, Loc]]]:
    """node -> [(target, where the target is written)], broken nodes read as far as possible."""
    edges: dict[str, list[tuple[str, Loc]]] = {}
    for node_id, body in draft.raw_nodes.items():
        base: Loc = ("nodes", node_id)
        node = draft.nodes.get(node_id)
        if node is not None and node.choices is not None:
            edges[node_id] = [
                (c.goto, (*base, "choices", i, "goto")) for i, c in enumerate(node.choices)
            ]
        elif node is not None:
            edges[node_id] = [(node.next, (*base, "next"))] if node.next else []
        else:
            edges[node_id] = list(_raw_edges(body, base))
    return edges


def _raw_edges(body: Any, base: Loc) -> Iterator[tuple[str, Loc]]:
    if not isinstance(body, dict):
        return
    if isinstance(body.get("next"), str):
        yield body["next"], (*base, "next")
    choices = body.get("choices")
    for i, choice in enumerate(choices if isinstance(choices, list) else []):
        if isinstance(choice, dict) and isinstance(choice.get("goto"), str):
            yield choice["goto"], (*base, "choices", i, "goto")


def _graph_problems(draft: Draft) -> Iterator[Problem]:
    if not draft.raw_nodes:
        return
    positions, declared = draft.positions, set(draft.raw_nodes)
    edges = _edges(draft)
    for targets in edges.values():
        for target, loc in targets:
            if target not in declared:
                yield positions.problem(loc, _unknown_node(target, declared))
    start = draft.fields.get("start")
    if start is not None and start not in declared:
        yield positions.problem(("start",), _unknown_node(start, declared))
    entry = draft.raw_entry
    for status, target in entry.items():
        if target not in declared:
            message = f"entry for '{status}': {_unknown_node(target, declared)}"
            yield positions.problem(("entry", status), message)
    if start in declared:
        starts = [start, *(t for t in entry.values() if t in declared)]
        reached = _reachable(starts, edges)
        where = f"'{start}'" + (" or an entry" if entry else "")
        for node_id in draft.raw_nodes:
            if node_id not in reached:
                message = (
                    f"node '{node_id}' is unreachable: no choice or next leads to it from {where}"
                )
                yield positions.problem(("nodes", node_id), message, key=True)
    yield from _dead_ends(draft, edges)


def _dead_ends(draft: Draft, edges: dict[str, list[tuple[str, Loc]]]) -> Iterator[Problem]:
    """Nodes from which no end can be reached: a debtor would go round in circles forever."""
    # Broken nodes and unknown targets are reported already; count them as ends, not again.
    unknown = {t for targets in edges.values() for t, _ in targets if t not in draft.raw_nodes}
    ends = {n for n, node in draft.nodes.items() if node.is_end} | draft.broken_nodes | unknown
    backwards: dict[str, list[tuple[str, Loc]]] = {}
    for source, targets in edges.items():
        for target, loc in targets:
            backwards.setdefault(target, []).append((source, loc))
    finishing = _reachable(list(ends), backwards)
    for node_id in draft.raw_nodes:
        if node_id not in finishing:
            loop = " → ".join(_walk(node_id, edges))
            message = f"no way to an end from node '{node_id}' ({loop}); add a choice or next that leads to an end"
            yield draft.positions.problem(("nodes", node_id), message, key=True)


def _reachable(starts: list[str], edges: dict[str, list[tuple[str, Loc]]]) -> set[str]:
    seen, queue = set(starts), deque(starts)
    while queue:
        for target, _ in edges.get(queue.popleft(), []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _walk(node_id: str, edges: dict[str, list[tuple[str, Loc]]]) -> list[str]:
    """Follow the first way out of each node until a node repeats, to show the loop."""
    path = [node_id]
    while edges.get(path[-1]) and path.count(path[-1]) < 2:
        path.append(edges[path[-1]][0][0])
    return path


def _unknown_node(target: str, declared: set[str]) -> str:
    close = difflib.get_close_matches(target, sorted(declared), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"nodes: {', '.join(sorted(declared))}"
    return f"unknown node '{target}'; {hint}"


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


# --- assets ------------------------------------------------------------------------------


def _asset_problems(draft: Draft, root: ContentRoot) -> Iterator[Problem]:
    positions = draft.positions
    brand = draft.fields.get("brand")
    if brand is not None and root.brand_dir(brand) is None:
        yield positions.problem(
            ("brand",), f"unknown brand '{brand}': no folder static/brand/{brand}/"
        )
    elif brand is not None:
        try:
            load_theme(root, brand)
        except ContentError as exc:
            yield from exc.problems
    for node_id, node in draft.nodes.items():
        for loc, icon in _icons(node_id, node):
            if icon not in root.icons:
                close = difflib.get_close_matches(icon, sorted(root.icons), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "see static/icons/README.md"
                yield positions.problem(loc, f"unknown icon '{icon}'; {hint}")
        for i, shot in enumerate(node.shots):
            image = shot.show.image if shot.show else None
            if image is None:
                continue
            loc = ("nodes", node_id, "shots", i, "show", "image")
            found = root.static_file(image)
            if found is None:
                yield positions.problem(loc, f"image '{image}' is not a file under static/")
            elif (reason := _unreadable_image(found)) is not None:
                yield positions.problem(loc, f"image '{image}' cannot be read: {reason}")


def _unreadable_image(path: Path) -> str | None:
    try:
        with Image.open(path) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError) as exc:
        return str(exc) or type(exc).__name__
    return None


def _icons(node_id: str, node: Node) -> Iterator[tuple[Loc, str]]:
    base: Loc = ("nodes", node_id)
    for i, shot in enumerate(node.shots):
        if shot.show is not None and shot.show.icon is not None:
            yield (*base, "shots", i, "show", "icon"), shot.show.icon
    for i, choice in enumerate(node.choices or []):
        if choice.icon is not None:
            yield (*base, "choices", i, "icon"), choice.icon


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
