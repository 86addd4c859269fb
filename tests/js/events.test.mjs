// The event queue's rules (static/player/events.js): what an answer means, how long to wait.
import assert from "node:assert/strict";
import test from "node:test";

import { backoff, outcomeOf } from "../../static/player/events.js";

test("a stored event is done; a wrong one is dropped; the rest is tried again", () => {
  assert.equal(outcomeOf(200), "done");
  assert.equal(outcomeOf(204), "done");
  for (const status of [400, 404, 409, 413, 422]) assert.equal(outcomeOf(status), "drop", status);
  for (const status of [408, 429, 500, 502, 503, 0]) assert.equal(outcomeOf(status), "retry", status);
});

test("the wait doubles from half a second up to thirty, each in its upper half", () => {
  assert.deepEqual([1, 2, 3, 4].map((attempt) => backoff(attempt, 0)), [250, 500, 1000, 2000]);
  assert.deepEqual([1, 2, 3, 4].map((attempt) => backoff(attempt, 1)), [500, 1000, 2000, 4000]);
  assert.equal(backoff(7, 1), 30000);
  assert.equal(backoff(20, 0), 15000);
  const wait = backoff(3);
  assert.ok(wait >= 1000 && wait <= 2000, wait);
});
