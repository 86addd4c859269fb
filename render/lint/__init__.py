"""The compliance lint: does a scene keep the rules of humane, lawful debt collection?

``vidpay lint`` runs it, ``vidpay validate`` runs it too and reports its findings as warnings;
``--strict`` or ``[compliance] strict = true`` in the content root's ``vidpay.toml`` makes them
errors (then a scene that breaks a rule cannot be rendered or sent). Every finding cites its
rule (see ``RULES``) and the line to fix: in the scene for the source language, in the
language's catalogue for a translation.
"""

from __future__ import annotations

from render.content import ContentRoot
from render.lint.forbidden import forbidden_findings
from render.lint.paths import (
    forbearance_findings,
    help_referral_findings,
    person_reachable_findings,
)
from render.lint.plain import plain_findings
from render.lint.texts import LintText, by_node, scene_texts, source_only
from render.lint.wik import wik_findings
from render.loader import Positions
from render.problems import Problem
from render.scene import Scene, StrictModel

RULES = {
    "wik-term": "collection costs are mentioned with the 14-day term (WIK, art. 6:96 BW)",
    "wik-amount": "collection costs are mentioned with their amount, {collection_costs}",
    "help-referral": "after 'I cannot pay' every way passes a debt-help referral",
    "person-reachable": "from every choice a person can be reached (callback or {phone})",
    "forbearance": "a plan or more time is offered before any firm wording",
    "forbidden-phrase": "no threats (arrest, police, employer, neighbours, …)",
    "plain-sentence": "sentences under 20 words",
    "plain-long-word": "no long words",
    "plain-rare-word": "no rare words",
    "plain-readability": "an easy reading score for each node's voice-over",
}


class ComplianceSettings(StrictModel):
    """``[compliance]`` in ``vidpay.toml``."""

    strict: bool = False  # findings are errors: a scene that breaks a rule is not rendered


def lint_scene(scene: Scene, positions: Positions, root: ContentRoot) -> list[Problem]:
    """Every compliance finding of a valid scene, as warnings with their rule, sorted."""
    texts = scene_texts(scene, positions, root)
    source = source_only(texts, scene)
    per_node: dict[str, list[LintText]] = {node_id: [] for node_id in scene.nodes} | {
        node: node_texts for (_, node), node_texts in by_node(source).items()
    }
    findings = [
        *wik_findings(texts),
        *help_referral_findings(scene, per_node, positions),
        *person_reachable_findings(scene, per_node, positions),
        *forbearance_findings(scene, per_node),
        *forbidden_findings(texts, root),
        *plain_findings(texts, root),
    ]
    return sorted(set(findings))


def as_errors(findings: list[Problem]) -> list[Problem]:
    """Strict mode: the same findings, as errors."""
    return [
        Problem(p.path, p.line, p.col, p.message, "error", p.rule) if p.rule else p
        for p in findings
    ]
