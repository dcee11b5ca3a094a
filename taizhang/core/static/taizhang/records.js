/*!
 * taizhang — records.js: small behaviours of the ledger pages (no inline scripts under the CSP).
 *
 *   <input type="checkbox" data-check-all="ids">   ticks/unticks every checkbox named "ids" (including ones
 *                                                  attached to another form with form="…").
 *   <button data-expand="ROW-ID" hx-get=…>          htmx loads the row's content; the hidden row ROW-ID is shown
 *                                                  when it arrives. Clicking again while it is open hides it.
 *   <button data-collapse>                         inside such a row: hides the row again.
 */
(function () {
  'use strict';

  document.addEventListener('change', function (evt) {
    const box = evt.target;
    if (!box || !box.matches || !box.matches('input[type="checkbox"][data-check-all]')) {
      return;
    }
    const name = box.getAttribute('data-check-all');
    document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (el) {
      if (!el.disabled) {
        el.checked = box.checked;
      }
    });
  });

  // An open row: a click on its expand button closes it instead of loading it again.
  document.addEventListener('click', function (evt) {
    const btn = evt.target && evt.target.closest ? evt.target.closest('[data-expand]') : null;
    if (btn) {
      const row = document.getElementById(btn.getAttribute('data-expand'));
      if (row && !row.hidden) {
        row.hidden = true;
        btn.textContent = '展开审核';
        evt.preventDefault();
        evt.stopImmediatePropagation();
      }
      return;
    }
    const collapse = evt.target && evt.target.closest ? evt.target.closest('[data-collapse]') : null;
    if (collapse) {
      const row = collapse.closest('tr');
      if (row) {
        row.hidden = true;
        const opener = document.querySelector('[data-expand="' + row.id + '"]');
        if (opener) {
          opener.textContent = '展开审核';
        }
      }
    }
  }, true);

  document.addEventListener('htmx:afterSwap', function (evt) {
    const target = evt.detail && evt.detail.target;
    const row = target && target.closest ? target.closest('tr[hidden]') : null;
    if (row && row.id) {
      row.hidden = false;
      const opener = document.querySelector('[data-expand="' + row.id + '"]');
      if (opener) {
        opener.textContent = '收起';
      }
    }
  });
}());
