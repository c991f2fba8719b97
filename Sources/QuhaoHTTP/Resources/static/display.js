// The hall TV: long-polls the public board, shows each new call large for a few seconds and
// announces it (chime, then speech), keeps the take-a-number QR current, and recovers from a
// lost connection by itself: it never needs F5.
(function () {
  "use strict";
  var t = JSON.parse(document.getElementById("strings").textContent);
  var site = document.body.dataset.site;
  var key = document.body.dataset.key || "";
  var lang = t.lang || "zh-CN";
  var etag = null;
  var known = null;          // keys of calls already shown (null until the first board)
  var zone = undefined;
  var failures = 0;
  var soundOn = false;
  var queue = [];
  var speaking = false;
  var flashTimer = null;
  // What the page announced, for tests and for anyone debugging a silent hall.
  var state = window.quhaoDisplay = { announced: [], polls: 0, offline: false, board: null };

  function $(id) { return document.getElementById(id); }
  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (_, key) { return values[key] !== undefined ? values[key] : ""; });
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function callKey(call) { return call.id; }
  function windowName(counter) { return fill(t.window_n, { n: counter }); }

  // ---- the board -------------------------------------------------------------------------

  function render(board) {
    state.board = board;
    zone = board.site.time_zone;
    var en = lang === "en";

    var windows = $("windows");
    windows.textContent = "";
    board.counters.forEach(function (counter) {
      var item = el("li");
      var label = (en ? counter.name_en : counter.name) || "";
      var name = el("span", "name", windowName(counter.id));
      if (label) name.appendChild(el("span", "label", label));
      item.appendChild(name);
      var current;
      if (counter.current) {
        item.className = counter.current_state || "called";
        current = counter.current;
      } else if (counter.paused) {
        item.className = "paused";
        current = t.paused;
      } else {
        item.className = "free";
        current = t.free;
      }
      item.appendChild(el("span", "current", current));
      item.dataset.counter = counter.id;
      windows.appendChild(item);
    });

    var recent = $("recent");
    recent.textContent = "";
    board.recent_calls.slice(0, 8).forEach(function (call) {
      var item = el("li", call.recall ? "recall" : "");
      item.appendChild(el("span", "number", call.number));
      item.appendChild(el("span", "where", windowName(call.counter)));
      recent.appendChild(item);
    });

    var waiting = $("waiting");
    waiting.textContent = "";
    waiting.className = board.services.length > 8 ? "many" : "";
    board.services.forEach(function (service) {
      var item = el("li", service.open ? "" : "closed");
      var name = el("span", "name");
      name.appendChild(el("span", "prefix", service.prefix));
      name.appendChild(document.createTextNode((en ? service.name_en : service.name) || service.name));
      item.appendChild(name);
      item.appendChild(el("span", "count", service.open ? fill(t.waiting_n, { n: service.waiting + service.remote }) : t.closed));
      waiting.appendChild(item);
    });

    var calls = board.recent_calls;
    var fresh = [];
    if (known !== null) {
      calls.forEach(function (call) { if (!known[callKey(call)]) fresh.push(call); });
    }
    // Only what the board still lists is remembered: a page left open all day stays small.
    known = {};
    calls.forEach(function (call) { known[callKey(call)] = true; });
    showLatest(calls[0], fresh.length > 0);
    // Oldest first: two calls between polls are announced in the order they were made.
    fresh.reverse().forEach(announce);
  }

  function showLatest(call, isNew) {
    if (!call) return;
    $("latest-number").textContent = call.number;
    $("latest-window").textContent = windowName(call.counter);
    $("latest-text").textContent = call.text;
    $("latest-recall").hidden = !call.recall;
    if (isNew) {
      var latest = $("latest");
      latest.classList.remove("flash");
      void latest.offsetWidth; // restart the animation
      latest.classList.add("flash");
      clearTimeout(flashTimer);
      flashTimer = setTimeout(function () { latest.classList.remove("flash"); }, 8000);
    }
  }

  function offline(lost) {
    state.offline = lost;
    $("offline").hidden = !lost;
  }

  function poll() {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, 40000);
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch("/api/v1/sites/" + encodeURIComponent(site) + "/board?wait=25", {
      headers: headers, cache: "no-store", signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      if (response.status === 304) return null;
      if (!response.ok) throw new Error("status " + response.status);
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (board) {
      state.polls += 1;
      failures = 0;
      offline(false);
      if (board) render(board);
      setTimeout(poll, 50);
    }).catch(function () {
      clearTimeout(timer);
      failures += 1;
      offline(true);
      // 1, 2, 4, 8 s, then every 10 s, until the daemon answers again.
      setTimeout(poll, Math.min(10000, 1000 * Math.pow(2, failures - 1)));
    });
  }

  // ---- the clock -------------------------------------------------------------------------

  function tick() {
    var now = new Date();
    try {
      $("clock-time").textContent = new Intl.DateTimeFormat(lang, {
        timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false
      }).format(now);
      $("clock-date").textContent = new Intl.DateTimeFormat(lang, {
        timeZone: zone, year: "numeric", month: "long", day: "numeric", weekday: "long"
      }).format(now);
    } catch (e) {
      $("clock-time").textContent = now.toTimeString().slice(0, 8);
    }
  }

  // ---- the take-a-number QR ----------------------------------------------------------------

  function loadQR() {
    fetch("/display/" + encodeURIComponent(site) + "/hall-code?key=" + encodeURIComponent(key), { cache: "no-store" })
      .then(function (response) {
        if (response.status === 403) {
          $("qr").hidden = true;
          $("qr-missing").hidden = false;
          setTimeout(loadQR, 60000);
          return null;
        }
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      }).then(function (code) {
        if (!code) return;
        $("qr").innerHTML = code.svg;
        $("qr").hidden = false;
        $("qr").dataset.url = code.url;
        $("qr-missing").hidden = true;
        // Ask again just after the code rotates: the shown code is always the current one or
        // the previous one, and the previous one is still accepted.
        setTimeout(loadQR, (code.refresh_in + 1) * 1000);
      }).catch(function () { setTimeout(loadQR, 5000); });
  }

  // ---- sound -------------------------------------------------------------------------------

  function voiceFor(language) {
    if (!window.speechSynthesis) return null;
    var voices = window.speechSynthesis.getVoices() || [];
    var want = language === "en" ? /^en/i : /^(zh|cmn)/i;
    var best = null;
    voices.forEach(function (voice) {
      if (want.test(voice.lang) && (!best || /CN/i.test(voice.lang))) best = voice;
    });
    return best;
  }

  function announce(call) {
    var language = state.board ? state.board.site.announce_language : "zh";
    var voice = voiceFor(language);
    var entry = { number: call.number, counter: call.counter, recall: call.recall, spoken: call.spoken,
                  via: voice ? "browser" : "daemon", played: soundOn };
    state.announced.push(entry);
    if (!soundOn) return;
    queue.push({ call: call, voice: voice, entry: entry });
    next();
  }

  function play(url, done) {
    var audio = new Audio(url);
    var finished = false;
    function end() { if (!finished) { finished = true; done(); } }
    audio.onended = end;
    audio.onerror = end;
    setTimeout(end, 15000);
    var started = audio.play();
    if (started && started.catch) started.catch(end);
  }

  function next() {
    if (speaking || !queue.length) return;
    speaking = true;
    var item = queue.shift();
    var base = "/display/" + encodeURIComponent(site);
    function finish() { speaking = false; setTimeout(next, 400); }
    play(base + "/chime.wav", function () {
      if (item.voice) {
        var utterance = new SpeechSynthesisUtterance(item.call.spoken);
        utterance.voice = item.voice;
        utterance.lang = item.voice.lang;
        utterance.rate = 0.9;
        utterance.onend = finish;
        utterance.onerror = finish;
        window.speechSynthesis.speak(utterance);
      } else {
        // The daemon's own voice (espeak-ng by default); a 503 there means chime only.
        play(base + "/speech.wav?number=" + encodeURIComponent(item.call.number) + "&counter=" + item.call.counter, finish);
      }
    });
  }

  function enableSound() {
    if (soundOn) return;
    soundOn = true;
    $("sound").hidden = true;
    // Browsers allow sound only after a click: play something now to unlock later playback.
    var unlock = new Audio("/display/" + encodeURIComponent(site) + "/chime.wav");
    unlock.volume = 0;
    var started = unlock.play();
    if (started && started.catch) started.catch(function () {});
    if (window.speechSynthesis) {
      window.speechSynthesis.getVoices();
      window.speechSynthesis.speak(new SpeechSynthesisUtterance(""));
    }
  }

  document.addEventListener("click", enableSound);
  document.addEventListener("keydown", enableSound);
  // A hall TV has no mouse: where the browser allows sound without a click (Chromium started with
  // --autoplay-policy=no-user-gesture-required, as the README's kiosk line does), turn it on now.
  (function tryAutoplay() {
    var probe = new Audio("/display/" + encodeURIComponent(site) + "/chime.wav");
    probe.volume = 0;
    var started = probe.play();
    if (started && started.then) started.then(enableSound, function () {});
  })();
  if (window.speechSynthesis && window.speechSynthesis.addEventListener) {
    window.speechSynthesis.addEventListener("voiceschanged", function () {});
  }

  tick();
  setInterval(tick, 1000);
  loadQR();
  poll();
})();
