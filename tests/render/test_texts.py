from __future__ import annotations

import pytest

from render.scene import Node
from render.texts import (
    fill,
    needs_translation,
    node_texts,
    placeholders,
    raw_node_texts,
    sentences,
    word_count,
)


def test_placeholders_in_order_with_literal_braces_skipped() -> None:
    assert placeholders("Hi {name}, {{not}} you owe {amount_due} {name}") == [
        "name",
        "amount_due",
        "name",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hello {name", "unbalanced braces"),
        ("Hello name}", "unbalanced braces"),
        ("Pay {amount:.2f}", "takes no format"),
        ("Pay {amount!r}", "takes no format"),
        ("Hi {}", "is not a name"),
        ("Hi {user.name}", "is not a name"),
        ("Hi {0}", "is not a name"),
    ],
)
def test_malformed_placeholders_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        placeholders(text)


def test_fill_replaces_placeholders_and_keeps_literal_braces() -> None:
    assert fill("{{x}} {name} owes {amount}", {"name": "Ana", "amount": "€ 5,00"}) == (
        "{x} Ana owes € 5,00"
    )


def test_texts_that_read_the_same_everywhere_need_no_translation() -> None:
    assert not needs_translation("{amount_due}")
    assert not needs_translation("  {phone} / 14 ")
    assert needs_translation("14 days")
    assert needs_translation("Invoice {invoice_number}")


def test_node_texts_walk_voice_screen_and_buttons_in_order() -> None:
    node = Node.model_validate(
        {
            "shots": [
                {"say": "Hello.", "show": {"title": "Hi", "bullets": ["One", "Two"], "icon": "x"}},
                {"pause": 1},
            ],
            "choices": [{"label": "Go", "goto": "b"}],
        }
    )
    texts = list(node_texts("a", node))
    assert [t.text for t in texts] == ["Hello.", "Hi", "One", "Two", "Go"]
    assert texts[2].loc == ("nodes", "a", "shots", 0, "show", "bullets", 0)
    assert texts[-1].what == "node a, button"


def test_sentences_and_word_counts() -> None:
    assert sentences("Hello {name}. Is it hard? Yes!") == ["Hello {name}.", "Is it hard?", "Yes!"]
    assert word_count("Hello {name}, it's a well-known fact.") == 6


def test_a_broken_node_still_gives_the_texts_that_can_be_read() -> None:
    body = {
        "shots": [
            {"say": "Hi {name}", "shwo": {"title": "x"}},
            "not a shot",
            {"say": 3, "show": {"title": "Pay", "bullets": ["One", 2, "Two"]}},
        ],
        "choices": [{"label": "Go", "goto": "x"}, {"label": None}],
    }
    found = [(t.text, t.loc) for t in raw_node_texts("n", body)]
    assert found == [
        ("Hi {name}", ("nodes", "n", "shots", 0, "say")),
        ("Pay", ("nodes", "n", "shots", 2, "show", "title")),
        ("One", ("nodes", "n", "shots", 2, "show", "bullets", 0)),
        ("Two", ("nodes", "n", "shots", 2, "show", "bullets", 2)),
        ("Go", ("nodes", "n", "choices", 0, "label")),
    ]
    assert list(raw_node_texts("n", ["not", "a", "mapping"])) == []
