/* The debtor's texts over a personal node's picture: the picture keeps their places empty,
 * and the player draws the texts there as real HTML text (`node.overlays`: each at its place
 * in fractions of the frame, from its shot's start to its end), entering with the shot's
 * motion (player.css). Crisp at any size, zoomable, read by screen readers.
 */
import { state } from "./state.js";

let overlayBox = null;
let screen = null;
let overlays = []; // {element, text, start, end, fitted}

/* Where the texts are drawn (#overlays), over ``frame`` (the .screen, whose height sizes
 * them). */
export function setupOverlays(box, frame) {
  overlayBox = box;
  screen = frame;
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
    overlays.push({ element: element, text: text, start: o.start + o.delay, end: o.start === last ? Infinity : o.end, fitted: false });
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
  });
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
