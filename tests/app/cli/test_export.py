"""``vidpay export ivr`` end to end: the files it writes, its summary, and its usage errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from app.cli import app
from render.content import ContentRoot
from tests.conftest import REPO, SceneWriter

runner = CliRunner()
V = "{http://www.w3.org/2001/vxml}"


def vidpay(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_voicexml_goes_to_stdout_with_a_summary_on_stderr() -> None:
    code, out, err = vidpay(
        "export", "ivr", "arrears", "--lang", "es", "--format", "voicexml", "--root", REPO
    )
    assert code == 0, err
    vxml = ET.fromstring(out.encode("utf-8"))
    assert vxml.get("{http://www.w3.org/XML/1998/namespace}lang") == "es-ES"
    assert vxml.findtext(f"{V}menu/{V}prompt", "").startswith("¿Hablo con Lucía Fernández?")
    assert err.splitlines() == [
        "arrears in es: 27 steps, 10 menus",
        "placeholders filled with a sample debtor; --debtor FILE for a real one",
    ]


def test_twiml_writes_a_folder_with_a_document_per_step(tmp_path: Path) -> None:
    folder = tmp_path / "ivr" / "arrears-nl"
    code, _, err = vidpay(
        "export", "ivr", "arrears", "--lang", "nl", "--format", "twiml", "-o", folder,
        "--action-url", "https://ivr.example.org/step", "--root", REPO,
    )  # fmt: skip
    assert code == 0, err
    names = {path.name for path in folder.iterdir()}
    assert {"ivr-verify.xml", "menu.xml", "menu.again.xml", "ivr-callback.xml"} <= names
    for path in folder.iterdir():
        assert ET.parse(path).getroot().tag == "Response"
    redirect = ET.parse(folder / "pay_how.xml").getroot().findtext("Redirect", "")
    assert redirect.startswith("https://ivr.example.org/step?scene=arrears&lang=nl&action=pay")
    assert "28 steps, 11 menus; wrote" in err


def test_a_debtors_file_fills_the_call_and_a_file_is_written(
    write_scene: SceneWriter, content_root: ContentRoot, tmp_path: Path
) -> None:
    write_scene()
    debtor = tmp_path / "debtor.json"
    debtor.write_text(
        json.dumps({"reference": "D-1", "name": "Fatma & Ali", "amount_due": "80.00",
                    "due_date": "2026-03-05"})
    )  # fmt: skip
    target = tmp_path / "small.vxml"
    code, out, err = vidpay(
        "export", "ivr", "small", "--lang", "en", "--format", "voicexml", "-o", target,
        "--debtor", debtor, "--audio-base", "https://cdn.example.org/vo",
        "--root", content_root.path,
    )  # fmt: skip
    assert code == 0, err
    assert out == ""
    prompts = [p.text for p in ET.parse(target).getroot().iter(f"{V}prompt")]
    assert "Am I speaking with Fatma & Ali? If so, press 1. If not, press 2." in prompts
    assert "You owe eighty euros since the fifth of March, twenty twenty-six." in prompts
    assert "sample debtor" not in err
    assert (
        "3 lines not recorded yet in voiceovers/small/en/, said by the platform's voice "
        "meanwhile (vidpay voice script small --lang en lists them)"
    ) in err


def test_usage_errors_exit_2_with_a_clear_message(
    write_scene: SceneWriter, content_root: ContentRoot, tmp_path: Path
) -> None:
    base = ("export", "ivr", "arrears", "--root", REPO)
    code, _, err = vidpay(*base, "--lang", "fr", "--format", "voicexml")
    assert code == 2 and "scene 'arrears' has no language 'fr' (nl, en, de, tr, es)" in err
    code, _, err = vidpay(*base, "--lang", "nl", "--format", "vxml")
    assert code == 2 and "unknown format 'vxml'; use one of: twiml, voicexml" in err
    code, _, err = vidpay(*base, "--lang", "nl", "--format", "twiml")
    assert code == 2 and "twiml is one document per step: give --output FOLDER" in err
    code, _, err = vidpay(
        *base, "--lang", "nl", "--format", "voicexml", "--action-url", "ivr.example.org"
    )
    assert code == 2 and "--action-url 'ivr.example.org' is not a web address" in err
    code, _, err = vidpay("export", "ivr", "nope", "--lang", "nl", "--format", "voicexml",
                          "--root", REPO)  # fmt: skip
    assert code == 2 and "nope" in err
    write_scene(languages="[en, fr]")
    code, _, err = vidpay("export", "ivr", "small", "--lang", "fr", "--format", "voicexml",
                          "--root", content_root.path)  # fmt: skip
    assert code == 2
    assert "the phone menu has no sentences in 'fr' yet (en, nl, de, tr, es)" in err


def test_a_broken_debtor_file_is_a_content_error(
    write_scene: SceneWriter, content_root: ContentRoot, tmp_path: Path
) -> None:
    write_scene()
    debtor = tmp_path / "debtor.json"
    debtor.write_text(json.dumps({"reference": "D-1", "name": "Ann", "amount_due": "a lot"}))
    code, out, _ = vidpay(
        "export", "ivr", "small", "--lang", "en", "--format", "voicexml",
        "--debtor", debtor, "--root", content_root.path,
    )  # fmt: skip
    assert code == 1
    assert "amount_due: 'a lot' is not an amount" in out
    assert "missing value for variable 'due_date'" in out
