/* vidpay player: plays a debtor's branching video, one MP4 segment per node of the scene.
 *
 * Plain JavaScript, no framework, no build step, no requests anywhere but this site.
 * - The manifest (per language) lists each node's segment, captions, and what follows it:
 *   `next` (played right after), `choices` (buttons), `step` (a self-service form), or nothing.
 * - Seamless branching: every segment that may come next is loaded in advance in its own
 *   hidden <video preload="auto">, and swapped in when it is needed; the old picture stays
 *   on screen until the new segment's first frame is painted.
 * - Captions are drawn by the player from the segment's WebVTT, big and on by default.
 * - A personal node's video is the shared picture with the debtor's own voice; what it shows of
 *   the debtor (name, amount, date) the player draws over it as real text (`overlays`: each at
 *   its place in fractions of the frame, from its shot's start to its end), and its captions
 *   come with the manifest (`cues`). No debtor data is in any video frame.
 * - Events go to the server through a small queue kept in sessionStorage, retried with
 *   backoff and flushed with keepalive when the page goes away, so no choice is lost; the
 *   server stores a retried event (same id) once.
 */
(function () {
  "use strict";

  var root = document.getElementById("player");
  if (!root) return;
  var config;
  try {
    config = JSON.parse(root.getAttribute("data-config") || "{}");
  } catch (e) {
    return;
  }

  var byId = function (id) { return document.getElementById(id); };
  var stage = root.querySelector(".stage");
  var screen = stage.querySelector(".screen");
  var controls = root.querySelector(".controls");
  var captionBox = byId("caption");
  var statusBox = byId("status");
  var choicesBox = byId("choices");
  var choicesTitle = byId("choices-title");
  var buttonsBox = choicesBox.querySelector(".buttons");
  var playButton = byId("play");
  var replayButton = byId("replay");
  var captionsButton = byId("captions");
  var languageSelect = byId("language");
  var languageLabel = root.querySelector('label[for="language"]');

  var SWITCH_MEASURE = "vidpay:branch-switch";
  var state = {
    language: config.language,
    manifest: null,
    node: null, // the node on screen
    video: byId("video"), // the element on screen
    phase: "loading", // loading | playing | paused | choices | ended | leaving | error
    captions: true,
    cues: [],
    cue: -1,
    run: 0, // bumped on every node change, so stale async work can tell
    chosenAt: null, // the node of the last choice: where Back from a step returns to
    started: false,
  };

  // --- small helpers ------------------------------------------------------------------------

  function t(msgid) {
    var strings = (state.manifest && state.manifest.strings) || {};
    return strings[msgid] || msgid;
  }

  function storage() {
    try {
      var s = window.sessionStorage;
      s.setItem("vidpay:probe", "1");
      s.removeItem("vidpay:probe");
      return s;
    } catch (e) {
      return null; // private mode or storage disabled: the queue lives in memory only
    }
  }
  var store = storage();

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function setPhase(phase) {
    state.phase = phase;
    root.setAttribute("data-state", phase);
    var playing = phase === "playing";
    playButton.textContent = t(playing ? "Pause" : "Play");
    // once a segment is over, Play and Replay would do the same: only Replay is shown
    var over = phase === "choices" || phase === "ended";
    playButton.hidden = over;
    replayButton.classList.toggle("is-prominent", phase === "ended");
    showOverlays();
  }

  function setStatus(text) {
    statusBox.textContent = text || "";
  }

  function position() {
    var v = state.video;
    var time = v ? v.currentTime : 0;
    return isFinite(time) && time >= 0 ? Math.round(time * 100) / 100 : 0;
  }

  function durationOf(v, node) {
    return v && isFinite(v.duration) && v.duration > 0 ? v.duration : (node && node.duration) || 0;
  }

  // --- events: a queue that survives a brief network loss and the page going away ------------

  var QUEUE_KEY = "vidpay:events:" + config.events;
  var MAX_QUEUE = 300;
  var queue = readQueue();
  var flushing = false;
  var flushTimer = null;
  var drained = [];

  function readQueue() {
    if (!store) return [];
    try {
      var items = JSON.parse(store.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  function saveQueue() {
    if (!store) return;
    try {
      if (queue.length) store.setItem(QUEUE_KEY, JSON.stringify(queue));
      else store.removeItem(QUEUE_KEY);
    } catch (e) { /* storage full: keep going in memory */ }
  }

  function send(type, data, extra) {
    var event = {
      id: newId(),
      type: type,
      node: state.node,
      language: state.language,
      position: position(),
      data: data || {},
    };
    if (extra) for (var key in extra) event[key] = extra[key];
    queue.push({ event: event, attempt: 0, due: 0 });
    if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
    saveQueue();
    flush();
    return event.id;
  }

  function backoff(attempt) {
    var base = Math.min(30000, 500 * Math.pow(2, attempt - 1));
    return base / 2 + Math.random() * base / 2;
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

  /* Sends the queue in order, one at a time; stops at the first failure and tries again later.
   * A 4xx answer means the event itself is wrong: it is dropped, not retried. */
  function flush() {
    if (flushing) return;
    clearTimeout(flushTimer);
    if (!queue.length) return settle();
    var item = queue[0];
    var wait = item.due - Date.now();
    if (wait > 0) {
      flushTimer = setTimeout(flush, wait);
      return;
    }
    flushing = true;
    post(item.event, false).then(function (response) {
      var status = response.status;
      if (response.ok) return "done";
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) return "drop";
      return "retry";
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
      var at = queue.indexOf(item);
      if (at >= 0) queue.splice(at, 1);
      saveQueue();
      flush();
    });
  }

  function settle() {
    var waiting = drained;
    drained = [];
    waiting.forEach(function (resolve) { resolve(); });
  }

  /* Resolves when the queue is empty, or after ``limit`` ms, whichever comes first. */
  function drain(limit) {
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

  window.addEventListener("pagehide", flushOnExit);
  window.addEventListener("pageshow", function (event) {
    // back from a step through the page cache: start again where the address says
    if (event.persisted && state.phase === "leaving") window.location.reload();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && queue.length) flushOnExit();
  });
  window.addEventListener("online", function () {
    queue.forEach(function (item) { item.due = 0; });
    flush();
  });

  // --- manifests and captions ------------------------------------------------------------------

  var manifests = {};
  function loadManifest(language) {
    if (!manifests[language]) {
      var url = config.manifest.replace("{lang}", encodeURIComponent(language));
      manifests[language] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
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
  function ensureTrack(node) {
    if (!node.track) return Promise.resolve(node);
    if (!node.loading) {
      node.loading = fetch(node.track, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("track " + response.status);
          return response.json();
        })
        .then(function (data) {
          for (var key in data) node[key] = data[key];
          delete node.track;
          return node;
        });
      node.loading.catch(function () { delete node.loading; });
    }
    return node.loading;
  }

  var captionFiles = {};
  function loadCues(node) {
    if (node.cues) return Promise.resolve(node.cues); // a debtor's own, in the manifest
    var url = node.captions;
    if (!captionFiles[url]) {
      captionFiles[url] = fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("captions " + response.status);
          return response.text();
        })
        .then(parseVtt)
        .catch(function () {
          delete captionFiles[url];
          return []; // no captions is not a reason to stop the video
        });
    }
    return captionFiles[url];
  }

  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": "\u00a0", "&lrm;": "\u200e", "&rlm;": "\u200f", "&quot;": '"', "&#39;": "'" };
  var TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{2}\.\d{1,3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}\.\d{1,3})/;

  function parseVtt(text) {
    var cues = [];
    var blocks = String(text).replace(/^\ufeff/, "").replace(/\r\n?/g, "\n").split(/\n{2,}/);
    blocks.forEach(function (block) {
      var lines = block.split("\n");
      for (var i = 0; i < lines.length; i++) {
        var match = TIMING.exec(lines[i]);
        if (!match) continue;
        var body = lines.slice(i + 1).join("\n")
          .replace(/<[^>]*>/g, "")
          .replace(/&(amp|lt|gt|nbsp|lrm|rlm|quot|#39);/g, function (entity) { return ENTITIES[entity]; })
          .trim();
        if (body) cues.push({ start: seconds(match[1]), end: seconds(match[2]), text: body });
        break;
      }
    });
    return cues.sort(function (a, b) { return a.start - b.start; });
  }

  function seconds(stamp) {
    return stamp.split(":").reduce(function (total, part) { return total * 60 + parseFloat(part); }, 0);
  }

  function showCue() {
    var time = state.video.currentTime;
    var found = -1;
    for (var i = 0; i < state.cues.length; i++) {
      if (state.cues[i].start <= time && time < state.cues[i].end) { found = i; break; }
    }
    if (found !== state.cue) {
      state.cue = found;
      drawCaption();
    }
  }

  function drawCaption() {
    var cue = state.cues[state.cue];
    captionBox.textContent = "";
    if (!state.captions || !cue) return;
    var line = document.createElement("span");
    line.className = "cue";
    line.textContent = cue.text;
    captionBox.appendChild(line);
  }

  // --- the debtor's texts over a personal node's picture ----------------------------------------

  var overlayBox = byId("overlays");
  var overlays = []; // {element, start, end, fitted}

  /* One element per personal text of the node, hidden until its shot reaches it. */
  function drawOverlays(node) {
    overlayBox.textContent = "";
    overlays = [];
    var last = 0;
    (node.overlays || []).forEach(function (o) { last = Math.max(last, o.start); });
    (node.overlays || []).forEach(function (o) {
      var element = document.createElement("span");
      element.className = "overlay motion-" + o.motion + (o.align === "left" ? " is-left" : "");
      element.style.left = o.x * 100 + "%";
      element.style.top = o.y * 100 + "%";
      element.style.width = o.width * 100 + "%";
      element.style.height = o.height * 100 + "%";
      element.style.color = o.colour;
      element.style.fontWeight = o.bold ? "700" : "400";
      element.style.animationDelay = "0s";
      var text = document.createElement("span");
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

  function showOverlays() {
    if (!overlays || !overlays.length) return;
    var time = state.video ? state.video.currentTime : 0;
    var ended = state.phase === "choices" || state.phase === "ended";
    overlays.forEach(function (o) {
      var shown = ended ? o.end === Infinity : o.start <= time + 0.02 && time < o.end;
      if (shown === !o.element.classList.contains("is-shown")) {
        o.element.classList.toggle("is-shown", shown);
        if (shown && !o.fitted) fit(o);
      }
    });
  }

  /* A text longer than its place (a long name) is drawn smaller until it fits. */
  function fit(o) {
    var scale = 1;
    o.text.style.setProperty("--scale", "1");
    for (var i = 0; i < 8 && overflows(o); i++) {
      scale *= 0.88;
      o.text.style.setProperty("--scale", String(scale));
    }
    o.fitted = true;
  }

  function overflows(o) {
    var box = o.element;
    return o.text.scrollWidth > box.clientWidth + 1 || o.text.offsetHeight > box.clientHeight + 1;
  }

  function frameHeight() {
    overlayBox.style.setProperty("--frame", screen.clientHeight + "px");
    overlays.forEach(function (o) { o.fitted = false; if (o.element.classList.contains("is-shown")) fit(o); });
  }
  if (window.ResizeObserver) new ResizeObserver(frameHeight).observe(screen);
  else window.addEventListener("resize", frameHeight);
  frameHeight();

  var ticking = false;
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

  // --- the pool of segments: one <video> per segment that is on screen or may come next --------

  var pool = {}; // url -> <video>

  function videoFor(node) {
    var video = pool[node.video];
    if (video) return video;
    var initial = byId("video");
    if (initial && !initial.getAttribute("src") && !Object.keys(pool).length) {
      video = initial;
    } else {
      video = document.createElement("video");
      video.className = "segment";
      screen.insertBefore(video, statusBox);
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

  function watch(video) {
    var current = function () { return video === state.video; };
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

  /* Load every segment that may follow the current one: `next`, or every choice's target. */
  function preloadFollowing() {
    var node = state.manifest && state.manifest.nodes[state.node];
    if (!node || node.step) return;
    var manifest = state.manifest;
    following(node).forEach(function (id) {
      var target = manifest.nodes[id];
      if (!target) return;
      ensureTrack(target).then(function () {
        if (state.manifest !== manifest) return; // another language meanwhile
        videoFor(target);
        loadCues(target);
      }, function () { /* tried again when it is played */ });
    });
  }

  function following(node) {
    if (node.step) return [];
    if (node.next) return [node.next];
    return (node.choices || []).map(function (choice) { return choice.goto; });
  }

  /* Drop the segments that can no longer come next (another branch, another language). */
  function prune() {
    var keep = {};
    var node = state.manifest.nodes[state.node];
    keep[node.video] = true;
    following(node).forEach(function (id) {
      var target = state.manifest.nodes[id];
      if (target && target.video) keep[target.video] = true;
    });
    Object.keys(pool).forEach(function (url) {
      var video = pool[url];
      if (keep[url] || video === state.video || video.classList.contains("is-leaving")) return;
      discard(url);
    });
  }

  function discard(url) {
    var video = pool[url];
    delete pool[url];
    video.pause();
    video.removeAttribute("src");
    video.load(); // lets the browser release the decoder and the connection
    video.remove();
  }

  /* Calls back once the element paints a frame (requestVideoFrameCallback, else `playing`). */
  function onFrame(video, callback) {
    var done = false;
    var fire = function (_, metadata) {
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
  function timeSwitch(video, id, clickedAt, from) {
    var record = function (now, mediaTime) {
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
    var frames = 0;
    var next = function (_, metadata) {
      if (video !== state.video) return;
      if (metadata.mediaTime > from || ++frames > 10) record(performance.now(), metadata.mediaTime);
      else video.requestVideoFrameCallback(next);
    };
    video.requestVideoFrameCallback(next);
  }

  /* Put ``video`` on screen; the previous one stays on top until ``video`` paints. */
  function swapIn(video, playing) {
    var previous = state.video;
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
    var reveal = function () {
      if (!previous || previous === state.video || !previous.classList.contains("is-leaving")) return;
      previous.classList.remove("is-leaving");
      if (state.manifest) prune();
    };
    if (!playing && video.readyState >= 2) reveal();
    else onFrame(video, reveal);
    setTimeout(reveal, 1500); // never leave an old picture up for long
  }

  function whenReady(video) {
    if (video.readyState >= 1) return Promise.resolve();
    return new Promise(function (resolve) { video.addEventListener("loadedmetadata", resolve, { once: true }); });
  }

  /* Play a node's segment from ``at`` seconds; ``clickedAt`` times a branch switch. */
  function playNode(id, options) {
    options = options || {};
    var node = state.manifest.nodes[id];
    if (!node) return fail("node", "no node " + id);
    if (node.track) { // not prepared yet: fetch its track, then play it
      var waiting = ++state.run;
      setStatus(t("Loading…"));
      return ensureTrack(node).then(function () {
        if (waiting !== state.run) return;
        setStatus("");
        playNode(id, options);
      }, function (error) {
        if (waiting === state.run) fail("track", error);
      });
    }
    var run = ++state.run;
    if (!options.then) hideChoices();
    state.node = id;
    root.setAttribute("data-node", id);
    rememberPlace();
    var autoplay = options.autoplay !== false;
    var video = videoFor(node);
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
    var at = options.at || 0;
    var start = function () {
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
    var played = video.play();
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
    var node = state.manifest.nodes[state.node];
    send("segment_end", {}, { position: Math.round(durationOf(state.video, node) * 100) / 100 });
    state.cue = -1;
    drawCaption();
    if (node.step) return openStep(node);
    if (node.next && state.manifest.nodes[node.next]) return playNode(node.next);
    if (node.choices && node.choices.length) return showChoices(node);
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
    buttonsBox.textContent = "";
    node.choices.forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.setAttribute("data-goto", choice.goto);
      if (choice.icon) {
        var icon = document.createElement("img");
        icon.src = choice.icon;
        icon.alt = "";
        icon.width = 32;
        icon.height = 32;
        var badge = document.createElement("span");
        badge.className = "icon";
        badge.appendChild(icon);
        button.appendChild(badge);
      }
      var label = document.createElement("span");
      label.className = "label";
      label.textContent = choice.label;
      button.appendChild(label);
      button.addEventListener("click", function (event) { choose(choice, event); });
      buttonsBox.appendChild(button);
    });
    choicesTitle.textContent = t("Choose an option");
    choicesBox.hidden = false;
    preloadFollowing(); // if not already loading: the moment the choices appear at the latest
    moveFocus(choicesBox);
  }

  function hideChoices() {
    if (choicesBox.hidden) return;
    var hadFocus = choicesBox.contains(document.activeElement);
    choicesBox.hidden = true;
    buttonsBox.textContent = "";
    if (hadFocus) {
      playButton.hidden = false; // Pause, in a moment: the segment that was chosen plays
      playButton.focus({ preventScroll: true });
    }
  }

  function choose(choice, event) {
    if (state.phase !== "choices") return;
    var clickedAt = event && event.timeStamp > 0 ? event.timeStamp : performance.now();
    state.chosenAt = state.node;
    send("choice", { target: choice.goto });
    playNode(choice.goto, { clickedAt: clickedAt });
  }

  function showEnd() {
    setPhase("ended");
    moveFocus(replayButton);
  }

  /* Focus moves to what the debtor has to act on next, unless they are busy elsewhere. */
  function moveFocus(target) {
    var active = document.activeElement;
    if (active && (active === languageSelect || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
    target.focus({ preventScroll: true });
    if (target.scrollIntoView) {
      var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      target.scrollIntoView({ block: "nearest", behavior: reduce ? "auto" : "smooth" });
    }
  }

  // --- controls ---------------------------------------------------------------------------------

  playButton.addEventListener("click", function () {
    if (!state.manifest || state.phase === "error" || state.phase === "leaving") return;
    if (state.phase === "choices" || state.phase === "ended") return replay();
    var video = state.video;
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

  function replay() {
    if (!state.manifest || state.phase === "error" || state.phase === "leaving") return;
    var target = state.phase === "ended" ? state.manifest.start : state.node;
    send("replay", { target: target });
    playNode(target, { at: 0 });
  }
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

  function drawCaptionsButton() {
    captionsButton.setAttribute("aria-pressed", state.captions ? "true" : "false");
    captionsButton.textContent = t(state.captions ? "Captions on" : "Captions off");
    root.classList.toggle("no-captions", !state.captions);
  }

  languageSelect.addEventListener("change", function () { switchLanguage(languageSelect.value); });
  document.querySelectorAll(".languages a[hreflang]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button || !state.manifest) return;
      if (state.phase === "error" || state.phase === "leaving") return;
      event.preventDefault();
      switchLanguage(link.getAttribute("hreflang"));
    });
  });

  /* Another language at any moment: the same node, at the same point of the segment. */
  var switching = 0;
  function switchLanguage(language) {
    if (!state.manifest || language === state.language || state.phase === "leaving") return;
    if (state.phase === "error") return reload(language);
    var from = state.language;
    var mine = ++switching;
    setStatus(t("Loading…"));
    return loadManifest(language).then(function (manifest) {
      if (mine !== switching) return; // the debtor picked yet another language meanwhile
      if (state.phase === "leaving" || state.phase === "error") return;
      // the place is taken now, not at the click: the video went on while the manifest came
      var old = state.manifest.nodes[state.node];
      var length = durationOf(state.video, old);
      var fraction = length ? Math.min(1, state.video.currentTime / length) : 0;
      var phase = state.phase;
      var wasPlaying = phase === "playing";
      state.manifest = manifest;
      state.language = language;
      languageSelect.value = language;
      applyLanguage();
      send("language", { from: from, to: language });
      setStatus("");
      var node = manifest.nodes[state.node];
      if (!node) return playNode(manifest.start);
      if (phase === "choices" || phase === "ended") {
        // the segment is over: show its last picture in the new language, and the same buttons
        var focused = buttonsBox.querySelectorAll("button");
        var index = Array.prototype.indexOf.call(focused, document.activeElement);
        playNode(state.node, { at: node.duration, autoplay: false, then: function () {} });
        if (phase === "ended" || !node.choices || !node.choices.length) showEnd();
        else {
          showChoices(node);
          var buttons = buttonsBox.querySelectorAll("button");
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

  function reload(language) {
    var query = "?lang=" + encodeURIComponent(language);
    if (state.node) query += "&node=" + encodeURIComponent(state.node);
    window.location.assign(window.location.pathname + query);
  }

  /* The page's own words, <html lang>, and the links that carry the language. */
  function applyLanguage() {
    document.documentElement.lang = state.language;
    setPhase(state.phase);
    replayButton.textContent = t("Replay");
    drawCaptionsButton();
    if (languageLabel) languageLabel.textContent = t("Language");
    choicesTitle.textContent = t("Choose an option");
    var person = document.querySelector(".person > span");
    if (person && person.firstChild && person.firstChild.nodeType === 3) {
      person.firstChild.nodeValue = t("Talk to a person") + ": ";
    }
    document.querySelectorAll(".languages a[hreflang]").forEach(function (link) {
      if (link.getAttribute("hreflang") === state.language) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
    textLinks().forEach(function (link) { link.textContent = t("Text version"); });
    translatePage();
    rememberPlace();
  }

  /* The words the server wrote into the page once (footer, skip link, landmarks) follow the
   * language too: an element with data-i18n="<msgid>" gets its text from the manifest's
   * strings, one with data-i18n-label its aria-label; links that carry ?lang= carry the new one. */
  function translatePage() {
    var strings = (state.manifest && state.manifest.strings) || {};
    document.querySelectorAll("[data-i18n]").forEach(function (element) {
      var msgid = element.getAttribute("data-i18n");
      if (strings[msgid]) element.textContent = strings[msgid];
    });
    document.querySelectorAll("[data-i18n-label]").forEach(function (element) {
      var msgid = element.getAttribute("data-i18n-label");
      if (strings[msgid]) element.setAttribute("aria-label", strings[msgid]);
    });
    var title = strings["{creditor}: your payment"];
    if (title && config.creditor) document.title = title.replace("{creditor}", config.creditor);
    var skip = document.querySelector("a.skip");
    if (skip && strings["Skip to the content"]) skip.textContent = strings["Skip to the content"];
    var languages = document.querySelector("nav.languages");
    if (languages) languages.setAttribute("aria-label", t("Language"));
    document.querySelectorAll(".footer a[href*='lang=']").forEach(function (link) {
      var href = link.getAttribute("href");
      link.setAttribute("href", href.replace(/([?&]lang=)[^&#]*/, "$1" + encodeURIComponent(state.language)));
    });
  }

  function textLinks() {
    return Array.prototype.filter.call(document.querySelectorAll(".footer a[href]"), function (link) {
      return link.getAttribute("href").indexOf(textPath()) === 0;
    });
  }

  function textPath() {
    return config.text.split("?")[0];
  }

  function textLink() {
    var link = textPath() + "?lang=" + encodeURIComponent(state.language);
    return state.node ? link + "&node=" + encodeURIComponent(state.node) : link;
  }

  /* A reload (or coming back) starts where the debtor is, in their language. */
  function rememberPlace(node) {
    textLinks().forEach(function (link) { link.setAttribute("href", textLink()); });
    if (!window.history || !window.history.replaceState) return;
    node = node || state.node;
    var query = "?lang=" + encodeURIComponent(state.language);
    if (node) query += "&node=" + encodeURIComponent(node);
    try {
      window.history.replaceState(window.history.state, "", window.location.pathname + query);
    } catch (e) { /* not allowed: nothing lost */ }
  }

  // --- when the video cannot play -----------------------------------------------------------------

  function fail(reason, detail) {
    if (state.phase === "error") return;
    setPhase("error");
    setStatus("");
    Object.keys(pool).forEach(function (url) { pool[url].pause(); });
    send("error", { reason: String(reason).slice(0, 50), detail: String(detail || "").slice(0, 200) });
    var box = document.createElement("div");
    box.className = "player-error";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    var message = document.createElement("p");
    message.textContent = t("The video could not be loaded. Use the text version or call us.");
    box.appendChild(message);
    var links = document.createElement("p");
    links.className = "ways";
    var text = document.createElement("a");
    text.className = "big button";
    text.href = textLink();
    text.textContent = t("Text version");
    links.appendChild(text);
    var person = document.querySelector("a.person");
    if (person) {
      var call = document.createElement("a");
      call.className = "big button";
      call.href = person.getAttribute("href");
      call.textContent = person.textContent.replace(/\s+/g, " ").trim();
      links.appendChild(call);
    }
    box.appendChild(links);
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
      var first = manifest.nodes[config.start] ? config.start : manifest.start;
      state.node = first;
      send("open", { start: first });
      playNode(first, { first: true });
    }, function (error) {
      fail("manifest", error);
    });
  }

  start();
})();
