// An amount counting up (static/player/countup.js), in the formats the server writes money in
// (render/formatting.py, Babel: a no-break space between the number and €).
import assert from "node:assert/strict";
import test from "node:test";

import { countUpText, easeOut, formatAmount, parseAmount } from "../../static/player/countup.js";

const NBSP = "\u00a0";
const LOCALES = {
  nl: `€${NBSP}148,20`,
  de: `148,20${NBSP}€`,
  en: "€148.20",
  tr: "€148,20",
  es: `1.234,56${NBSP}€`,
};

test("the number, its value in cents and its separators, in every language's format", () => {
  assert.deepEqual(parseAmount(LOCALES.nl), { start: 2, end: 8, units: 14820, decimals: 2, decimal: ",", group: null });
  assert.deepEqual(parseAmount(LOCALES.de), { start: 0, end: 6, units: 14820, decimals: 2, decimal: ",", group: null });
  assert.deepEqual(parseAmount(LOCALES.en), { start: 1, end: 7, units: 14820, decimals: 2, decimal: ".", group: null });
  assert.deepEqual(parseAmount(LOCALES.tr), { start: 1, end: 7, units: 14820, decimals: 2, decimal: ",", group: null });
  assert.deepEqual(parseAmount(LOCALES.es), { start: 0, end: 8, units: 123456, decimals: 2, decimal: ",", group: "." });
  assert.deepEqual(parseAmount("€1,234,567.89"), { start: 1, end: 13, units: 123456789, decimals: 2, decimal: ".", group: "," });
  assert.deepEqual(parseAmount(`1\u202f234,56${NBSP}€`), { start: 0, end: 8, units: 123456, decimals: 2, decimal: ",", group: "\u202f" });
});

test("a separator followed by three digits groups, by two it is the decimal one", () => {
  assert.deepEqual(parseAmount("€1.234"), { start: 1, end: 6, units: 1234, decimals: 0, decimal: null, group: "." });
  assert.deepEqual(parseAmount("€1,234"), { start: 1, end: 6, units: 1234, decimals: 0, decimal: null, group: "," });
  assert.deepEqual(parseAmount("1234,56 €"), { start: 0, end: 7, units: 123456, decimals: 2, decimal: ",", group: null });
  assert.equal(parseAmount("€80").units, 80);
});

test("in a sentence the amount is the number by the currency sign", () => {
  const text = "Since 15 October 2026 you owe €240.00 (3 reminders)";
  const amount = parseAmount(text);
  assert.equal(text.slice(amount.start, amount.end), "240.00");
  assert.equal(parseAmount("Pay 80,00 of 240,00").units, 8000); // no sign: the first with decimals
  assert.equal(parseAmount("Hello Anna Smit"), null);
  assert.equal(parseAmount(""), null);
  assert.equal(parseAmount(undefined), null);
});

test("values on the way up are written with the amount's separators", () => {
  const es = parseAmount(LOCALES.es);
  assert.equal(formatAmount(es, 0), "0,00");
  assert.equal(formatAmount(es, 5), "0,05");
  assert.equal(formatAmount(es, 99999), "999,99");
  assert.equal(formatAmount(es, 100000), "1.000,00");
  assert.equal(formatAmount(parseAmount("€1,234,567.89"), 123456700), "1,234,567.00");
  assert.equal(formatAmount(parseAmount("€1,234"), 1000), "1,000");
  assert.equal(formatAmount(parseAmount("1234,56 €"), 100000), "1000,00"); // not grouped: never
});

test("the count starts at zero in the text's own format and ends on the text itself", () => {
  assert.equal(countUpText(LOCALES.nl, 0), `€${NBSP}0,00`);
  assert.equal(countUpText(LOCALES.de, 0), `0,00${NBSP}€`);
  assert.equal(countUpText(LOCALES.en, 0), "€0.00");
  assert.equal(countUpText(LOCALES.tr, 0), "€0,00");
  assert.equal(countUpText(LOCALES.es, 0), `0,00${NBSP}€`);
  for (const text of Object.values(LOCALES)) {
    assert.equal(countUpText(text, 1), text);
    assert.equal(countUpText(text, 1.5), text);
  }
  assert.equal(countUpText(LOCALES.es, 0.5), `1.080,24${NBSP}€`); // 1234.56 x 0.875
  assert.equal(countUpText(LOCALES.nl, -0.02), `€${NBSP}0,00`); // shown a moment early
  assert.equal(countUpText("You owe €240.00 now", 0.5), "You owe €210.00 now");
});

test("it only goes up, fast at first and slowing to the value", () => {
  let before = -1;
  for (let step = 0; step <= 100; step++) {
    const value = parseAmount(countUpText(LOCALES.es, step / 100)) .units;
    assert.ok(value >= before, `${step}: ${value} < ${before}`);
    before = value;
  }
  assert.equal(easeOut(0), 0);
  assert.equal(easeOut(1), 1);
  assert.ok(easeOut(0.5) > 0.5 + 0.3); // most of the way at half time
});

test("a text without an amount is itself throughout", () => {
  assert.equal(countUpText("Hello Anna Smit", 0), "Hello Anna Smit");
  assert.equal(countUpText("", 0.5), "");
});
