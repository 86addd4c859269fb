/* The pool of segments: one <video> per segment that is on screen or may come next, stacked
 * in the .screen. Seamless branching: a segment that may come next is loaded in advance in
 * its own hidden <video preload="auto">, and swapped in when it is needed; the old picture
 * stays on screen until the new segment's first frame is painted.
 */
import { segmentsToKeep } from "./queue.js";
import { state } from "./state.js";

const SWITCH_MEASURE = "vidpay:branch-switch";
const pool = {}; // url -> <video>
let screen = null;
let before = null;
let watch = function () {};

/* Segments go into ``frame`` (the .camera in the .screen), before ``above`` (the debtor's
 * texts); ``onNew`` is called with each new element, to listen to it. */
export function setupSegments(frame, above, onNew) {
  screen = frame;
  before = above;
  watch = onNew;
}

/* The element of ``node``'s segment: the one loaded in advance, else a new one (the page's own
 * #video for the first). */
export function videoFor(node) {
  let video = pool[node.video];
  if (video) return video;
  const initial = document.getElementById("video");
  if (initial && !initial.getAttribute("src") && !Object.keys(pool).length) {
    video = initial;
  } else {
    video = document.createElement("video");
    video.className = "segment";
    screen.insertBefore(video, before);
  }
  video.setAttribute("playsinline", "");
  video.playsInline = true;
  // no picture-in-picture or native full screen: either would hide the texts drawn over it
  video.setAttribute("disablepictureinpicture", "");
  video.preload = "auto";
  video.setAttribute("aria-describedby", "caption");
  if (node.poster) video.poster = node.poster;
  video.src = node.video;
  watch(video);
  pool[node.video] = video;
  return video;
}

/* Drop the segments that can no longer come next (another branch, another language). */
export function prune() {
  const keep = segmentsToKeep(state.manifest, state.node);
  Object.keys(pool).forEach(function (url) {
    const video = pool[url];
    if (keep[url] || video === state.video || video.classList.contains("is-leaving")) return;
    discard(url);
  });
}

export function discard(url) {
  const video = pool[url];
  delete pool[url];
  video.pause();
  video.removeAttribute("src");
  video.load(); // lets the browser release the decoder and the connection
  video.remove();
}

export function pauseAll() {
  Object.keys(pool).forEach(function (url) { pool[url].pause(); });
}

/* Calls back once the element paints a frame (requestVideoFrameCallback, else `playing`). */
function onFrame(video, callback) {
  let done = false;
  const fire = function (_, metadata) {
    if (done) return;
    done = true;
    callback(performance.now(), metadata && metadata.mediaTime);
  };
  if (typeof video.requestVideoFrameCallback === "function") video.requestVideoFrameCallback(fire);
  else video.addEventListener(video.paused ? "seeked" : "playing", fire, { once: true });
  return fire;
}

/* A branch switch as a User Timing measure: from the click to the first frame of the chosen
 * segment presented while it plays (one past where it starts: a picture that moves). */
export function timeSwitch(video, id, clickedAt, from) {
  const record = function (now, mediaTime) {
    try {
      performance.measure(SWITCH_MEASURE, {
        start: clickedAt, end: now, detail: { node: id, mediaTime: mediaTime },
      });
    } catch (e) { /* an old browser without User Timing Level 3 */ }
  };
  if (typeof video.requestVideoFrameCallback !== "function") {
    video.addEventListener("playing", function () { record(performance.now(), video.currentTime); }, { once: true });
    return;
  }
  let frames = 0;
  const next = function (_, metadata) {
    if (video !== state.video) return;
    if (metadata.mediaTime > from || ++frames > 10) record(performance.now(), metadata.mediaTime);
    else video.requestVideoFrameCallback(next);
  };
  video.requestVideoFrameCallback(next);
}

/* Put ``video`` on screen; the previous one stays on top until ``video`` paints. */
export function swapIn(video, playing) {
  const previous = state.video;
  state.video = video;
  if (previous === video) return;
  if (previous) {
    previous.pause();
    previous.removeAttribute("id");
    previous.classList.remove("is-active");
    previous.classList.add("is-leaving");
  }
  video.id = "video";
  video.classList.add("is-active");
  const reveal = function () {
    if (!previous || previous === state.video || !previous.classList.contains("is-leaving")) return;
    previous.classList.remove("is-leaving");
    if (state.manifest) prune();
  };
  if (!playing && video.readyState >= 2) reveal();
  else onFrame(video, reveal);
  setTimeout(reveal, 1500); // never leave an old picture up for long
}

/* Resolves once the element knows its duration (and can be sought). */
export function whenReady(video) {
  if (video.readyState >= 1) return Promise.resolve();
  return new Promise(function (resolve) { video.addEventListener("loadedmetadata", resolve, { once: true }); });
}
