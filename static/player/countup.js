/* An amount counting up from zero (an overlay with `"emphasis": "count-up"`, issue 15): the
 * text as it reads at a moment of the count, in the format the server wrote it in. Pure
 * functions, tested in tests/js/countup.test.mjs; overlays.js draws them.
 *
 * The server formats money per locale: "€ 148,20" (nl), "148,20 €" (de, es), "€148.20" (en),
 * "€148,20" (tr), "1.234,56 €". The number in such a text is digits, perhaps grouped by
 * thousands (one separator: `.`, `,`, a (narrow) no-break space or `'`), perhaps with
 * a decimal separator (the `.` or `,` followed by exactly two digits at the end of the
 * number). The values on the way up are written with the same separators; what is around the
 * number (the currency, words) stays as it is, and the count ends on the text itself.
 */

export const COUNT_SECONDS = 1;

// grouped by thousands (the same separator throughout) or not, then perhaps two decimals
const NUMBER = /(\d{1,3}([.,\u00a0\u202f'])\d{3}(?:\2\d{3})*)(?:([.,])(\d{2}))?(?!\d)|(\d+)(?:([.,])(\d{2}))?(?!\d)/g;
const CURRENCY = /[\u20a0-\u20cf$\u00a2-\u00a5]/; // € ₺ $ £ ¥ and the like

/* The amount in ``text``, or null when it has none: where it is (start, end), its value in
 * its smallest unit (cents when it has decimals), and its separators. The number next to a
 * currency sign is the amount; else the first with decimals; else the first. */
export function parseAmount(text) {
  text = String(text == null ? "" : text);
  const found = [];
  let match;
  NUMBER.lastIndex = 0;
  while ((match = NUMBER.exec(text)) !== null) {
    const grouped = match[1] !== undefined;
    const cents = grouped ? match[4] : match[7];
    const decimals = cents ? 2 : 0;
    const whole = (grouped ? match[1] : match[5]).replace(/\D/g, "");
    found.push({
      start: match.index,
      end: match.index + match[0].length,
      units: parseInt(whole, 10) * Math.pow(10, decimals) + (cents ? parseInt(cents, 10) : 0),
      decimals: decimals,
      decimal: (grouped ? match[3] : match[6]) || null,
      group: grouped ? match[2] : null,
    });
  }
  const nextToCurrency = found.filter(function (amount) {
    const before = text.slice(Math.max(0, amount.start - 2), amount.start);
    const after = text.slice(amount.end, amount.end + 2);
    return CURRENCY.test(before.trim().slice(-1)) || CURRENCY.test(after.trim().charAt(0));
  });
  const withDecimals = found.filter(function (amount) { return amount.decimals; });
  return nextToCurrency[0] || withDecimals[0] || found[0] || null;
}

/* ``units`` (in the amount's smallest unit) written as the amount is written. */
export function formatAmount(amount, units) {
  const scale = Math.pow(10, amount.decimals);
  let whole = String(Math.floor(units / scale));
  if (amount.group) whole = whole.replace(/\B(?=(\d{3})+$)/g, amount.group);
  if (!amount.decimals) return whole;
  return whole + amount.decimal + String(units % scale).padStart(amount.decimals, "0");
}

/* Slows to a stop: fast at first, the last digits settling. */
export function easeOut(progress) {
  return 1 - Math.pow(1 - progress, 3);
}

/* ``text`` at ``progress`` (0 to 1) of its count: its amount at that point of an ease-out
 * from zero, and from 1 on (or without an amount) the text itself. */
export function countUpText(text, progress) {
  const amount = parseAmount(text);
  text = String(text == null ? "" : text);
  if (!amount || !(progress < 1)) return text;
  const units = Math.round(amount.units * easeOut(Math.max(0, progress)));
  return text.slice(0, amount.start) + formatAmount(amount, units) + text.slice(amount.end);
}
