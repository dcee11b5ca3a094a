/*!
 * taizhang — ledger/review.js: the review queue (no inline scripts under the CSP).
 *
 *   <button data-bulk-submit="ids" disabled>   a bulk button that acts on the ticked checkboxes named "ids"
 *                                              (also ones attached with form="…"): enabled only while at least
 *                                              one is ticked, so nothing is confirmed or sent with none ticked.
 */
(function () {
  'use strict';

  function update() {
    document.querySelectorAll('[data-bulk-submit]').forEach(function (btn) {
      const name = btn.getAttribute('data-bulk-submit');
      const ticked = document.querySelectorAll('input[type="checkbox"][name="' + name + '"]:checked').length;
      btn.disabled = ticked === 0;
    });
  }

  // After the "select all" handler of records.js has ticked the others.
  document.addEventListener('change', function (evt) {
    if (evt.target && evt.target.matches && evt.target.matches('input[type="checkbox"]')) {
      window.setTimeout(update, 0);
    }
  });
  window.addEventListener('pageshow', update);
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', update);
  } else {
    update();
  }
}());
