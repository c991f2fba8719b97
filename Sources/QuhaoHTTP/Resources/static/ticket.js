// My-ticket page: long-polls the ticket, updates the page, and when the number is called shows
// 「请到 N 号窗口」 full screen with vibration and a chime where the browser allows.
(function () {
  "use strict";
  var t = JSON.parse(document.getElementById("strings").textContent);
  var body = document.body;
  var token = body.dataset.token;
  var etag = body.dataset.etag || null;
  var lastCall = null;
  var failures = 0;
  var audio = null;

  function $(id) { return document.getElementById(id); }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] !== undefined ? values[key] : ""; });
  }
  function show(id, text) {
    var el = $(id);
    if (text) { el.textContent = text; el.hidden = false; } else { el.hidden = true; }
  }

  function chime() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.35].forEach(function (offset, i) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = i ? 660 : 880;
        gain.gain.setValueAtTime(0.25, audio.currentTime + offset);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + offset + 0.3);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + offset); osc.stop(audio.currentTime + offset + 0.32);
      });
    } catch (e) { /* no sound: the screen still says it */ }
  }

  function render(ticket) {
    $("number").textContent = ticket.number;
    $("service").textContent = t.lang === "en" && ticket.service_name_en ? ticket.service_name_en : ticket.service_name;
    $("state").textContent = t["state_" + ticket.state] || ticket.state;
    var waiting = ticket.state === "waiting" || ticket.state === "remote";
    var ahead = ticket.people_ahead;
    // A remote number is passed over until it checks in: say where it will stand then.
    var remote = ticket.state === "remote";
    show("ahead", waiting && ahead !== undefined
      ? (ahead === 0 ? (remote ? t.remote_next : t.next) : fill(remote ? t.remote_ahead : t.ahead, { n: ahead })) : "");
    show("wait", waiting && ahead > 0 && ticket.estimated_wait_seconds !== undefined
      ? fill(t.wait, { minutes: Math.max(1, Math.ceil(ticket.estimated_wait_seconds / 60)) }) : "");
    $("note").hidden = !waiting;
    $("remote").hidden = !ticket.can_check_in;
    if ($("cancel-form")) $("cancel-form").hidden = !ticket.can_cancel;
    $("rating-form").hidden = !ticket.can_rate;
    show("rated", ticket.rating ? fill(t.rated, { label: t["rate_" + ticket.rating] }) : "");
    var called = ticket.state === "called" && ticket.counter;
    if (called) {
      // The same key as the page's own (window, recalls, call time in seconds): a recall is a new call.
      var key = ticket.counter + "-" + ticket.recall_count + "-" + Math.floor(Date.parse(ticket.called_at) / 1000);
      $("called-text").textContent = fill(t.called, { number: ticket.number, counter: ticket.counter });
      if (key !== lastCall) {
        lastCall = key;
        showCall(true);
        if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 400]);
        chime();
      }
    } else {
      showCall(false);
    }
    if (ticket.state === "serving") $("state").textContent = fill(t.serving, { counter: ticket.counter });
  }

  // The call covers the page: the page behind is inert (no focus, no reading) and the focus goes
  // to the dialog's button, so a screen reader announces the call at once.
  function showCall(visible) {
    var dialog = $("called");
    if (dialog.hidden === !visible) return;
    dialog.hidden = !visible;
    $("page").inert = visible;
    document.querySelector("header.bar").inert = visible;
    if (visible) $("dismiss").focus();
  }

  function poll() {
    var headers = {};
    if (etag) headers["If-None-Match"] = etag;
    // After a failure, ask without waiting so a recovered connection shows at once.
    var wait = failures > 0 ? 0 : 25;
    fetch("/api/v1/tickets/" + token + "?wait=" + wait, { headers: headers, cache: "no-store" })
      .then(function (response) {
        if (response.status === 304) return null;
        if (!response.ok) throw new Error("HTTP " + response.status);
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (ticket) {
        failures = 0;
        $("offline").hidden = true;
        if (ticket) render(ticket);
        setTimeout(poll, 50);
      })
      .catch(function () {
        failures += 1;
        $("offline").hidden = false;
        // Back off, but never give up: the page must recover by itself.
        setTimeout(poll, Math.min(10000, 500 * Math.pow(2, Math.min(failures, 5))));
      });
  }

  // Without this script 「知道了」 is a form that reloads the page with the call marked seen.
  $("dismiss-form").addEventListener("submit", function (event) {
    event.preventDefault();
    showCall(false);
    $("number").focus();
  });
  var cancelForm = $("cancel-form");
  if (cancelForm) {
    cancelForm.addEventListener("submit", function (event) {
      if (window.confirm(t.cancel_confirm)) $("cancel-confirmed").value = "yes";
      else event.preventDefault();
    });
  }
  document.addEventListener("click", function once() {
    // Browsers only allow sound after a tap; unlock it on the first one.
    try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); audio.resume(); } catch (e) {}
    document.removeEventListener("click", once);
  });
  // The call the page was rendered with is not announced again (it was shown, or marked seen).
  lastCall = body.dataset.call || null;
  $("number").tabIndex = -1;
  poll();
})();
