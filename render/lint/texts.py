"""The texts the lint reads: every text of a scene in every language, with where to fix it.

A finding in a translation points at the translator's line in the ``.po`` file, not at the
English source, because that is where the wording is chosen.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from render.content import ContentRoot
from render.i18n import read_catalogue
from render.loader import Positions
from render.problems import Problem
from render.scene import Scene
from render.texts import SceneText, node_texts


@dataclass(frozen=True)
class LintText:
    """One text as a debtor in ``language`` meets it."""

    language: str
    node: str
    text: str  # in ``language``, placeholders unfilled
    source: SceneText  # the source text and where it stands in the scene
    file: str  # the file to fix: the scene, or the language's catalogue
    line: int
    col: int

    @property
    def spoken(self) -> bool:
        return self.source.loc[-1] == "say"

    def finding(self, rule: str, message: str) -> Problem:
        return Problem(self.file, self.line, self.col, message, "warning", rule)


def scene_texts(scene: Scene, positions: Positions, root: ContentRoot) -> list[LintText]:
    """Every text of the scene in every language, in scene order, language by language.

    A language whose catalogue is missing or broken is left out: the validator reports the
    catalogue itself, and linting the English fallback again would only repeat the source.
    """
    found: list[LintText] = []
    for language in scene.languages:
        if language == scene.source_language:
            found += list(_source_texts(scene, positions))
        else:
            found += list(_translated_texts(scene, root, language))
    return found


def _source_texts(scene: Scene, positions: Positions) -> Iterator[LintText]:
    for node_id, node in scene.nodes.items():
        for text in node_texts(node_id, node):
            line, col = positions.at(text.loc)
            yield LintText(
                scene.source_language, node_id, text.text, text, positions.file, line, col
            )


def _translated_texts(scene: Scene, root: ContentRoot, language: str) -> Iterator[LintText]:
    po, _ = read_catalogue(root.po_path(scene.id, language), language)
    if po is None:
        return
    for node_id, node in scene.nodes.items():
        for text in node_texts(node_id, node):
            message = po.catalog.get(text.text)
            translated = message.string if message is not None else None
            if (
                message is None
                or message.fuzzy
                or not isinstance(translated, str)
                or not translated
            ):
                continue  # untranslated or fuzzy: reported by the validator; source is shown
            yield LintText(language, node_id, translated, text, po.shown, po.line_of(message), 1)


def by_node(texts: list[LintText]) -> dict[tuple[str, str], list[LintText]]:
    """(language, node) -> its texts in order."""
    grouped: dict[tuple[str, str], list[LintText]] = {}
    for text in texts:
        grouped.setdefault((text.language, text.node), []).append(text)
    return grouped


def source_only(texts: list[LintText], scene: Scene) -> list[LintText]:
    return [t for t in texts if t.language == scene.source_language]
