/*!
 * taizhang — app.js
 *
 * All client-side behaviour of the workbench. Our Content-Security-Policy
 * allows no inline <script> and no eval, so templates only carry data-*
 * attributes and this file does the rest. Plain ES2017, no dependencies;
 * it uses htmx (window.htmx) and ECharts (window.echarts) when the page has
 * loaded them, and does nothing for either when it has not.
 *
 * Load order in the base template (both may be `defer`):
 *   <script src="{% static 'vendor/htmx/htmx.min.js' %}" defer></script>
 *   <script src="{% static 'vendor/echarts/echarts.min.js' %}" defer></script>  (pages with charts)
 *   <script src="{% static 'taizhang/app.js' %}" defer></script>
 * and in <head>: <meta name="csrf-token" content="{{ csrf_token }}">
 *
 * WHAT IT DOES
 *
 * 1. Charts — any element with data-chart, data-chart-src or data-chart-json:
 *      <div class="tz-chart" data-chart data-chart-src="/dashboard/chart/monthly.json"></div>
 *      <div class="tz-chart" data-chart data-chart-json="chart-by-town"></div>
 *      {{ option|json_script:"chart-by-town" }}
 *    data-chart-src   URL answering with an ECharts option object as JSON
 *                     (or {"option": {...}}); fetched same-origin with cookies.
 *    data-chart-json  id of a <script type="application/json"> holding the
 *                     option (what Django's json_script filter writes).
 *    data-chart="…"   shorthand: the id of such a script, or a URL (anything
 *                     containing "/" or "?"); a bare data-chart is a marker.
 *    Optional: data-chart-renderer="svg" (default canvas; svg prints sharper),
 *              data-chart-theme="name" (default: the built-in "taizhang"
 *              palette), data-chart-target="#css-selector" (drill-down loads
 *              into that element with htmx instead of navigating).
 *    Charts use a built-in "taizhang" theme (palette of app.css, tooltips
 *    drawn as rich text because HTML tooltips need inline styles the CSP
 *    blocks). They resize with the window, with their box and for printing,
 *    are set up again after every htmx swap (htmx:load / htmx:afterSwap /
 *    htmx:historyRestore), are disposed when htmx removes them, and are left
 *    out of htmx's history snapshots so Back/Forward redraws them cleanly.
 *    A failed load shows "图表数据加载失败" in the box (data-chart-state:
 *    loading | ready | error).
 *    Drill-down: clicking a data point whose data item has a "url" property,
 *      e.g. {"name": "城关镇", "value": 12, "url": "/ledger/?town=3"},
 *    navigates there (Ctrl/⌘/middle click: new tab). Only same-origin http(s)
 *    URLs are followed.
 *
 * 2. Confirm dialogs — data-confirm="确定作废该报表？" on a link, button or
 *    form asks window.confirm() first and cancels the click/submit (htmx
 *    requests included) when the user says no. For htmx triggers other than
 *    click/submit use hx-confirm.
 *
 * 3. htmx + CSRF — every htmx request to our own origin gets the header
 *    X-CSRFToken from <meta name="csrf-token"> (falling back to the csrftoken
 *    cookie). <meta name="csrf-header-name" content="…"> overrides the header
 *    name if settings.CSRF_HEADER_NAME is changed.
 *    htmx is also made CSP-friendly: its injected indicator <style> is turned
 *    off (app.css styles .htmx-indicator instead) and eval-based features
 *    (hx-on, js: values, trigger filters) are disabled, since the CSP would
 *    block them anyway.
 *
 * 4. Progress bars — .tz-progress__bar[data-value="0..100"] (data-percent is
 *    accepted as a synonym) gets its width
 *    (and the .tz-progress track gets role/aria values), because a CSP
 *    without 'unsafe-inline' ignores style="width: …" attributes.
 *
 * 5. Forms with data-figures — nothing special: they are ordinary forms.
 *
 * A small API is exposed as window.taizhang for debugging and for other
 * scripts: taizhang.initCharts(root), taizhang.refreshChart(el),
 * taizhang.charts() (live ECharts instances).
 */
