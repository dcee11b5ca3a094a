/* Volunteer pages: on the scan page, put the phone's location (when the volunteer allows it) into the form. */
(function () {
  "use strict";
  function fill() {
    var forms = document.querySelectorAll("form[data-geo]");
    if (!forms.length || !navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      forms.forEach(function (f) {
        f.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
        f.querySelector("input[name=lng]").value = pos.coords.longitude.toFixed(6);
        var note = f.querySelector("[data-geo-note]");
        if (note) { note.textContent = "已获取定位"; }
      });
    }, function () { /* no location: check-in still works where the activity has no geofence */ },
    { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fill); } else { fill(); }
})();
