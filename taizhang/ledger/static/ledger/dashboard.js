/*!
 * taizhang — ledger/dashboard.js: the dashboard's own behaviour (issue 17). Charts are drawn by app.js
 * (data-chart-json); this file only adds:
 *
 * 1. Tabs — <nav data-dash-tabs> with <a role="tab" data-tab="KEY" aria-controls="panel-KEY"> and panels
 *    <div data-tab-panel="KEY">. A click shows that panel, hides the others, marks the tab aria-selected,
 *    puts ?tab=KEY in the address (so a reload, the picker and the back link keep it) and sends the event
 *    "tz-dash-show" to the panel: its htmx placeholders load then (hx-trigger="tz-dash-show from:#panel-KEY
 *    once"), so a visit computes only the tabs one opens. ← → Home End move between tabs. Without JS the
 *    tabs are links to ?tab=KEY.
 * 2. The picker applies at once — <form data-dash-picker>: a change of the period (the period picker's parts;
 *    pickers.js keeps the SPEC in its hidden input) or of the unit submits the form; a date range waits for
 *    both dates. The 查询 button is hidden (it stays for browsers without JS).
 *
 * No inline styles or handlers (CSP).
 */
(function () {
  'use strict';

  function onReady(fn) {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', fn, { once: true });
    } else {
      fn();
    }
  }

  /* ---------------------------------------------------------------- tabs */
  function setupTabs(nav) {
    if (nav.dataset.dashReady) return;
    nav.dataset.dashReady = '1';
    var tabs = Array.prototype.slice.call(nav.querySelectorAll('[role="tab"][data-tab]'));

    function show(tab, focus) {
      var key = tab.dataset.tab;
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute('aria-selected', on ? 'true' : 'false');
        t.tabIndex = on ? 0 : -1;
        var panel = document.getElementById(t.getAttribute('aria-controls'));
        if (panel) panel.hidden = !on;
      });
      var panel = document.getElementById(tab.getAttribute('aria-controls'));
      if (panel) {
        panel.dispatchEvent(new CustomEvent('tz-dash-show', { bubbles: false }));
        // charts drawn while hidden have no size: let ECharts measure again
        if (window.taizhang && window.taizhang.charts) {
          window.taizhang.charts().forEach(function (c) { try { c.resize(); } catch (e) { /* disposed */ } });
        }
      }
      Array.prototype.forEach.call(document.querySelectorAll('[data-dash-tab-input]'), function (input) {
        input.value = key;
      });
      try {
        var url = new URL(window.location.href);
        url.searchParams.set('tab', key);
        url.hash = '';
        window.history.replaceState(null, '', url.toString());
      } catch (e) { /* old browser: the address keeps the previous tab */ }
      if (focus) tab.focus();
    }

    nav.addEventListener('click', function (event) {
      var tab = event.target.closest('[role="tab"][data-tab]');
      if (!tab || event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1) return;
      event.preventDefault();
      show(tab, false);
    });
    nav.addEventListener('keydown', function (event) {
      var i = tabs.indexOf(document.activeElement);
      if (i < 0) return;
      var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      show(tabs[(next + tabs.length) % tabs.length], true);
    });

    // a link to #line-KEY (the line page's back link) opens the tab holding that line
    if (window.location.hash.indexOf('#line-') === 0) {
      var target = document.getElementById(window.location.hash.slice(1));
      var panel = target && target.closest('[data-tab-panel]');
      var owner = panel && tabs.filter(function (t) { return t.dataset.tab === panel.dataset.tabPanel; })[0];
      if (owner && panel.hidden) show(owner, false);
    }
  }

  /* --------------------------------------------------- picker applies at once */
  function completeSpec(value) {
    if (!value) return false;
    if (value.indexOf('..') >= 0) {
      var parts = value.split('..');
      return /^\d{4}-\d{2}-\d{2}$/.test(parts[0]) && /^\d{4}-\d{2}-\d{2}$/.test(parts[1]) && parts[0] <= parts[1];
    }
    return true;
  }

  function setupPicker(form) {
    if (form.dataset.dashReady) return;
    form.dataset.dashReady = '1';
    form.classList.add('is-live');
    var status = form.querySelector('.tz-dash-picker__status');
    var pending = null;

    function apply() {
      if (status) status.textContent = '正在更新…';
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }

    // pickers.js keeps the SPEC in the hidden input (updated on "input" and "change" of its parts, before this
    // listener on the form runs); the page applies it when it is complete and differs from what is shown.
    var hidden = form.querySelector('[data-tz-period-value]');
    var shown = hidden ? hidden.value : '';
    form.addEventListener('change', function (event) {
      var el = event.target;
      if (hidden && el.closest('[data-tz-period]')) {
        var value = hidden.value;
        if (value === shown) return;
        if (completeSpec(value)) {
          window.clearTimeout(pending);
          pending = window.setTimeout(apply, 150); // several parts may change together
        } else if (status) {
          status.textContent = '请填写完整的起止日期';
        }
      } else if (el.name === 'unit') {
        apply();
      }
    });
  }

  function setup(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll('[data-dash-tabs]'), setupTabs);
    Array.prototype.forEach.call(scope.querySelectorAll('form[data-dash-picker]'), setupPicker);
  }

  onReady(function () { setup(document); });
})();
