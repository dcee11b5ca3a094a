/*!
 * taizhang — phone.js: the small-screen layout (phones at 390 px, tablets) of every page of base.html.
 * Loaded without `defer` in <head> so the page is drawn in its final layout at once (it only marks <html>
 * there; the rest waits for DOMContentLoaded). No inline scripts or styles (CSP); the rules are in phone.css.
 *
 * 1. Menu: <button data-tz-menu-toggle aria-controls="tz-sidebar" aria-expanded="false"> in the top bar opens
 *    and closes the sidebar, which below 860 px is a drawer hidden by default. Escape, a click outside it or
 *    following one of its links closes it; focus goes to the first link when it opens and back to the button
 *    when it closes with Escape.
 * 2. Filters in a drawer: every .tz-filters that is (or holds) a GET form with fields gets a "筛选" button before
 *    it; below 600 px the filters are hidden until the button opens them (the button says how many filters are
 *    set). A .tz-filters that posts (an action bar) or sits in a table cell is left alone; opt out with
 *    data-tz-no-drawer.
 * 3. List rows as cards: every table.tz-table with a one-row <thead> gets .tz-table--cards and, on each body
 *    and footer cell without one, data-label = the text of its column's header; below 600 px phone.css stacks
 *    each row as a card with the labels in front of the values. Opt out with .tz-table--grid (a matrix that
 *    reads better as a scrolling grid); a template may also write the class and the data-labels itself.
 * Everything is done again after htmx swaps content in.
 */
