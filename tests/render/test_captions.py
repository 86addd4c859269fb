from __future__ import annotations

import itertools
import re

from render.captions import (
    MAX_CHARS,
    PHONE_CHARS,
    PHONE_LINES,
    Cue,
    Spoken,
    cues_for,
    to_webvtt,
    wrap_words,
)
from render.content import ContentRoot
from render.i18n import load_translations
from render.texts import node_texts
from render.validate import load_scene
from tests.conftest import REPO

LONG = (
    "Your energy bill of € 1.234,56 was due on 5 March 2026. We have not received your "
    "payment yet, and we would like to find a solution with you today."
)


def test_short_lines_make_one_cue_over_the_whole_speech() -> None:
    assert cues_for([Spoken("Hello Ayşe.", 0.0, 1.2)]) == [Cue(0.0, 1.2, ("Hello Ayşe.",))]


def test_long_speech_is_split_into_cues_of_at_most_two_short_lines() -> None:
    cues = cues_for([Spoken(LONG, 2.0, 10.0)])
    assert len(cues) >= 3
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2
        assert all(len(line) <= MAX_CHARS for line in cue.lines)
    assert " ".join(" ".join(c.lines) for c in cues) == LONG
    # the cues tile the speech time exactly, in order
    assert cues[0].start == 2.0 and cues[-1].end == 10.0
    assert all(a.end == b.start for a, b in itertools.pairwise(cues))


def test_cue_time_follows_the_length_of_its_text() -> None:
    long = "A much longer sentence that takes a lot more time to say, because it goes on and on."
    cues = cues_for([Spoken(f"Short one. {long}", 0, 6)])
    assert len(cues) == 3
    assert (cues[1].end - cues[1].start) > 2 * (cues[0].end - cues[0].start)


def test_breaks_prefer_commas_and_avoid_a_lonely_last_word() -> None:
    cues = cues_for(
        [
            Spoken(
                "We have not received your payment yet, and we would like to find a solution with you today.",
                0,
                5,
            )
        ]
    )
    assert cues[0].lines == ("We have not received your payment yet,",)
    assert all(len(" ".join(c.lines).split()) > 2 for c in cues)


def test_a_word_longer_than_a_line_stands_alone() -> None:
    word = "x" * 60
    assert wrap_words(f"a {word} b") == ["a", word, "b"]


def test_webvtt_format() -> None:
    text = to_webvtt([Cue(0.0, 1.5, ("Hallo,", "Ayşe")), Cue(61.25, 3725.0, ("A --> B",))])
    assert text == (
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nHallo,\nAyşe\n\n"
        "2\n00:01:01.250 --> 01:02:05.000\nA → B\n"
    )
    assert all(
        re.match(r"\d\d:\d\d:\d\d\.\d{3} --> ", line)
        for line in text.splitlines()
        if "-->" in line and ":" in line[:3]
    )


def test_cue_text_is_escaped_so_markup_in_a_name_shows_as_written() -> None:
    text = to_webvtt([Cue(0.0, 1.0, ('Hello "><img src=x>,', "<b>Tom & Jerry</b> &amp;"))])
    assert text.split("\n")[4:6] == [
        'Hello "&gt;&lt;img src=x&gt;,',
        "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt; &amp;amp;",
    ]
    # the cue timing line stays the only place with an arrow
    assert to_webvtt([Cue(0.0, 1.0, ("a --> b <-- c",))]).split("\n")[4] == "a → b &lt;-- c"


def test_shots_without_speech_between_keep_their_own_times() -> None:
    cues = cues_for([Spoken("One.", 0.0, 1.0), Spoken("Two.", 3.0, 4.0)])
    assert [(c.start, c.end) for c in cues] == [(0.0, 1.0), (3.0, 4.0)]


TURKISH = "Bir sonraki ödemeniz € 1.234,56. Son ödeme tarihi 15 Ekim 2026 Perşembe günüdür."


def _phone_lines(cue: Cue) -> int:
    return len(wrap_words(" ".join(cue.lines), PHONE_CHARS))


def test_a_cue_never_needs_more_than_three_lines_on_a_phone() -> None:
    # two lines of 42 characters each, as cues were cut before, took four on a 390 px phone
    assert len(wrap_words(TURKISH, MAX_CHARS)) == 2 and len(wrap_words(TURKISH, PHONE_CHARS)) == 4
    cues = cues_for([Spoken(TURKISH, 1.0, 7.0)])
    assert len(cues) == 2
    assert all(_phone_lines(cue) <= PHONE_LINES for cue in cues)
    assert all(1 <= len(cue.lines) <= 2 for cue in cues)
    assert " ".join(" ".join(c.lines) for c in cues) == TURKISH


def test_a_split_cue_is_timed_by_the_length_of_its_text() -> None:
    cues = cues_for([Spoken(TURKISH, 1.0, 7.0)])
    assert cues[0].start == 1.0 and cues[-1].end == 7.0 and cues[0].end == cues[1].start
    total = sum(len(" ".join(cue.lines)) for cue in cues)
    for cue in cues:
        assert abs((cue.end - cue.start) - 6.0 * len(" ".join(cue.lines)) / total) < 0.002


def test_every_bundled_line_fits_three_phone_lines_in_every_language() -> None:
    root = ContentRoot(REPO)
    scene = load_scene(root.find_scene("arrears"), root)
    texts = [t.text for node_id, node in scene.nodes.items() for t in node_texts(node_id, node)]
    values = {
        "name": "Ayşe Yılmaz-Öztürk", "amount_due": "€ 1.234,56", "due_date": "15 Ekim 2026",
    }  # fmt: skip
    for language in scene.languages:
        catalogue = load_translations(root, "arrears", language) if language != "en" else {}
        for text in texts:
            said = re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], "R-2026-000123"),
                          catalogue.get(text, text))  # fmt: skip
            for cue in cues_for([Spoken(said, 0.0, 5.0)]):
                assert _phone_lines(cue) <= PHONE_LINES, (language, cue.lines)
