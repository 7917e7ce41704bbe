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
    if (!pressed || !event.detail.target || event.detail.target.id !== "console") {
      return;
    }
    var console = document.getElementById("console");
    var button = document.getElementById(pressed);
    pressed = null;
    if (!button || button.disabled) {
      button = console && console.querySelector(".controls button:not([disabled])");
    }
    if (button) {
      button.focus();
    }
  });
})();
