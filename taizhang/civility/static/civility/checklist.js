/*
 * The inspector's checklist (实地测评) on a phone, offline between opening and submitting.
 * - A service worker (/civility/sw.js) keeps this page and the static files, so it opens without a signal.
 * - Answers, notes and photos (downscaled JPEG data URLs, taken time and position) are kept in IndexedDB as a
 *   draft while the inspector works; on submit the draft moves to an outbox and is sent as soon as the network
 *   answers. The server accepts each submission once (the UUID made here), so retries are harmless.
 */
(function () {
  "use strict";
  var root = document.getElementById("cv-checklist");
  if (!root) { return; }
  var siteId = root.getAttribute("data-site");
  var roundId = root.getAttribute("data-round") || "";
  var submitUrl = root.getAttribute("data-submit-url");
  var swUrl = root.getAttribute("data-sw-url");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var statusEl = document.getElementById("cv-status");
  var outboxEl = document.getElementById("cv-outbox");
  var form = document.getElementById("cv-form");
  var CACHE = "tz-civility-v3";  // the service worker's cache (sw.js)
  var MAX_SIDE = 1600;
  var draftKey = "site-" + siteId;
  var draft = null;
  var sending = false;

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "cv-status" + (kind ? " cv-status--" + kind : "");
  }

  // --- IndexedDB ------------------------------------------------------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open("tz-civility", 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          if (!d.objectStoreNames.contains("drafts")) { d.createObjectStore("drafts"); }
          if (!d.objectStoreNames.contains("outbox")) { d.createObjectStore("outbox"); }
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  function run(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode);
        var req = work(t.objectStore(store));
        t.oncomplete = function () { resolve(req ? req.result : undefined); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function get(store, key) { return run(store, "readonly", function (s) { return s.get(key); }); }
  function put(store, key, value) { return run(store, "readwrite", function (s) { return s.put(value, key); }); }
  function del(store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); }
  function all(store) { return run(store, "readonly", function (s) { return s.getAll(); }); }

  function uuid4() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function freshDraft() {
    return { uuid: uuid4(), site: siteId, round: roundId, started_at: new Date().toISOString(), answers: {},
             notes: "", photos: [], latitude: null, longitude: null };
  }
  function saveDraft() { return put("drafts", draftKey, draft); }

  // --- the form ---------------------------------------------------------------------------------------------
  function showThumb(photo) {
    var box = form.querySelector('[data-thumbs="' + photo.standard + '"]');
    if (!box) { return; }
    var img = document.createElement("img");
    img.src = photo.data_url;
    img.alt = "测评照片";
    img.className = "cv-thumb";
    box.appendChild(img);
  }
  function restore() {
    Object.keys(draft.answers).forEach(function (sid) {
      var a = draft.answers[sid];
      if (a.met === true || a.met === false) {
        var input = form.querySelector('input[name="s' + sid + '"][value="' + (a.met ? "1" : "0") + '"]');
        if (input) { input.checked = true; }
      }
      var note = form.querySelector('[name="note' + sid + '"]');
      if (note) { note.value = a.note || ""; }
    });
    form.querySelector("#cv-notes").value = draft.notes || "";
    form.querySelectorAll(".cv-thumbs").forEach(function (b) { b.textContent = ""; });
    draft.photos.forEach(showThumb);
    markItems();
  }
  function markItems() {
    var done = 0, total = 0;
    form.querySelectorAll(".cv-item").forEach(function (item) {
      total += 1;
      var a = draft.answers[item.getAttribute("data-standard")];
      item.classList.toggle("cv-item--failed", !!a && a.met === false);
      item.classList.toggle("cv-item--met", !!a && a.met === true);
      if (a && (a.met === true || a.met === false)) { done += 1; }
    });
    var counter = document.getElementById("cv-progress");
    if (counter) { counter.textContent = "已评 " + done + " / " + total + " 项"; }
    refreshConfirm();
  }
  function answerFor(sid) {
    if (!draft.answers[sid]) { draft.answers[sid] = { met: null, note: "" }; }
    return draft.answers[sid];
  }
  form.addEventListener("change", function (e) {
    var t = e.target;
    var m = /^s(\d+)$/.exec(t.name || "");
    if (m && t.type === "radio") {
      answerFor(m[1]).met = t.value === "1";
      markItems();
      saveDraft();
    } else if (t.type === "file" && t.files && t.files.length) {
      addPhotos(t.getAttribute("data-standard"), Array.prototype.slice.call(t.files));
      t.value = "";
    }
  });
  form.addEventListener("input", function (e) {
    var t = e.target;
    var m = /^note(\d+)$/.exec(t.name || "");
    if (m) { answerFor(m[1]).note = t.value; saveDraft(); }
    if (t.id === "cv-notes") { draft.notes = t.value; saveDraft(); }
  });

  function downscale(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          var scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(img.width * scale);
          canvas.height = Math.round(img.height * scale);
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          // Re-encoding drops the camera's metadata before anything leaves the phone.
          resolve(canvas.toDataURL("image/jpeg", 0.8));
        };
        img.onerror = function () { reject(new Error("无法读取照片")); };
        img.src = reader.result;
      };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(file);
    });
  }
  function addPhotos(sid, files) {
    return files.reduce(function (p, file) {
      return p.then(function () { return downscale(file); }).then(function (dataUrl) {
        var photo = { standard: sid, data_url: dataUrl, taken_at: new Date().toISOString(),
                      latitude: draft.latitude, longitude: draft.longitude };
        draft.photos.push(photo);
        showThumb(photo);
        return saveDraft();
      });
    }, Promise.resolve()).catch(function () {
      // said beside the item whose 拍照 was used (a document or a broken file is not a photo), and at the top
      var text = "照片读取失败：只能用 JPG、PNG 等图片，请点“拍照”重新拍摄";
      itemError(sid, text);
      setStatus(text, "error");
    });
  }
  function locate() {
    if (!navigator.geolocation) { return; }
    try {
      navigator.geolocation.getCurrentPosition(function (pos) {
        draft.latitude = Math.round(pos.coords.latitude * 1e6) / 1e6;
        draft.longitude = Math.round(pos.coords.longitude * 1e6) / 1e6;
        saveDraft();
      }, function () { /* no position: the inspection is kept without it */ }, { timeout: 10000, maximumAge: 60000 });
    } catch (err) { /* blocked by policy */ }
  }

  // --- checking and submitting ---------------------------------------------------------------------------
  // The server decides (a 不达标 item needs a note or a photo; unrated items need the confirmation box); the same
  // rules are checked here only when the network is away, before the inspection waits in the outbox.
  var confirmEl = document.getElementById("cv-confirm");
  var confirmBox = document.getElementById("cv-confirm-box");
  var confirmText = document.getElementById("cv-confirm-text");
  function clearErrors() {
    form.querySelectorAll(".cv-item-error").forEach(function (p) { p.textContent = ""; p.hidden = true; });
    form.querySelectorAll(".cv-item").forEach(function (item) {
      item.classList.remove("cv-item--error");
      item.classList.remove("cv-item--unrated");
    });
  }
  function itemError(sid, text) {
    var p = form.querySelector('[data-error="' + sid + '"]');
    var item = form.querySelector('.cv-item[data-standard="' + sid + '"]');
    if (p) { p.textContent = text; p.hidden = false; }
    if (item) { item.classList.add("cv-item--error"); }
  }
  function unratedItems() {
    return Array.prototype.filter.call(form.querySelectorAll(".cv-item"), function (item) {
      var a = draft.answers[item.getAttribute("data-standard")];
      return !(a && (a.met === true || a.met === false));
    });
  }
  function askConfirm(text) {
    var left = unratedItems();
    left.forEach(function (item) { item.classList.add("cv-item--unrated"); });
    confirmText.textContent = text || ("还有 " + left.length + " 项未评，确认提交");
    confirmBox.checked = false;
    confirmEl.hidden = false;
  }
  function refreshConfirm() {
    if (!confirmEl || confirmEl.hidden) { return; }
    var n = unratedItems().length;
    if (!n) { confirmEl.hidden = true; confirmBox.checked = false; return; }
    confirmText.textContent = "还有 " + n + " 项未评，确认提交";
  }
  function showRejection(body) {
    clearErrors();
    var errors = (body && body.errors) || {};
    var lines = [];
    var first = null;
    Object.keys(errors).forEach(function (key) {
      var m = /^standard_(\d+)$/.exec(key);
      if (m) {
        itemError(m[1], errors[key].join("；"));
        first = first || form.querySelector('.cv-item[data-standard="' + m[1] + '"]');
        lines.push(errors[key].join("；"));
      } else if (key === "confirm_unrated") {
        askConfirm(errors[key][0]);
        first = first || confirmEl;
      } else {
        lines.push(errors[key].join("；"));
      }
    });
    var text = (body && body.detail) || "提交被退回";
    setStatus(text + (lines.length ? "：" + lines.join("；") : "") + "（已填写的内容都保留着）", "error");
    if (first && first.scrollIntoView) { first.scrollIntoView({ block: "center" }); }
  }
  function localCheck(entry) {
    var photoFor = {};
    entry.photos.forEach(function (p) { photoFor[String(p.standard)] = true; });
    var body = { detail: "测评提交有误", errors: {} };
    var position = {};
    form.querySelectorAll(".cv-item").forEach(function (item, n) { position[item.getAttribute("data-standard")] = n + 1; });
    entry.answers.forEach(function (a) {
      if (a.met === false && !String(a.note || "").trim() && !photoFor[String(a.standard)]) {
        var item = form.querySelector('.cv-item[data-standard="' + a.standard + '"] .cv-code');
        body.errors["standard_" + a.standard] = ["第" + position[String(a.standard)] + "项“" +
          (item ? item.textContent : "") + "”评为不达标，请写明问题或拍照"];
      }
    });
    var left = unratedItems().length;
    if (left && !entry.confirm_unrated) { body.errors.confirm_unrated = ["还有 " + left + " 项未评，确认提交"]; }
    return Object.keys(body.errors).length ? body : null;
  }
  function queue(entry) {
    return put("outbox", entry.uuid, entry).then(function () {
      draft = freshDraft();
      form.reset();
      clearErrors();
      if (confirmEl) { confirmEl.hidden = true; }
      restore();
      return saveDraft();
    }).then(function () {
      setStatus("网络不可用：测评已保存在本机，恢复网络后自动提交", "pending");
      return all("outbox").then(renderOutbox);
    });
  }
  function buildEntry() {
    var answers = [];
    Object.keys(draft.answers).forEach(function (sid) {
      var a = draft.answers[sid];
      if (a.met === true || a.met === false) { answers.push({ standard: Number(sid), met: a.met, note: a.note || "" }); }
    });
    return { uuid: draft.uuid, site: draft.site, round: draft.round, started_at: draft.started_at,
             submitted_at: new Date().toISOString(), latitude: draft.latitude, longitude: draft.longitude,
             notes: draft.notes, answers: answers, photos: draft.photos,
             confirm_unrated: !!(confirmEl && !confirmEl.hidden && confirmBox.checked),
             label: root.getAttribute("data-site-name") };
  }
  var submitting = false;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (submitting) { return; }
    var entry = buildEntry();
    if (!entry.answers.length) { setStatus("请至少评定一项标准", "error"); return; }
    if (!navigator.onLine) {
      var problems = localCheck(entry);
      if (problems) { showRejection(problems); return; }
      queue(entry);
      return;
    }
    submitting = true;
    setStatus("正在提交……", "pending");
    send(entry).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok) {
          return del("drafts", draftKey).then(function () {
            setStatus("已提交：达标 " + body.met + " 项，不达标 " + body.failed + " 项", "ok");
            window.location.assign(body.url + "?submitted=1");
          });
        }
        if (res.status === 400) { showRejection(body); return undefined; }
        if (res.status === 401 || res.status === 403) {
          setStatus("无法提交（" + (body.detail || "登录已失效") + "）：已填写的内容保留在本页，重新登录后再提交", "error");
          return undefined;
        }
        return queue(entry);  // the server is in trouble: keep it in the outbox, sent again later
      });
    }, function () {
      var problems = localCheck(entry);
      if (problems) { showRejection(problems); return undefined; }
      return queue(entry);
    }).then(function () { submitting = false; }, function () { submitting = false; });
  });

  // --- sending ----------------------------------------------------------------------------------------------
  function toBlob(dataUrl) {
    var parts = dataUrl.split(",");
    var bin = atob(parts[1]);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i += 1) { bytes[i] = bin.charCodeAt(i); }
    return new Blob([bytes], { type: "image/jpeg" });
  }
  function send(entry) {
    var fd = new FormData();
    var meta = [];
    entry.photos.forEach(function (p, i) {
      var field = "photo" + i;
      fd.append(field, toBlob(p.data_url), field + ".jpg");
      meta.push({ field: field, standard: p.standard, taken_at: p.taken_at, latitude: p.latitude,
                  longitude: p.longitude });
    });
    var payload = { uuid: entry.uuid, site: entry.site, round: entry.round, started_at: entry.started_at,
                    submitted_at: entry.submitted_at, latitude: entry.latitude, longitude: entry.longitude,
                    notes: entry.notes, answers: entry.answers, photos: meta,
                    confirm_unrated: !!entry.confirm_unrated };
    fd.append("payload", JSON.stringify(payload));
    return fetch(submitUrl, { method: "POST", body: fd, credentials: "same-origin",
                              headers: { "X-CSRFToken": csrf, "Accept": "application/json" } });
  }
  function backToDraft(entry) {
    // The draft of the entry's site becomes the refused entry again (unless that site has a draft being filled).
    var key = "site-" + entry.site;
    var back = { uuid: entry.uuid, site: entry.site, round: entry.round, started_at: entry.started_at,
                 answers: {}, notes: entry.notes || "", photos: entry.photos || [], latitude: entry.latitude,
                 longitude: entry.longitude };
    entry.answers.forEach(function (a) { back.answers[String(a.standard)] = { met: a.met, note: a.note || "" }; });
    return get("drafts", key).then(function (existing) {
      var busy = existing && Object.keys(existing.answers || {}).some(function (k) {
        var a = existing.answers[k];
        return a && (a.met === true || a.met === false);
      });
      if (busy) { return "busy"; }
      return put("drafts", key, back).then(function () { return del("outbox", entry.uuid); }).then(function () {
        if (key !== draftKey) { return "other"; }
        draft = back;
        form.reset();
        restore();
        return "here";
      });
    });
  }
  function renderOutbox(entries) {
    outboxEl.textContent = entries.length ? "本机待提交的测评：" + entries.length + " 份" : "";
  }
  function flush() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    return all("outbox").then(function (entries) {
      renderOutbox(entries);
      return entries.reduce(function (p, entry) {
        return p.then(function () {
          return send(entry).then(function (res) {
            if (res.ok) {
              return res.json().then(function (body) {
                setStatus("已提交：达标 " + body.met + " 项，不达标 " + body.failed + " 项" +
                          (body.failed ? "，问题已交办责任单位" : ""), "ok");
                return del("outbox", entry.uuid);
              });
            }
            if (res.status === 401 || res.status === 403) {
              return res.json().catch(function () { return {}; }).then(function (body) {
                setStatus("无法提交（" + (body.detail || "登录已失效") + "）：测评仍保存在本机，重新登录后自动提交", "error");
                throw new Error("auth");
              });
            }
            return res.json().catch(function () { return {}; }).then(function (body) {
              if (res.status !== 400) {
                setStatus("提交被退回：" + (body.detail || ("错误 " + res.status)) + "（测评仍保存在本机）", "error");
                throw new Error("rejected");
              }
              return backToDraft(entry).then(function (where) {
                if (where === "here") { showRejection(body); return; }
                setStatus("“" + (entry.label || "点位") + "”的测评被退回：" + (body.detail || "") +
                          (where === "other" ? "。已放回该点位的草稿，请打开该点位修改后再提交"
                                             : "。仍保存在本机，请先提交该点位正在填写的测评"), "error");
              });
            });
          });
        });
      }, Promise.resolve());
    }).catch(function (err) {
      if (err && (err.message === "auth" || err.message === "rejected")) { return; }
      setStatus("网络不可用：测评已保存在本机，恢复网络后自动提交", "pending");
    }).then(function () {
      sending = false;
      return all("outbox").then(renderOutbox);
    });
  }

  // --- start ------------------------------------------------------------------------------------------------
  function cachePage() {
    if (!("caches" in window)) { return Promise.resolve(); }
    var assets = [];
    var data = document.getElementById("cv-assets");
    if (data) { try { assets = JSON.parse(data.textContent); } catch (err) { assets = []; } }
    return caches.open(CACHE).then(function (c) {
      return c.addAll([window.location.pathname + window.location.search].concat(assets));
    }).then(function () { root.setAttribute("data-offline-ready", "1"); });
  }
  if ("serviceWorker" in navigator && swUrl) {
    navigator.serviceWorker.register(swUrl, { scope: "/civility/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(cachePage).catch(function () { /* offline use unavailable; online use unaffected */ });
  }
  window.addEventListener("online", flush);
  window.setInterval(function () { if (navigator.onLine) { flush(); } }, 15000);
  get("drafts", draftKey).then(function (saved) {
    draft = saved || freshDraft();
    restore();
    if (!saved) { saveDraft(); }
    root.setAttribute("data-ready", "1");
    locate();
    return flush();
  });
}());
