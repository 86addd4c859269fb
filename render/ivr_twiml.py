"""A call (:mod:`render.ivr`) as TwiML: Twilio's markup, also read by SignalWire, Telnyx TeXML
and 2600Hz Pivot.

TwiML has one ``<Response>`` per URL and no conditions, so each step is a document of its own
(``<step>.xml``) and a pressed key needs one small server-side hop: ``<Gather>`` sends the
key to the router URL, whose query string already holds the answer (``?1=pay_now.xml&2=...``
and ``again=`` for a key not in the menu). The router only redirects to the parameter the key
names; it knows nothing of the scene, so one router serves every scene and language.
Everything is fetched with GET, so the documents can sit on any static web server.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from render.ivr import Call, Prompt, Step

# Amazon Polly voices that Twilio offers, one per language: the default ``man`` and ``woman``
# voices do not speak Dutch or Turkish.
VOICES = {
    "nl": "Polly.Lotte",
    "en": "Polly.Amy",
    "de": "Polly.Vicki",
    "tr": "Polly.Filiz",
    "es": "Polly.Lucia",
}
GATHER_SECONDS = "8"  # after the menu is said: time to find the key, calmly
DIAL_SECONDS = "30"  # rings before the caller hears the opening hours instead


def file_name(step_id: str) -> str:
    return f"{step_id}.xml"


def again_name(step_id: str) -> str:
    """The document for a key not in a menu; ``.`` is in no node id, so it never collides."""
    return f"{step_id}.again.xml"


def twiml_documents(
    call: Call, *, base_url: str = "", router_url: str = "route", voice: str | None = None
) -> dict[str, bytes]:
    """File name -> TwiML document, for every step and every menu's wrong-key answer.

    ``base_url`` is where the files are published (empty: links relative to the router, for a
    router in the same folder); ``voice`` replaces the language's default Polly voice.
    """
    writer = _Writer(call, base_url, router_url, voice or VOICES.get(call.language.split("_")[0]))
    documents = {}
    for step in call.steps.values():
        documents[file_name(step.id)] = _serialise(writer.step(step))
        if step.is_menu:
            documents[again_name(step.id)] = _serialise(writer.wrong_key(step))
    return documents


class _Writer:
    def __init__(self, call: Call, base_url: str, router_url: str, voice: str | None) -> None:
        self.call = call
        self.base = base_url if not base_url or base_url.endswith("/") else base_url + "/"
        self.router = router_url
        self.voice = voice

    def url(self, name: str) -> str:
        return self.base + name

    def step(self, step: Step) -> ET.Element:
        response = ET.Element("Response")
        if step.is_menu:
            self._menu(response, step)
            return response
        self._prompts(response, step.prompts)
        if step.transfer is not None:
            dial = ET.SubElement(response, "Dial", timeout=DIAL_SECONDS)
            ET.SubElement(dial, "Number").text = step.transfer
        if step.action is not None:
            self._redirect(response, self._action_url(step))
        elif step.then is not None:
            self._redirect(response, self.url(file_name(step.then)))
        else:
            ET.SubElement(response, "Hangup")
        return response

    def wrong_key(self, step: Step) -> ET.Element:
        response = ET.Element("Response")
        self._prompts(response, (self.call.wrong_key,))
        self._redirect(response, self.url(file_name(step.id)))
        return response

    def _menu(self, response: ET.Element, step: Step) -> None:
        """The menu; with no key pressed, its options once more, then goodbye (an answering
        machine must not keep the line open)."""
        announced = tuple(o.prompt for o in step.options if o.prompt is not None)
        self._gather(response, step, (*step.prompts, *announced))
        self._prompts(response, (self.call.no_input,))
        self._gather(response, step, announced or step.prompts)
        self._prompts(response, (self.call.goodbye,))
        ET.SubElement(response, "Hangup")

    def _gather(self, response: ET.Element, step: Step, prompts: tuple[Prompt, ...]) -> None:
        routes = {o.digit: self.url(file_name(o.target)) for o in step.options}
        routes["again"] = self.url(again_name(step.id))
        gather = ET.SubElement(
            response,
            "Gather",
            input="dtmf",
            numDigits="1",
            timeout=GATHER_SECONDS,
            method="GET",
            action=f"{self.router}?{urlencode(routes)}",
        )
        self._prompts(gather, prompts)

    def _prompts(self, parent: ET.Element, prompts: tuple[Prompt, ...]) -> None:
        for prompt in prompts:
            if prompt.audio is not None:
                ET.SubElement(parent, "Play").text = prompt.audio
                continue
            say = ET.SubElement(parent, "Say", language=self.call.tag)
            if self.voice:
                say.set("voice", self.voice)
            say.text = prompt.text

    def _redirect(self, parent: ET.Element, url: str) -> None:
        ET.SubElement(parent, "Redirect", method="GET").text = url

    def _action_url(self, step: Step) -> str:
        query = {"scene": self.call.scene_id, "lang": self.call.language}
        query |= {"action": step.action or "", "node": step.node or step.id}
        if step.action_next is not None:
            query["next"] = self.url(file_name(step.action_next))
        return f"{self.call.action_url}?{urlencode(query)}"


def _serialise(element: ET.Element) -> bytes:
    ET.indent(element)
    document: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
