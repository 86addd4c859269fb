"""Rules about the ways through a scene: help for who cannot pay, a person at every choice,
and an offer before firm words.

They read the scene's source-language texts (the graph is the same in every language) and
follow ``choices`` and ``next`` as a debtor would.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from render.lint.phrases import CANNOT_PAY, FIRM, OFFER, says
from render.lint.texts import LintText
from render.loader import Positions
from render.problems import Problem
from render.scene import Scene

_OFFER_ACTIONS = ("arrangement", "later")


def _uses(texts: list[LintText], name: str) -> bool:
    return any("{" + name + "}" in t.text for t in texts)


def help_referral_findings(
    scene: Scene, texts: dict[str, list[LintText]], positions: Positions
) -> Iterator[Problem]:
    """From a choice saying "I cannot pay", every way to an end passes the ``help`` step or a
    text with ``{help_url}``: a debtor who cannot pay needs debt help, not another menu."""
    helping = {
        n for n, node in scene.nodes.items() if node.action == "help" or _uses(texts[n], "help_url")
    }
    for node_id, node in scene.nodes.items():
        for i, choice in enumerate(node.choices or []):
            phrase = says(CANNOT_PAY, scene.source_language, choice.label)
            if phrase is None:
                continue
            way = _way_to_end_avoiding(scene, choice.goto, helping)
            if way is None:
                continue
            line, col = positions.at(("nodes", node_id, "choices", i, "label"))
            yield Problem(
                positions.file, line, col,
                f"the choice '{choice.label}' says the debtor cannot pay, but the way "
                f"{' → '.join(way)} reaches an end without a debt-help referral; lead it "
                "through a node with 'action: help' or a text with {help_url}",
                "warning", "help-referral",
            )  # fmt: skip


def person_reachable_findings(
    scene: Scene, texts: dict[str, list[LintText]], positions: Positions
) -> Iterator[Problem]:
    """From every node where the debtor chooses, one way leads to a person: the ``callback``
    step or a text saying ``{phone}``. Many debtors read poorly; a person is the way out of
    anything. Nodes without choices lead on to a choice or to the end, and every debtor page
    shows the phone number in its header besides."""
    people = {
        n
        for n, node in scene.nodes.items()
        if node.action == "callback" or _uses(texts[n], "phone")
    }
    for node_id, node in scene.nodes.items():
        if node.choices is None or node_id in people:
            continue
        if not (scene.reachable_from(node_id) & people):
            line, col = positions.at(("nodes", node_id), key=True)
            yield Problem(
                positions.file, line, col,
                f"the choices of node '{node_id}' lead nowhere near a person: no way from "
                "them reaches a node with 'action: callback' or a text with {phone}",
                "warning", "person-reachable",
            )  # fmt: skip


def forbearance_findings(scene: Scene, texts: dict[str, list[LintText]]) -> Iterator[Problem]:
    """Where the policy allows a plan or more time, the debtor is offered one before any firm
    wording (last reminder, collection agency, bailiff): on every way from the start."""
    if scene.policy.arrangement is None and scene.policy.later is None:
        return
    offering = {n for n, node in scene.nodes.items() if _offers(scene, n)}
    seen: set[tuple[str, bool]] = set()
    queue = deque([(scene.start, False)])
    reported: set[str] = set()  # one finding per node: its first firm words
    while queue:
        node_id, offered = queue.popleft()
        if (node_id, offered) in seen or node_id not in scene.nodes:
            continue
        seen.add((node_id, offered))
        offered = offered or scene.nodes[node_id].action in _OFFER_ACTIONS
        for text in texts[node_id]:
            if says(OFFER, text.language, text.text):
                offered = True
            elif (
                not offered
                and node_id not in reported
                and (phrase := says(FIRM, text.language, text.text))
            ):
                reported.add(node_id)
                yield text.finding("forbearance", _firm_message(phrase, scene))
        offered = offered or node_id in offering
        queue += [(target, offered) for target in scene.nodes[node_id].targets()]


def _firm_message(phrase: str, scene: Scene) -> str:
    allowed = [a for a in _OFFER_ACTIONS if getattr(scene.policy, a) is not None]
    return (
        f"'{phrase}' is said before the debtor has been offered {' or '.join(allowed)} "
        "(the policy allows it); offer a payment plan or more time first, in words or with a "
        "choice that leads to it"
    )


def _offers(scene: Scene, node_id: str) -> bool:
    """A node whose step is a plan or later, or whose buttons offer one (by where they lead
    or by what they say)."""
    node = scene.nodes[node_id]
    if node.action in _OFFER_ACTIONS:
        return True
    return any(
        (c.goto in scene.nodes and scene.nodes[c.goto].action in _OFFER_ACTIONS)
        or says(OFFER, scene.source_language, c.label)
        for c in node.choices or []
    )


def _way_to_end_avoiding(scene: Scene, start: str, avoid: set[str]) -> list[str] | None:
    """The shortest way from ``start`` to an end that passes no node of ``avoid``, or None."""
    if start in avoid or start not in scene.nodes:
        return None
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node_id = queue.popleft()
        if scene.nodes[node_id].is_end:
            way = [node_id]
            while (previous := came_from[way[-1]]) is not None:
                way.append(previous)
            return way[::-1]
        for target in scene.nodes[node_id].targets():
            if target in scene.nodes and target not in avoid and target not in came_from:
                came_from[target] = node_id
                queue.append(target)
    return None
