/*!
 * taizhang — reports.js: the structured editor of work summaries (no inline scripts under the CSP).
 *
 *   <textarea data-tz-editor>   a paragraph as text with figure tokens ⟦f12：604场⟧. It is replaced by a
 *                               contenteditable box where each token is a locked chip (contenteditable=false)
 *                               with a × to remove it; the textarea stays in the form (hidden) and is kept in
 *                               sync, so saving posts the same token text as without JavaScript.
 *   <button data-tz-insert=URL> with <select data-tz-metric> (one picker for the page): asks URL?metric=KEY for the
 *                               figure's text and inserts a chip ⟦+KEY⟧ where the caret was last in a paragraph.
 *                               The server computes the figure again when the paragraph is saved.
 * Enter does not make new lines (a paragraph is one block); pasting inserts plain text only.
 */
(function () {
  'use strict';

  var TOKEN = /⟦(\+?[A-Za-z0-9_]+(?:@[a-z_]+)?)(?:[：:]([^⟧]*))?⟧/g;

  function chip(ref, text) {
    var span = document.createElement('span');
    span.className = 'tz-chip' + (ref.charAt(0) === '+' ? ' tz-chip--new' : '');
    span.contentEditable = 'false';
    span.setAttribute('data-ref', ref);
    span.setAttribute('data-text', text || '');
    span.appendChild(document.createTextNode(text || ref));
    var x = document.createElement('button');
    x.type = 'button';
    x.className = 'tz-chip__x';
    x.setAttribute('aria-label', '删除该数据');
    x.title = '删除该数据';
    x.textContent = '×';
    span.appendChild(x);
    return span;
  }

  function render(box, value) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var last = 0;
    value.replace(TOKEN, function (match, ref, text, offset) {
      if (offset > last) { box.appendChild(document.createTextNode(value.slice(last, offset))); }
      box.appendChild(chip(ref, text));
      last = offset + match.length;
      return match;
    });
    if (last < value.length) { box.appendChild(document.createTextNode(value.slice(last))); }
  }

  function serialize(box) {
    var out = '';
    box.childNodes.forEach(function (node) {
      if (node.nodeType === 3) {
        out += node.nodeValue.replace(/[⟦⟧\n\r]/g, '');
      } else if (node.nodeType === 1 && node.classList.contains('tz-chip')) {
        out += '⟦' + node.getAttribute('data-ref') + '：' + node.getAttribute('data-text') + '⟧';
      } else if (node.nodeType === 1) {
        out += (node.textContent || '').replace(/[⟦⟧\n\r]/g, '');
      }
    });
    return out;
  }

  function setup(area) {
    if (area.getAttribute('data-tz-ready')) { return; }
    area.setAttribute('data-tz-ready', '1');
    var box = document.createElement('div');
    box.className = 'tz-rich';
    box.contentEditable = 'true';
    box.setAttribute('role', 'textbox');
    box.setAttribute('aria-multiline', 'false');
    box.setAttribute('aria-label', area.getAttribute('aria-label') || '段落');
    render(box, area.value);
    area.hidden = true;
    area.parentNode.insertBefore(box, area);
    var sync = function () { area.value = serialize(box); };
    box.addEventListener('input', sync);
    box.addEventListener('keydown', function (evt) {
      if (evt.key === 'Enter') { evt.preventDefault(); }
    });
    box.addEventListener('paste', function (evt) {
      evt.preventDefault();
      var text = (evt.clipboardData || window.clipboardData).getData('text').replace(/[⟦⟧\n\r]/g, '');
      document.execCommand('insertText', false, text);
      sync();
    });
    box.addEventListener('click', function (evt) {
      var x = evt.target.closest ? evt.target.closest('.tz-chip__x') : null;
      if (x) {
        evt.preventDefault();
        x.parentNode.parentNode.removeChild(x.parentNode);
        sync();
      }
    });
    box._tzSync = sync;
  }

  // Where the caret was last inside a paragraph (clicking the picker moves the focus away).
  var lastBox = null;
  var lastRange = null;
  function remember() {
    var sel = window.getSelection();
    if (!sel || !sel.rangeCount) { return; }
    var range = sel.getRangeAt(0);
    var node = range.startContainer.nodeType === 1 ? range.startContainer : range.startContainer.parentNode;
    var box = node && node.closest ? node.closest('.tz-rich') : null;
    if (box) {
      lastBox = box;
      lastRange = range.cloneRange();
    }
  }
  document.addEventListener('keyup', remember);
  document.addEventListener('mouseup', remember);
  document.addEventListener('focusin', function (evt) {
    if (evt.target.classList && evt.target.classList.contains('tz-rich')) { lastBox = evt.target; }
  });

  function insertAtCaret(box, node) {
    if (lastRange && box.contains(lastRange.startContainer)) {
      lastRange.deleteContents();
      lastRange.insertNode(node);
      lastRange.setStartAfter(node);
      lastRange.collapse(true);
    } else {
      box.appendChild(node);
    }
  }

  document.addEventListener('click', function (evt) {
    var btn = evt.target.closest ? evt.target.closest('[data-tz-insert]') : null;
    if (!btn) { return; }
    var select = document.querySelector('[data-tz-metric]');
    evt.preventDefault();
    if (!select || !window.fetch) { return; }
    var box = lastBox && document.body.contains(lastBox) ? lastBox : null;
    if (!box) { window.alert('请先在要插入数据的段落中点击一下。'); return; }
    if (!select.value) { select.focus(); return; }
    var url = btn.getAttribute('data-tz-insert') + '?metric=' + encodeURIComponent(select.value);
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        insertAtCaret(box, chip(data.ref, data.text));
        box._tzSync();
        select.value = '';
      })
      .catch(function () { window.alert('无法读取该指标的数据，请稍后重试。'); });
  }, true);

  function init(root) {
    document.documentElement.classList.add('tz-js');
    (root || document).querySelectorAll('textarea[data-tz-editor]').forEach(setup);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener('htmx:load', function () { init(document); });
  document.addEventListener('htmx:afterSettle', function () { init(document); });
}());
