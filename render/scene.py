"""Scene graph format, version 1.1: the contract content designers write against.

One YAML file is one interactive video. Version 1.1 adds ``entry`` (where the video starts for
a debtor whose case is in a given status) and the case placeholders; every version 1 scene is
still valid. These models hold everything that can be checked
within one file; checks that need the content root (icons, catalogues) or the whole graph
(reachability) live in ``render.validate``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal, get_args

from babel import Locale, UnknownLocaleError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from render.hours import parse_hours

Action = Literal["pay", "arrangement", "later", "help", "dispute", "paid", "callback"]
ACTIONS: tuple[str, ...] = get_args(Action)
VariableType = Literal["text", "money", "date", "number"]
# Where a debtor's case stands. The web app computes it (app.case); the list lives here because
# the validator checks ``entry`` against it and the render worker never imports the app.
CaseStatus = Literal["open", "promised", "plan", "behind", "paid", "disputed", "review", "help"]
CASE_STATUSES: tuple[str, ...] = get_args(CaseStatus)
# Placeholders filled from the debtor's case when the link is opened, with their kind (how
# they are formatted). Empty when the case has none (no plan: no next instalment).
CASE_PLACEHOLDERS: dict[str, VariableType] = {
    "open_amount": "money",
    "paid_amount": "money",
    "promise_date": "date",
    "next_installment_amount": "money",
    "next_installment_date": "date",
    "installments_left": "number",
    "case_reference": "text",
    # the statutory collection costs on what is owed (render.collection_costs, Dutch WIK)
    "collection_costs": "money",
}

SceneId = Annotated[str, Field(pattern=r"^[a-z0-9-]+$", max_length=64)]
NodeId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$", max_length=64)]
VariableName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
Money = Annotated[Decimal, Field(max_digits=12, decimal_places=2)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


def _known_locale(code: str) -> str:
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"'{code}' is not a known language or locale code") from exc
    return code


def _unique(items: list[str]) -> list[str]:
    repeated = sorted({x for x in items if items.count(x) > 1})
    if repeated:
        raise ValueError(f"listed more than once: {', '.join(repeated)}")
    return items


def _valid_hours(text: str) -> str:
    parse_hours(text)
    return text


def _http_url(url: str) -> str:
    if not re.match(r"^https?://[^\s/]+\S*$", url):
        raise ValueError(f"'{url}' is not a web address starting with https://")
    return url


LanguageCode = Annotated[str, AfterValidator(_known_locale)]


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo like ``shotz`` must not vanish silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Show(StrictModel):
    """What is on screen during a shot."""

    title: Text | None = None
    text: Text | None = None
    card: Text | None = None
    bullets: Annotated[list[Text], Field(min_length=1, max_length=6)] | None = None
    icon: str | None = None
    image: str | None = None
    # a small illustrated scene (render.illustrations), drawn where the icon would be
    illustration: str | None = None
    # "count-up": the amount on the card counts up from zero as the card appears (the player
    # does it, over the debtor's own text; the validator checks the card says an amount)
    emphasis: Literal["count-up"] | None = None

    @model_validator(mode="after")
    def _icon_or_illustration(self) -> Show:
        if self.icon is not None and self.illustration is not None:
            raise ValueError("a shot shows an icon or an illustration, not both; keep one")
        return self


class Shot(StrictModel):
    """One visual beat: a voice-over line, what is shown, or a silent hold."""

    say: Text | None = None
    show: Show | None = None
    pause: Annotated[float, Field(gt=0, le=60)] | None = None

    @model_validator(mode="after")
    def _has_duration(self) -> Shot:
        if self.say is None and self.pause is None:
            raise ValueError("a shot needs 'say' (a voice-over line) or 'pause' (seconds to hold)")
        return self


class Choice(StrictModel):
    """A button shown when the segment ends."""

    label: Text
    icon: str | None = None
    goto: NodeId


class Node(StrictModel):
    """A segment of video, then the choices, the next node, a self-service step, or the end."""

    shots: Annotated[list[Shot], Field(min_length=1)]
    choices: Annotated[list[Choice], Field(min_length=1, max_length=8)] | None = None
    next: NodeId | None = None
    action: Action | None = None

    @model_validator(mode="after")
    def _one_way_on(self) -> Node:
        if self.choices is not None and (self.next is not None or self.action is not None):
            raise ValueError(
                "a node ends in either 'choices' or 'next'/'action', not both; "
                "move the step into a node of its own"
            )
        return self

    @property
    def is_end(self) -> bool:
        return self.choices is None and self.next is None

    def targets(self) -> list[str]:
        """The nodes this one leads to, in the order shown."""
        if self.choices is not None:
            return [c.goto for c in self.choices]
        return [self.next] if self.next is not None else []


class ArrangementPolicy(StrictModel):
    """What a debtor may arrange alone: enforced by the server, not just shown."""

    min_total: Annotated[Money, Field(ge=0)]
    max_installments: Annotated[int, Field(ge=2, le=120)]
    min_installment: Annotated[Money, Field(gt=0)]
    start_within_days: Annotated[int, Field(ge=0, le=365)]


class LaterPolicy(StrictModel):
    max_days: Annotated[int, Field(ge=1, le=365)]


class Policy(StrictModel):
    arrangement: ArrangementPolicy | None = None
    later: LaterPolicy | None = None


class Contact(BaseModel):
    """How to reach a person; every field can be used as a ``{placeholder}``."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, Text] = Field(init=False)

    phone: Text
    email: Text | None = None
    help_url: Annotated[str, AfterValidator(_http_url)] | None = None
    hours: Annotated[str, AfterValidator(_valid_hours)] | None = None

    def fields(self) -> dict[str, str]:
        """Every contact field that is set, as placeholder name -> raw value."""
        values = {k: v for k, v in self.model_dump().items() if isinstance(v, str)}
        return values


class Scene(StrictModel):
    """One interactive video: its languages, debtor variables, policy and node graph."""

    id: SceneId
    title: Text
    source_language: LanguageCode
    languages: Annotated[list[LanguageCode], Field(min_length=1), AfterValidator(_unique)]
    brand: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")] = "default"
    variables: dict[VariableName, VariableType] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=Policy)
    contact: Contact
    start: NodeId
    entry: dict[CaseStatus, NodeId] = Field(default_factory=dict)
    nodes: Annotated[dict[NodeId, Node], Field(min_length=1)]

    def entry_for(self, status: str) -> str:
        """Where the video starts for a debtor whose case is in ``status`` (v1.1 ``entry``)."""
        entries = {str(known): node for known, node in self.entry.items()}
        return entries.get(status, self.start)

    def reachable_from(self, start: str) -> set[str]:
        """Every node a debtor can get to from ``start`` by watching on and choosing."""
        seen, todo = set(), [start]
        while todo:
            node_id = todo.pop()
            if node_id in seen or node_id not in self.nodes:
                continue
            seen.add(node_id)
            todo += self.nodes[node_id].targets()
        return seen

    def placeholder_kinds(self) -> dict[str, VariableType]:
        """Every value placeholder: the case's, and the debtor variables (which win a name)."""
        return {**CASE_PLACEHOLDERS, **self.variables}
