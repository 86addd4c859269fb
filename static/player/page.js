/* The page around the video: its words and links in the debtor's language, and its address,
 * which says where the debtor is (a reload or coming back starts there).
 *
 * The addresses are the server's (app/web/urls.py), as templates in the page's config:
 * `video_at` and `text_at` (the player and the text version at a node in a language) and
 * `manifest`; `fill` puts the values in.
 */
import { config, state, t } from "./state.js";

/* ``template`` with its `{name}` placeholders filled from ``values``: in the path as one
 * encoded segment; in the query a parameter whose value is a placeholder gets the value,
 * and is left out when the value is null (`/v/T?lang={lang}&node={node}` with no node:
 * `/v/T?lang=nl`). */
export function fill(template, values) {
  const at = template.indexOf("?");
  const path = at < 0 ? template : template.slice(0, at);
  const query = at < 0 ? [] : template.slice(at + 1).split("&");
  const filled = path.replace(/\{(\w+)\}/g, function (_, name) { return encodeURIComponent(values[name]); });
  const params = [];
  query.forEach(function (pair) {
    const placeholder = /^([^=]*)=\{(\w+)\}$/.exec(pair);
    if (!placeholder) params.push(pair);
    else if (values[placeholder[2]] != null) params.push(placeholder[1] + "=" + encodeURIComponent(values[placeholder[2]]));
  });
  return params.length ? filled + "?" + params.join("&") : filled;
}

/* The words the server wrote into the page once follow the language: the way to a person,
 * the language links, the text version's links; an element with data-i18n="<msgid>" gets
 * its text from the manifest's strings, one with data-i18n-label its aria-label (footer, skip
 * link, landmarks); links that carry ?lang= carry the new one. */
export function translatePage() {
  const person = document.querySelector(".person > span");
  if (person && person.firstChild && person.firstChild.nodeType === 3) {
    person.firstChild.nodeValue = t("Talk to a person") + ": ";
  }
  document.querySelectorAll(".languages a[hreflang]").forEach(function (link) {
    if (link.getAttribute("hreflang") === state.language) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  });
  textLinks().forEach(function (link) { link.textContent = t("Text version"); });
  const strings = (state.manifest && state.manifest.strings) || {};
  document.querySelectorAll("[data-i18n]").forEach(function (element) {
    const msgid = element.getAttribute("data-i18n");
    if (strings[msgid]) element.textContent = strings[msgid];
  });
  document.querySelectorAll("[data-i18n-label]").forEach(function (element) {
    const msgid = element.getAttribute("data-i18n-label");
    if (strings[msgid]) element.setAttribute("aria-label", strings[msgid]);
  });
  const title = strings["{creditor}: your payment"];
  if (title && config.creditor) document.title = title.replace("{creditor}", config.creditor);
  const skip = document.querySelector("a.skip");
  if (skip && strings["Skip to the content"]) skip.textContent = strings["Skip to the content"];
  const languages = document.querySelector("nav.languages");
  if (languages) languages.setAttribute("aria-label", t("Language"));
  document.querySelectorAll(".footer a[href*='lang=']").forEach(function (link) {
    const href = link.getAttribute("href");
    link.setAttribute("href", href.replace(/([?&]lang=)[^&#]*/, "$1" + encodeURIComponent(state.language)));
  });
}

/* The footer's links to the text version. */
function textLinks() {
  const path = fill(config.text_at, {});
  return Array.prototype.filter.call(document.querySelectorAll(".footer a[href]"), function (link) {
    return link.getAttribute("href").indexOf(path) === 0;
  });
}

/* The text version where the debtor is, in their language. */
export function textLink() {
  return fill(config.text_at, { lang: state.language, node: state.node || null });
}

/* A reload (or coming back) starts where the debtor is, in their language: at ``node``, by
 * default the one on screen. */
export function rememberPlace(node) {
  textLinks().forEach(function (link) { link.setAttribute("href", textLink()); });
  if (!window.history || !window.history.replaceState) return;
  const address = fill(config.video_at, { lang: state.language, node: node || state.node || null });
  try {
    window.history.replaceState(window.history.state, "", address);
  } catch (e) { /* not allowed: nothing lost */ }
}

/* The page again, in ``language``, at the node on screen. */
export function reloadIn(language) {
  window.location.assign(fill(config.video_at, { lang: language, node: state.node || null }));
}
