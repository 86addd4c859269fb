"""Whose name a debtor's messages carry: the creditor of their scene's brand."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings
from app.outreach.worker import creditor_names
from tests.conftest import MINIMAL_SCENE


def test_messages_are_signed_with_the_brand_of_the_debtors_scene(tmp_path: Path) -> None:
    root = tmp_path / "creditor"
    (root / "scenes").mkdir(parents=True)
    scene = MINIMAL_SCENE.format(id="water", languages="[en]")
    (root / "scenes" / "water.yaml").write_text(
        scene.replace("source_language: en", "source_language: en\nbrand: noordstroom"),
        encoding="utf-8",
    )
    (root / "scenes" / "plain.yaml").write_text(
        MINIMAL_SCENE.format(id="plain", languages="[en]"), encoding="utf-8"
    )
    settings = Settings(root=root, var=tmp_path / "var", secret_key="test", env="test",
                        creditor_name="Waterbedrijf")  # fmt: skip
    name_of = creditor_names(settings)
    assert name_of("water") == "Noordstroom"  # its brand's display_name
    assert name_of("plain") == "Demo Energie"  # the default brand's
    assert name_of("gone") == "Waterbedrijf"  # no such scene: the setting
