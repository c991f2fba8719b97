// Take-a-number page: show the fields the chosen business needs and check them as they are typed.
// The server checks everything again; this only saves a round trip.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var t = JSON.parse(document.getElementById("strings").textContent);
  var form = document.getElementById("take");
  // This phone already holds a number here: the page shows it instead of the form.
  if (!form) return;
  var identity = document.getElementById("identity");
  var phone = document.getElementById("phone");
  // Text reminders need the phone, whatever the business type asks.
  var sms = document.getElementById("notify-sms");
  function phoneNeed(choice) {
    var need = choice ? choice.dataset.phone : "none";
    return sms && sms.checked ? "required" : need;
  }

  var USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  var ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83];
  // GB 32100 registration department + organisation type pairs (positions 1–2).
  var USCC_KINDS = "11 12 13 19 21 29 31 32 33 34 35 39 41 49 51 52 53 59 61 62 69 71 72 79 81 89 91 92 93 A1 A9 N1 N2 N3 N9 Y1".split(" ");

  // As people type: full-width forms to ASCII, no spaces, hyphens or dashes, upper case.
  function compact(raw) {
    return raw.replace(/[\uFF01-\uFF5E]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/[\s\u3000\-\u2010-\u2015\u2212\u30FB\u00B7]/g, "").toUpperCase();
  }

  // An ID-shaped text that is no valid ID is a USCC only if it opens like one.
  function opensLikeUSCC(code) {
    if (USCC_KINDS.indexOf(code.slice(0, 2)) < 0 || !/^[0-9]{6}$/.test(code.slice(2, 8))) return false;
    return PROVINCES.indexOf(parseInt(code.slice(2, 4), 10)) >= 0;
  }

  function checkUSCC(code) {
    if (code.length !== 18) return t.uscc_length;
    var sum = 0;
    for (var i = 0; i < 17; i++) {
      var v = USCC.indexOf(code[i]);
      if (v < 0) return t.uscc_alphabet;
      sum += v * USCC_WEIGHTS[i];
    }
    if (!/^[0-9A-Z]{2}[0-9]{6}/.test(code)) return t.uscc_shape;
    return USCC[(31 - (sum % 31)) % 31] === code[17] ? null : t.uscc_checksum;
  }

  function checkID(code) {
    if (!/^[0-9]{17}[0-9X]$/.test(code)) return t.id_shape;
    if (PROVINCES.indexOf(parseInt(code.slice(0, 2), 10)) < 0) return t.id_region;
    var y = +code.slice(6, 10), m = +code.slice(10, 12), d = +code.slice(12, 14);
    var born = new Date(Date.UTC(y, m - 1, d));
    if (y < 1850 || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d || born > new Date()) return t.id_birth;
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (+code[i]) * ID_WEIGHTS[i];
    return "10X98765432"[sum % 11] === code[17] ? null : t.id_checksum;
  }

  function normalizedPhone(raw) {
    var p = compact(raw);
    if (p.indexOf("+86") === 0) p = p.slice(3);
    else if (p.indexOf("0086") === 0 && p.length === 15) p = p.slice(4);
    else if (p.indexOf("86") === 0 && p.length === 13) p = p.slice(2);
    return p;
  }

  function selected() { return form.querySelector("input[name=service]:checked"); }

  function mark(field, message, ok) {
    var box = document.getElementById(field + "-field");
    var status = document.getElementById(field + "-status");
    box.classList.toggle("bad", !!message);
    box.classList.toggle("good", !message && ok);
    status.textContent = message || (ok ? t.valid : "");
  }

  function validateIdentity(final) {
    var choice = selected();
    var need = choice ? choice.dataset.identity : "none";
    var code = compact(identity.value);
    if (need === "none") return true;
    if (!code) { mark("identity", final ? t.identity_required : "", false); return !final; }
    if (!final && code.length < 18) { mark("identity", "", false); return true; }
    var message;
    if (need === "uscc") message = checkUSCC(code);
    else if (need === "resident_id") message = checkID(code);
    else if (code.length !== 18) message = t.either_length;
    else if (/^[0-9]{17}[0-9X]$/.test(code)) message = checkID(code) && (!opensLikeUSCC(code) || checkUSCC(code)) ? checkID(code) : null;
    else message = checkUSCC(code);
    mark("identity", message, !message);
    return !message;
  }

  function validatePhone(final) {
    var need = phoneNeed(selected());
    var p = normalizedPhone(phone.value);
    if (need === "none") return true;
    // Asked for by the reminder (not the business type): said so.
    var byReminder = sms && sms.checked && (selected() ? selected().dataset.phone : "none") !== "required";
    if (!p) { mark("phone", need === "required" && final ? (byReminder ? t.phone_required_notice : t.phone_required) : "", false); return need !== "required" || !final; }
    if (!final && p.length < 11) { mark("phone", "", false); return true; }
    var ok = /^1[3-9][0-9]{9}$/.test(p);
    mark("phone", ok ? null : t.phone_format, ok);
    return ok;
  }

  function arrange() {
    var choice = selected();
    var need = choice ? choice.dataset.identity : "none";
    var needPhone = phoneNeed(choice);
    document.getElementById("identity-field").classList.toggle("unused", need === "none");
    document.getElementById("phone-field").classList.toggle("unused", needPhone === "none");
    document.getElementById("identity-label").textContent = t["identity_" + need] || t.identity_either;
    document.getElementById("phone-label").textContent = needPhone === "required" ? t.phone : t.phone_optional;
    identity.required = need !== "none";
    phone.required = needPhone === "required";
    if (identity.value) validateIdentity(false);
    if (phone.value) validatePhone(false);
    // What this business type's reminders are (one type may send only the call).
    if (sms && choice && choice.dataset.sms) document.getElementById("notify-label").textContent = choice.dataset.sms;
  }

  form.addEventListener("change", function (event) { if (event.target.name === "service" || event.target.name === "notify") arrange(); });
  identity.addEventListener("input", function () { validateIdentity(false); });
  identity.addEventListener("blur", function () { if (identity.value) validateIdentity(true); });
  phone.addEventListener("input", function () { validatePhone(false); });
  phone.addEventListener("blur", function () { if (phone.value) validatePhone(true); });
  form.addEventListener("submit", function (event) {
    var okIdentity = validateIdentity(true), okPhone = validatePhone(true);
    if (!selected() || !okIdentity || !okPhone) {
      event.preventDefault();
      (selected() ? (okIdentity ? phone : identity) : form.querySelector("input[name=service]:not([disabled])")).focus();
      return;
    }
    document.getElementById("submit").disabled = true;
  });
  arrange();
})();
