/* vidpay player: plays a debtor's branching video, one MP4 segment per node of the scene.
 *
 * Plain JavaScript in ES modules, no framework, no build step, no requests anywhere but this
 * site. This module is the entry (app/templates/player.html loads it): the phases of the
 * player, playing a node, its controls and the language switch. Each other module does one
 * thing (what plays next, preloading, the <video> pool, captions, the debtor's texts, the
 * choices, the failure box, events, the page's words, the shared state): README.md's layout
 * section lists them. The pure parts are tested in tests/js/.
 */
import { drawCaption, loadCues, setupCaptions, showCue } from "./captions.js";
import { drawChoices, moveFocus } from "./choices.js";
import { drain, flush, send, setupEvents } from "./events.js";
import { failureBox } from "./failure.js";
import { drawOverlays, setupOverlays, showOverlays } from "./overlays.js";
import { reloadIn, rememberPlace, translatePage } from "./page.js";
import { ensureTrack, loadManifest, preloadFollowing } from "./preload.js";
import { afterSegment, firstNode } from "./queue.js";
import { discard, pauseAll, prune, setupSegments, swapIn, timeSwitch, videoFor, whenReady } from "./segments.js";
import { config, durationOf, readConfig, state, store, t } from "./state.js";

const root = document.getElementById("player");
const parsed = readConfig(root);
const find = function (selector) { return root && root.querySelector(selector); };
const stage = find(".stage");
const screen = find(".screen");
const controls = find(".controls");
const statusBox = find("#status");
const choicesBox = find("#choices");
const choicesTitle = find("#choices-title");
const buttonsBox = find("#choices .buttons");
const playButton = find("#play");
const replayButton = find("#replay");
const captionsButton = find("#captions");
const languageSelect = find("#language");
const languageLabel = find('label[for="language"]');

// --- phases ---------------------------------------------------------------------------------

function setPhase(phase) {
  state.phase = phase;
  root.setAttribute("data-state", phase);
  const playing = phase === "playing";
  playButton.textContent = t(playing ? "Pause" : "Play");
  // once a segment is over, Play and Replay would do the same: only Replay is shown
  const over = phase === "choices" || phase === "ended";
  playButton.hidden = over;
  replayButton.classList.toggle("is-prominent", phase === "ended");
  showOverlays();
}

function setStatus(text) {
  statusBox.textContent = text || "";
}

/* While a segment plays, its captions and texts follow its time, frame by frame. */
let ticking = false;
function tick() {
  if (state.phase !== "playing") { ticking = false; return; }
  showCue();
  showOverlays();
  window.requestAnimationFrame(tick);
}
function startTicking() {
  if (ticking) return;
  ticking = true;
  window.requestAnimationFrame(tick);
}

/* What the player does when a segment's element plays, waits, ends or fails (only the one
 * on screen counts). */
function watch(video) {
  const current = function () { return video === state.video; };
  video.addEventListener("ended", function () { if (current()) segmentEnded(); });
  video.addEventListener("error", function () {
    video.setAttribute("data-failed", "true");
    if (current()) fail("video", video.error ? "media error " + video.error.code : "media error");
  });
  video.addEventListener("play", function () { if (current()) setPhase("playing"); startTicking(); });
  video.addEventListener("pause", function () {
    if (current() && !video.ended && state.phase === "playing") setPhase("paused");
  });
  video.addEventListener("waiting", function () { if (current()) setStatus(t("Loading…")); });
  video.addEventListener("playing", function () {
    if (!current()) return;
    setStatus("");
    // should `canplaythrough` never come (some mobile browsers), load what follows anyway
    setTimeout(function () { if (current()) preloadFollowing(); }, 1500);
  });
  video.addEventListener("seeked", function () { if (current()) { showCue(); showOverlays(); } });
  video.addEventListener("canplaythrough", function () { if (current()) preloadFollowing(); });
}

