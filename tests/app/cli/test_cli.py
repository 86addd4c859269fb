"""The `vidpay` command end to end: exit codes, output format, and someone else's content root."""

from __future__ import annotations

import gettext
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from app.cli import app
from render.content import ContentRoot
from tests.conftest import REPO, YAML_BOMBS, SceneWriter, fill_catalogue

runner = CliRunner()


def vidpay(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_validate_bundled_samples_is_clean() -> None:
    code, out, err = vidpay("validate", "--root", REPO)
    assert (code, out) == (0, "")
    assert err == "2 scenes checked: 0 errors, 0 warnings\n"


def test_validate_prints_every_problem_and_exits_1(write_scene: SceneWriter) -> None:
    path = write_scene()
    path.write_text(
        path.read_text()
        .replace("goto: pay_now", "goto: pay_nwo")
        .replace("icon: wave", "icon: wav")
    )
    code, out, err = vidpay("validate", path)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3
    assert all(re.match(r"^.*small\.yaml:\d+:\d+: ", line) for line in lines)
    assert "unknown icon 'wav'; did you mean 'wave'?" in out
    assert "unknown node 'pay_nwo'; did you mean 'pay_now'?" in out
    assert "node 'pay_now' is unreachable" in out
    assert err == "1 scene checked: 3 errors, 0 warnings\n"


def test_warnings_alone_exit_0(write_scene: SceneWriter, content_root: ContentRoot) -> None:
    path = write_scene()
    long = " ".join(["word"] * 25) + "."
    path.write_text(path.read_text().replace('"Thank you."', f'"{long}"'))
    code, out, _ = vidpay("validate", "small", "--root", content_root.path)
    assert code == 0
    assert ": warning: a sentence of 25 words" in out


@pytest.mark.parametrize("bomb", sorted(YAML_BOMBS))
def test_validate_and_render_refuse_yaml_bombs(bomb: str, content_root: ContentRoot) -> None:
    (content_root.scenes_dir / "bomb.yaml").write_text(YAML_BOMBS[bomb])
    problem = re.compile(r"^.*bomb\.yaml:\d+:\d+: (more than 100,000 values|values are nested)")
    code, out, err = vidpay("validate", "--root", content_root.path)
    assert code == 1 and problem.match(out), out
    assert err == "1 scene checked: 1 error, 0 warnings\n"
    code, out, _ = vidpay("render", "bomb", "--root", content_root.path)
    assert code == 1 and problem.match(out), out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "nope", "--root", REPO], "no scene 'nope'"),
        (["validate", "--root", "/no/such/folder"], "is not a folder"),
        (["graph", "arrears", "--root", REPO, "--format", "png"], "unknown format 'png'"),
        (["validate", "--bogus"], "No such option"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    code, _, err = vidpay(*args)
    assert code == 2
    assert message in err


def test_empty_root_is_a_usage_error(content_root: ContentRoot) -> None:
    code, _, err = vidpay("validate", "--root", content_root.path)
    assert code == 2
    assert "no scenes in" in err


def test_graph_formats(tmp_path: Path) -> None:
    code, out, _ = vidpay("graph", "arrears", "--root", REPO)
    assert code == 0 and out.startswith("flowchart TD")
    code, out, _ = vidpay("graph", "arrears", "--root", REPO, "--format", "dot")
    assert code == 0 and out.startswith('digraph "arrears"')
    target = tmp_path / "arrears.svg"
    code, _, err = vidpay("graph", "arrears", "--root", REPO, "--format", "svg", "-o", target)
    assert code == 0 and "wrote" in err
    assert ET.parse(target).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_graph_of_a_broken_scene_reports_and_exits_1(write_scene: SceneWriter) -> None:
    path = write_scene()
    path.write_text(path.read_text().replace("next: thanks", "next: thank"))
    code, out, _ = vidpay("graph", path)
    assert code == 1
    assert "unknown node 'thank'" in out


SOMEONE_ELSES_SCENE = """\
# A water company's scene, written against format v1 without this project's samples.
id: water-bill
title: Water bill reminder
source_language: de
languages: [de, fr, en]
brand: aqua
variables: {customer: text, balance: money, contract_no: text, meters: number}
policy:
  later: {max_days: 10}
contact: {phone: "+49 30 0000", hours: "Mo-Th 09:00-16:00; Fr 09:00-12:00", office: "Berlin"}
start: hallo
nodes:
  hallo:
    shots:
      - say: "Guten Tag {customer}."
        show: {title: "Guten Tag {customer}", icon: drop}
      - say: "Ihr Saldo beträgt {balance} für Vertrag {contract_no}."
        show: {card: "{balance}", image: "pictures/meter.png"}
      - pause: 0.8
    choices:
      - {label: "Später zahlen", icon: later, goto: spaeter}
      - {label: "Rückruf", icon: drop, goto: rueckruf}
  spaeter:
    shots: [{say: "Wählen Sie ein Datum."}]
    action: later
    next: ende
  rueckruf:
    shots: [{say: "Wir rufen Sie an: {hours}, Büro {office}."}]
    action: callback
    next: ende
  ende:
    shots: [{say: "Danke."}]
"""

AQUA_THEME = """\
name = "Aqua"
font = "fonts/AtkinsonHyperlegibleNext-Regular.ttf"
font_bold = "fonts/AtkinsonHyperlegibleNext-Bold.ttf"
[colours]
background = "#003049"
text_on_background = "#ffffff"
surface = "#ffffff"
text = "#003049"
accent = "#8ecae6"
accent_text = "#003049"
"""

TRANSLATIONS = {
    "fr": {
        "Guten Tag {customer}.": "Bonjour {customer}.",
        "Guten Tag {customer}": "Bonjour {customer}",
        "Ihr Saldo beträgt {balance} für Vertrag {contract_no}.": "Votre solde est de {balance} pour le contrat {contract_no}.",
        "Später zahlen": "Payer plus tard",
        "Rückruf": "Être rappelé",
        "Wählen Sie ein Datum.": "Choisissez une date.",
        "Wir rufen Sie an: {hours}, Büro {office}.": "Nous vous appelons : {hours}, bureau {office}.",
        "Danke.": "Merci.",
    },
    "en": {
        "Guten Tag {customer}.": "Good day {customer}.",
        "Guten Tag {customer}": "Good day {customer}",
        "Ihr Saldo beträgt {balance} für Vertrag {contract_no}.": "Your balance is {balance} for contract {contract_no}.",
        "Später zahlen": "Pay later",
        "Rückruf": "Call me back",
        "Wählen Sie ein Datum.": "Choose a date.",
        "Wir rufen Sie an: {hours}, Büro {office}.": "We will call you: {hours}, office {office}.",
        "Danke.": "Thank you.",
    },
}


def test_someone_elses_content_root_validates_extracts_and_graphs(
    content_root: ContentRoot, tmp_path: Path
) -> None:
    root = content_root.path
    (root / "scenes" / "water-bill.yaml").write_text(SOMEONE_ELSES_SCENE, encoding="utf-8")
    (root / "static" / "icons").mkdir()
    (root / "static" / "icons" / "drop.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (root / "static" / "pictures").mkdir()
    Image.new("RGB", (64, 32), "navy").save(root / "static" / "pictures" / "meter.png")
    (root / "static" / "brand" / "aqua").mkdir(parents=True)
    (root / "static" / "brand" / "aqua" / "theme.toml").write_text(AQUA_THEME)

    code, out, _ = vidpay("validate", "--root", root)
    assert code == 1
    assert out.count("has no catalogue") == 2

    code, out, _ = vidpay("i18n", "update", "--root", root)
    assert code == 0
    assert sorted(out.split()) == sorted(
        ["wrote"] * 3
        + [
            str(root / "translations/water-bill.pot"),
            str(root / "translations/fr/LC_MESSAGES/water-bill.po"),
            str(root / "translations/en/LC_MESSAGES/water-bill.po"),
        ]
    )
    code, out, _ = vidpay("validate", "--root", root)
    assert code == 1 and out.count("is not translated yet") == 16

    for language, table in TRANSLATIONS.items():
        fill_catalogue(content_root.po_path("water-bill", language), table)

    code, out, _ = vidpay("validate", "water-bill", "--root", root)
    assert (code, out) == (0, ""), out
    code, out, _ = vidpay("i18n", "compile", "--root", root)
    assert code == 0
    french = gettext.translation("water-bill", root / "translations", languages=["fr"])
    assert french.gettext("Danke.") == "Merci."
    code, out, _ = vidpay("graph", "water-bill", "--root", root)
    assert code == 0 and 'n_hallo -->|"Später zahlen"| n_spaeter' in out
    code, _, _ = vidpay(
        "graph", "water-bill", "--root", root, "--format", "svg", "-o", tmp_path / "g.svg"
    )
    assert code == 0


def test_i18n_extract_writes_only_the_template(
    content_root: ContentRoot, write_scene: SceneWriter
) -> None:
    write_scene(languages="[en, nl]")
    code, out, _ = vidpay("i18n", "extract", "--root", content_root.path)
    assert code == 0 and out.strip().endswith("translations/small.pot")
    assert not (content_root.translations_dir / "nl").exists()


def test_render_prints_manifests_and_reports_problems(
    render_root: ContentRoot, tmp_path: Path
) -> None:
    out = tmp_path / "media"
    code, stdout, _ = vidpay(
        "render", "tiny", "--root", render_root.path, "--lang", "tr", "--node", "bye", "--out", out
    )
    assert code == 0
    assert stdout.strip() == str(out / "manifests" / "tiny" / "tr.json")
    code, _, err = vidpay("render", "tiny", "--root", render_root.path, "--lang", "fr")
    assert code == 2 and "scene 'tiny' has no language 'fr' (en, tr)" in err
    code, _, err = vidpay("render", "tiny", "--root", render_root.path, "--node", "nowhere")
    assert code == 2
    (tmp_path / "d.json").write_text('{"reference": "A"}')
    code, stdout, _ = vidpay(
        "render", "tiny", "--root", render_root.path, "--debtor", tmp_path / "d.json"
    )
    assert code == 1 and "missing value for variable 'name'" in stdout
    (render_root.path / "vidpay.toml").write_text(
        '[voices.tr]\nengine = "piper"\nmodel = "nope.onnx"\n'
    )
    code, _, err = vidpay("render", "tiny", "--root", render_root.path, "--out", out)
    assert code == 1 and err.startswith("vidpay: scene tiny, language tr: ")


@pytest.mark.parametrize(
    "command",
    [
        ["campaign", "purge", "9223372036854775808", "--yes"],
        ["campaign", "links", "99999999999999999999"],
        ["campaign", "outcomes", "2147483648"],
        ["webhook", "pause", "9223372036854775808"],
        ["campaign", "links", "0"],
    ],
)
def test_an_id_out_of_range_is_a_usage_error_not_a_traceback(command: list[str]) -> None:
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Invalid value for" in result.output
