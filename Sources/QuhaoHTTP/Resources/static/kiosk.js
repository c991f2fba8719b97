// The hall kiosk: an on-screen keypad (no system keyboard on a touch screen), and back to the
// first screen after a short idle time, so the next visitor never sees the last one's number.
(function () {
  "use strict";
  var body = document.body;
  var home = body.dataset.home;
  var idle = (parseInt(body.dataset.idle, 10) || 45) * 1000;
  var reset = parseInt(body.dataset.reset, 10);

  function goHome() { location.replace(home); }

  // A page restored from the back/forward cache is never shown again.
  window.addEventListener("pageshow", function (event) { if (event.persisted) goHome(); });

  if (home) {
    if (reset > 0) {
      // The number's page: a countdown, then the first screen.
      var left = reset;
      var countdown = document.getElementById("countdown");
      var t = JSON.parse(document.getElementById("strings").textContent);
      setInterval(function () {
        left -= 1;
        if (left <= 0) goHome();
        else if (countdown) countdown.textContent = (t.kiosk_reset_in || "").replace("{n}", left);
      }, 1000);
    } else if (document.getElementById("kiosk-form") || document.getElementById("error") || body.classList.contains("green-mode")) {
      // Anywhere but the plain first screen: back to it after `idle` without a touch.
      var timer = setTimeout(goHome, idle);
      ["pointerdown", "keydown", "input"].forEach(function (name) {
        document.addEventListener(name, function () { clearTimeout(timer); timer = setTimeout(goHome, idle); }, true);
      });
    }
  }

  var form = document.getElementById("kiosk-form");
  if (!form) return;
  var fields = Array.prototype.slice.call(form.querySelectorAll("input.keyed"));
  var keypad = document.getElementById("keypad");
  var letters = document.getElementById("letters");
  var active = null;

  function activate(field) {
    active = field;
    fields.forEach(function (f) { f.classList.toggle("active", f === field); });
    if (letters) letters.hidden = field.dataset.keys !== "letters";
  }

  fields.forEach(function (field) {
    // The keypad types; the system keyboard stays away.
    field.readOnly = true;
    field.setAttribute("inputmode", "none");
    field.addEventListener("pointerdown", function () { activate(field); });
    field.addEventListener("focus", function () { activate(field); });
  });
  if (fields.length) {
    keypad.hidden = false;
    activate(fields.filter(function (f) { return !f.value; })[0] || fields[0]);
  }

  keypad.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !active) return;
    var max = parseInt(active.getAttribute("maxlength"), 10) || 32;
    if (button.dataset.key && active.value.length < max) active.value += button.dataset.key;
    else if (button.dataset.action === "delete") active.value = active.value.slice(0, -1);
    else if (button.dataset.action === "clear") active.value = "";
    // A field full: on to the next empty one.
    if (button.dataset.key && active.value.length >= max) {
      var next = fields.filter(function (f) { return !f.value; })[0];
      if (next) activate(next);
    }
  });

  form.addEventListener("submit", function () { document.getElementById("submit").disabled = true; });
})();
