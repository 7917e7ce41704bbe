// Live workshop pages follow the room over one Server-Sent Events stream per page.
//
// Every region that refreshes carries data-live-events (the stream's address) and an
// htmx trigger such as "live:state, every 2s". The stream's events `state` and
// `answers` become the DOM events live:state and live:answers on each such region, so
// it fetches its fragment as soon as something changed. A participant's `state` event
// may carry their region's new fragment itself (the one the fetch would get): it is
// swapped in as htmx would, and that region does not fetch. While the stream is open
// the timed polls are cancelled before they leave, so an idle room costs no requests;
// when it drops, polling goes on by itself until the browser has reconnected.
(function () {
  "use strict";

  var REGIONS = "[data-live-events]";
  var source = null;
  var streaming = false;

  // Said on <html data-live="streaming|polling">, for styles and for the browser tests.
  function setStreaming(open) {
    streaming = open;
    document.documentElement.setAttribute("data-live", open ? "streaming" : "polling");
  }

  function tell(name, exceptId) {
    document.querySelectorAll(REGIONS).forEach(function (region) {
      if (!exceptId || region.id !== exceptId) {
        region.dispatchEvent(new CustomEvent(name));
      }
    });
  }

  // Swap a pushed fragment over the region with its root's id, and say which; none
  // when there is no such region, or when it is sending something (an answer) whose
  // response will replace it: then it fetches.
  function swapPushed(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var root = template.content.firstElementChild;
    var region = root && root.id && document.getElementById(root.id);
    if (!region || !region.matches(REGIONS) || region.querySelector(".htmx-request")) {
      return null;
    }
    htmx.swap(region, html, {swapStyle: "outerHTML", swapDelay: 0, settleDelay: 20},
      {eventInfo: {target: region}});
    return root.id;
  }

  function open() {
    var region = document.querySelector(REGIONS);
    if (source || !region || !window.EventSource) {
      return;
    }
    source = new EventSource(region.getAttribute("data-live-events"));
    source.addEventListener("open", function () {
      setStreaming(true);
      // Whatever happened while the stream was being set up or was down.
      tell("live:state");
      tell("live:answers");
    });
    source.addEventListener("error", function () {
      // The browser reconnects by itself unless the server said no (a 204 once the
      // workshop has ended, or a server that does not stream): meanwhile, poll.
      setStreaming(false);
    });
    source.addEventListener("state", function (event) {
      var data = JSON.parse(event.data);
      tell("live:state", data.html ? swapPushed(data.html) : null);
      if (data.ended) {
        source.close();
        setStreaming(false);
      }
    });
    source.addEventListener("answers", function () {
      tell("live:answers");
    });
  }

  // A request a region makes on its own timer, not because the stream said so.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail.requestConfig;
    var timed = !config || !config.triggeringEvent;
    if (streaming && timed && event.detail.elt.matches(REGIONS)) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", open);
  // A region may arrive later, swapped in by htmx.
  document.addEventListener("htmx:afterSettle", open);
})();
