/*!
 * taizhang — pickers.js (issue 17)
 *
 * Enhances two server-rendered controls; both work without this file.
 *
 * 1. Tree-select: <select data-tz-tree> whose options carry data-depth,
 *    data-level and data-search (core.widgets.TreeSelect, org.fields.UnitChoiceField).
 *    The native <select> stays in the form (hidden) and keeps the value; a
 *    button opens a panel with a search box and the tree indented by depth,
 *    each entry with its level. Typing filters by name, short name, code or
 *    pinyin (full or initials, computed by the server into data-search) and
 *    shows the path of each match. Keyboard: ↑ ↓ move, Enter picks, Esc closes.
 *    Multiple selects toggle entries and keep the panel open.
 *
 * 2. Period picker: <div data-tz-period> (core.widgets.PeriodPicker): shows
 *    only the parts the chosen range needs (季度, 月, 日期) and keeps one hidden
 *    input <name> = SPEC (2024H1, 2024Q1-Q3 …); the parts lose their names so
 *    the query string stays ?period=2024H1.
 *
 * No inline styles (CSP): indentation and visibility are classes of pickers.css.
 * Set up on DOMContentLoaded and after every htmx swap.
 */
(function () {
  "use strict";

  var MAX_DEPTH = 8;
  var uid = 0;

  function text(el) { return (el.textContent || "").replace(/^[\s\u3000]+/, "").trim(); }

  // ------------------------------------------------------------------ tree-select
  function initTree(select) {
    if (select.dataset.tzTreeReady) return;
    select.dataset.tzTreeReady = "1";
    var multiple = select.multiple;
    var placeholder = select.dataset.placeholder || "请选择单位";
    var id = "tz-tree-" + (++uid);

    var box = document.createElement("div");
    box.className = "tz-tree";
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "tz-tree__toggle";
    toggle.setAttribute("aria-haspopup", "listbox");
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", id + "-panel");
    toggle.id = id + "-toggle";
    if (select.id) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      if (label) {
        // the name is the label and then the visible value ("单位 全部单位"), so what is seen is what is said
        // (WCAG 2.5.3): aria-labelledby, not an aria-label that would hide the value
        label.htmlFor = toggle.id;
        if (!label.id) label.id = id + "-label";
        toggle.setAttribute("aria-labelledby", label.id + " " + toggle.id);
      }
    }
    // the hidden native select's state belongs to the button people reach: its error and its help
    ["aria-invalid", "aria-describedby"].forEach(function (name) {
      if (select.hasAttribute(name)) toggle.setAttribute(name, select.getAttribute(name));
    });
    var panel = document.createElement("div");
    panel.className = "tz-tree__panel";
    panel.id = id + "-panel";
    panel.hidden = true;
    var search = document.createElement("input");
    search.type = "search";
    search.className = "tz-tree__search";
    search.placeholder = select.dataset.searchPlaceholder || "输入名称搜索";
    search.setAttribute("aria-label", search.placeholder);
    search.setAttribute("autocomplete", "off");
    var list = document.createElement("ul");
    list.className = "tz-tree__list";
    list.setAttribute("role", "listbox");
    list.id = id + "-list";
    if (multiple) list.setAttribute("aria-multiselectable", "true");
    var empty = document.createElement("div");
    empty.className = "tz-tree__empty";
    empty.textContent = "没有匹配的单位";
    empty.hidden = true;
    panel.appendChild(search);
    panel.appendChild(list);
    panel.appendChild(empty);
    select.parentNode.insertBefore(box, select);
    box.appendChild(toggle);
    box.appendChild(panel);
    box.appendChild(select);  // positioned inside the box, still in its form
    select.classList.add("tz-tree__native");
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");

    // Build the entries once; each knows the names of its ancestors (the path shown when searching).
    var items = [];
    var stack = [];
    Array.prototype.forEach.call(select.options, function (opt, i) {
      var isEmpty = opt.value === "";
      var depth = Math.min(parseInt(opt.dataset.depth || "0", 10) || 0, MAX_DEPTH);
      var name = text(opt);
      if (!isEmpty) {
        stack.length = depth;
        stack[depth] = name;
      }
      var li = document.createElement("li");
      li.className = "tz-tree__item tz-tree__item--d" + (isEmpty ? 0 : depth) + (isEmpty ? " tz-tree__item--empty" : "");
      li.setAttribute("role", "option");
      li.id = id + "-o" + i;
      li.dataset.index = String(i);
      var nameEl = document.createElement("span");
      nameEl.className = "tz-tree__name";
      nameEl.textContent = name;
      li.appendChild(nameEl);
      if (opt.dataset.level) {
        var lvl = document.createElement("span");
        lvl.className = "tz-tree__level";
        lvl.textContent = opt.dataset.level;
        li.appendChild(lvl);
      }
      var pathText = stack.slice(0, depth).filter(Boolean).join(" › ");
      if (pathText) {
        var pathEl = document.createElement("span");
        pathEl.className = "tz-tree__path";
        pathEl.textContent = pathText;
        li.appendChild(pathEl);
      }
      list.appendChild(li);
      items.push({
        li: li, opt: opt, empty: isEmpty,
        search: ((opt.dataset.search || "") + " " + name).toLowerCase()
      });
    });

    function selectedText() {
      var chosen = Array.prototype.filter.call(select.options, function (o) { return o.selected && o.value !== ""; });
      if (!chosen.length) {
        var first = select.options[0];
        return first && first.value === "" ? text(first) : placeholder;
      }
      if (multiple) return chosen.length === 1 ? text(chosen[0]) : "已选 " + chosen.length + " 个单位";
      return text(chosen[0]);
    }
    function refresh() {
      toggle.textContent = selectedText();
      items.forEach(function (it) {
        it.li.setAttribute("aria-selected", it.opt.selected ? "true" : "false");
        it.li.classList.toggle("is-selected", it.opt.selected && !it.empty);
      });
      toggle.classList.toggle("is-placeholder", !select.value);
    }
    var active = -1;
    function visible() { return items.filter(function (it) { return !it.li.hidden; }); }
    function setActive(pos) {
      var vis = visible();
      items.forEach(function (it) { it.li.classList.remove("is-active"); });
      if (!vis.length) { active = -1; search.removeAttribute("aria-activedescendant"); return; }
      active = Math.max(0, Math.min(pos, vis.length - 1));
      var it = vis[active];
      it.li.classList.add("is-active");
      search.setAttribute("aria-activedescendant", it.li.id);
      if (it.li.scrollIntoView) it.li.scrollIntoView({ block: "nearest" });
    }
    function filter() {
      var q = search.value.trim().toLowerCase();
      var count = 0;
      items.forEach(function (it) {
        var show = !q || (!it.empty && it.search.indexOf(q) !== -1);
        it.li.hidden = !show;
        it.li.classList.toggle("is-match", !!q && show);
        if (show) count++;
      });
      list.classList.toggle("is-searching", !!q);
      empty.hidden = count > 0;
      setActive(0);
    }
    function open() {
      if (!panel.hidden) return;
      panel.hidden = false;
      box.classList.add("is-open");
      toggle.setAttribute("aria-expanded", "true");
      search.value = "";
      filter();
      var vis = visible();
      var sel = vis.findIndex(function (it) { return it.opt.selected; });
      setActive(sel < 0 ? 0 : sel);
      search.focus();
    }
    function close(focus) {
      if (panel.hidden) return;
      panel.hidden = true;
      box.classList.remove("is-open");
      toggle.setAttribute("aria-expanded", "false");
      if (focus) toggle.focus();
    }
    function pick(it) {
      if (multiple) {
        if (it.empty) return;
        it.opt.selected = !it.opt.selected;
      } else {
        select.value = it.opt.value;
      }
      refresh();
      select.dispatchEvent(new Event("change", { bubbles: true }));
      if (!multiple) close(true);
    }

    toggle.addEventListener("click", function () { if (panel.hidden) open(); else close(true); });
    toggle.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "Enter" || e.key === " ") { e.preventDefault(); open(); }
    });
    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); setActive(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); setActive(active - 1); }
      else if (e.key === "Enter") {
        e.preventDefault();
        var vis = visible();
        if (active >= 0 && vis[active]) pick(vis[active]);
      } else if (e.key === "Escape") { e.preventDefault(); close(true); }
      else if (e.key === "Tab") { close(false); }
    });
    list.addEventListener("click", function (e) {
      var li = e.target.closest ? e.target.closest(".tz-tree__item") : null;
      if (!li) return;
      pick(items[parseInt(li.dataset.index, 10)]);
    });
    document.addEventListener("click", function (e) { if (!box.contains(e.target)) close(false); });
    select.addEventListener("change", refresh);
    if (select.form) select.form.addEventListener("reset", function () { setTimeout(refresh, 0); });
    refresh();
  }

  // ------------------------------------------------------------------ period picker
  var NEEDS = { quarter: "quarter", month: "month", range: "range" };

  function initPeriod(box) {
    if (box.dataset.tzPeriodReady) return;
    box.dataset.tzPeriodReady = "1";
    var hidden = box.querySelector("[data-tz-period-value]");
    var parts = {};
    Array.prototype.forEach.call(box.querySelectorAll("[data-tz-part]"), function (el) {
      parts[el.dataset.tzPart] = el;
      el.dataset.name = el.name;
      el.removeAttribute("name");  // the hidden input carries the SPEC
    });
    hidden.disabled = false;
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function spec() {
      var kind = parts.kind.value;
      var year = parts.year.value;
      if (!kind) return "";
      if (kind === "year") return year;
      if (kind === "H1" || kind === "H2" || kind === "Q1-Q3") return year + kind;
      if (kind === "quarter") {
        var q = parseInt(parts.q.value, 10), q2 = parseInt(parts.q2.value || "0", 10);
        return q2 && q2 > q ? year + "Q" + q + "-Q" + q2 : year + "Q" + q;
      }
      if (kind === "month") return year + "-" + pad(parseInt(parts.month.value, 10));
      if (kind === "range") {
        var a = parts.from.value, b = parts.to.value;
        return a || b ? a + ".." + b : "";
      }
      return "";
    }
    function update() {
      var kind = parts.kind.value;
      box.dataset.kind = kind;
      Array.prototype.forEach.call(box.querySelectorAll(".tz-period__part"), function (el) {
        var need = el.dataset.part;
        var show = need === "kind" || (need === "year" && kind && kind !== "range") || NEEDS[kind] === need;
        el.hidden = !show;
      });
      // q2 offers only quarters after q
      if (parts.q2) {
        var q = parseInt(parts.q.value, 10);
        Array.prototype.forEach.call(parts.q2.options, function (o) {
          o.disabled = o.value !== "" && parseInt(o.value, 10) <= q;
        });
        if (parts.q2.value && parseInt(parts.q2.value, 10) <= q) parts.q2.value = "";
      }
      var value = spec();
      var changed = hidden.value !== value;
      hidden.value = value;
      return changed;
    }
    box.addEventListener("change", function (e) {
      if (e.target === hidden) return;
      if (update()) hidden.dispatchEvent(new Event("change", { bubbles: true }));
    });
    box.addEventListener("input", function () { update(); });
    update();
  }

  function setup(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("select[data-tz-tree]"), initTree);
    Array.prototype.forEach.call(scope.querySelectorAll("[data-tz-period]"), initPeriod);
  }

  window.tzPickers = { setup: setup };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { setup(document); });
  else setup(document);
  document.addEventListener("htmx:load", function (e) { setup(e.target); });
})();
