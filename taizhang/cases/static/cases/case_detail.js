/*!
 * taizhang — cases/case_detail.js: a case action the server refused comes back as the case page with that action's
 * section open (details[data-case-refused]) and an error summary at the top of its form
 * (#case-action-<name>-errors, role="alert", tabindex="-1"). The form posted to that fragment, so the browser
 * already scrolls there without this script (and Chromium focuses it); this makes sure the summary has the focus
 * in every browser, so a screen reader reads what to correct and Tab goes on to the fields. No inline script (CSP).
 */
(function () {
  'use strict';

  function showRefused() {
    var section = document.querySelector('details[data-case-refused]');
    var summary = section ? section.querySelector('.tz-case-errors') : null;
    if (!summary) { return; }
    section.open = true;
    if (document.activeElement !== summary) {
      summary.focus();
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', showRefused);
  } else {
    showRefused();
  }
}());
