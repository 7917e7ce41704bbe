// Live workshops. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Participant's page: say so when polling stops getting through, and stop saying so
  // once it does again. htmx keeps polling through errors, so the page recovers itself.
  function connectionStatus(lost) {
    var notice = document.getElementById("connection-status");
    if (notice) {
      notice.hidden = !lost;
    }
  }
  document.addEventListener("htmx:sendError", function () { connectionStatus(true); });
  document.addEventListener("htmx:responseError", function () { connectionStatus(true); });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      connectionStatus(false);
    }
  });

  // Countdowns: the server holds the deadline. Each clock counts down from it,
  // corrected by the difference between the server's time when the fragment was
  // rendered and this device's time when it arrived. At zero, the live region around
  // it is asked to refresh (the same "live:state" event the stream sends), so the
  // page shows answering closed without waiting for the next poll.
  function startCountdown(clock) {
    if (clock.dataset.running) {
      return;
    }
    clock.dataset.running = "1";
    var deadline = Date.parse(clock.dataset.deadline);
    var skew = Date.parse(clock.dataset.now) - Date.now();
    var number = clock.querySelector(".countdown__number");
    function tick() {
      if (!document.body.contains(clock)) {
        return;
      }
      var left = Math.max(0, Math.ceil((deadline - (Date.now() + skew)) / 1000));
      number.textContent = String(left);
      clock.classList.toggle("countdown--low", left > 0 && left <= 5);
      if (left === 0) {
        clock.classList.add("countdown--done");
        var region = clock.closest("[data-live-events]");
        if (region && window.htmx) {
          // A moment's grace: the server closes answering at the deadline, not before.
          window.setTimeout(function () { window.htmx.trigger(region, "live:state"); }, 400);
        }
        return;
      }
      window.setTimeout(tick, 250);
    }
    tick();
  }
  function startCountdowns() {
    document.querySelectorAll(".countdown[data-deadline]").forEach(startCountdown);
  }
  document.addEventListener("DOMContentLoaded", startCountdowns);
  document.addEventListener("htmx:afterSettle", startCountdowns);

  // A live region that refreshes under the host's hands keeps the focus where it was
  // (same id, or the same button), instead of dropping it to the page.
  var focused = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    focused = null;
    if (active && active !== document.body) {
      focused = active.id ? "#" + active.id : null;
      if (!focused && active.name && active.value) {
        focused = "[name='" + active.name + "'][value='" + active.value + "']";
      }
    }
  });

  // Host console: after an action, keep focus on the button that was pressed, or on
  // the first control when that button is gone (site.js would move it to the stage).
  var pressed = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".controls button");
    if (button) {
      pressed = button.id;
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (pressed && target && target.id === "console") {
      var console = document.getElementById("console");
      var button = document.getElementById(pressed);
      pressed = null;
      if (!button || button.disabled) {
        button = console && console.querySelector(".controls button:not([disabled])");
      }
      if (button) {
        button.focus();
      }
      return;
    }
    if (focused && document.activeElement === document.body) {
      var again = document.querySelector(focused);
      if (again && !again.disabled) {
        again.focus({ preventScroll: true });
      }
    }
    focused = null;
  });
})();