/* Play a node's segment from ``at`` seconds; ``clickedAt`` times a branch switch. */
function playNode(id, options) {
  options = options || {};
  const node = state.manifest.nodes[id];
  if (!node) return fail("node", "no node " + id);
  if (node.track) { // not prepared yet: fetch its track, then play it
    const waiting = ++state.run;
    setStatus(t("Loading…"));
    return ensureTrack(node).then(function () {
      if (waiting !== state.run) return;
      setStatus("");
      playNode(id, options);
    }, function (error) {
      if (waiting === state.run) fail("track", error);
    });
  }
  const run = ++state.run;
  if (!options.then) hideChoices();
  state.node = id;
  root.setAttribute("data-node", id);
  rememberPlace();
  const autoplay = options.autoplay !== false;
  let video = videoFor(node);
  if (video.getAttribute("data-failed") && video !== state.video) {
    discard(node.video); // it failed while loading in advance: one fresh try
    video = videoFor(node);
  }
  swapIn(video, autoplay);
  if (video.getAttribute("data-failed")) return fail("video", "media error");
  state.cues = [];
  state.cue = -1;
  drawCaption();
  drawOverlays(node);
  loadCues(node).then(function (cues) {
    if (run !== state.run) return;
    state.cues = cues;
    state.cue = -1;
    showCue();
  });
  if (options.clickedAt != null) timeSwitch(video, id, options.clickedAt, options.at || 0);
  const at = options.at || 0;
  const start = function () {
    if (run !== state.run) return;
    if (options.then) {
      options.then();
    } else if (autoplay) {
      setPhase("playing");
      startPlayback(video, options.first);
    } else {
      setPhase("paused");
    }
    prune();
    if (video.readyState >= 4) preloadFollowing();
  };
  if (at > 0) {
    whenReady(video).then(function () {
      if (run !== state.run) return;
      video.currentTime = Math.min(at, Math.max(0, durationOf(video, node) - 0.05));
      start();
    });
  } else {
    if (video.currentTime > 0 || video.ended) video.currentTime = 0;
    start();
  }
}

function startPlayback(video, first) {
  const played = video.play();
  if (!played || !played.then) return;
  played.then(function () {
    if (first && !state.started) {
      state.started = true;
      send("play", { auto: true });
    }
  }, function (error) {
    if (video !== state.video) return;
    if (error && error.name === "NotAllowedError") {
      setPhase("paused"); // the browser wants a tap first: the Play button is there
      setStatus("");
    }
  });
}

function segmentEnded() {
  const node = state.manifest.nodes[state.node];
  send("segment_end", {}, { position: Math.round(durationOf(state.video, node) * 100) / 100 });
  state.cue = -1;
  drawCaption();
  const then = afterSegment(node, state.manifest.nodes);
  if (then === "step") return openStep(node);
  if (then === "next") return playNode(node.next);
  if (then === "choices") return showChoices(node);
  showEnd();
}

function openStep(node) {
  setPhase("leaving");
  setStatus(t("Loading…"));
  // Back from the step returns to the choices that led to it, not into the step again
  rememberPlace(state.chosenAt || state.manifest.start);
  send("step_open", {});
  drain(2000).then(function () { window.location.assign(node.step); });
}

// --- choices and the end ----------------------------------------------------------------------

function showChoices(node) {
  setPhase("choices");
  drawChoices(buttonsBox, node, choose);
  choicesTitle.textContent = t("Choose an option");
  choicesBox.hidden = false;
  preloadFollowing(); // if not already loading: the moment the choices appear at the latest
  moveFocus(choicesBox);
}

function hideChoices() {
  if (choicesBox.hidden) return;
  const hadFocus = choicesBox.contains(document.activeElement);
  choicesBox.hidden = true;
  buttonsBox.textContent = "";
  if (hadFocus) {
    playButton.hidden = false; // Pause, in a moment: the segment that was chosen plays
    playButton.focus({ preventScroll: true });
  }
}

function choose(choice, event) {
  if (state.phase !== "choices") return;
  const clickedAt = event && event.timeStamp > 0 ? event.timeStamp : performance.now();
  state.chosenAt = state.node;
  send("choice", { target: choice.goto });
  playNode(choice.goto, { clickedAt: clickedAt });
}

function showEnd() {
  setPhase("ended");
  moveFocus(replayButton);
}

// --- controls ---------------------------------------------------------------------------------

function listen() {
  window.addEventListener("pageshow", function (event) {
    // back from a step through the page cache: start again where the address says
    if (event.persisted && state.phase === "leaving") window.location.reload();
  });

  playButton.addEventListener("click", function () {
    if (!state.manifest || state.phase === "error" || state.phase === "leaving") return;
    if (state.phase === "choices" || state.phase === "ended") return replay();
    const video = state.video;
    if (video.paused) {
      setPhase("playing");
      startPlayback(video, false);
      send("play", {});
    } else {
      video.pause();
      setPhase("paused");
      send("pause", {});
    }
  });

  stage.addEventListener("click", function (event) {
    if (event.target.closest("a, button")) return;
    if (state.phase === "playing" || state.phase === "paused") playButton.click();
  });

  replayButton.addEventListener("click", replay);

  captionsButton.addEventListener("click", function () {
    state.captions = !state.captions;
    try {
      if (store) store.setItem("vidpay:captions", state.captions ? "on" : "off");
    } catch (e) { /* storage full: the choice holds for this page */ }
    drawCaptionsButton();
    drawCaption();
    send("captions", { on: state.captions });
  });

  languageSelect.addEventListener("change", function () { switchLanguage(languageSelect.value); });
  document.querySelectorAll(".languages a[hreflang]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button || !state.manifest) return;
      if (state.phase === "error" || state.phase === "leaving") return;
      event.preventDefault();
      switchLanguage(link.getAttribute("hreflang"));
    });
  });
}

