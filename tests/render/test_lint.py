"""The compliance lint: one corpus case per rule in ``tests/data/lint`` (rule, message and
line), the bundled samples clean, and strict mode turning findings into errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from render.content import ContentRoot
from render.lint import RULES
from render.lint.phrases import COSTS, FIRM, FORBIDDEN, OFFER, TERM, find, says
from render.problems import ContentError
from render.validate import inspect_scene, load_scene, validate_root
from tests.conftest import DATA, SceneWriter
from tests.corpus import assert_case_reports_exactly_its_problems, case_root, expected

CASES = sorted((DATA / "lint").iterdir())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_lint_case_reports_exactly_its_findings(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_case_reports_exactly_its_problems(case, tmp_path, monkeypatch)


def test_every_rule_has_a_corpus_case() -> None:
    cited = {
        line.rsplit("[", 1)[1].rstrip("]")
        for case in CASES
        for line in expected(next(case.glob("scenes/*.yaml")) if case.is_dir() else case)
    }
    assert cited == set(RULES)


def test_findings_are_warnings_unless_strict(tmp_path: Path) -> None:
    root, scene = case_root(DATA / "lint" / "forbidden-phrase.yaml", tmp_path)
    assert load_scene(scene, root).id == "case"
    (finding,) = inspect_scene(scene, root).problems
    assert finding.rule == "forbidden-phrase" and not finding.is_error
    (error,) = inspect_scene(scene, root, strict=True).problems
    assert error.rule == "forbidden-phrase" and error.is_error
    assert inspect_scene(scene, root, strict=True).scene is None


def test_strict_in_vidpay_toml_stops_loading(tmp_path: Path) -> None:
    root, scene = case_root(DATA / "lint" / "strict", tmp_path)
    with pytest.raises(ContentError) as failure:
        load_scene(scene, root)
    assert [p.rule for p in failure.value.problems] == ["forbidden-phrase"]


def test_broken_vidpay_toml_is_reported_and_the_lint_still_runs(tmp_path: Path) -> None:
    root, scene = case_root(DATA / "lint" / "forbidden-phrase.yaml", tmp_path)
    (root.path / "vidpay.toml").write_text("[compliance]\nstrict = maybe\n", encoding="utf-8")
    problems = inspect_scene(scene, root).problems
    assert [p.rule for p in problems] == ["forbidden-phrase", ""]
    assert problems[1].path.endswith("vidpay.toml") and "invalid TOML" in problems[1].message


def test_a_bad_line_in_the_creditors_list_is_named(tmp_path: Path) -> None:
    root, scene = case_root(DATA / "lint" / "forbidden-phrase.yaml", tmp_path)
    (root.path / "compliance").mkdir()
    (root.path / "compliance" / "forbidden.en.txt").write_text(
        "# ours\nshame*\n*\nde*bt\n", encoding="utf-8"
    )
    errors = [str(p) for p in inspect_scene(scene, root).problems if p.is_error]
    assert [e.split(": ", 1)[1] for e in errors] == [
        "'*' is not a phrase: words, with * only at the end",
        "'de*bt' is not a phrase: words, with * only at the end",
    ]
    assert [e.split(":")[1] for e in errors] == ["3", "4"]


def test_bundled_samples_keep_every_rule(bundled: ContentRoot) -> None:
    problems = validate_root(bundled, bundled.scene_files(), strict=True)
    assert [str(p) for p in problems] == []


def test_the_firm_sample_states_costs_term_and_amount_in_every_language(
    bundled: ContentRoot, write_scene: SceneWriter
) -> None:
    firm = load_scene(bundled.find_scene("arrears-firm"), bundled)
    said = [shot.say or "" for shot in firm.nodes["situation"].shots]
    assert any("{collection_costs}" in s and says(TERM, "en", s) for s in said)


@pytest.mark.parametrize(
    ("table", "language", "text", "phrase"),
    [
        (COSTS, "de", "mit zusätzlichen Kosten", "zusätzlichen Kosten"),
        (COSTS, "nl", "Dat kost u extra geld.", "kost u extra"),
        (TERM, "de", "innerhalb von 14 Tagen", "14 Tagen"),
        (TERM, "tr", "14 gün içinde", "14 gün"),
        (FIRM, "nl", "De deurwaarder komt.", "deurwaarder"),
        (OFFER, "es", "Puede pagar a plazos.", "a plazos"),
        (FORBIDDEN, "en", "He was arrested.", "arrested"),
        (FIRM, "en", "Thank you for your courtesy.", None),  # "court" is a whole word
        (FORBIDDEN, "fr", "la police", None),  # a language the rule cannot read
        (FORBIDDEN, "nl_BE", "Wij bellen de politie.", "politie"),
    ],
)
def test_phrases_match_whole_words_in_their_language(
    table: dict[str, list[str]], language: str, text: str, phrase: str | None
) -> None:
    assert says(table, language, text) == phrase


def test_a_phrase_may_span_line_breaks_and_case() -> None:
    assert find(["last reminder"], "This is our LAST\nreminder.") == "LAST\nreminder"


def test_vidpay_lint_prints_findings_with_their_rule_and_exits_1_when_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = case_root(DATA / "lint" / "forbidden-phrase.yaml", tmp_path)
    monkeypatch.chdir(root.path)
    runner = CliRunner()
    result = runner.invoke(app, ["lint"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("[forbidden-phrase]")
    assert result.stderr == "1 scene linted: 1 finding\n"
    strict = runner.invoke(app, ["lint", "--strict", "case"])
    assert strict.exit_code == 1
    assert strict.stderr == "1 scene linted: 1 finding, counted as errors (strict)\n"
    assert ": warning: " not in strict.stdout
