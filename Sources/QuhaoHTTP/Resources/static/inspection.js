// The inspection page: the checklist kept on the phone while it is filled in (a kitchen without
// signal, a reload, a photo upload), sent once with a one-time key when the connection is back;
// the unit's signature drawn at check-out. Without JavaScript the forms post as they are.
(function () {
  "use strict";

  function randomKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---- The checklist draft ----
  var form = document.getElementById("record");
  if (form && window.localStorage) {
    var key = form.getAttribute("data-draft");
    var status = document.getElementById("draft-status");
    var submission = form.querySelector("input[name=submission]");
    var sending = false;

    function say(text) {
      if (!status) return;
      status.textContent = text;
      status.hidden = !text;
    }
    function load() {
      try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
    }
    function fields() {
      var values = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "file" || el.name === "submission") return;
        if (el.type === "radio") { if (el.checked) values[el.name] = el.value; }
        else if (el.type === "checkbox") { values[el.name] = el.checked ? el.value : ""; }
        else values[el.name] = el.value;
      });
      return values;
    }
    function save(pending) {
      var draft = { submission: submission.value, fields: fields(), pending: !!pending };
      localStorage.setItem(key, JSON.stringify(draft));
    }
    function restore(draft) {
      var restored = false;
      Object.keys(draft.fields || {}).forEach(function (name) {
        var value = draft.fields[name];
        Array.prototype.forEach.call(form.elements, function (el) {
          if (el.name !== name) return;
          if (el.type === "radio") { if (el.value === value && !el.checked) { el.checked = true; restored = true; } }
          else if (el.type === "checkbox") { el.checked = value === el.value; }
          else if (el.type !== "file" && value && el.value !== value) { el.value = value; restored = true; }
        });
      });
      return restored;
    }

    var draft = load();
    submission.value = (draft && draft.submission) || randomKey();
    if (draft && restore(draft)) say(form.getAttribute("data-restored"));
    save(draft && draft.pending);

    form.addEventListener("change", function () { save(false); });
    form.addEventListener("input", function () { save(false); });

    function send() {
      if (sending) return;
      sending = true;
      save(true);
      say(form.getAttribute("data-sending"));
      var body = new URLSearchParams(new FormData(form));
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin", redirect: "follow" })
        .then(function (response) {
          sending = false;
          // Answered (recorded, or refused with the reason on the page the answer leads to).
          if (response.ok) localStorage.removeItem(key);
          else save(false);
          window.location.href = response.url;
        })
        .catch(function () {
          // No connection: kept here, sent again when the phone is back online.
          sending = false;
          say(form.getAttribute("data-saved"));
        });
    }

    form.addEventListener("submit", function (event) {
      if (!form.checkValidity()) return;
      event.preventDefault();
      send();
    });
    window.addEventListener("online", function () { var d = load(); if (d && d.pending) send(); });
    window.setInterval(function () { var d = load(); if (d && d.pending && navigator.onLine !== false) send(); }, 15000);
    if (draft && draft.pending && navigator.onLine !== false) send();
  }

  // ---- The signature at check-out ----
  var checkOut = document.getElementById("check-out");
  var pad = document.getElementById("signature-pad");
  if (checkOut && pad && pad.getContext) {
    var clear = document.getElementById("signature-clear");
    var ctx = pad.getContext("2d");
    var drawn = false;
    var last = null;
    pad.hidden = false;
    clear.hidden = false;
    function blank() {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, pad.width, pad.height);
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      drawn = false;
    }
    function at(event) {
      var box = pad.getBoundingClientRect();
      return { x: (event.clientX - box.left) * pad.width / box.width, y: (event.clientY - box.top) * pad.height / box.height };
    }
    blank();
    pad.style.touchAction = "none";
    pad.addEventListener("pointerdown", function (event) { last = at(event); pad.setPointerCapture(event.pointerId); });
    pad.addEventListener("pointermove", function (event) {
      if (!last) return;
      var point = at(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(point.x, point.y);
      ctx.stroke();
      last = point;
      drawn = true;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) { pad.addEventListener(name, function () { last = null; }); });
    clear.addEventListener("click", blank);
    checkOut.addEventListener("submit", function (event) {
      if (!drawn) return;
      event.preventDefault();
      pad.toBlob(function (blob) {
        var data = new FormData(checkOut);
        data.append("signature", blob, "signature.png");
        fetch(checkOut.action, { method: "POST", body: data, credentials: "same-origin", redirect: "follow" })
          .then(function (response) { window.location.href = response.url; })
          .catch(function () { checkOut.submit(); });
      }, "image/png");
    });
  }
})();
