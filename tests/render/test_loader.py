from __future__ import annotations

import time
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from render.loader import MAX_DEPTH, parse_yaml, read_yaml
from render.problems import ContentError
from tests.conftest import YAML_BOMBS

DOC = """\
id: demo
amounts:
  - 50.00
  - 0.1
flags: [no, on, yes, off, true, false]
when: 2026-03-05
count: 6
nested:
  key: value
"""


def test_values_are_plain_python_with_decimal_money_and_yaml12_booleans() -> None:
    data = parse_yaml(DOC, "demo.yaml").data
    assert data["amounts"] == [Decimal("50.00"), Decimal("0.1")]
    assert str(data["amounts"][0]) == "50.00"  # the literal text, not a float round-trip
    assert data["flags"] == ["no", "on", "yes", "off", True, False]
    assert data["when"] == date(2026, 3, 5)
    assert data["count"] == 6


def test_positions_of_keys_and_values_are_one_based() -> None:
    positions = parse_yaml(DOC, "demo.yaml").positions
    assert positions.at(("id",)) == (1, 5)
    assert positions.at(("id",), key=True) == (1, 1)
    assert positions.at(("amounts", 1)) == (4, 5)
    assert positions.at(("nested", "key"), key=True) == (9, 3)
    # an unknown location falls back to its nearest known ancestor
    assert positions.at(("nested", "missing")) == (9, 3)
    assert positions.problem(("count",), "boom").__str__() == "demo.yaml:7:8: boom"


def _problems(text: str | bytes) -> list[str]:
    with pytest.raises(ContentError) as failure:
        parse_yaml(text, "bad.yaml")
    return [str(p) for p in failure.value.problems]


def test_syntax_error_names_line_and_column_and_where_the_block_started() -> None:
    assert _problems("a: [1, 2\nb: 3\n") == [
        "bad.yaml:2:2: invalid YAML: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence that starts at line 1, column 4)"
    ]


def test_duplicate_keys_are_errors_not_silently_overwritten() -> None:
    assert _problems("a: 1\nb: 2\na: 3\n") == ["bad.yaml:3:1: duplicate key 'a' (first at line 1)"]


def test_non_scalar_keys_and_unknown_tags_are_refused() -> None:
    assert _problems("? [a, b]\n: 1\nc: !!python/none x\n") == [
        "bad.yaml:1:3: a key must be a plain word, not a list or mapping",
        "bad.yaml:3:4: unsupported YAML tag 'tag:yaml.org,2002:python/none'",
    ]


def test_non_finite_numbers_are_refused() -> None:
    assert _problems("a: .inf\n") == ["bad.yaml:1:4: '.inf' is not a finite number"]


def test_bytes_must_be_utf8_and_a_bom_is_accepted() -> None:
    assert parse_yaml("\ufeffa: é\n".encode(), "ok.yaml").data == {"a": "é"}
    assert _problems(b"a: ok\nb: caf\xe9\n") == [
        "bad.yaml:2:7: the file is not UTF-8 text; save it as UTF-8"
    ]


def test_missing_file_is_a_content_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="cannot read file"):
        read_yaml(tmp_path / "nope.yaml")


def test_empty_document_has_no_data() -> None:
    assert parse_yaml("# nothing\n", "empty.yaml").data is None


@pytest.mark.parametrize(
    ("bomb", "problem"),
    [
        ("laughs", "bomb.yaml:6:4: more than 100,000 values once aliases (*name) are expanded"),
        ("deep", "bomb.yaml:1:51: values are nested more than 50 levels deep"),
    ],
)
def test_yaml_bombs_are_refused_quickly_in_little_memory(
    bomb: str, problem: str, tmp_path: Path
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(YAML_BOMBS[bomb])
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ContentError) as failure:
            read_yaml(path)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [p.message for p in failure.value.problems] == [problem.split(": ", 1)[1]]
    assert str(failure.value).endswith(problem)
    assert seconds < 1.0
    assert peak < 100 * 2**20


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    assert _problems("a: &a [1, *a]\n") == [
        "bad.yaml:1:11: an alias inside the value it names would repeat it forever"
    ]


def test_aliases_within_the_budget_and_nesting_to_the_limit_still_load() -> None:
    data = parse_yaml("base: &b {x: 1}\nuse: [*b, *b]\n", "ok.yaml").data
    assert data["use"] == [{"x": 1}, {"x": 1}]
    deepest = "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    assert parse_yaml(deepest, "ok.yaml").data is not None
    too_deep = f"values are nested more than {MAX_DEPTH} levels deep"
    assert _problems("[" + deepest + "]") == [f"bad.yaml:1:{MAX_DEPTH + 1}: {too_deep}"]
    block = "".join(f"{' ' * i}a:\n" for i in range(MAX_DEPTH + 1))  # nested without brackets
    assert _problems(block) == [f"bad.yaml:{MAX_DEPTH}:{MAX_DEPTH}: {too_deep}"]