(function () {
  'use strict';

  document.documentElement.classList.add('tz-js');

  var seq = 0;
  function ensureId(el, prefix) {
    if (!el.id) { seq += 1; el.id = prefix + '-' + seq; }
    return el.id;
  }

  /* 1. Menu ------------------------------------------------------------------------------------------ */
  function menuParts() {
    var button = document.querySelector('[data-tz-menu-toggle]');
    var sidebar = button ? document.getElementById(button.getAttribute('aria-controls')) : null;
    return { button: button, sidebar: sidebar };
  }

  function setMenu(open, focusButton) {
    var parts = menuParts();
    if (!parts.button || !parts.sidebar) { return; }
    parts.button.setAttribute('aria-expanded', open ? 'true' : 'false');
    parts.button.setAttribute('aria-label', open ? '关闭菜单' : '打开菜单');
    document.documentElement.classList.toggle('tz-menu-open', open);
    if (open) {
      var first = parts.sidebar.querySelector('.tz-nav__item--active') || parts.sidebar.querySelector('a[href]');
      if (first) { first.focus(); }
    } else if (focusButton) {
      parts.button.focus();
    }
  }

  function menuIsOpen() { return document.documentElement.classList.contains('tz-menu-open'); }

  document.addEventListener('click', function (evt) {
    var target = evt.target;
    if (!target.closest) { return; }
    var toggle = target.closest('[data-tz-menu-toggle]');
    if (toggle) {
      evt.preventDefault();
      setMenu(!menuIsOpen(), false);
      return;
    }
    if (!menuIsOpen()) { return; }
    var parts = menuParts();
    if (parts.sidebar && !parts.sidebar.contains(target)) {
      setMenu(false, false);
    } else if (target.closest('a[href]')) {
      setMenu(false, false);
    }
  });

  document.addEventListener('keydown', function (evt) {
    if ((evt.key === 'Escape' || evt.key === 'Esc') && menuIsOpen()) {
      evt.preventDefault();
      setMenu(false, true);
    }
  });

  /* 2. Filters in a drawer ----------------------------------------------------------------------------- */
  var FIELDS = 'select, textarea, input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset])';

  function activeFilters(box) {
    var params = new URLSearchParams(window.location.search);
    var names = {};
    var count = 0;
    box.querySelectorAll(FIELDS).forEach(function (field) {
      var name = field.getAttribute('name');
      if (!name || names[name] || name === 'page') { return; }
      names[name] = true;
      if ((params.get(name) || '').trim()) { count += 1; }
    });
    return count;
  }

  // Filters are GET forms (a .tz-filters that posts is an action bar: it stays visible), not inside a table row.
  function isFilter(box) {
    if (box.closest('td, th')) { return false; }
    var forms = box.tagName === 'FORM' ? [box] : Array.prototype.slice.call(box.querySelectorAll('form'));
    if (!forms.length) { return false; }
    return forms.every(function (form) { return (form.getAttribute('method') || 'get').toLowerCase() === 'get'; });
  }

  function setupFilters(box) {
    if (box.getAttribute('data-tz-drawer') || box.hasAttribute('data-tz-no-drawer')) { return; }
    if (!box.querySelector(FIELDS) || !isFilter(box)) { return; }
    box.setAttribute('data-tz-drawer', '1');
    box.classList.add('tz-filters--drawer');
    var id = ensureId(box, 'tz-filters');
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'tz-btn tz-btn--secondary tz-btn--small tz-filters-toggle';
    button.setAttribute('aria-controls', id);
    button.setAttribute('aria-expanded', 'false');
    var count = activeFilters(box);
    button.textContent = count ? '筛选（已设 ' + count + ' 项）' : '筛选';
    // a filter form the server sent back with an error stays open
    if (box.querySelector('.errorlist, .tz-field__error, [aria-invalid="true"]')) {
      box.classList.add('is-open');
      button.setAttribute('aria-expanded', 'true');
    }
    button.addEventListener('click', function () {
      var open = !box.classList.contains('is-open');
      box.classList.toggle('is-open', open);
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) {
        var first = box.querySelector(FIELDS);
        if (first) { first.focus(); }
      }
    });
    box.parentNode.insertBefore(button, box);
  }

  /* 3. List rows as cards ------------------------------------------------------------------------------ */
  function headerLabels(table) {
    var head = table.tHead;
    if (!head || head.rows.length !== 1) { return null; }
    var labels = [];
    Array.prototype.forEach.call(head.rows[0].cells, function (cell) {
      var text = (cell.getAttribute('data-label') || cell.textContent || '').replace(/\s+/g, ' ').trim();
      for (var i = 0; i < (cell.colSpan || 1); i += 1) { labels.push(cell.colSpan > 1 ? '' : text); }
    });
    return labels;
  }

  function setupTable(table) {
    // (again after an htmx swap: rows swapped into a table that was set up get their labels too)
    if (table.classList.contains('tz-table--grid')) { return; }
    var labels = headerLabels(table);
    if (!labels) { return; }
    table.classList.add('tz-table--cards');
    var sections = Array.prototype.slice.call(table.tBodies);
    if (table.tFoot) { sections.push(table.tFoot); }
    sections.forEach(function (section) {
      Array.prototype.forEach.call(section.rows, function (row) {
        var col = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var span = cell.colSpan || 1;
          if (!cell.hasAttribute('data-label') && span === 1 && labels[col]) {
            cell.setAttribute('data-label', labels[col]);
          }
          if (span > 1) { cell.classList.add('tz-cell--wide'); }
          col += span;
        });
      });
    });
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll('.tz-filters').forEach(setupFilters);
    scope.querySelectorAll('table.tz-table').forEach(setupTable);
    if (scope !== document && scope.matches) {
      if (scope.matches('.tz-filters')) { setupFilters(scope); }
      if (scope.matches('table.tz-table')) { setupTable(scope); }
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener('htmx:load', function (evt) { init(evt.target); });
  document.addEventListener('htmx:afterSettle', function () { init(document); });
  // Leaving the phone layout with the menu open (rotating a tablet) must not leave the page dimmed.
  if (window.matchMedia) {
    var wide = window.matchMedia('(min-width: 861px)');
    var onWide = function () { if (wide.matches && menuIsOpen()) { setMenu(false, false); } };
    if (wide.addEventListener) { wide.addEventListener('change', onWide); }
  }
}());
