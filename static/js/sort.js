// "Sort the stack" as cards: drag a card into AWS, Shared or You, or choose on the card
// with the keyboard. The radio buttons stay the truth: the form posts exactly what it
// posts without JavaScript, and a card always sits in the column of its checked radio.
(function () {
  "use strict";

  var DRAG_START_PX = 5;

  function setUp(form) {
    var board = form.querySelector("[data-sort-board]");
    var cardsHome = form.querySelector("[data-sort-cards]");
    var status = form.querySelector("[data-sort-status]");
    if (!board || !cardsHome) {
      return;
    }
    var zones = Array.prototype.slice.call(board.querySelectorAll("[data-zone]"));

    function zoneFor(value) {
      return zones.filter(function (zone) { return zone.dataset.zone === value; })[0];
    }

    function zoneTitle(zone) {
      return zone.querySelector(".sort-zone__title").textContent.trim();
    }

    function cardName(card) {
      return card.querySelector("legend").textContent.replace("⠿", "").trim();
    }

    function checkedValue(card) {
      var checked = card.querySelector("input[type=radio]:checked");
      return checked ? checked.value : "";
    }

    // Put the card in the column its radio says; keep focus where it was.
    function place(card, announce) {
      var zone = zoneFor(checkedValue(card)) || zoneFor("");
      var focused = card.contains(document.activeElement) ? document.activeElement : null;
      var list = zone.querySelector(".sort-zone__cards");
      if (card.parentNode !== list) {
        list.appendChild(card);
      }
      if (focused) {
        focused.focus();
      }
      if (announce && zone.dataset.zone) {
        status.textContent = cardName(card) + ": " + zoneTitle(zone);
      }
      board.classList.toggle("is-sorted", !zoneFor("").querySelector("[data-sort-card]"));
    }

    function choose(card, value) {
      var radio = card.querySelector("input[type=radio][value='" + value + "']");
      if (radio) {
        radio.checked = true;
        place(card, true);
      }
    }

    var cards = Array.prototype.slice.call(cardsHome.querySelectorAll("[data-sort-card]"));
    cards.forEach(function (card) {
      place(card, false);
      card.addEventListener("change", function () { place(card, true); });
      enableDrag(card);
    });
    board.hidden = false;
    Array.prototype.forEach.call(form.querySelectorAll("[data-sort-only]"), function (el) {
      el.hidden = false;
    });
    form.classList.add("is-enhanced");

    // Pointer drag: the card follows the pointer (a transform, set through the CSSOM,
    // which the Content-Security-Policy allows) and lands in the column under it.
    function enableDrag(card) {
      var handle = card.querySelector("legend");
      var start = null;
      var dragging = false;
      var over = null;

      function zoneAt(x, y) {
        card.classList.add("is-passing");
        var hit = document.elementFromPoint(x, y);
        card.classList.remove("is-passing");
        return hit ? hit.closest("[data-zone]") : null;
      }

      function highlight(zone) {
        if (over === zone) {
          return;
        }
        if (over) {
          over.classList.remove("is-over");
        }
        over = zone;
        if (over) {
          over.classList.add("is-over");
        }
      }

      function end(event, drop) {
        if (!start) {
          return;
        }
        if (dragging) {
          card.classList.remove("is-dragging");
          card.style.transform = "";
          if (drop && over && over.dataset.zone) {
            choose(card, over.dataset.zone);
          }
          highlight(null);
          event.preventDefault();
        }
        start = null;
        dragging = false;
      }

      handle.addEventListener("pointerdown", function (event) {
        if (event.button !== 0) {
          return;
        }
        start = {x: event.clientX, y: event.clientY};
        handle.setPointerCapture(event.pointerId);
      });
      handle.addEventListener("pointermove", function (event) {
        if (!start) {
          return;
        }
        var dx = event.clientX - start.x;
        var dy = event.clientY - start.y;
        if (!dragging && Math.abs(dx) + Math.abs(dy) < DRAG_START_PX) {
          return;
        }
        dragging = true;
        card.classList.add("is-dragging");
        card.style.transform = "translate(" + dx + "px, " + dy + "px)";
        highlight(zoneAt(event.clientX, event.clientY));
      });
      handle.addEventListener("pointerup", function (event) { end(event, true); });
      handle.addEventListener("pointercancel", function (event) { end(event, false); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sort]"), setUp);
  });
})();