function replay() {
  if (!state.manifest || state.phase === "error" || state.phase === "leaving") return;
  const target = state.phase === "ended" ? state.manifest.start : state.node;
  send("replay", { target: target });
  playNode(target, { at: 0 });
}

function drawCaptionsButton() {
  captionsButton.setAttribute("aria-pressed", state.captions ? "true" : "false");
  captionsButton.textContent = t(state.captions ? "Captions on" : "Captions off");
  root.classList.toggle("no-captions", !state.captions);
}

/* Another language at any moment: the same node, at the same point of the segment. */
let switching = 0;
function switchLanguage(language) {
  if (!state.manifest || language === state.language || state.phase === "leaving") return;
  if (state.phase === "error") return reloadIn(language);
  const from = state.language;
  const mine = ++switching;
  setStatus(t("Loading…"));
  return loadManifest(language).then(function (manifest) {
    if (mine !== switching) return; // the debtor picked yet another language meanwhile
    if (state.phase === "leaving" || state.phase === "error") return;
    // the place is taken now, not at the click: the video went on while the manifest came
    const old = state.manifest.nodes[state.node];
    const length = durationOf(state.video, old);
    const fraction = length ? Math.min(1, state.video.currentTime / length) : 0;
    const phase = state.phase;
    const wasPlaying = phase === "playing";
    state.manifest = manifest;
    state.language = language;
    languageSelect.value = language;
    applyLanguage();
    send("language", { from: from, to: language });
    setStatus("");
    const node = manifest.nodes[state.node];
    if (!node) return playNode(manifest.start);
    if (phase === "choices" || phase === "ended") {
      // the segment is over: show its last picture in the new language, and the same buttons
      const focused = buttonsBox.querySelectorAll("button");
      const index = Array.prototype.indexOf.call(focused, document.activeElement);
      playNode(state.node, { at: node.duration, autoplay: false, then: function () {} });
      if (phase === "ended" || !node.choices || !node.choices.length) showEnd();
      else {
        showChoices(node);
        const buttons = buttonsBox.querySelectorAll("button");
        if (index >= 0 && buttons[index]) buttons[index].focus();
      }
      return;
    }
    playNode(state.node, { at: fraction * durationOf(null, node), autoplay: wasPlaying || phase === "loading" });
  }, function (error) {
    if (mine !== switching) return;
    languageSelect.value = state.language;
    fail("manifest", error);
  });
}

/* The player's and the page's own words, <html lang>, and the links that carry the language. */
function applyLanguage() {
  document.documentElement.lang = state.language;
  setPhase(state.phase);
  replayButton.textContent = t("Replay");
  drawCaptionsButton();
  if (languageLabel) languageLabel.textContent = t("Language");
  choicesTitle.textContent = t("Choose an option");
  translatePage();
  rememberPlace();
}

// --- when the video cannot play -----------------------------------------------------------------

function fail(reason, detail) {
  if (state.phase === "error") return;
  setPhase("error");
  setStatus("");
  pauseAll();
  send("error", { reason: String(reason).slice(0, 50), detail: String(detail || "").slice(0, 200) });
  const box = failureBox();
  stage.hidden = true;
  controls.hidden = true;
  hideChoices();
  root.insertBefore(box, controls);
  box.focus();
}

// --- start ----------------------------------------------------------------------------------------

function start() {
  stage.hidden = false;
  controls.hidden = false;
  if (store && store.getItem("vidpay:captions") === "off") state.captions = false;
  drawCaptionsButton();
  setPhase("loading");
  setStatus(t("Loading…"));
  flush(); // what an earlier page could not deliver
  loadManifest(state.language).then(function (manifest) {
    state.manifest = manifest;
    applyLanguage();
    setStatus("");
    const first = firstNode(manifest, config.start);
    state.node = first;
    send("open", { start: first });
    playNode(first, { first: true });
  }, function (error) {
    fail("manifest", error);
  });
}

if (parsed) {
  Object.assign(config, parsed);
  state.language = config.language;
  state.video = document.getElementById("video");
  setupEvents();
  setupCaptions(find("#caption"));
  setupOverlays(find("#overlays"), screen);
  setupSegments(find(".camera"), find("#overlays"), watch);
  listen();
  start();
}
