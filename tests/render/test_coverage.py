"""Translation coverage: per language, what a debtor reads translated, what is missing, and
what waits as fuzzy; counted as the renderer uses catalogues."""

from __future__ import annotations

from babel.messages.catalog import Catalog
from typer.testing import CliRunner

from app.cli import app
from render.content import ContentRoot
from render.coverage import language_coverage, scene_coverage
from render.i18n import catalogue_texts, read_catalogue
from render.scene import Scene
from render.validate import load_scene
from tests.conftest import SceneWriter, fill_catalogue


def _scene(
    write_scene: SceneWriter, content_root: ContentRoot, languages: str = "[nl, en]"
) -> Scene:
    return load_scene(write_scene(languages=languages), content_root, catalogues=False)


def test_missing_empty_and_fuzzy_entries_are_counted_apart(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    scene = _scene(write_scene, content_root)
    msgids = list(catalogue_texts(scene.nodes))
    catalog = Catalog(locale="nl")
    catalog.add("Hello {name}.", "Hallo {name}.")
    catalog.add("Pay now", "Nu betalen", flags=["fuzzy"])
    catalog.add("Thank you.", "")  # an entry nobody translated yet
    coverage = language_coverage(scene, "nl", catalog)
    assert coverage.total == len(msgids)
    assert coverage.fuzzy == ("Pay now",)
    assert "Thank you." in coverage.missing
    assert "Hello {name}." not in coverage.missing
    assert coverage.missing == tuple(m for m in msgids if m not in ("Hello {name}.", "Pay now"))
    assert coverage.translated == 1
    assert not coverage.complete


def test_the_source_language_is_complete_and_a_missing_catalogue_misses_everything(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    scene = _scene(write_scene, content_root, "[nl, en, de]")
    by_language = {c.language: c for c in scene_coverage(scene, {"de": None})}
    assert list(by_language) == ["nl", "en", "de"]  # the scene's order
    assert by_language["en"].source and by_language["en"].complete
    assert by_language["en"].translated == by_language["en"].total > 0
    for language in ("nl", "de"):
        assert not by_language[language].catalogue
        assert by_language[language].translated == 0
        assert len(by_language[language].missing) == by_language[language].total


def test_a_catalogue_from_disk_as_a_translator_leaves_it(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    scene = _scene(write_scene, content_root, "[en, tr]")
    result = CliRunner().invoke(app, ["i18n", "update", "--root", str(content_root.path)])
    assert result.exit_code == 0, result.output
    po_path = content_root.po_path("small", "tr")
    fill_catalogue(po_path, {"Pay now": "Şimdi öde", "Thank you.": "Teşekkürler."},
                   fuzzy=frozenset({"Thank you."}))  # fmt: skip
    po, problems = read_catalogue(po_path, "tr")
    assert po is not None, problems
    coverage = language_coverage(scene, "tr", po.catalog)
    assert coverage.translated == 1
    assert coverage.fuzzy == ("Thank you.",)
    assert len(coverage.missing) == coverage.total - 2
    fill_catalogue(po_path, {m: f"tr {m}" for m in coverage.missing})
    po, _ = read_catalogue(po_path, "tr")
    assert po is not None
    assert language_coverage(scene, "tr", po.catalog).missing == ()
