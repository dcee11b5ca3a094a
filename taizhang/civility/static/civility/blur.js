/* The publishing step of a bulletin: drag rectangles over a photo to mark faces and number plates; each rectangle
   is written as "left,top,width,height" (pixels of the stored photo) into the form's regions field. */
(function () {
  "use strict";
  document.querySelectorAll(".cv-blur-stage").forEach(function (stage) {
    var img = stage.querySelector("img");
    var card = stage.parentNode;
    var field = card.querySelector("textarea.js-blur-regions");
    if (!img || !field) { return; }
    var width = Number(stage.getAttribute("data-width")) || 1;
    var start = null;
    var box = null;
    function point(e) {
      var r = img.getBoundingClientRect();
      return { x: Math.max(0, Math.min(r.width, e.clientX - r.left)), y: Math.max(0, Math.min(r.height, e.clientY - r.top)), r: r };
    }
    img.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      start = point(e);
      box = document.createElement("div");
      box.className = "cv-blur-box";
      stage.appendChild(box);
    });
    img.addEventListener("pointermove", function (e) {
      if (!start) { return; }
      var p = point(e);
      box.style.left = Math.min(start.x, p.x) + "px";
      box.style.top = Math.min(start.y, p.y) + "px";
      box.style.width = Math.abs(p.x - start.x) + "px";
      box.style.height = Math.abs(p.y - start.y) + "px";
    });
    function finish(e) {
      if (!start) { return; }
      var p = point(e);
      var scale = width / p.r.width;
      var x = Math.round(Math.min(start.x, p.x) * scale), y = Math.round(Math.min(start.y, p.y) * scale);
      var w = Math.round(Math.abs(p.x - start.x) * scale), h = Math.round(Math.abs(p.y - start.y) * scale);
      if (w > 3 && h > 3) { field.value = (field.value ? field.value.replace(/\s*$/, "") + "\n" : "") + [x, y, w, h].join(","); }
      else if (box) { box.remove(); }
      start = null;
    }
    img.addEventListener("pointerup", finish);
    img.addEventListener("pointerleave", finish);
  });
}());