(function () {
  'use strict';

  /* ------------------------------------------------------------------ *
   * Utilities
   * ------------------------------------------------------------------ */

  /** Run fn once the DOM is parsed (immediately if it already is). */
  function onReady(fn) {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', fn, { once: true });
    } else {
      fn();
    }
  }

  /** Elements under root (root included) that match selector. */
  function findAll(root, selector) {
    const out = [];
    if (!root || root.nodeType !== 1 && root.nodeType !== 9 && root.nodeType !== 11) {
      return out;
    }
    if (root.nodeType === 1 && root.matches(selector)) {
      out.push(root);
    }
    root.querySelectorAll(selector).forEach(function (el) { out.push(el); });
    return out;
  }

  /** Resolve url against the page; return it only if it is same-origin http(s). */
  function sameOriginUrl(url) {
    if (typeof url !== 'string' || url.trim() === '') {
      return null;
    }
    let parsed;
    try {
      parsed = new URL(url, window.location.href);
    } catch (e) {
      return null;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return null;
    }
    if (parsed.origin !== window.location.origin) {
      return null;
    }
    return parsed.href;
  }

  function readCookie(name) {
    const parts = document.cookie ? document.cookie.split(';') : [];
    for (let i = 0; i < parts.length; i++) {
      const kv = parts[i].trim();
      if (kv.substring(0, name.length + 1) === name + '=') {
        return decodeURIComponent(kv.substring(name.length + 1));
      }
    }
    return '';
  }

  /** Remove all children of el (Element.replaceChildren is too new for some intranet browsers). */
  function emptyElement(el) {
    while (el.firstChild) {
      el.removeChild(el.firstChild);
    }
  }

  /**
   * Drop el's style attribute. Chromium quirk: after a CSSOM write
   * (el.style.x = …) a plain removeAttribute leaves style="" behind unless
   * the attribute has been read once since, so read it first.
   */
  function removeStyleAttribute(el) {
    el.getAttribute('style');
    el.removeAttribute('style');
  }

  function metaContent(name) {
    const meta = document.querySelector('meta[name="' + name + '"]');
    return meta ? (meta.getAttribute('content') || '') : '';
  }

  /* ------------------------------------------------------------------ *
   * 1. htmx configuration and CSRF header
   * ------------------------------------------------------------------ */

  // htmx reads its config when the DOM is ready, after this file has run
  // (both scripts are classic or both deferred), so these take effect.
  // A <meta name="htmx-config"> on a page still wins over them.
  if (window.htmx && window.htmx.config) {
    window.htmx.config.includeIndicatorStyles = false; // inline <style> breaks CSP
    window.htmx.config.allowEval = false;              // CSP forbids eval anyway
  }

  function csrfToken() {
    return metaContent('csrf-token') || readCookie('csrftoken');
  }

  // htmx dispatches htmx:configRequest on the requesting element; it bubbles
  // to document, so one listener covers content swapped in later as well.
  document.addEventListener('htmx:configRequest', function (evt) {
    const detail = evt.detail || {};
    const token = csrfToken();
    if (!token || !detail.headers) {
      return;
    }
    // Never hand the token to another origin.
    if (detail.path && !sameOriginUrl(detail.path)) {
      return;
    }
    detail.headers[metaContent('csrf-header-name') || 'X-CSRFToken'] = token;
  });

  /* ------------------------------------------------------------------ *
   * 2. Charts (ECharts)
   * ------------------------------------------------------------------ */

  const CHART_SELECTOR = '[data-chart], [data-chart-src], [data-chart-json]';
  const PROGRESS_SELECTOR = '.tz-progress__bar[data-value], .tz-progress__bar[data-percent]';
  const THEME = 'taizhang';
  const ECHARTS_ATTR = '_echarts_instance_'; // attribute ECharts puts on its container

  /**
   * Chart container -> its ECharts instance. Our own record rather than
   * echarts.getInstanceByDom(), which depends on an attribute that we
   * briefly remove while htmx snapshots the page (see htmx:beforeHistorySave).
   */
  const liveCharts = new Map();

  /** Resizes a chart when its own box changes (tabs, grid reflow, sidebar). */
  const resizeObserver = typeof window.ResizeObserver === 'function'
    ? new window.ResizeObserver(function (entries) {
      entries.forEach(function (entry) { resizeChart(entry.target); });
    })
    : null;

  let themeRegistered = false;

  /** Palette and fonts matching app.css (navy first, 中国红 second). */
  function registerTheme(echarts) {
    if (themeRegistered) {
      return;
    }
    themeRegistered = true;
    echarts.registerTheme(THEME, {
      color: [
        '#1f4e8c', '#c8161d', '#d4a017', '#2a9d8f',
        '#5b7db1', '#e07a5f', '#7a869a', '#8e5ea2'
      ],
      backgroundColor: 'transparent',
      // HTML tooltips build their content with style="" attributes, which a
      // CSP without 'unsafe-inline' strips (and reports on every hover).
      // Rich-text tooltips are drawn on the chart itself. An option can
      // still ask for tooltip: {renderMode: 'html'}.
      tooltip: { renderMode: 'richText' },
      textStyle: {
        fontFamily: '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", ' +
          '"WenQuanYi Micro Hei", sans-serif'
      },
      title: {
        textStyle: { color: '#101828', fontSize: 15, fontWeight: 600 },
        subtextStyle: { color: '#667085' }
      },
      legend: { textStyle: { color: '#344054' } },
      categoryAxis: {
        axisLine: { lineStyle: { color: '#d0d5dd' } },
        axisTick: { lineStyle: { color: '#d0d5dd' } },
        axisLabel: { color: '#475467' },
        splitLine: { lineStyle: { color: ['#f0f2f5'] } }
      },
      valueAxis: {
        axisLine: { lineStyle: { color: '#d0d5dd' } },
        axisLabel: { color: '#475467' },
        splitLine: { lineStyle: { color: ['#f0f2f5'] } }
      }
    });
  }

  /**
   * Where the option for el comes from: {json: id} or {src: url}, or null.
   * data-chart-json wins over data-chart-src, which wins over data-chart="…".
   */
  function chartSource(el) {
    const d = el.dataset;
    if (d.chartJson) {
      return { json: d.chartJson };
    }
    if (d.chartSrc) {
      return { src: d.chartSrc };
    }
    const value = (d.chart || '').trim();
    if (!value) {
      return null;
    }
    const script = document.getElementById(value);
    if (script && script.tagName === 'SCRIPT') {
      return { json: value };
    }
    if (value.indexOf('/') !== -1 || value.indexOf('?') !== -1) {
      return { src: value };
    }
    return null;
  }

  /** Read an option object from <script type="application/json" id="…">. */
  function optionFromScript(id) {
    const script = document.getElementById(id);
    if (!script) {
      throw new Error('no element #' + id);
    }
    return JSON.parse(script.textContent);
  }

  /** Fetch an option object from a same-origin JSON URL. */
  async function optionFromUrl(url) {
    const safe = sameOriginUrl(url);
    if (!safe) {
      throw new Error('refusing to load chart from ' + url);
    }
    const response = await fetch(safe, {
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        'X-Requested-With': 'XMLHttpRequest'
      }
    });
    if (!response.ok) {
      throw new Error('HTTP ' + response.status + ' for ' + url);
    }
    return response.json();
  }

  /** Accept a bare option or a {"option": {...}} wrapper. */
  function unwrapOption(data) {
    if (data && typeof data === 'object' && !Array.isArray(data) &&
        data.option && typeof data.option === 'object' && !('series' in data)) {
      return data.option;
    }
    return data;
  }

  /** Replace the chart with a short message (uses .tz-empty from app.css). */
  function showChartError(el, message) {
    disposeChart(el);
    el.removeAttribute(ECHARTS_ATTR);
    // ECharts leaves these on its container; keep the markup clean.
    el.style.removeProperty('user-select');
    el.style.removeProperty('-webkit-tap-highlight-color');
    if (!el.style.length) {
      removeStyleAttribute(el);
    }
    const box = document.createElement('div');
    box.className = 'tz-empty';
    box.setAttribute('role', 'status');
    box.textContent = message;
    emptyElement(el);
    el.appendChild(box);
    el.setAttribute('data-chart-state', 'error');
  }

  /** Follow a clicked data point's "url". */
  function drillDown(el, params) {
    const item = params ? params.data : null;
    if (!item || typeof item !== 'object' || !item.url) {
      return;
    }
    const url = sameOriginUrl(String(item.url));
    if (!url) {
      return;
    }
    const ev = params.event && params.event.event;
    if (ev && (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button === 1)) {
      window.open(url, '_blank', 'noopener');
      return;
    }
    const target = el.dataset.chartTarget;
    if (target && window.htmx && document.querySelector(target)) {
      window.htmx.ajax('GET', url, { target: target, swap: 'innerHTML' });
      return;
    }
    window.location.assign(url);
  }

  /** Set up one chart container (does nothing if it already has a chart). */
  function initChart(el) {
    const echarts = window.echarts;
    if (!echarts || el.tagName === 'SCRIPT' || el.tagName === 'TEMPLATE') {
      return;
    }
    const existing = liveCharts.get(el);
    if (existing && !existing.isDisposed()) {
      return; // already initialised
    }
    if (el.getAttribute('data-chart-state') === 'error') {
      return; // failed before: don't retry on every swap (refreshChart() does)
    }
    // A restored htmx history snapshot or a cloned node carries the previous
    // chart's DOM and instance attribute: clear them so init starts clean.
    if (el.hasAttribute(ECHARTS_ATTR)) {
      el.removeAttribute(ECHARTS_ATTR);
      emptyElement(el);
    }

    const source = chartSource(el);
    if (!source) {
      showChartError(el, '图表未配置数据源');
      return;
    }

    registerTheme(echarts);
    const chart = echarts.init(el, el.dataset.chartTheme || THEME, {
      renderer: el.dataset.chartRenderer === 'svg' ? 'svg' : 'canvas',
      locale: 'ZH'
    });
    liveCharts.set(el, chart);
    el.setAttribute('data-chart-state', 'loading');
    if (resizeObserver) {
      resizeObserver.observe(el);
    }
    chart.on('click', function (params) { drillDown(el, params); });

    loadOption(el, chart, source);
  }

  /** Get the option (inline or fetched) and apply it. */
  async function loadOption(el, chart, source) {
    let option;
    try {
      if (source.json) {
        option = optionFromScript(source.json);
      } else {
        chart.showLoading('default', {
          text: '加载中…',
          color: '#c8161d',
          textColor: '#667085',
          maskColor: 'rgba(255, 255, 255, 0.8)'
        });
        option = await optionFromUrl(source.src);
      }
      option = unwrapOption(option);
      if (!option || typeof option !== 'object' || Array.isArray(option)) {
        throw new Error('chart option is not an object');
      }
    } catch (err) {
      if (window.console) {
        window.console.error('[taizhang] chart', el, err);
      }
      if (!chart.isDisposed()) {
        showChartError(el, '图表数据加载失败');
      }
      return;
    }
    if (chart.isDisposed()) {
      return; // removed while the data was loading
    }
    chart.hideLoading();
    chart.setOption(option, true);
    el.setAttribute('data-chart-state', 'ready');
  }

  function resizeChart(el) {
    const chart = liveCharts.get(el);
    if (chart && !chart.isDisposed()) {
      chart.resize();
    }
  }

  function disposeChart(el) {
    const chart = liveCharts.get(el) || (window.echarts && window.echarts.getInstanceByDom(el));
    if (chart && !chart.isDisposed()) {
      chart.dispose();
    }
    if (resizeObserver) {
      resizeObserver.unobserve(el);
    }
    liveCharts.delete(el);
  }

  /** Dispose charts whose container has left the document. */
  function pruneCharts() {
    liveCharts.forEach(function (chart, el) {
      if (!document.documentElement.contains(el)) {
        disposeChart(el);
      }
    });
  }

  /** Set up every chart under root (default: the whole document). */
  function initCharts(root) {
    pruneCharts();
    if (!window.echarts) {
      return;
    }
    findAll(root || document, CHART_SELECTOR).forEach(initChart);
  }

  /** Drop a chart and build it again (e.g. after changing data-chart-src). */
  function refreshChart(el) {
    disposeChart(el);
    el.removeAttribute(ECHARTS_ATTR);
    el.removeAttribute('data-chart-state');
    emptyElement(el);
    initChart(el);
  }

  // Window resize: one pass per animation frame over all live charts.
  let resizePending = false;
  window.addEventListener('resize', function () {
    if (resizePending) {
      return;
    }
    resizePending = true;
    window.requestAnimationFrame(function () {
      resizePending = false;
      resizeAll();
    });
  });

  // Printing changes the page width: fit charts to it, and back afterwards.
  function resizeAll() {
    liveCharts.forEach(function (chart, el) { resizeChart(el); });
  }
  window.addEventListener('beforeprint', resizeAll);
  window.addEventListener('afterprint', resizeAll);
  if (window.matchMedia) {
    // Chromium switches media while laying out the print, after beforeprint.
    const printQuery = window.matchMedia('print');
    if (printQuery.addEventListener) {
      printQuery.addEventListener('change', resizeAll);
    } else if (printQuery.addListener) {
      printQuery.addListener(resizeAll); // Safari < 14
    }
  }

  // htmx: set up charts in new content, dispose those htmx removes.
  document.addEventListener('htmx:load', function (evt) {
    initCharts(evt.target);
  });
  document.addEventListener('htmx:afterSwap', function () {
    initCharts(document.body);
  });
  document.addEventListener('htmx:historyRestore', function () {
    initCharts(document.body);
  });
  // Before htmx snapshots the page for its history cache, take the chart
  // internals (ECharts' own <div>/<canvas> with style attributes) and the
  // progress-bar widths out of the DOM, and put them back right after. The
  // snapshot then holds clean, empty chart containers: restoring it (Back
  // button) trips no CSP style-src violations and app.js draws the charts
  // afresh. htmx takes the snapshot synchronously after this event, before
  // the browser paints, so nothing flickers.
  document.addEventListener('htmx:beforeHistorySave', function () {
    const parked = [];
    liveCharts.forEach(function (chart, el) {
      const fragment = document.createDocumentFragment();
      while (el.firstChild) {
        fragment.appendChild(el.firstChild);
      }
      const instanceId = el.getAttribute(ECHARTS_ATTR);
      el.removeAttribute(ECHARTS_ATTR);
      const cssText = el.style.cssText; // ECharts styles the container too
      removeStyleAttribute(el);
      parked.push({ el: el, fragment: fragment, instanceId: instanceId, cssText: cssText });
    });
    findAll(document, PROGRESS_SELECTOR).forEach(function (bar) {
      bar.style.width = '';
      if (!bar.style.length) {
        removeStyleAttribute(bar);
      }
    });
    Promise.resolve().then(function () {
      parked.forEach(function (p) {
        if (liveCharts.get(p.el) && !p.el.firstChild) {
          p.el.appendChild(p.fragment);
          if (p.instanceId) {
            p.el.setAttribute(ECHARTS_ATTR, p.instanceId);
          }
          p.el.style.cssText = p.cssText; // CSSOM write: allowed under CSP
        }
      });
      initProgress(document);
    });
  });

  document.addEventListener('htmx:beforeCleanupElement', function (evt) {
    const el = evt.target;
    if (el && el.nodeType === 1 && liveCharts.has(el)) {
      disposeChart(el);
    }
  });

  /* ------------------------------------------------------------------ *
   * 3. Confirm dialogs: data-confirm="…"
   * ------------------------------------------------------------------ */

  /** True if el, when clicked, submits its form. */
  function isSubmitter(el) {
    if (el.tagName === 'BUTTON') {
      return (el.getAttribute('type') || 'submit').toLowerCase() === 'submit';
    }
    if (el.tagName === 'INPUT') {
      const type = (el.getAttribute('type') || '').toLowerCase();
      return type === 'submit' || type === 'image';
    }
    return false;
  }

  // Capture phase on document: runs before htmx's and the browser's handling
  // of the click, so cancelling here stops navigation, submission and htmx.
  document.addEventListener('click', function (evt) {
    const el = evt.target && evt.target.closest ? evt.target.closest('[data-confirm]') : null;
    if (!el || el.tagName === 'FORM') {
      return; // forms are asked on submit, below
    }
    if (el.matches(':disabled')) {
      return;
    }
    if (!window.confirm(el.getAttribute('data-confirm'))) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
      return;
    }
    // Confirmed a submit button: don't ask again if its form has data-confirm.
    const form = isSubmitter(el) ? el.form : null;
    if (form) {
      form.__tzConfirmed = true;
      window.setTimeout(function () { form.__tzConfirmed = false; }, 0);
    }
  }, true);

  document.addEventListener('submit', function (evt) {
    const form = evt.target;
    if (!form || !form.matches || !form.matches('form[data-confirm]')) {
      return;
    }
    if (form.__tzConfirmed) {
      form.__tzConfirmed = false;
      return;
    }
    if (!window.confirm(form.getAttribute('data-confirm'))) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

  /* ------------------------------------------------------------------ *
   * 4. Progress bars: data-value -> width
   * ------------------------------------------------------------------ */

  function initProgress(root) {
    findAll(root || document, PROGRESS_SELECTOR).forEach(function (bar) {
      const raw = bar.hasAttribute('data-value')
        ? bar.getAttribute('data-value')
        : bar.getAttribute('data-percent');
      let value = parseFloat(raw);
      if (!isFinite(value)) {
        value = 0;
      }
      const stated = value;
      value = Math.max(0, Math.min(100, value));
      bar.style.width = value + '%'; // CSSOM writes are allowed under CSP
      const track = bar.parentElement;
      if (!track || !track.classList.contains('tz-progress')) {
        return;
      }
      // Every bar in the product prints its percentage beside it, so the bar itself is decoration and is hidden
      // from screen readers; a bar given a name (data-label) is announced as a progress bar instead, with its
      // stated value (a target at 121.3 % is not read as 100).
      const name = track.getAttribute('data-label');
      if (!name) {
        track.setAttribute('aria-hidden', 'true');
        return;
      }
      track.setAttribute('role', 'progressbar');
      track.setAttribute('aria-label', name);
      track.setAttribute('aria-valuemin', '0');
      track.setAttribute('aria-valuemax', '100');
      track.setAttribute('aria-valuenow', String(Math.round(value)));
      track.setAttribute('aria-valuetext', String(stated) + '%');
    });
  }

  document.addEventListener('htmx:load', function (evt) {
    initProgress(evt.target);
  });

  /* ------------------------------------------------------------------ *
   * 5. Forms with data-figures: ordinary forms, nothing to do here.
   * ------------------------------------------------------------------ */

  /* ------------------------------------------------------------------ *
   * 6. Files over the upload limit are refused when chosen, not after
   *    minutes of uploading on a phone network (the server still checks).
   * ------------------------------------------------------------------ */
  document.addEventListener("change", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.files) {
      return;
    }
    const limitMb = Number(document.body.dataset.tzMaxUploadMb || 0);
    if (!limitMb) {
      return;
    }
    const tooBig = Array.prototype.filter.call(input.files, function (file) {
      return file.size > limitMb * 1024 * 1024;
    });
    let note = input.parentNode && input.parentNode.querySelector(".tz-upload-too-big");
    if (tooBig.length) {
      const names = tooBig.map(function (file) {
        return file.name + "（" + (file.size / 1024 / 1024).toFixed(1) + " MB）";
      }).join("、");
      const message = "文件过大：" + names + "，每个文件最大 " + limitMb + " MB，请压缩或重新选择。";
      input.setCustomValidity(message);
      if (!note) {
        note = document.createElement("div");
        note.className = "tz-field__error tz-upload-too-big";
        note.setAttribute("role", "alert");
        input.insertAdjacentElement("afterend", note);
      }
      note.textContent = message;
      input.reportValidity();
    } else {
      input.setCustomValidity("");
      if (note) {
        note.remove();
      }
    }
  });

  /* ------------------------------------------------------------------ *
   * Scrolling tables: a .tz-table-wrap that scrolls (a long or wide table)
   * can be reached and scrolled with the keyboard (WCAG 2.1.1): it becomes
   * a focusable region named by the table's caption or the heading above.
   * ------------------------------------------------------------------ */

  function regionName(wrap) {
    const caption = wrap.querySelector('caption');
    if (caption && caption.textContent.trim()) {
      return caption.textContent.trim();
    }
    let el = wrap.previousElementSibling;
    while (el && !/^H[1-6]$/.test(el.tagName) && !el.classList.contains('tz-card__title')) {
      el = el.previousElementSibling;
    }
    if (!el && wrap.parentElement) {
      el = wrap.parentElement.querySelector('h1, h2, h3, .tz-card__title');
    }
    return el && el.textContent.trim() ? el.textContent.trim() + '（表格）' : '表格';
  }

  function initScrollRegions(root) {
    findAll(root || document, '.tz-table-wrap').forEach(function (wrap) {
      const scrolls = wrap.scrollHeight > wrap.clientHeight + 1 || wrap.scrollWidth > wrap.clientWidth + 1;
      if (!scrolls || wrap.hasAttribute('tabindex')) {
        return;
      }
      wrap.setAttribute('tabindex', '0');
      wrap.setAttribute('role', 'region');
      if (!wrap.hasAttribute('aria-label') && !wrap.hasAttribute('aria-labelledby')) {
        wrap.setAttribute('aria-label', regionName(wrap));
      }
    });
  }

  document.addEventListener('htmx:load', function (evt) {
    initScrollRegions(evt.target);
  });

  /* ------------------------------------------------------------------ *
   * Start-up
   * ------------------------------------------------------------------ */

  // On pages with htmx the htmx:load for <body> does this too; both are
  // idempotent, and this covers pages without htmx.
  onReady(function () {
    initCharts(document);
    initProgress(document);
    initScrollRegions(document);
  });

  window.taizhang = Object.freeze({
    initCharts: initCharts,
    refreshChart: refreshChart,
    charts: function () {
      const out = [];
      liveCharts.forEach(function (chart) {
        if (!chart.isDisposed()) {
          out.push(chart);
        }
      });
      return out;
    }
  });
}());
