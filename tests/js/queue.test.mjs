// What plays next (static/player/queue.js), from a manifest shaped like the server's.
import assert from "node:assert/strict";
import test from "node:test";

import { afterSegment, firstNode, following, segmentsToKeep } from "../../static/player/queue.js";

const nodes = {
  hello: { video: "/media/hello.mp4", next: "menu", choices: [], step: null },
  menu: {
    video: "/media/menu.mp4",
    next: null,
    step: null,
    choices: [{ goto: "pay" }, { goto: "more" }, { goto: "gone" }],
  },
  pay: { video: "/media/pay.mp4", next: null, choices: [], step: "/v/T/step/pay?lang=en&mode=video" },
  more: { video: null, track: "/v/T/track/en/more.json", next: null, choices: [], step: null },
  thanks: { video: "/media/thanks.mp4", next: null, choices: [], step: null },
  lost: { video: "/media/lost.mp4", next: "nowhere", choices: [{ goto: "thanks" }], step: null },
};
const manifest = { start: "hello", nodes };

test("after a node come its next, else every choice's target, and nothing after a step", () => {
  assert.deepEqual(following(nodes.hello), ["menu"]);
  assert.deepEqual(following(nodes.menu), ["pay", "more", "gone"]);
  assert.deepEqual(following(nodes.pay), []);
  assert.deepEqual(following(nodes.thanks), []);
  assert.deepEqual(following({ video: "/x.mp4" }), []); // no choices key at all
});

test("a step wins over next and choices", () => {
  assert.deepEqual(following({ step: "/s", next: "menu", choices: [{ goto: "pay" }] }), []);
  assert.equal(afterSegment({ step: "/s", next: "menu" }, nodes), "step");
});

test("when a segment ends: its step, its next, its choices, or the end", () => {
  assert.equal(afterSegment(nodes.hello, nodes), "next");
  assert.equal(afterSegment(nodes.menu, nodes), "choices");
  assert.equal(afterSegment(nodes.pay, nodes), "step");
  assert.equal(afterSegment(nodes.thanks, nodes), "end");
  // a next the manifest does not have (left out for this debtor): its choices, then the end
  assert.equal(afterSegment(nodes.lost, nodes), "choices");
  assert.equal(afterSegment({ next: "nowhere", choices: [] }, nodes), "end");
});

test("a page starts at the node its address asks for, if there is one", () => {
  assert.equal(firstNode(manifest, "menu"), "menu");
  assert.equal(firstNode(manifest, "nowhere"), "hello");
  assert.equal(firstNode(manifest, undefined), "hello");
});

test("the segments kept loaded: the one on screen and those that may follow it", () => {
  assert.deepEqual(segmentsToKeep(manifest, "hello"), { "/media/hello.mp4": true, "/media/menu.mp4": true });
  // "more" is not prepared yet (no video), "gone" is not in the manifest
  assert.deepEqual(segmentsToKeep(manifest, "menu"), { "/media/menu.mp4": true, "/media/pay.mp4": true });
  assert.deepEqual(segmentsToKeep(manifest, "pay"), { "/media/pay.mp4": true });
});
