/* What the debtor does, sent to the server (`config.events`): a queue kept in sessionStorage
 * that survives a brief network loss and the page going away. Sent in order, one at a time,
 * retried with backoff; flushed with keepalive when the page goes away, so no choice is lost.
 * Every event has an id made here, so the server stores a retried event once.
 */
import { config, position, state, store } from "./state.js";

const MAX_QUEUE = 300;
let queueKey = null;
let queue = [];
let flushing = false;
let flushTimer = null;
let drained = [];

/* Reads what an earlier page left and listens for the page going away and the network
 * coming back. */
export function setupEvents() {
  queueKey = "vidpay:events:" + config.events;
  queue = readQueue();
  window.addEventListener("pagehide", flushOnExit);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && queue.length) flushOnExit();
  });
  window.addEventListener("online", function () {
    queue.forEach(function (item) { item.due = 0; });
    flush();
  });
}

function readQueue() {
  if (!store) return [];
  try {
    const items = JSON.parse(store.getItem(queueKey) || "[]");
    return Array.isArray(items) ? items : [];
  } catch (e) {
    return [];
  }
}

function saveQueue() {
  if (!store) return;
  try {
    if (queue.length) store.setItem(queueKey, JSON.stringify(queue));
    else store.removeItem(queueKey);
  } catch (e) { /* storage full: keep going in memory */ }
}

function newId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
}

/* Queues an event at the node and place on screen (``extra`` overrides those) and sends it;
 * returns its id. */
export function send(type, data, extra) {
  const event = {
    id: newId(),
    type: type,
    node: state.node,
    language: state.language,
    position: position(),
    data: data || {},
  };
  if (extra) for (const key in extra) event[key] = extra[key];
  queue.push({ event: event, attempt: 0, due: 0 });
  if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
  saveQueue();
  flush();
  return event.id;
}

/* How long to wait before the ``attempt``th retry: doubling from 0.5 s up to 30 s, each wait
 * somewhere in its upper half (``random`` in [0, 1)) so a campaign's players do not come back
 * at once. */
export function backoff(attempt, random) {
  const base = Math.min(30000, 500 * Math.pow(2, attempt - 1));
  return base / 2 + (random === undefined ? Math.random() : random) * base / 2;
}

/* What to do with an event after the server's answer: "done", "drop" (a 4xx means the event
 * itself is wrong; a timeout and too many requests are not) or "retry". */
export function outcomeOf(status) {
  if (status >= 200 && status < 300) return "done";
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return "drop";
  return "retry";
}

function post(event, keepalive) {
  return fetch(config.events, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(event),
    credentials: "same-origin",
    cache: "no-store",
    keepalive: !!keepalive,
  });
}

/* Sends the queue in order, one at a time; stops at the first failure and tries again later. */
export function flush() {
  if (flushing) return;
  clearTimeout(flushTimer);
  if (!queue.length) return settle();
  const item = queue[0];
  const wait = item.due - Date.now();
  if (wait > 0) {
    flushTimer = setTimeout(flush, wait);
    return;
  }
  flushing = true;
  post(item.event, false).then(function (response) {
    return outcomeOf(response.status);
  }, function () {
    return "retry";
  }).then(function (outcome) {
    flushing = false;
    if (outcome === "retry") {
      item.attempt += 1;
      item.due = Date.now() + backoff(item.attempt);
      saveQueue();
      flushTimer = setTimeout(flush, item.due - Date.now());
      return;
    }
    const at = queue.indexOf(item);
    if (at >= 0) queue.splice(at, 1);
    saveQueue();
    flush();
  });
}

function settle() {
  const waiting = drained;
  drained = [];
  waiting.forEach(function (resolve) { resolve(); });
}

/* Resolves when the queue is empty, or after ``limit`` ms, whichever comes first. */
export function drain(limit) {
  return new Promise(function (resolve) {
    if (!queue.length) return resolve();
    drained.push(resolve);
    setTimeout(resolve, limit);
    queue.forEach(function (item) { item.due = 0; });
    if (!flushing) flush();
  });
}

/* The page is going away: send what is left with keepalive. The items stay queued; if they
 * arrived, the next page's retry is acknowledged and stored once. */
function flushOnExit() {
  saveQueue();
  queue.slice(0, 20).forEach(function (item) {
    try {
      post(item.event, true).catch(function () {});
    } catch (e) { /* keepalive quota: the next page retries */ }
  });
}
