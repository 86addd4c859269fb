/* The debtor's texts over a personal node's picture: the picture keeps their places empty,
 * and the player draws the texts there as real HTML text (`node.overlays`: each at its place
 * in fractions of the frame, from its shot's start to its end), entering with the shot's
 * motion (player.css). Crisp at any size, zoomable, read by screen readers.
 *
 * An overlay with `"emphasis": "count-up"` (an amount) counts up from zero to its value in
 * the first second it is shown, with the video's time (paused with it); with
 * prefers-reduced-motion it is its final text at once. Its final text keeps its place and is
 * what assistive technology reads throughout; the digits counting up are drawn over it,
 * hidden from assistive technology, and removed once the count is over.
 */
import { COUNT_SECONDS, countUpText, parseAmount } from "./countup.js";
import { state } from "./state.js";

let overlayBox = null;
let screen = null;
let overlays = []; // {element, text, start, end, fitted, words, count, digits}
let lessMotion = null; // the prefers-reduced-motion query

/* Where the texts are drawn (#overlays), over ``frame`` (the .screen, whose height sizes
 * them). */
export function setupOverlays(box, frame) {
  overlayBox = box;
  screen = frame;
  lessMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  if (window.ResizeObserver) new ResizeObserver(frameHeight).observe(screen);
  else window.addEventListener("resize", frameHeight);
  frameHeight();
}

/* One element per personal text of the node, hidden until its shot reaches it. */
export function drawOverlays(node) {
  overlayBox.textContent = "";
  overlays = [];
  let last = 0;
  (node.overlays || []).forEach(function (o) { last = Math.max(last, o.start); });
  (node.overlays || []).forEach(function (o) {
    const element = document.createElement("span");
    element.className = "overlay motion-" + o.motion + (o.align === "left" ? " is-left" : "");
    element.style.left = o.x * 100 + "%";
    element.style.top = o.y * 100 + "%";
    element.style.width = o.width * 100 + "%";
    element.style.height = o.height * 100 + "%";
    element.style.color = o.colour;
    element.style.fontWeight = o.bold ? "700" : "400";
    element.style.animationDelay = "0s";
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = o.text;
    text.style.setProperty("--size", String(o.size));
    text.style.setProperty("--lines", String(o.lines));
    element.appendChild(text);
    overlayBox.appendChild(element);
    // the last shot's texts stay up with its last frame, under the choices
    overlays.push({
      element: element, text: text, start: o.start + o.delay, end: o.start === last ? Infinity : o.end,
      fitted: false, words: o.text, count: o.emphasis === "count-up" && parseAmount(o.text) !== null,
      digits: null,
    });
  });
  showOverlays();
}

/* Shows the texts of the video's moment (when the segment is over: the last shot's). */
export function showOverlays() {
  if (!overlays || !overlays.length) return;
  const time = state.video ? state.video.currentTime : 0;
  const ended = state.phase === "choices" || state.phase === "ended";
  overlays.forEach(function (o) {
    const shown = ended ? o.end === Infinity : o.start <= time + 0.02 && time < o.end;
    if (shown === !o.element.classList.contains("is-shown")) {
      o.element.classList.toggle("is-shown", shown);
      if (shown && !o.fitted) fit(o);
    }
    if (shown && o.count) countUp(o, ended ? Infinity : time - o.start);
  });
}

/* The amount ``elapsed`` seconds into its count; the final text from COUNT_SECONDS on. */
function countUp(o, elapsed) {
  const progress = reducedMotion() ? 1 : elapsed / COUNT_SECONDS;
  if (progress >= 1) {
    o.count = false; // for as long as this node is drawn
    if (!o.digits) return;
    o.text.classList.remove("is-counting");
    o.text.textContent = o.words; // as it was before the count: the final text alone
    o.digits = null;
    return;
  }
  if (!o.digits) {
    const final = document.createElement("span");
    final.className = "final";
    final.textContent = o.words;
    o.digits = document.createElement("span");
    o.digits.className = "count";
    o.digits.setAttribute("aria-hidden", "true");
    o.text.textContent = "";
    o.text.appendChild(final);
    o.text.appendChild(o.digits);
    o.text.classList.add("is-counting");
  }
  o.digits.textContent = countUpText(o.words, progress);
}

function reducedMotion() {
  return !!(lessMotion && lessMotion.matches);
}

/* A text longer than its place (a long name) is drawn smaller until it fits. */
function fit(o) {
  let scale = 1;
  o.text.style.setProperty("--scale", "1");
  for (let i = 0; i < 8 && overflows(o); i++) {
    scale *= 0.88;
    o.text.style.setProperty("--scale", String(scale));
  }
  o.fitted = true;
}

function overflows(o) {
  const box = o.element;
  return o.text.scrollWidth > box.clientWidth + 1 || o.text.offsetHeight > box.clientHeight + 1;
}

function frameHeight() {
  overlayBox.style.setProperty("--frame", screen.clientHeight + "px");
  overlays.forEach(function (o) { o.fitted = false; if (o.element.classList.contains("is-shown")) fit(o); });
}
