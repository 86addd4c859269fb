"""A call (:mod:`render.ivr`) as one VoiceXML 2.1 document, for the W3C standard's platforms
(Avaya, Genesys, Cisco, Voxeo and others).

VoiceXML moves between dialogs of one document by ``#id``, so the whole call is one file with
no server in between: a menu is a ``<menu>`` with one ``<choice dtmf>`` per key, a step that
flows on is a ``<form>`` whose ``<block>`` says the lines and goes on, the operator is a
bridged ``<transfer>``, an action hands over to the action URL with ``<goto>``. Keys only
(``inputmodes`` is ``dtmf``): not every platform recognises speech in Turkish or Dutch.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from render.ivr import Call, Prompt, Step

NS = "http://www.w3.org/2001/vxml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TIMEOUT = "8s"  # after the menu is said: time to find the key, calmly
CONNECT_TIMEOUT = "30s"  # rings before the caller hears the opening hours instead


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def voicexml_document(call: Call) -> bytes:
    """The call as a VoiceXML 2.1 document; the first dialog (where the call starts) is the
    call's start, as VoiceXML runs the first dialog of a document."""
    ET.register_namespace("", NS)
    root = ET.Element(_tag("vxml"), {"version": "2.1", XML_LANG: call.tag})
    ET.SubElement(root, _tag("meta"), name="generator", content=f"vidpay {call.scene_id}")
    ET.SubElement(root, _tag("property"), name="inputmodes", value="dtmf")
    ET.SubElement(root, _tag("property"), name="timeout", value=TIMEOUT)
    first = call.steps[call.start]
    for step in (first, *(s for s in call.steps.values() if s is not first)):
        if step.is_menu:
            _menu(root, call, step)
        else:
            _form(root, call, step)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _menu(root: ET.Element, call: Call, step: Step) -> None:
    """A menu; a key not in it is named and the menu said again; with no key at all, once
    more, then goodbye (an answering machine must not keep the line open)."""
    menu = ET.SubElement(root, _tag("menu"), id=step.id)
    announced = tuple(o.prompt for o in step.options if o.prompt is not None)
    _prompts(menu, (*step.prompts, *announced))
    for option in step.options:
        ET.SubElement(menu, _tag("choice"), dtmf=option.digit, next=f"#{option.target}")
    first = ET.SubElement(menu, _tag("noinput"), count="1")
    _prompts(first, (call.no_input,))
    ET.SubElement(first, _tag("reprompt"))
    last = ET.SubElement(menu, _tag("noinput"), count="2")
    _prompts(last, (call.goodbye,))
    ET.SubElement(last, _tag("disconnect"))
    wrong = ET.SubElement(menu, _tag("nomatch"))
    _prompts(wrong, (call.wrong_key,))
    ET.SubElement(wrong, _tag("reprompt"))


def _form(root: ET.Element, call: Call, step: Step) -> None:
    form = ET.SubElement(root, _tag("form"), id=step.id)
    block = ET.SubElement(form, _tag("block"))
    _prompts(block, step.prompts)
    if step.transfer is not None:
        _transfer(form, step)
    elif step.action is not None:
        ET.SubElement(block, _tag("goto"), next=_action_url(call, step))
    elif step.then is not None:
        ET.SubElement(block, _tag("goto"), next=f"#{step.then}")
    else:
        ET.SubElement(block, _tag("disconnect"))


def _transfer(form: ET.Element, step: Step) -> None:
    """A bridged transfer: when it ends, answered or not, or the platform cannot transfer,
    the call goes on at ``then`` (the opening hours and a call back)."""
    transfer = ET.SubElement(
        form,
        _tag("transfer"),
        name="person",
        dest=f"tel:{step.transfer}",
        bridge="true",
        connecttimeout=CONNECT_TIMEOUT,
    )
    after = ET.SubElement(transfer, _tag("filled"))
    failed = ET.SubElement(form, _tag("catch"), event="error.connection error.unsupported")
    for handler in (after, failed):
        if step.then is not None:
            ET.SubElement(handler, _tag("goto"), next=f"#{step.then}")
        else:
            ET.SubElement(handler, _tag("disconnect"))


def _prompts(parent: ET.Element, prompts: tuple[Prompt, ...]) -> None:
    for prompt in prompts:
        element = ET.SubElement(parent, _tag("prompt"))
        if prompt.audio is None:
            element.text = prompt.text
        else:  # the text is what the platform says when the file cannot be fetched
            ET.SubElement(element, _tag("audio"), src=prompt.audio).text = prompt.text


def _action_url(call: Call, step: Step) -> str:
    query = {"scene": call.scene_id, "lang": call.language}
    query |= {"action": step.action or "", "node": step.node or step.id}
    if step.action_next is not None:
        query["next"] = step.action_next
    return f"{call.action_url}?{urlencode(query)}"
