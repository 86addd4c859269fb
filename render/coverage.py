"""How far each language of a scene is translated: what a designer looks at before sending.

A pure function over the scene and the catalogues already read, so the studio page, a
command or a test can ask it without touching the disk. A text counts as translated only when
the renderer would use its translation (``render.i18n.load_translations``): a fuzzy entry is
shown in the source language until someone removes the flag, so it is counted apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from babel.messages.catalog import Catalog

from render.i18n import catalogue_texts
from render.scene import Scene


@dataclass(frozen=True)
class Coverage:
    """One language of a scene: how many of its texts a debtor reads in that language."""

    language: str
    total: int  # texts of the scene that need translating
    missing: tuple[str, ...]  # msgids with no entry or an empty translation, in scene order
    fuzzy: tuple[str, ...]  # msgids translated but marked fuzzy (not used yet)
    source: bool = False  # the scene is written in this language: nothing to translate
    catalogue: bool = True  # False when there is no readable catalogue for the language

    @property
    def translated(self) -> int:
        return self.total - len(self.missing) - len(self.fuzzy)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.fuzzy


def language_coverage(scene: Scene, language: str, catalog: Catalog | None) -> Coverage:
    """The coverage of one language; ``catalog`` is None when it could not be read."""
    msgids = list(catalogue_texts(scene.nodes))
    if language == scene.source_language:
        return Coverage(language, len(msgids), (), (), source=True)
    if catalog is None:
        return Coverage(language, len(msgids), tuple(msgids), (), catalogue=False)
    missing, fuzzy = [], []
    for msgid in msgids:
        message = catalog.get(msgid)
        text = message.string if message is not None else None
        if not isinstance(text, str) or not text.strip():
            missing.append(msgid)
        elif message is not None and message.fuzzy:
            fuzzy.append(msgid)
    return Coverage(language, len(msgids), tuple(missing), tuple(fuzzy))


def scene_coverage(scene: Scene, catalogues: Mapping[str, Catalog | None]) -> list[Coverage]:
    """Every language the scene offers, in its order; a language absent from ``catalogues``
    has no catalogue."""
    return [language_coverage(scene, lang, catalogues.get(lang)) for lang in scene.languages]
