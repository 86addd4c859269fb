/* Asking ahead: the manifests (one per language, fetched once), a personal node's track (the
 * node prepared for the debtor when it may come next), and the segments and captions of
 * every node that may follow the one on screen, so a click plays on at once.
 */
import { loadCues } from "./captions.js";
import { fill } from "./page.js";
import { following } from "./queue.js";
import { videoFor } from "./segments.js";
import { config, state } from "./state.js";

const JSON_ONLY = { credentials: "same-origin", headers: { Accept: "application/json" } };
const manifests = {}; // language -> Promise of its manifest

/* Every node for this debtor in ``language`` (`config.manifest`, a template with {lang}). */
export function loadManifest(language) {
  if (!manifests[language]) {
    manifests[language] = fetch(fill(config.manifest, { lang: language }), JSON_ONLY)
      .then(function (response) {
        if (!response.ok) throw new Error("manifest " + response.status);
        return response.json();
      });
    manifests[language].catch(function () { delete manifests[language]; });
  }
  return manifests[language];
}

/* A personal node nobody prepared yet comes with the address of its track: fetched (and so
 * prepared) once, when the node may come next, then the node is like any other. */
export function ensureTrack(node) {
  if (!node.track) return Promise.resolve(node);
  if (!node.loading) {
    node.loading = fetch(node.track, JSON_ONLY)
      .then(function (response) {
        if (!response.ok) throw new Error("track " + response.status);
        return response.json();
      })
      .then(function (data) {
        for (const key in data) node[key] = data[key];
        delete node.track;
        return node;
      });
    node.loading.catch(function () { delete node.loading; });
  }
  return node.loading;
}

/* Load every segment that may follow the current one: `next`, or every choice's target. */
export function preloadFollowing() {
  const node = state.manifest && state.manifest.nodes[state.node];
  if (!node || node.step) return;
  const manifest = state.manifest;
  following(node).forEach(function (id) {
    const target = manifest.nodes[id];
    if (!target) return;
    ensureTrack(target).then(function () {
      if (state.manifest !== manifest) return; // another language meanwhile
      videoFor(target);
      loadCues(target);
    }, function () { /* tried again when it is played */ });
  });
}
