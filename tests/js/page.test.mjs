// The addresses the player fills in (static/player/page.js), from the templates the server
// gives it (app/web/player.py, with app/web/urls.py).
import assert from "node:assert/strict";
import test from "node:test";

import { fill } from "../../static/player/page.js";

const video = "/v/Tok-en_1?lang={lang}&node={node}";
const text = "/v/Tok-en_1/text?lang={lang}&node={node}";

test("a node in a language", () => {
  assert.equal(fill(video, { lang: "nl", node: "menu" }), "/v/Tok-en_1?lang=nl&node=menu");
  assert.equal(fill(text, { lang: "en", node: "hello" }), "/v/Tok-en_1/text?lang=en&node=hello");
});

test("a parameter without its value is left out", () => {
  assert.equal(fill(video, { lang: "de", node: null }), "/v/Tok-en_1?lang=de");
  assert.equal(fill(text, {}), "/v/Tok-en_1/text");
});

test("values are encoded; other parameters stay as they are", () => {
  assert.equal(fill("/v/T/manifest/{lang}.json", { lang: "pt/BR" }), "/v/T/manifest/pt%2FBR.json");
  assert.equal(fill("/v/T?mode=video&node={node}", { node: "a b&c" }), "/v/T?mode=video&node=a%20b%26c");
  assert.equal(fill("/api/v1/sessions/T/events", {}), "/api/v1/sessions/T/events");
});
