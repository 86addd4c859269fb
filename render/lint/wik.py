"""Dutch WIK (art. 6:96 BW): collection costs are only owed after a reminder that gives the
debtor 14 days to pay and says what the costs will be.

So a node that mentions collection costs, in any language, also states the 14-day term and
the amount (``{collection_costs}``, computed from the legal scale in
``render.collection_costs``). The finding stands at the first mention, per language, where a
designer or translator fixes it.
"""

from __future__ import annotations

from collections.abc import Iterator

from render.lint.phrases import COSTS, TERM, says
from render.lint.texts import LintText, by_node
from render.problems import Problem
from render.texts import placeholders

COSTS_PLACEHOLDER = "collection_costs"
LAW = "WIK, art. 6:96 BW"


def wik_findings(texts: list[LintText]) -> Iterator[Problem]:
    for (language, _node), node_texts in by_node(texts).items():
        mentions = [(t, phrase) for t in node_texts if (phrase := says(COSTS, language, t.text))]
        if not mentions:
            continue
        first, phrase = mentions[0]
        if not any(says(TERM, language, t.text) for t in node_texts):
            yield first.finding(
                "wik-term",
                f"'{phrase}' is said, but not the 14-day term: collection costs are owed only "
                f"after a reminder that gives 14 days to pay ({LAW}); say it in this node, "
                "e.g. 'if you do not pay within 14 days'",
            )
        if not any(COSTS_PLACEHOLDER in _names(t.text) for t in node_texts):
            yield first.finding(
                "wik-amount",
                f"'{phrase}' is said, but not how much: the reminder must state the amount "
                f"({LAW}); say {{{COSTS_PLACEHOLDER}}} in this node, computed from the legal "
                "scale for each debtor",
            )


def _names(text: str) -> set[str]:
    try:
        return set(placeholders(text))
    except ValueError:
        return set()
