/*!
 * taizhang — summary_editor.js: "保存全部" and the unsaved-edits warning of the summary editor
 * (reports/summary_edit.html; the paragraphs themselves are reports.js). No inline scripts (CSP).
 *
 *   <form data-tz-save-all hidden>   shown once this runs (without scripts each paragraph is saved on its own).
 *                                    On submit it receives, for every changed paragraph, text-<index> (its text)
 *                                    and base-<index> (its text when loaded: the server refuses the paragraph
 *                                    when someone else changed it since), and title / title_base when the title
 *                                    changed; one request saves them all, or none.
 *   textarea[data-tz-editor]         a paragraph; changed when its value differs from data-tz-base, or when the
 *                                    server sent it back unsaved (data-tz-dirty).
 *   input[data-tz-title]             the title, the same way.
 *   [data-tz-dirty-status]           says how many changes are unsaved.
 * Leaving the page (link, reload, closing the tab) with unsaved changes asks first (beforeunload). A request that
 * redraws the whole editor (add or delete a paragraph, accept a problem, save the title alone) asks first too,
 * since it would drop the unsaved paragraphs.
 */
(function () {
  'use strict';

  function editor() { return document.getElementById('tz-editor'); }

  function isDirty(field) {
    if (field.hasAttribute('data-tz-dirty')) { return true; }
    var base = field.getAttribute('data-tz-base');
    return base !== null && field.value !== base;
  }

  function dirtyBlocks() {
    var root = editor();
    if (!root) { return []; }
    return Array.prototype.filter.call(root.querySelectorAll('textarea[data-tz-editor][data-tz-index]'), isDirty);
  }

  function dirtyTitle() {
    var root = editor();
    var title = root ? root.querySelector('input[data-tz-title]') : null;
    return title && isDirty(title) ? title : null;
  }

  function dirtyCount() { return dirtyBlocks().length + (dirtyTitle() ? 1 : 0); }

  function refresh() {
    var root = editor();
    if (!root) { return; }
    var form = root.querySelector('[data-tz-save-all]');
    if (form) { form.hidden = false; }
    var count = dirtyCount();
    var status = root.querySelector('[data-tz-dirty-status]');
    if (status) {
      status.textContent = count ? '有 ' + count + ' 处修改未保存' : '没有未保存的修改';
      status.classList.toggle('tz-save-all__status--dirty', count > 0);
    }
    root.querySelectorAll('textarea[data-tz-editor]').forEach(function (area) {
      var block = area.closest('.tz-block');
      if (block) { block.classList.toggle('tz-block--dirty', isDirty(area)); }
    });
  }

  function hidden(form, name, value) {
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    input.setAttribute('data-tz-added', '1');
    form.appendChild(input);
  }

  // Fill the save-all form just before it is sent (capture phase: before htmx serialises it).
  document.addEventListener('submit', function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches('[data-tz-save-all]')) { return; }
    form.querySelectorAll('[data-tz-added]').forEach(function (el) { el.parentNode.removeChild(el); });
    dirtyBlocks().forEach(function (area) {
      var index = area.getAttribute('data-tz-index');
      hidden(form, 'text-' + index, area.value);
      hidden(form, 'base-' + index, area.getAttribute('data-tz-base') || '');
    });
    var title = dirtyTitle();
    if (title) {
      hidden(form, 'title', title.value);
      hidden(form, 'title_base', title.getAttribute('data-tz-base') || '');
    }
  }, true);

  // A form the page really navigates with (not handled by htmx) must not trigger the leave warning.
  var navigating = false;
  document.addEventListener('submit', function (evt) {
    if (!evt.defaultPrevented) { navigating = true; }
  });

  window.addEventListener('beforeunload', function (evt) {
    if (navigating || !dirtyCount()) { return undefined; }
    evt.preventDefault();
    evt.returnValue = '有未保存的修改，离开将丢失这些修改。';
    return evt.returnValue;
  });

  document.addEventListener('htmx:confirm', function (evt) {
    var elt = evt.detail && evt.detail.elt;
    var root = editor();
    if (!root || !elt || !root.contains(elt) || elt.closest('[data-tz-save-all]')) { return; }
    var target = elt.getAttribute('hx-target') || (elt.closest('[hx-target]') || elt).getAttribute('hx-target');
    if (target !== '#tz-editor') { return; }
    var own = elt.closest('.tz-block');
    var others = dirtyBlocks().filter(function (area) { return !own || !own.contains(area); }).length;
    if (!others) { return; }
    evt.preventDefault();
    if (window.confirm('还有 ' + others + ' 段修改没有保存，继续这一操作会丢失它们。\n确定放弃这些修改并继续吗？' +
                       '（取消后可先点“保存全部”）')) {
      evt.detail.issueRequest();
    }
  });

  document.addEventListener('input', function (evt) {
    if (evt.target.closest && evt.target.closest('#tz-editor')) { refresh(); }
  });
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', refresh);
  } else {
    refresh();
  }
  document.addEventListener('htmx:afterSettle', refresh);
}());
