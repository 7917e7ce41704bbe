// Site-wide behaviour. No inline scripts anywhere: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Move focus to an error summary on load, or into a freshly swapped region, so
  // keyboard and screen-reader users learn that something changed.
  function focusFirst(root, selector) {
    var target = root.matches(selector) ? root : root.querySelector(selector);
    if (target) {
      target.focus();
    }
  }

  // On a phone the service list scrolls sideways: bring the chosen service into view,
  // with its group's caption when both fit.
  function showCurrentService() {
    var current = document.querySelector(".service-switch [aria-current='page']");
    var list = current && current.closest(".service-switch");
    if (!list || list.scrollWidth <= list.clientWidth) {
      return;
    }
    var listBox = list.getBoundingClientRect();
    var currentBox = current.getBoundingClientRect();
    var groupLeft = current.closest(".service-switch__group").getBoundingClientRect().left;
    var left = currentBox.right - groupLeft <= listBox.width - 32 ? groupLeft : currentBox.left;
    list.scrollLeft += left - listBox.left - 16;
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirst(document.body, "[data-autofocus]");
    showCurrentService();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    // An outerHTML swap replaces the target: find its successor by id.
    var target = event.detail.target;
    if (!target) {
      return;
    }
    if (!target.isConnected && target.id) {
      target = document.getElementById(target.id);
    }
    if (target) {
      focusFirst(target, "[data-autofocus], [data-swap-focus]");
    }
    showCurrentService();
  });

  // Lesson steps: the arrow keys turn the page, unless the learner is typing or
  // choosing something.
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (event.target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    var selector = {ArrowLeft: "[data-keyboard-prev]", ArrowRight: "[data-keyboard-next]"}[event.key];
    var link = selector && document.querySelector(selector);
    if (link) {
      event.preventDefault();
      link.click();
    }
  });
})();
