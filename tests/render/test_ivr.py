"""The phone menu (render.ivr): TwiML and VoiceXML read back with ElementTree and walked as a
platform would, for every language of the sample scene.

No package ships the VoiceXML 2.1 schema (and lxml is not a dependency), so the documents are
checked for structure: every key leads to a dialog or document that exists, every menu has its
choices on 1 to 8 in order, 9 again and 0 a person, the operator dials the scene's number.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from render.content import ContentRoot
from render.i18n import load_translations
from render.ivr import OPERATOR, VERIFY, WRONG_PERSON, Call, build_call
from render.ivr_twiml import twiml_documents
from render.ivr_voicexml import voicexml_document
from render.scene import Scene
from render.validate import load_scene
from render.voice_check import sample_values
from tests.conftest import SceneWriter

V = "{http://www.w3.org/2001/vxml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TAGS = {"nl": "nl-NL", "en": "en-GB", "de": "de-DE", "tr": "tr-TR", "es": "es-ES"}
ACTION_URL = "https://ivr.example.org/step"


@pytest.fixture(scope="module")
def arrears() -> tuple[Scene, ContentRoot]:
    from tests.conftest import REPO

    root = ContentRoot(REPO)
    return load_scene(root.find_scene("arrears"), root), root


def call_of(scene: Scene, root: ContentRoot, language: str, **options: object) -> Call:
    translations = (
        {} if language == scene.source_language else load_translations(root, scene.id, language)
    )
    return build_call(
        scene,
        language,
        translations=translations,
        values=sample_values(scene, language),
        **options,  # type: ignore[arg-type]
    )


def dialogs(document: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(document)
    found: dict[str, ET.Element] = {}
    for element in root:
        if element.tag in (V + "menu", V + "form"):
            assert element.get("id") not in found, f"dialog id {element.get('id')} twice"
            found[element.get("id", "")] = element
    return found


def spoken(element: ET.Element) -> list[str]:
    return [(p.text or "") + "".join(a.text or "" for a in p) for p in element.iter(V + "prompt")]


def test_voicexml_in_every_language_is_a_complete_keypad_menu(
    arrears: tuple[Scene, ContentRoot],
) -> None:
    scene, root = arrears
    for language in scene.languages:
        document = voicexml_document(call_of(scene, root, language, action_url=ACTION_URL))
        vxml = ET.fromstring(document)
        assert (vxml.tag, vxml.get("version")) == (V + "vxml", "2.1")
        assert vxml.get(XML_LANG) == TAGS[language]
        found = dialogs(document)
        assert next(iter(found)) == VERIFY  # VoiceXML runs the first dialog: the right person?
        assert set(scene.nodes) <= set(found)
        for element in vxml.iter():
            target = element.get("next", "")
            if target.startswith("#"):
                assert target[1:] in found, f"{language}: {target} goes nowhere"
        for node_id, node in scene.nodes.items():
            if node.choices is None:
                continue
            menu = found[node_id]
            assert menu.tag == V + "menu"
            keys = [(c.get("dtmf"), c.get("next")) for c in menu.iter(V + "choice")]
            expected = [(str(i), f"#{c.goto}") for i, c in enumerate(node.choices, start=1)]
            assert keys == [*expected, ("9", f"#{node_id}"), ("0", f"#{OPERATOR}")]
            assert menu.find(V + "nomatch") is not None
            assert [n.get("count") for n in menu.iter(V + "noinput")] == ["1", "2"]
        transfer = found[OPERATOR].find(V + "transfer")
        assert transfer is not None
        assert (transfer.get("dest"), transfer.get("bridge")) == ("tel:+31100000000", "true")


def test_the_lines_are_translated_and_say_amounts_in_words(
    arrears: tuple[Scene, ContentRoot],
) -> None:
    scene, root = arrears
    source = "We have not received your payment yet."
    for language in scene.languages:
        found = dialogs(voicexml_document(call_of(scene, root, language)))
        said = spoken(found["not_paid"])
        if language == scene.source_language:
            assert said[0] == source
        else:
            translated = load_translations(root, scene.id, language)[source]
            assert said[0] == translated != source
    dutch = " ".join(spoken(dialogs(voicexml_document(call_of(scene, root, "nl")))["situation"]))
    assert "honderdachtenveertig euro en twintig cent" in dutch
    assert "€" not in dutch


def test_twiml_every_key_leads_to_a_document_that_exists(
    arrears: tuple[Scene, ContentRoot],
) -> None:
    scene, root = arrears
    for language in scene.languages:
        documents = twiml_documents(call_of(scene, root, language, action_url=ACTION_URL))
        for name, document in documents.items():
            response = ET.fromstring(document)
            assert response.tag == "Response", name
            for say in response.iter("Say"):
                assert say.get("language") == TAGS[language]
                assert say.get("voice", "").startswith("Polly.")
            for gather in response.iter("Gather"):
                assert (gather.get("input"), gather.get("numDigits")) == ("dtmf", "1")
                action = urlsplit(gather.get("action", ""))
                assert action.path == "route"
                for key, target in parse_qsl(action.query):
                    assert target in documents, f"{language} {name}: key {key} -> {target}"
            for redirect in response.iter("Redirect"):
                target = redirect.text or ""
                assert target in documents or target.startswith(ACTION_URL), (name, target)
        menu = ET.fromstring(documents["menu.xml"])
        first = menu.find("Gather")
        assert first is not None
        keys = dict(parse_qsl(urlsplit(first.get("action", "")).query))
        assert keys == {
            "1": "pay_now.xml",
            "2": "more_time.xml",
            "3": "already_paid.xml",
            "4": "dispute.xml",
            "5": "callback.xml",
            "9": "menu.xml",
            "0": "ivr-operator.xml",
            "again": "menu.again.xml",
        }
        assert menu[-1].tag == "Hangup"  # no key at all, twice: the line is not kept open
        operator = ET.fromstring(documents["ivr-operator.xml"])
        assert operator.findtext("Dial/Number") == "+31100000000"
        assert ET.fromstring(documents["goodbye.xml"])[-1].tag == "Hangup"


def test_an_action_hands_over_to_the_action_url_with_where_to_go_on(
    arrears: tuple[Scene, ContentRoot],
) -> None:
    scene, root = arrears
    call = call_of(scene, root, "en", action_url=ACTION_URL)
    twiml = ET.fromstring(
        twiml_documents(call, base_url="https://ivr.example.org/arrears/en")["pay_how.xml"]
    )
    said = [say.text for say in twiml.iter("Say")]
    assert said[-2:] == [
        "We will send you a text message with a link.",
        "With it, you can pay right away.",
    ]
    redirect = urlsplit(twiml.findtext("Redirect") or "")
    assert f"{redirect.scheme}://{redirect.netloc}{redirect.path}" == ACTION_URL
    assert dict(parse_qsl(redirect.query)) == {
        "scene": "arrears",
        "lang": "en",
        "action": "pay",
        "node": "pay_how",
        "next": "https://ivr.example.org/arrears/en/thanks.xml",
    }
    form = dialogs(voicexml_document(call))["pay_how"]
    goto = form.find(f"{V}block/{V}goto")
    assert goto is not None
    assert dict(parse_qsl(urlsplit(goto.get("next", "")).query))["next"] == "thanks"


def test_without_an_action_url_a_person_takes_the_step(
    arrears: tuple[Scene, ContentRoot],
) -> None:
    scene, root = arrears
    call = call_of(scene, root, "en")
    step = call.steps["plan"]
    assert (step.then, step.action) == (OPERATOR, None)
    assert step.prompts[-1].text == "A colleague will help you with this."
    # nobody can take a call-back request either: the hours, then goodbye
    after = ET.fromstring(twiml_documents(call)["ivr-after-operator.xml"])
    assert [say.text for say in after.iter("Say")] == [
        "Our colleagues are available Monday to Friday, from eight a.m. to six p.m.",
        "Goodbye.",
    ]


def test_the_wrong_person_hears_nothing_of_the_debt(arrears: tuple[Scene, ContentRoot]) -> None:
    scene, root = arrears
    found = dialogs(voicexml_document(call_of(scene, root, "nl")))
    assert spoken(found[VERIFY])[0] == "Spreek ik met Jan de Vries? Toets dan 1. Zo niet, toets 2."
    wrong = found[WRONG_PERSON]
    assert spoken(wrong) == ["Sorry voor het storen. Tot ziens."]
    assert wrong.find(f"{V}block/{V}disconnect") is not None
    unverified = call_of(scene, root, "nl", verify=False)
    assert unverified.start == "intro" and VERIFY not in unverified.steps


def test_recorded_lines_play_and_a_debtors_own_line_is_always_spoken(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    scene = load_scene(write_scene(), content_root, catalogues=False)
    call = build_call(
        scene,
        "en",
        translations={},
        values={"name": "Ann", "amount_due": Decimal("80"), "due_date": "2026-03-05"},
        audio_base="https://cdn.example.org/vo/",
        recorded={("pay_now", 1): "pay_now-1.mp3", ("intro", 1): "intro-1.wav"},
    )
    intro, pay_now = call.steps["intro"], call.steps["pay_now"]
    assert [p.audio for p in intro.prompts] == [None, None]  # "Hello {name}." says Ann
    assert pay_now.prompts[0].audio == "https://cdn.example.org/vo/small/en/pay_now-1.mp3"
    assert call.recordings_missing == ("callback-1.wav", "thanks-1.wav")
    play = ET.fromstring(twiml_documents(call)["pay_now.xml"]).findtext("Play")
    assert play == "https://cdn.example.org/vo/small/en/pay_now-1.mp3"
    audio = dialogs(voicexml_document(call))["pay_now"].find(f"{V}block/{V}prompt/{V}audio")
    assert audio is not None and audio.get("src") == play
    assert audio.text == "Pay with iDEAL."  # said when the file cannot be fetched


def test_text_with_ampersands_and_angle_brackets_is_escaped(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    path = write_scene()
    text = path.read_text().replace('"Pay with iDEAL."', '"Tom & Jerry <b>pay</b> ]]> now."')
    path.write_text(text.replace('label: "Pay now"', 'label: "Pay & go <now>"'))
    scene = load_scene(path, content_root, catalogues=False)
    call = build_call(
        scene,
        "en",
        translations={},
        values={"name": "A & B", "amount_due": Decimal(1), "due_date": "2026-03-05"},
    )
    documents = twiml_documents(call)
    raw = documents["pay_now.xml"]
    assert b"Tom &amp; Jerry &lt;b&gt;pay&lt;/b&gt; ]]&gt; now." in raw
    assert ET.fromstring(raw).findtext("Say") == "Tom & Jerry <b>pay</b> ]]> now."
    said = [s.text for s in ET.fromstring(documents["intro.xml"]).iter("Say")]
    assert "Pay & go <now>: press 1." in said and "Hello A & B." in said
    found = dialogs(voicexml_document(call))
    assert spoken(found["pay_now"])[0] == "Tom & Jerry <b>pay</b> ]]> now."
    assert spoken(found[VERIFY])[0].startswith("Am I speaking with A & B?")


def test_a_node_named_like_a_step_of_the_call_is_refused(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    path = write_scene()
    text = path.read_text().replace("goto: callback", f"goto: {OPERATOR}")
    path.write_text(text.replace("\n  callback:\n", f"\n  {OPERATOR}:\n"))
    scene = load_scene(path, content_root, catalogues=False)
    with pytest.raises(ValueError, match="'ivr-operator' is reserved for the phone menu"):
        build_call(scene, "en", translations={}, values=sample_values(scene, "en"))


def test_documents_are_written_as_files(arrears: tuple[Scene, ContentRoot], tmp_path: Path) -> None:
    scene, root = arrears
    document = voicexml_document(call_of(scene, root, "tr"))
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<vxml")
    path = tmp_path / "arrears-tr.vxml"
    path.write_bytes(document)
    assert "görüşüyorum" in ET.parse(path).getroot().findtext(f"{V}menu/{V}prompt", "")
