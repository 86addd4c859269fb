"""Threats a collection video never makes: arrest, the police, telling an employer or the
neighbours. Saying them is intimidation (and in the Netherlands against the collection
codes of conduct); a debtor who is frightened stops watching instead of paying.
"""

from __future__ import annotations

from collections.abc import Iterator

from render.content import ContentRoot
from render.formatting import base_language
from render.lint.lists import creditor_list
from render.lint.phrases import FORBIDDEN, find
from render.lint.texts import LintText
from render.problems import Problem


def forbidden_findings(texts: list[LintText], root: ContentRoot) -> Iterator[Problem]:
    lists: dict[str, list[str]] = {}
    for text in texts:
        if text.language not in lists:
            extra, problems = creditor_list(root, "forbidden", text.language)
            yield from problems
            lists[text.language] = [*_defaults(text.language), *extra]
        phrase = find(lists[text.language], text.text)
        if phrase is not None:
            yield text.finding(
                "forbidden-phrase",
                f"'{phrase}' sounds like a threat; a collection video never threatens with "
                "arrest, the police, or telling an employer or neighbours: say what happens "
                "next, plainly",
            )


def _defaults(language: str) -> list[str]:
    return FORBIDDEN.get(base_language(language), [])
