/* What the player knows at any moment, shared by its modules.
 *
 * `config` is the page's (the template's `data-config`: the language, the node to start at,
 * and the addresses the player fills in), set once by player.js before anything runs.
 * `state` changes as the debtor watches: player.js moves it from node to node and phase to
 * phase; the other modules read it (captions.js also keeps the cue on screen in it).
 */

export const config = {};

/* The page's config (data-config), or null without a player or with a config it cannot read. */
export function readConfig(element) {
  if (!element) return null;
  try {
    return JSON.parse(element.getAttribute("data-config") || "{}");
  } catch (e) {
    return null;
  }
}

export const state = {
  language: null, // the debtor's language
  manifest: null, // the manifest in that language (the nodes, the interface's words)
  node: null, // the node on screen
  video: null, // the element on screen
  phase: "loading", // loading | playing | paused | choices | ended | leaving | error
  captions: true,
  cues: [],
  cue: -1,
  run: 0, // bumped on every node change, so stale async work can tell
  chosenAt: null, // the node of the last choice: where Back from a step returns to
  started: false,
};

/* An interface string in the debtor's language (the manifest's `strings`), else the msgid. */
export function t(msgid) {
  const strings = (state.manifest && state.manifest.strings) || {};
  return strings[msgid] || msgid;
}

/* The sessionStorage, or null when the browser has none for us (private mode, disabled). */
export const store = (function storage() {
  try {
    const s = window.sessionStorage;
    s.setItem("vidpay:probe", "1");
    s.removeItem("vidpay:probe");
    return s;
  } catch (e) {
    return null; // the event queue lives in memory only
  }
})();

/* Where the video on screen is, in seconds (two decimals). */
export function position() {
  const v = state.video;
  const time = v ? v.currentTime : 0;
  return isFinite(time) && time >= 0 ? Math.round(time * 100) / 100 : 0;
}

/* A segment's length: the element's once it knows, else the manifest's. */
export function durationOf(v, node) {
  return v && isFinite(v.duration) && v.duration > 0 ? v.duration : (node && node.duration) || 0;
}
