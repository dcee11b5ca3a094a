/* Public site behaviour (no inline script: CSP). Category questions, phone location, photo count, map. */
(function () {
  "use strict";

  function showQuestions() {
    var checked = document.querySelector("input[name=category]:checked");
    var key = checked ? checked.getAttribute("data-cat") : "";
    document.querySelectorAll("[data-for-cat]").forEach(function (fs) {
      var on = fs.getAttribute("data-for-cat") === key;
      fs.classList.toggle("is-hidden", !on);
      fs.disabled = !on;  // a hidden category's questions are neither sent nor checked by the browser
    });
  }

  // accuracy: the phone's coords.accuracy in metres; a point picked on the map has none (the field is emptied)
  function setPoint(lat, lng, accuracy) {
    var la = document.getElementById("id_lat"), ln = document.getElementById("id_lng");
    if (la && ln) { la.value = lat.toFixed(6); ln.value = lng.toFixed(6); }
    var known = typeof accuracy === "number" && isFinite(accuracy) && accuracy >= 0;
    var metres = known ? Math.max(1, Math.ceil(accuracy)) : 0;
    var acc = document.getElementById("id_accuracy");
    if (acc) { acc.value = known ? String(metres) : ""; }
    var st = document.getElementById("locate-status");
    if (st) {
      // past data-imprecise-m (IMPRECISE_LOCATION_M, 200 m) the point may be a street off: ask for a place too
      var limit = parseInt(st.getAttribute("data-imprecise-m") || "200", 10);
      if (known && metres > limit) {
        st.textContent = "已定位（" + lat.toFixed(4) + "，" + lng.toFixed(4) + "）。定位精度约 " + metres +
          " 米，较粗略，请同时在下方选择地点";
        st.classList.add("pub-locate--rough");
      } else {
        st.textContent = "已定位（" + lat.toFixed(4) + "，" + lng.toFixed(4) +
          (known ? "，精度约 " + metres + " 米" : "") + "）";
        st.classList.remove("pub-locate--rough");
      }
    }
  }

  function locate() {
    var st = document.getElementById("locate-status");
    if (!navigator.geolocation) { if (st) { st.textContent = "此浏览器不支持定位，请在列表中选择地点"; } return; }
    if (st) { st.textContent = "正在定位…"; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint(pos.coords.latitude, pos.coords.longitude, pos.coords.accuracy);
      if (window.tzPickMarker) { window.tzPickMarker(pos.coords.latitude, pos.coords.longitude); }
    }, function () {
      if (st) { st.textContent = "未能定位，请在列表中选择地点或填写位置"; }
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  function photoCount(input) {
    var max = parseInt(input.getAttribute("data-max") || "6", 10);
    var out = document.getElementById("photo-count");
    var n = input.files ? input.files.length : 0;
    if (n > max) {
      input.value = "";
      if (out) { out.textContent = "最多选择 " + max + " 张照片，请重新选择"; }
    } else if (out) {
      out.textContent = n ? "已选择 " + n + " 张照片" : "";
    }
  }

  function counter(area) {
    var max = parseInt(area.getAttribute("data-max") || "0", 10);
    var out = document.getElementById(area.getAttribute("aria-describedby") || "");
    if (!max || !out) { return; }
    var n = area.value.length;
    out.textContent = "已输入 " + n + " / " + max + " 字" + (n > max ? "，超出 " + (n - max) + " 字，请删减" : "");
    out.classList.toggle("pub-counter--over", n > max);
    area.setCustomValidity(n > max ? "问题描述最多 " + max + " 字，请删减 " + (n - max) + " 字" : "");
  }

  function checkLocation(form) {
    var lat = document.getElementById("id_lat"), place = document.getElementById("id_place");
    var address = document.getElementById("id_address");
    if (!address) { return; }
    var given = (lat && lat.value) || (place && place.value) || address.value.trim();
    address.setCustomValidity(given ? "" : "请使用手机定位、选择地点或填写位置补充说明");
  }

  function copyCode(btn) {
    var st = document.getElementById("copy-status");
    var text = btn.getAttribute("data-copy") || "";
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () {
        if (st) { st.textContent = "已复制"; }
      }, function () {
        if (st) { st.textContent = "无法自动复制，请长按查询码复制"; }
      });
    } else if (st) {
      st.textContent = "无法自动复制，请长按查询码复制";
    }
  }

  function initMap() {
    var el = document.getElementById("pub-map");
    if (!el || !window.L) { return; }
    var tiles = el.getAttribute("data-tiles");
    var map = window.L.map(el).setView([30.0, 120.0], 13);
    window.L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    var pointsId = el.getAttribute("data-points");
    if (pointsId) {
      var data = JSON.parse(document.getElementById(pointsId).textContent || "[]");
      var bounds = [];
      data.forEach(function (p) {
        window.L.circleMarker([p.lat, p.lng], { radius: 6 }).addTo(map).bindPopup(p.t);
        bounds.push([p.lat, p.lng]);
      });
      if (bounds.length) { map.fitBounds(bounds, { maxZoom: 16 }); }
    }
    if (el.getAttribute("data-pick")) {
      var marker = null;
      window.tzPickMarker = function (lat, lng) {
        if (marker) { marker.setLatLng([lat, lng]); } else { marker = window.L.marker([lat, lng]).addTo(map); }
        map.setView([lat, lng], 17);
      };
      map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng); window.tzPickMarker(e.latlng.lat, e.latlng.lng); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[name=category]").forEach(function (r) { r.addEventListener("change", showQuestions); });
    if (document.querySelector("[data-for-cat]")) { showQuestions(); }
    var btn = document.getElementById("locate");
    if (btn) { btn.addEventListener("click", locate); }
    var photos = document.getElementById("photos");
    if (photos) { photos.addEventListener("change", function () { photoCount(photos); }); }
    var desc = document.querySelector("textarea[data-max]");
    if (desc) { desc.addEventListener("input", function () { counter(desc); }); counter(desc); }
    var form = document.getElementById("report-form");
    if (form) {
      var submit = form.querySelector("button[type=submit]");
      if (submit) { submit.addEventListener("click", function () { checkLocation(form); }); }
      ["id_place", "id_address"].forEach(function (id) {
        var el = document.getElementById(id);
        if (el) {
          el.addEventListener("change", function () { checkLocation(form); });
          el.addEventListener("input", function () { checkLocation(form); });
        }
      });
    }
    var copy = document.getElementById("copy-code");
    if (copy) { copy.addEventListener("click", function () { copyCode(copy); }); }
    initMap();
  });
})();
