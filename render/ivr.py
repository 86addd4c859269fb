"""The same scene as a phone call: a scene graph as an IVR menu, the model TwiML and VoiceXML
are written from (:mod:`render.ivr_twiml`, :mod:`render.ivr_voicexml`).

Some debtors do not open a link; a call reaches them. The call follows the call script of
../shared/seeds (EEZYCOM Voice): greet by name and ask whether it is the right person before
anything about the debt is said (a wrong person hears nothing of it and is let go), then the
main message, then a keypad menu; a person is always one key away (0), and when nobody can take
the call the caller is offered a call back. The self-service steps are not done by keypad: the
caller gets a text message with their own link (what the seed advises: a pay link by SMS),
so the portal does the step with its policy enforced on the server, as on the web.

Each node becomes a step: its spoken lines (``say``, translated, placeholders in their spoken
form: amounts in words), then one of
- a menu: one key per choice, 1 to 8 in order, 9 to hear it again, 0 for a person;
- a flow on to ``next``;
- an action: a clear sentence of what happens, then a hand-over to the creditor's action URL
  (which sends the link and answers with the step to go on with), or, with no URL, a transfer
  to ``contact.phone``, since a person can do every step;
- the end: the call hangs up.

Pure: no I/O and nothing from ``app``; translations, values and the recordings at hand are
passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import phonenumbers

from render.formatting import Value, base_language, format_locale, placeholder_values
from render.ivr_phrases import PHRASES
from render.scene import Node, Scene
from render.texts import fill, placeholders

_DOUBLE_STOP = re.compile(r"\.\.(?=\s|$)")
REPEAT_KEY = "9"
OPERATOR_KEY = "0"
# Steps the call adds to the scene's nodes; a scene node of the same id is refused.
VERIFY = "ivr-verify"
WRONG_PERSON = "ivr-wrong-person"
OPERATOR = "ivr-operator"
AFTER_OPERATOR = "ivr-after-operator"
CALLBACK = "ivr-callback"
GOODBYE = "ivr-goodbye"
ADDED_STEPS = (VERIFY, WRONG_PERSON, OPERATOR, AFTER_OPERATOR, CALLBACK, GOODBYE)

LANGUAGES = tuple(PHRASES)


@dataclass(frozen=True)
class Prompt:
    """One thing the caller hears: text for the platform's voice, or a recorded file."""

    text: str  # what is said (with a recording: what the file says, the fallback text)
    audio: str | None = None  # the recording's URL


@dataclass(frozen=True)
class Option:
    """A key the caller may press in a menu, and the step it leads to."""

    digit: str
    target: str
    prompt: Prompt | None  # how it is announced; None for a key that needs no words


@dataclass(frozen=True)
class Step:
    """One node (or one step the call adds) as the caller hears it."""

    id: str
    prompts: tuple[Prompt, ...]
    options: tuple[Option, ...] = ()  # not empty: a menu
    then: str | None = None  # where the call goes on once the prompts are said
    transfer: str | None = None  # an E.164 number to put the caller through to
    action: str | None = None  # hand over to the action URL with this action
    action_next: str | None = None  # the step the action URL continues with
    node: str | None = None  # the scene node this step comes from

    @property
    def is_menu(self) -> bool:
        return bool(self.options)

    @property
    def hangs_up(self) -> bool:
        return not (self.options or self.then or self.transfer or self.action)


@dataclass(frozen=True)
class Call:
    """A whole scene as one phone call in one language."""

    scene_id: str
    language: str  # the scene's code, as in the catalogues
    tag: str  # BCP 47, as the platforms want it: nl-NL
    start: str
    steps: dict[str, Step]
    no_input: Prompt
    wrong_key: Prompt
    goodbye: Prompt
    action_url: str | None
    recordings_missing: tuple[str, ...] = ()  # lines to record, said by the voice meanwhile


def language_tag(language: str) -> str:
    """The BCP 47 tag for a scene language, with the region values are formatted for."""
    return format_locale(language).replace("_", "-")


def e164(phone: str) -> str:
    """A contact number as the platforms dial it (``+31100000000``); Dutch when no country."""
    try:
        number = phonenumbers.parse(phone, "NL")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"contact.phone '{phone}' is not a phone number a call can dial") from exc
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phrase_language(language: str) -> str:
    """The language of the call's own sentences for a scene language (``nl`` for ``nl_BE``);
    ValueError for one they are not written in yet."""
    base = base_language(language)
    if base not in PHRASES:
        raise ValueError(
            f"the phone menu has no sentences in '{language}' yet ({', '.join(LANGUAGES)})"
        )
    return base


@dataclass(frozen=True)
class _Wording:
    """A scene's texts and the call's own sentences in one language, filled and spoken."""

    translations: Mapping[str, str]
    spoken: Mapping[str, str]
    code: str  # the language of the call's own sentences: nl for nl_BE

    def say(self, text: str) -> str:
        return fill(self.translations.get(text, text), self.spoken)

    def phrase(self, key: str, **extra: str) -> Prompt:
        text = fill(PHRASES[self.code][key], {**self.spoken, **extra})
        return Prompt(_DOUBLE_STOP.sub(".", text))  # "until 6 p.m.." said once


@dataclass(frozen=True)
class _Audio:
    """Where the recorded lines are published: ``<base>/<scene>/<lang>/<file>``, the layout of
    ``voiceovers/``, so publishing that folder is all it takes. A line not recorded yet is
    said by the platform's voice (and listed), never a link to a file that is not there."""

    base: str
    scene_id: str
    language: str
    recorded: Mapping[tuple[str, int], str]  # (node, shot) -> file name in voiceovers/
    missing: list[str] = field(default_factory=list)

    def url(self, node_id: str, shot: int) -> str | None:
        name = self.recorded.get((node_id, shot))
        if name is None:
            self.missing.append(f"{node_id}-{shot}.wav")
            return None
        return f"{self.base.rstrip('/')}/{self.scene_id}/{self.language}/{name}"


