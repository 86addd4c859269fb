/* Captions: drawn by the player, big and on by default, from the segment's WebVTT (a shared
 * segment) or from the manifest's `cues` (a personal node: the debtor's own lines).
 *
 * parseVtt, seconds and cueAt are pure (tested in tests/js/captions.test.mjs); showCue and
 * drawCaption put the cue of the moment on screen (`state.cues`, `state.cue`, `state.captions`).
 */
import { state } from "./state.js";

let captionBox = null;

/* Where the cues are drawn (the #caption band). */
export function setupCaptions(box) {
  captionBox = box;
}

const captionFiles = {}; // url -> Promise of its cues

/* A node's cues: its own, or its WebVTT fetched once; no cues rather than an error. */
export function loadCues(node) {
  if (node.cues) return Promise.resolve(node.cues); // a debtor's own, in the manifest
  const url = node.captions;
  if (!captionFiles[url]) {
    captionFiles[url] = fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("captions " + response.status);
        return response.text();
      })
      .then(parseVtt)
      .catch(function () {
        delete captionFiles[url];
        return []; // no captions is not a reason to stop the video
      });
  }
  return captionFiles[url];
}

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": "\u00a0", "&lrm;": "\u200e", "&rlm;": "\u200f", "&quot;": '"', "&#39;": "'" };
const TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{2}\.\d{1,3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}\.\d{1,3})/;

/* The cues of a WebVTT file, in order of their start: {start, end, text}, in seconds, the
 * text without tags and with its entities read. A block without a timing line (the header, a
 * NOTE, a STYLE) or without text is left out. */
export function parseVtt(text) {
  const cues = [];
  const blocks = String(text).replace(/^\ufeff/, "").replace(/\r\n?/g, "\n").split(/\n{2,}/);
  blocks.forEach(function (block) {
    const lines = block.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const match = TIMING.exec(lines[i]);
      if (!match) continue;
      const body = lines.slice(i + 1).join("\n")
        .replace(/<[^>]*>/g, "")
        .replace(/&(amp|lt|gt|nbsp|lrm|rlm|quot|#39);/g, function (entity) { return ENTITIES[entity]; })
        .trim();
      if (body) cues.push({ start: seconds(match[1]), end: seconds(match[2]), text: body });
      break;
    }
  });
  return cues.sort(function (a, b) { return a.start - b.start; });
}

/* A WebVTT timestamp (`01:02.500`, `1:02:03.250`) in seconds. */
export function seconds(stamp) {
  return stamp.split(":").reduce(function (total, part) { return total * 60 + parseFloat(part); }, 0);
}

/* The index of the first cue on screen at ``time`` (from its start, up to its end), or -1. */
export function cueAt(cues, time) {
  for (let i = 0; i < cues.length; i++) {
    if (cues[i].start <= time && time < cues[i].end) return i;
  }
  return -1;
}

/* Draws the cue of the video's moment, when it is another than the one on screen. */
export function showCue() {
  const found = cueAt(state.cues, state.video.currentTime);
  if (found !== state.cue) {
    state.cue = found;
    drawCaption();
  }
}

export function drawCaption() {
  const cue = state.cues[state.cue];
  captionBox.textContent = "";
  if (!state.captions || !cue) return;
  const line = document.createElement("span");
  line.className = "cue";
  line.textContent = cue.text;
  captionBox.appendChild(line);
}
