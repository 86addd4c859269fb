from __future__ import annotations

import gettext
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from render.content import ContentRoot
from render.i18n import compile_catalogue, load_translations, update_catalogues
from render.problems import ContentError
from render.validate import inspect_scene
from tests.conftest import REPO, SceneWriter, fill_catalogue

DUTCH = {
    "Hello {name}.": "Hallo {name}.",
    "Hello {name}": "Hallo {name}",
    "You owe {amount_due} since {due_date}.": "U moet {amount_due} betalen sinds {due_date}.",
    "Pay now": "Nu betalen",
    "Call me back": "Bel mij terug",
    "Pay with iDEAL.": "Betaal met iDEAL.",
    "We will call you.": "Wij bellen u.",
    "Thank you.": "Dank u.",
}


def _update(path: Path, root: ContentRoot) -> list[Path]:
    """What `vidpay i18n update` does for one scene."""
    inspection = inspect_scene(path, root, catalogues=False)
    assert inspection.scene is not None, inspection.problems
    changed, problems = update_catalogues(
        root, inspection.scene, inspection.positions, f"scenes/{path.name}"
    )
    if problems:
        raise ContentError(problems)
    return changed


def test_pybabel_finds_the_extractor_through_its_entry_point(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    write_scene()
    (content_root.path / "babel.cfg").write_text("[vidpay_scene: scenes/**.yaml]\n")
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [pybabel, "-q", "extract", "-F", "babel.cfg", "-o", "messages.pot", "."],
        cwd=content_root.path,
        check=True,
    )
    with (content_root.path / "messages.pot").open("rb") as f:
        catalog = read_po(f)
    assert set(m.id for m in catalog if m.id) == set(DUTCH)
    assert catalog["Hello {name}."].locations == [("scenes/small.yaml", 14)]
    assert catalog["Hello {name}."].auto_comments == ["node intro, shot 1, voice-over"]


def test_extractor_skips_texts_with_nothing_tofill_catalogue(write_scene: SceneWriter) -> None:
    found = [(line, text) for line, text, _, _ in extract_from_file("vidpay_scene", write_scene())]
    assert (17, "{amount_due}") not in found
    assert (14, "Hello {name}.") in found


def test_update_creates_a_catalogue_per_language_and_a_rerun_changes_nothing(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    path = write_scene(languages="[en, nl, tr]")
    changed = _update(path, content_root)
    assert sorted(p.relative_to(content_root.path).as_posix() for p in changed) == [
        "translations/nl/LC_MESSAGES/small.po",
        "translations/small.pot",
        "translations/tr/LC_MESSAGES/small.po",
    ]
    before = {p: p.read_bytes() for p in changed}
    assert _update(path, content_root) == []
    assert {p: p.read_bytes() for p in changed} == before


def test_a_changed_text_keeps_the_old_translation_as_a_fuzzy_suggestion(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    path = write_scene(languages="[en, nl]")
    _update(path, content_root)
    po = content_root.po_path("small", "nl")
    fill_catalogue(po, DUTCH)
    assert inspect_scene(path, content_root).problems == []

    scene = path.read_text().replace('"Thank you."', '"Thank you very much."')
    path.write_text(scene.replace('"We will call you."', '"Our team phones at a time you pick."'))
    _update(path, content_root)
    problems = [p.message for p in inspect_scene(path, content_root).problems]
    assert problems == [
        '"Our team phones at a time you pick." is not translated yet',
        'the translation of "Thank you very much." is marked fuzzy: check it and remove the flag '
        "(until then the source text is used)",
        "obsolete entry \"We will call you.\"; delete it or run 'vidpay i18n update --drop-obsolete'",
    ]
    loaded = load_translations(content_root, "small", "nl")
    assert "Thank you very much." not in loaded
    assert "We will call you." not in loaded


def test_update_refuses_a_broken_catalogue_and_leaves_it_alone(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    path = write_scene(languages="[en, nl]")
    _update(path, content_root)
    po = content_root.po_path("small", "nl")
    po.write_text(po.read_text() + "\nthis is not gettext\n")
    broken = po.read_bytes()
    with pytest.raises(ContentError, match="cannot read this line"):
        _update(path, content_root)
    assert po.read_bytes() == broken


def test_compile_writes_mo_files_gettext_reads_without_fuzzy_entries(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    path = write_scene(languages="[en, nl]")
    _update(path, content_root)
    po = content_root.po_path("small", "nl")
    fill_catalogue(po, DUTCH, fuzzy=frozenset({"Thank you."}))
    mo = compile_catalogue(po, "nl")
    assert mo == po.with_suffix(".mo")
    translation = gettext.translation("small", content_root.translations_dir, languages=["nl"])
    assert translation.gettext("Pay now") == "Nu betalen"
    assert translation.gettext("Thank you.") == "Thank you."


def test_load_translations_gives_reviewed_entries_only(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    path = write_scene(languages="[en, nl]")
    _update(path, content_root)
    fill_catalogue(content_root.po_path("small", "nl"), DUTCH, fuzzy=frozenset({"Pay now"}))
    loaded = load_translations(content_root, "small", "nl")
    assert loaded["Hello {name}."] == "Hallo {name}."
    assert "Pay now" not in loaded
    assert len(loaded) == len(DUTCH) - 1


def test_bundled_catalogues_are_complete_in_four_languages() -> None:
    root = ContentRoot(REPO)
    for scene_id in ("arrears", "arrears-firm"):
        for language in ("nl", "de", "tr", "es"):
            loaded = load_translations(root, scene_id, language)
            assert len(loaded) > 50
            assert loaded["Pay now"] != "Pay now"
