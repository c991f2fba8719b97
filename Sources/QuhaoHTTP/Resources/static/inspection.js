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

  // ---- Photos taken without signal ----
  // Kept in the phone's IndexedDB (the files themselves) and uploaded when the connection is back,
  // before the checklist is sent, so they are on the record. A photo sent twice to an item is kept
  // once by the server (by its SHA-256), so a resend after a lost answer adds nothing.
  var photoStatus = document.getElementById("photo-status");
  var photoStore = null;
  function photoDB() {
    if (!window.indexedDB) return Promise.reject(new Error("no IndexedDB"));
    if (!photoStore) {
      photoStore = new Promise(function (resolve, reject) {
        var open = indexedDB.open("quhao-photos", 1);
        open.onupgradeneeded = function () { open.result.createObjectStore("pending", { keyPath: "id" }); };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return photoStore;
  }
  function photoRequest(mode, work) {
    return photoDB().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("pending", mode);
        var request = work(tx.objectStore("pending"));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function sayPhotos(text) {
    if (!photoStatus) return;
    photoStatus.textContent = text;
    photoStatus.hidden = !text;
  }
  function showPending() {
    return photoRequest("readonly", function (store) { return store.getAll(); }).then(function (all) {
      var count = all.reduce(function (sum, record) { return sum + record.files.length; }, 0);
      if (photoStatus && count) sayPhotos(photoStatus.getAttribute("data-saved").replace("{count}", count));
      return count;
    }, function () { return 0; });
  }
  function upload(action, item, files) {
    var data = new FormData();
    data.append("item", item);
    files.forEach(function (file) { data.append("photos", file, file.name || "photo"); });
    return fetch(action, { method: "POST", body: data, credentials: "same-origin", redirect: "follow" });
  }
  // Uploads what waits, in order; stops at the first lost connection. Resolves to how many were
  // uploaded (a refusal is dropped and said: the same file would be refused again).
  function flushPhotos() {
    return photoRequest("readonly", function (store) { return store.getAll(); }).then(function (all) {
      var sent = 0;
      return all.reduce(function (chain, record) {
        return chain.then(function (online) {
          if (!online) return false;
          return upload(record.action, record.item, record.files).then(function (response) {
            if (response.ok) sent += 1;
            else if (photoStatus) sayPhotos(photoStatus.getAttribute("data-refused").replace("{reason}", response.status));
            return photoRequest("readwrite", function (store) { return store.delete(record.id); }).then(function () { return true; });
          }, function () { return false; });
        });
      }, Promise.resolve(true)).then(function () { return sent; });
    }, function () { return 0; });
  }
  Array.prototype.forEach.call(document.querySelectorAll("form.photo-form"), function (photoForm) {
    photoForm.addEventListener("submit", function (event) {
      var input = photoForm.elements.namedItem("photos");
      var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
      if (!files.length || !window.fetch) return;
      event.preventDefault();
      var item = photoForm.elements.namedItem("item").value;
      upload(photoForm.action, item, files)
        .then(function (response) {
          // Back to the item (the answer's address carries no fragment; the same page is reloaded).
          if (response.url === window.location.href.split("#")[0]) {
            window.location.hash = "item-" + item;
            window.location.reload();
          } else {
            window.location.href = response.url + "#item-" + item;
          }
        })
        .catch(function () {
          var record = { id: randomKey(), action: photoForm.action, item: item, files: files };
          photoRequest("readwrite", function (store) { return store.put(record); })
            .then(function () { input.value = ""; return showPending(); })
            .catch(function () { photoForm.submit(); });
        });
    });
  });
  var photosShown = showPending();

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
    // Back online: the photos first (they belong on the record), then the checklist.
    function resume() {
      if (sending) return;
      flushPhotos().then(function (uploaded) {
        var d = load();
        if (d && d.pending) send();
        else if (uploaded) window.location.reload();
      });
    }
    window.addEventListener("online", resume);
    window.setInterval(function () { if (navigator.onLine !== false) photosShown.then(function () { resume(); }); }, 15000);
    if (navigator.onLine !== false) photosShown.then(function (count) { var d = load(); if (count || (d && d.pending)) resume(); });
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
