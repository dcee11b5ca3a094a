/* Volunteer pages: on the scan page, put the phone's location (when the volunteer allows it) into the form.
   The page is served with geolocation allowed for itself (public_views.scan). The note [data-geo-note] says what
   happened; a form sent while the position is still being read waits for it (at most 10 s). Where the
   activity has a check-in radius (data-geo-required) the server refuses a scan without a position. */
(function () {
  "use strict";
  function say(form, text) {
    var note = form.querySelector("[data-geo-note]");
    if (note) { note.textContent = text; }
  }
  function fill() {
    var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-geo]"));
    if (!forms.length) { return; }
    var pending = true;
    var waiting = null;
    function done() {
      pending = false;
      if (waiting) { var f = waiting; waiting = null; f.submit(); }
    }
    forms.forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!pending) { return; }
        e.preventDefault();  // sent before the position arrived: send it once the position is known (or not)
        if (!waiting) { window.setTimeout(done, 10000); }  // a permission prompt left open does not time out
        waiting = f;
        say(f, "正在获取您的位置，请稍候（如浏览器询问，请选择“允许”）…");
      });
    });
    function failed(reason) {
      forms.forEach(function (f) {
        var what = f.getAttribute("data-geo-what") || "签到";
        say(f, f.hasAttribute("data-geo-required")
          ? "未能获取您的位置（" + reason + "）。本活动须核验位置才能" + what + "：请打开手机定位，允许浏览器获取位置后刷新本页。"
          : "未获取您的位置（" + reason + "），不影响" + what + "。");
      });
      done();
    }
    if (!navigator.geolocation) { failed("浏览器不支持定位"); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      forms.forEach(function (f) {
        f.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
        f.querySelector("input[name=lng]").value = pos.coords.longitude.toFixed(6);
        say(f, "已获取您的位置。");
      });
      done();
    }, function (err) {
      failed(err && err.code === 1 ? "未允许获取位置" : err && err.code === 3 ? "定位超时" : "暂时无法定位");
    }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fill); } else { fill(); }
})();
