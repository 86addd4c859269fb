"""``vidpay voice script`` and ``vidpay voice import`` end to end, on a translated content root."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from render.audio import Samples, read_samples, write_pcm16
from render.content import ContentRoot
from render.tts.espeak import EspeakEngine
from tests.conftest import SceneWriter, fill_catalogue

runner = CliRunner()

DUTCH = {
    "Hello {name}.": "Hallo {name}.",
    "Hello {name}": "Hallo {name}",
    "You owe {amount_due} since {due_date}.": "U moet {amount_due} betalen sinds {due_date}.",
    "Pay now": "Nu betalen",
    "Call me back": "Bel me terug",
    # a translator's mistake, or worse: neither may run in a spreadsheet or a browser
    "Pay with iDEAL.": "=HYPERLINK('https://evil.example/','Betaal met iDEAL.')",
    "We will call you.": "<script>alert('gebeld')</script> We bellen u.",
    "Thank you.": "Dank u wel.",
}


def vidpay(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def root(write_scene: SceneWriter, content_root: ContentRoot) -> ContentRoot:
    """The minimal scene in English and Dutch, its Dutch catalogue filled in."""
    write_scene(languages="[en, nl]")
    code, out, _ = vidpay("i18n", "update", "--root", content_root.path)
    assert code == 0, out
    fill_catalogue(content_root.po_path("small", "nl"), DUTCH)
    return content_root


@pytest.fixture(scope="module")
def dutch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Samples, int]:
    path = tmp_path_factory.mktemp("speech") / "line.wav"
    EspeakEngine("nl").synthesize("Dank u wel.", path)
    return read_samples(path)


def test_the_csv_script_opens_in_excel_with_no_formula_run(root: ContentRoot) -> None:
    code, out, err = vidpay("voice", "script", "small", "--lang", "nl", "--root", root.path)
    assert code == 0, err
    assert out.startswith("\ufeff")  # Excel reads UTF-8 only with the byte order mark
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))
    header, *lines = rows
    assert header[:4] == ["file", "node", "shot", "text (nl)"]
    assert "target seconds (at 2.2 words/s)" in header
    by_file = {row[0]: dict(zip(header, row, strict=True)) for row in lines}
    assert list(by_file) == [
        "intro-1.wav",
        "intro-2.wav",
        "pay_now-1.wav",
        "callback-1.wav",
        "thanks-1.wav",
    ]
    assert by_file["pay_now-1.wav"]["text (nl)"].startswith("'=HYPERLINK(")
    assert by_file["intro-1.wav"]["text (nl)"] == "Hallo [name]."
    assert by_file["intro-1.wav"]["personal"] == "personal: do not record"
    assert "cannot say each debtor's {name}" in by_file["intro-1.wav"]["notes"]
    assert by_file["thanks-1.wav"]["target seconds (at 2.2 words/s)"] == "1.4"  # 3 words
    assert "5 spoken lines, 2 of them personal" in err and "2.2 words/s" in err


def test_the_csv_written_to_a_file_has_the_bom_and_crlf(root: ContentRoot, tmp_path: Path) -> None:
    target = tmp_path / "script.csv"
    code, _, err = vidpay(
        "voice", "script", "small", "--lang", "nl", "--output", target, "--root", root.path
    )
    assert code == 0, err
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbffile,node,shot,") and b"\r\n" in data
    assert f"wrote {target}" in err


def test_the_html_script_is_escaped_printable_and_accessible(
    root: ContentRoot, tmp_path: Path
) -> None:
    target = tmp_path / "script.html"
    code, _, err = vidpay(
        "voice", "script", "small", "--lang", "nl", "-o", target, "--root", root.path
    )
    assert code == 0, err  # the format follows the file name
    page = target.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;gebeld&#39;)&lt;/script&gt; We bellen u." in page
    assert '<html lang="en">' in page and '<td class="line" lang="nl">' in page
    assert page.count('<th scope="col">') == 5 and '<th scope="row">' in page
    assert "<caption>" in page and "@media print" in page
    assert "2.2 words per second" in page
    assert "Personal, do not record:</span> Hallo [name]." in page


def test_a_line_not_yet_translated_is_shown_in_the_source_language_with_a_note(
    write_scene: SceneWriter, content_root: ContentRoot
) -> None:
    write_scene(languages="[en, nl]")
    vidpay("i18n", "update", "--root", content_root.path)
    po = content_root.po_path("small", "nl")
    fill_catalogue(po, {**DUTCH, "Thank you.": "Bedankt."}, fuzzy=frozenset({"Thank you."}))
    code, out, err = vidpay("voice", "script", "small", "--lang", "nl", "--root", content_root.path)
    assert code == 0, err
    thanks = next(row for row in csv.reader(io.StringIO(out)) if row[0] == "thanks-1.wav")
    assert thanks[3] == "Thank you."
    assert thanks[5] == (
        "Not translated into nl yet (or only as a draft): the en text is shown; record it once "
        "the translation is reviewed."
    )


def test_script_refuses_an_unknown_language_or_format(root: ContentRoot) -> None:
    code, _, err = vidpay("voice", "script", "small", "--lang", "fr", "--root", root.path)
    assert code == 2 and "scene 'small' has no language 'fr' (en, nl)" in err
    code, _, err = vidpay(
        "voice", "script", "small", "--lang", "nl", "--format", "pdf", "--root", root.path
    )
    assert code == 2 and "unknown format 'pdf'" in err


def test_import_reports_each_file_and_what_is_missing(
    root: ContentRoot, dutch: tuple[Samples, int], tmp_path: Path
) -> None:
    takes = tmp_path / "takes"
    takes.mkdir()
    write_pcm16(takes / "thanks-1.wav", *dutch)
    (takes / "callback-1.wav").write_text("Dit is geen opname.\n")
    write_pcm16(takes / "bye-1.wav", *dutch)
    code, out, err = vidpay(
        "voice", "import", takes, "--scene", "small", "--lang", "nl", "--root", root.path
    )
    assert code == 1
    target = root.voiceovers_dir / "small" / "nl"
    assert sorted(p.name for p in target.iterdir()) == ["thanks-1.wav"]
    assert f"thanks-1.wav: imported as {target / 'thanks-1.wav'}" in out
    assert "bye-1.wav: refused, nothing written\n  error: scene 'small' has no node 'bye'" in out
    assert "callback-1.wav: refused, nothing written\n  error: holds no WAV or MP3 audio" in out
    assert "still missing for small in nl: 2 line(s)\n  pay_now-1.wav: “=HYPERLINK(" in out
    assert "  callback-1.wav: “<script>" in out
    assert "personal lines, left to the TTS voice: intro-1.wav, intro-2.wav" in out
    assert err.endswith("1 imported, 2 refused, 2 still missing\n")


def test_import_exits_0_when_every_line_to_record_is_there(
    root: ContentRoot, dutch: tuple[Samples, int], tmp_path: Path
) -> None:
    takes = tmp_path / "takes"
    takes.mkdir()
    for name in ("pay_now-1.wav", "callback-1.wav", "thanks-1.wav"):
        write_pcm16(takes / name, *dutch)
    code, out, err = vidpay(
        "voice", "import", takes, "--scene", "small", "--lang", "nl", "--root", root.path
    )
    assert code == 0, out
    assert "nothing missing for small in nl" in out
    assert err.endswith("3 imported, 0 refused, 0 still missing\n")
    # recorded in Dutch now: validate suggests keeping the name out of the voice
    code, out, err = vidpay("validate", "small", "--root", root.path)
    assert code == 0
    # the compliance lint also finds the planted =HYPERLINK( line hard to read: not counted here
    warnings = [line for line in out.splitlines() if "[plain-" not in line]
    assert len(warnings) == 2 and "1 scene checked: 0 errors, 4 warnings" in err
    assert warnings[0].endswith(
        "small.yaml:14:14: warning: scene 'small' has recorded voice-overs in nl, but a "
        "recorded voice cannot say each debtor's {name}: a recording sounds the same for every "
        "debtor, so the TTS voice speaks this line; keep {name} on screen and out of the voice "
        '(for example: "Hello.")'
    )


def test_import_needs_a_folder(root: ContentRoot, tmp_path: Path) -> None:
    code, _, err = vidpay(
        "voice",
        "import",
        tmp_path / "nowhere",
        "--scene",
        "small",
        "--lang",
        "nl",
        "--root",
        root.path,
    )
    assert code == 2 and "is not a folder of recordings" in err
