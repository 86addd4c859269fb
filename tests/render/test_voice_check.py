"""The voice check: every line spoken, heard back by Whisper-base offline, and scored."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from render.content import ContentRoot
from render.validate import load_scene
from render.voice_check import LineCheck, check_scene, normalise, sample_values
from tests.conftest import SceneWriter

needs_whisper = pytest.mark.skipif(
    importlib.util.find_spec("faster_whisper") is None,
    reason="the voicecheck extra is not installed",
)


@pytest.mark.parametrize(
    ("language", "heard", "said"),
    [
        ("nl", "Uw rekening van € 148,20.", "Uw rekening van honderdachtenveertig euro en twintig cent."),
        ("de", "am 15. Dezember 2026.", "am fünfzehnten Dezember zweitausendsechsundzwanzig"),
        ("en", "on the 15th of December 2026, €1,234.56", "on the fifteenth of December, twenty twenty-six, one thousand, two hundred and thirty-four euros and fifty-six cents"),
        ("es", "148 euros con 20 centimos", "ciento cuarenta y ocho euros con veinte céntimos"),
        ("tr", "15 Aralık 2026", "on beş Aralık iki bin yirmi altı"),
    ],
)  # fmt: skip
def test_figures_the_recogniser_writes_compare_equal_to_the_words_said(
    language: str, heard: str, said: str
) -> None:
    assert normalise(heard, language) == normalise(said, language)


def test_a_year_at_the_end_of_a_sentence_is_no_ordinal() -> None:
    assert normalise("venció en 2026.", "es") == "vencio en dos mil veintiseis"


def test_the_sample_debtor_has_every_value_the_scene_and_its_case_say(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    scene = load_scene(write_scene(), content_root)
    values = sample_values(scene, "de")
    assert values["name"] == "Sophie Müller"
    assert {"amount_due", "due_date", "next_installment_amount", "promise_date"} <= set(values)


def test_a_line_is_over_when_its_error_rate_is_or_a_fact_was_not_heard() -> None:
    clear = LineCheck("intro", 1, "en", "Hello Emma.", "Hello Emma.", "Hello Emma.", 0.0,
                      {"name": True})  # fmt: skip
    assert not clear.over(0.25)
    assert LineCheck("intro", 1, "en", "", "", "", 0.3).over(0.25)
    assert LineCheck("intro", 1, "en", "", "", "", 0.1, {"name": False}).over(0.25)


@needs_whisper
def test_clear_lines_pass_and_gibberish_fails(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    path = write_scene()
    scene_text = path.read_text().replace('"Pay with iDEAL."', '"Zorp vlimmek quazzle froob."')
    path.write_text(scene_text)
    scene = load_scene(path, content_root)
    results = {f"{r.node}-{r.shot}": r for r in check_scene(scene, content_root, "en")}
    assert set(results) == {"intro-1", "intro-2", "pay_now-1", "callback-1", "thanks-1"}
    assert results["thanks-1"].wer == 0.0
    assert not results["thanks-1"].over(0.25)
    assert results["pay_now-1"].over(0.25)
    assert results["intro-1"].facts == {"name": results["intro-1"].facts["name"]}
    assert set(results["intro-2"].facts) == {"amount_due", "due_date"}


@needs_whisper
def test_the_command_reports_each_line_and_exits_1_when_one_is_not_understood(
    write_scene: SceneWriter, content_root: ContentRoot, tmp_path: Path
) -> None:
    path = write_scene()
    path.write_text(path.read_text().replace('"Thank you."', '"Xyzzy plugh frobnitz."'))
    out = tmp_path / "check.json"
    result = CliRunner().invoke(
        app, ["voice", "check", "small", "--root", str(content_root.path), "--json", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert "en: 5 lines, mean word error rate" in result.output
    assert "✗ thanks-1" in result.output
    assert "heard:" in result.output
    saved = json.loads(out.read_text())
    assert saved["scene"] == "small"
    assert [line["over"] for line in saved["lines"] if line["node"] == "thanks"] == [True]


def test_an_unknown_language_is_a_usage_error(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    write_scene()
    result = CliRunner().invoke(
        app, ["voice", "check", "small", "--root", str(content_root.path), "--lang", "fr"]
    )
    assert result.exit_code == 2
    assert "has no language 'fr'" in result.output