def build_call(
    scene: Scene,
    language: str,
    *,
    translations: Mapping[str, str],
    values: Mapping[str, Value],
    audio_base: str | None = None,
    recorded: Mapping[tuple[str, int], str] | None = None,
    action_url: str | None = None,
    verify: bool = True,
) -> Call:
    """The scene as a call in ``language``: ``values`` fill the placeholders (a debtor's own,
    or a sample's), said in words. ``audio_base`` plays the recorded lines from there; a line
    that says a debtor's value is always spoken by the platform's voice, as no recording can
    say each debtor's name. ValueError when the call cannot be made (no sentences for the
    language, a contact phone that cannot be dialled, a node id the call needs itself)."""
    taken = sorted(set(ADDED_STEPS) & set(scene.nodes))
    if taken:
        raise ValueError(f"node id '{taken[0]}' is reserved for the phone menu; rename the node")
    spoken = placeholder_values(scene.variables, values, scene.contact, language, spoken=True)
    wording = _Wording(translations, spoken, phrase_language(language))
    audio = _Audio(audio_base, scene.id, language, recorded or {}) if audio_base else None
    personal = set(scene.placeholder_kinds())
    steps = {
        node_id: _node_step(node_id, node, wording, audio, personal, action_url)
        for node_id, node in scene.nodes.items()
    }
    verifying = verify and "name" in scene.variables
    if verifying:
        steps[VERIFY] = _verify_step(scene.start, wording)
        steps[WRONG_PERSON] = Step(WRONG_PERSON, (wording.phrase("wrong_person"),))
    steps.update(_operator_steps(scene, wording, action_url))
    return Call(
        scene_id=scene.id,
        language=language,
        tag=language_tag(language),
        start=VERIFY if verifying else scene.start,
        steps=steps,
        no_input=wording.phrase("no_input"),
        wrong_key=wording.phrase("wrong_key"),
        goodbye=wording.phrase("goodbye"),
        action_url=action_url,
        recordings_missing=tuple(dict.fromkeys(audio.missing)) if audio else (),
    )


def _node_step(
    node_id: str,
    node: Node,
    wording: _Wording,
    audio: _Audio | None,
    personal: set[str],
    action_url: str | None,
) -> Step:
    lines = tuple(_lines(node_id, node, wording, audio, personal))
    if node.choices is not None:
        options = [
            Option(
                str(i),
                choice.goto,
                wording.phrase("option", label=wording.say(choice.label), digit=str(i)),
            )
            for i, choice in enumerate(node.choices, start=1)
        ]
        return Step(node_id, lines, (*options, *_always(node_id, wording)), node=node_id)
    if node.action is None:
        return Step(node_id, lines, then=node.next, node=node_id)
    if action_url is None:  # nobody to send the link: a person does the step
        return Step(node_id, (*lines, wording.phrase("by_person")), then=OPERATOR, node=node_id)
    told = () if node.action == "callback" else (wording.phrase("text_link"),)
    said = (*lines, *told, wording.phrase(node.action))
    return Step(node_id, said, action=node.action, action_next=node.next, node=node_id)


def _lines(
    node_id: str, node: Node, wording: _Wording, audio: _Audio | None, personal: set[str]
) -> list[Prompt]:
    lines = []
    for number, shot in enumerate(node.shots, start=1):
        if shot.say is None:
            continue  # a silent hold: nothing to hear on the phone
        text = wording.say(shot.say)
        own = bool(set(placeholders(shot.say)) & personal)
        lines.append(Prompt(text, None if audio is None or own else audio.url(node_id, number)))
    return lines


def _always(step_id: str, wording: _Wording) -> tuple[Option, Option]:
    """The keys every menu has: hear it again, and a person."""
    return (
        Option(REPEAT_KEY, step_id, wording.phrase("repeat")),
        Option(OPERATOR_KEY, OPERATOR, wording.phrase("operator")),
    )


def _verify_step(start: str, wording: _Wording) -> Step:
    """The seed's "Bent u mevrouw Jansen?": nothing about the debt before the person is right."""
    options = (Option("1", start, None), Option("2", WRONG_PERSON, None))
    return Step(VERIFY, (wording.phrase("verify"),), (*options, *_always(VERIFY, wording)))


def _operator_steps(scene: Scene, wording: _Wording, action_url: str | None) -> dict[str, Step]:
    """A person on 0; when the line ends (nobody answered, or the talk is over) the caller
    hears the opening hours and, where an action URL can take it, is offered a call back."""
    hours = (wording.phrase("hours"),) if scene.contact.hours else ()
    steps = {
        OPERATOR: Step(
            OPERATOR,
            (wording.phrase("connecting"),),
            transfer=e164(scene.contact.phone),
            then=AFTER_OPERATOR,
        ),
        GOODBYE: Step(GOODBYE, (wording.phrase("goodbye"),)),
    }
    if action_url is None:
        steps[AFTER_OPERATOR] = Step(AFTER_OPERATOR, (*hours, wording.phrase("goodbye")))
        return steps
    offer = (Option("1", CALLBACK, None), Option(REPEAT_KEY, AFTER_OPERATOR, None))
    steps[AFTER_OPERATOR] = Step(AFTER_OPERATOR, (*hours, wording.phrase("callback_offer")), offer)
    steps[CALLBACK] = Step(
        CALLBACK, (wording.phrase("callback"),), action="callback", action_next=GOODBYE
    )
    return steps
