// Site-wide behaviour. No inline scripts anywhere: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Move focus to an error summary or a freshly swapped region so keyboard and
  // screen-reader users learn that something changed.
  function focusFirstAutofocus(root) {
    var target = root.querySelector("[data-autofocus]");
    if (target) {
      target.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstAutofocus(document);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    focusFirstAutofocus(event.detail.elt);
  });
})();
