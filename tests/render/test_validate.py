"""Validation: the samples pass, and every case of the broken corpus fails at the right spot
(the corpus format: ``tests/corpus.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from render.content import ContentRoot
from render.problems import ContentError
from render.validate import inspect_scene, load_scene, validate_root
from tests.conftest import DATA, MINIMAL_SCENE, SceneWriter
from tests.corpus import assert_case_reports_exactly_its_problems, case_root

CASES = sorted((DATA / "invalid").iterdir()) + sorted((DATA / "warnings").iterdir())


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_case_reports_exactly_its_problems(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_case_reports_exactly_its_problems(case, tmp_path, monkeypatch)


@pytest.mark.parametrize("case", sorted((DATA / "invalid").iterdir()), ids=lambda p: p.name)
def test_invalid_case_cannot_be_loaded(case: Path, tmp_path: Path) -> None:
    root, scene = case_root(case, tmp_path)
    with pytest.raises(ContentError) as failure:
        load_scene(scene, root)
    assert failure.value.problems and all(p.is_error for p in failure.value.problems)


@pytest.mark.parametrize("case", sorted((DATA / "warnings").iterdir()), ids=lambda p: p.name)
def test_warnings_do_not_stop_loading(case: Path, tmp_path: Path) -> None:
    root, scene = case_root(case, tmp_path)
    assert load_scene(scene, root).id


def test_bundled_samples_are_clean(bundled: ContentRoot) -> None:
    problems = validate_root(bundled, bundled.scene_files())
    assert [str(p) for p in problems] == []
    assert {p.stem for p in bundled.scene_files()} >= {"arrears", "arrears-firm"}


def test_sample_uses_every_action_and_every_step_leads_back_to_the_menu(
    bundled: ContentRoot,
) -> None:
    for name in ("arrears", "arrears-firm"):
        scene = load_scene(bundled.find_scene(name), bundled)
        actions = {node.action for node in scene.nodes.values()} - {None}
        assert actions == {"pay", "arrangement", "later", "help", "dispute", "paid", "callback"}
        assert scene.languages == ["nl", "en", "de", "tr", "es"]
        for node_id, node in scene.nodes.items():
            if node.action is not None:
                assert _reaches(scene.nodes, node_id, "menu"), node_id


def _reaches(nodes: dict, start: str, goal: str) -> bool:  # type: ignore[type-arg]
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current == goal:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(nodes[current].targets())
    return False


def test_firm_variant_offers_the_same_choices(bundled: ContentRoot) -> None:
    friendly = load_scene(bundled.find_scene("arrears"), bundled)
    firm = load_scene(bundled.find_scene("arrears-firm"), bundled)
    assert friendly.nodes.keys() == firm.nodes.keys()
    for node_id, node in friendly.nodes.items():
        assert node.targets() == firm.nodes[node_id].targets()
        assert node.action == firm.nodes[node_id].action


def test_every_problem_is_reported_in_one_run(write_scene: SceneWriter) -> None:
    path = write_scene(
        """\
        id: many
        title: Many problems
        source_language: en
        languages: [en, nl]
        colour: red
        contact: {phone: "+31"}
        start: intro
        nodes:
          intro:
            shots: [{say: "Hi {nam}.", show: {icon: nope}}]
            choices:
              - {label: "Go", goto: nowhere}
          lost:
            shotz: []
        """,
        id="many",
    )
    problems = inspect_scene(path, ContentRoot(path.parent.parent)).problems
    messages = [p.message for p in problems]
    assert len(problems) == 8, messages
    assert any("node 'lost' is unreachable" in m for m in messages)
    assert any("unknown key 'colour'" in m for m in messages)
    assert any("no catalogue" in m for m in messages)
    assert any("{nam}" in m for m in messages)
    assert any("unknown icon 'nope'" in m for m in messages)
    assert any("unknown node 'nowhere'" in m for m in messages)
    assert any("unknown key 'shotz'" in m for m in messages)
    assert any("missing required key 'shots'" in m for m in messages)


def test_a_broken_node_does_not_make_its_targets_unreachable(write_scene: SceneWriter) -> None:
    path = write_scene(
        """\
        id: chain
        title: Chain
        source_language: en
        languages: [en]
        contact: {phone: "+31"}
        start: a
        nodes:
          a:
            shots: [{say: "A."}]
            next: b
            colour: red
          b:
            shots: [{say: "B."}]
        """,
        id="chain",
    )
    problems = inspect_scene(path, ContentRoot(path.parent.parent)).problems
    assert [p.message for p in problems] == [
        "unknown key 'colour'; expected one of: shots, choices, next, action"
    ]


def test_duplicate_scene_ids_are_reported(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    first = write_scene(id="one")
    second = content_root.scenes_dir / "two.yaml"
    second.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    problems = validate_root(content_root, [first, second])
    assert len(problems) == 1
    assert problems[0].path.endswith("two.yaml")
    assert "scene id 'one' is already used by" in problems[0].message
    assert (problems[0].line, problems[0].col) == (1, 5)


def test_scene_format_1_1_entry_and_case_placeholders(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    text = MINIMAL_SCENE.format(id="small", languages="[en]").replace(
        "start: intro\n",
        "start: intro\nentry: {plan: plan_status, behind: plan_status, paid: thanks}\n",
    )
    text += """\
  plan_status:
    shots:
      - say: "Pay {next_installment_amount} on {next_installment_date}. {installments_left} left."
        show: {card: "{next_installment_amount}", text: "{case_reference}"}
    next: thanks
"""
    path = write_scene(text)
    inspection = inspect_scene(path, content_root)
    assert [str(p) for p in inspection.problems] == []  # reached from an entry only: fine
    scene = load_scene(path, content_root)
    assert (scene.entry_for("behind"), scene.entry_for("paid")) == ("plan_status", "thanks")
    assert scene.entry_for("open") == scene.entry_for("disputed") == "intro"  # no entry: start
