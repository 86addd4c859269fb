// The WebVTT parser of the player (static/player/captions.js), on files as render/captions.py
// writes them and on what other WebVTT may hold.
import assert from "node:assert/strict";
import test from "node:test";

import { cueAt, parseVtt, seconds } from "../../static/player/captions.js";

test("the cues of a rendered segment, in seconds, with their lines", () => {
  const vtt = [
    "WEBVTT",
    "1\n00:00:00.000 --> 00:00:02.480\nHello Anna Smit.",
    "2\n00:00:02.480 --> 00:00:06.120\nYou owe €240.00 since\n15 October 2026.",
  ].join("\n\n") + "\n";
  assert.deepEqual(parseVtt(vtt), [
    { start: 0, end: 2.48, text: "Hello Anna Smit." },
    { start: 2.48, end: 6.12, text: "You owe €240.00 since\n15 October 2026." },
  ]);
});

test("timestamps with and without hours", () => {
  assert.equal(seconds("00:01.500"), 1.5);
  assert.equal(seconds("01:02.250"), 62.25);
  assert.equal(seconds("1:02:03.5"), 3723.5);
  assert.equal(seconds("00:00:00.000"), 0);
});

test("a byte order mark, CRLF line ends, cue settings and blocks without a cue", () => {
  const vtt = "\ufeffWEBVTT - a title\r\n\r\nNOTE written by hand\r\n\r\nSTYLE\r\n::cue { color: red }\r\n\r\n"
    + "00:01.000 --> 00:02.000 line:90% align:center\r\nOne\r\n\r\n"
    + "00:03.000 --> 00:04.000\r\n\r\n" // a cue without text: left out
    + "intro\r\n00:02.000 --> 00:03.000\r\nTwo\r\n";
  assert.deepEqual(parseVtt(vtt), [
    { start: 1, end: 2, text: "One" },
    { start: 2, end: 3, text: "Two" },
  ]);
});

test("tags are dropped and the entities render/captions.py writes are read", () => {
  const vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Narrator><b>Pay</b> &lt;now&gt; &amp; save&nbsp;€&#39;s &quot;x&quot;&lrm;</v>\n";
  assert.deepEqual(parseVtt(vtt), [
    { start: 0, end: 1, text: "Pay <now> & save\u00a0€'s \"x\"\u200e" },
  ]);
});

test("cues come out in the order they start; nothing to read is no cues", () => {
  const vtt = "WEBVTT\n\n00:05.000 --> 00:06.000\nLater\n\n00:01.000 --> 00:02.000\nFirst\n";
  assert.deepEqual(parseVtt(vtt).map((cue) => cue.text), ["First", "Later"]);
  assert.deepEqual(parseVtt(""), []);
  assert.deepEqual(parseVtt("WEBVTT\n"), []);
  assert.deepEqual(parseVtt("not a caption file"), []);
});

test("the cue on screen: from its start, up to (not at) its end", () => {
  const cues = [{ start: 0, end: 2, text: "a" }, { start: 2, end: 4, text: "b" }, { start: 5, end: 6, text: "c" }];
  assert.equal(cueAt(cues, 0), 0);
  assert.equal(cueAt(cues, 1.99), 0);
  assert.equal(cueAt(cues, 2), 1);
  assert.equal(cueAt(cues, 4.5), -1); // between cues
  assert.equal(cueAt(cues, 6), -1);
  assert.equal(cueAt([], 1), -1);
});
