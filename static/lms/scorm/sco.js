// One lesson of the SCORM 1.2 package (lms/scorm.py): steps one at a time, the explorer's
// layer panels, the practice quiz scored here, and the reports to the LMS's runtime.
// The scoring rules are quiz/scoring.py's, in exact fractions so a score on the edge
// rounds the same way as on the site.
(function () {
  "use strict";

  // --- The SCORM 1.2 runtime: window.API in this frame, a parent frame, or the opener.
  function findAPI(start) {
    var win = start;
    for (var hops = 0; win && hops < 12; hops += 1) {
      try {
        if (win.API) { return win.API; }
      } catch (error) { return null; } // a frame of another origin: stop looking
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  var api = findAPI(window) || (window.opener ? findAPI(window.opener) : null);
  var connected = false;
  var finished = false;
  var startedAt = Date.now();

  function get(element) { return connected ? String(api.LMSGetValue(element)) : ""; }
  function set(element, value) { if (connected) { api.LMSSetValue(element, String(value)); } }
  function commit() { if (connected) { api.LMSCommit(""); } }

  function sessionTime() {
    // CMITimespan: HHHH:MM:SS.SS
    var seconds = Math.max(0, (Date.now() - startedAt) / 1000);
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = (seconds % 60).toFixed(2);
    function pad(text, width) { text = String(text); while (text.length < width) { text = "0" + text; } return text; }
    return pad(hours, 4) + ":" + pad(minutes, 2) + ":" + pad(rest, 5);
  }

  function finish() {
    if (!connected || finished) { return; }
    finished = true;
    set("cmi.core.session_time", sessionTime());
    // An unfinished lesson is suspended, so the LMS keeps lesson_location for the resume.
    set("cmi.core.exit", get("cmi.core.lesson_status") === "incomplete" ? "suspend" : "");
    commit();
    api.LMSFinish("");
  }

  function text(name) {
    var template = document.getElementById("texts");
    var node = template && template.content.querySelector('[data-text="' + name + '"]');
    return node ? node.textContent : name;
  }

  if (api && String(api.LMSInitialize("")) === "true") {
    connected = true;
    if (get("cmi.core.lesson_status") === "not attempted") {
      set("cmi.core.lesson_status", "incomplete");
    }
    var status = document.querySelector("[data-runtime-status]");
    if (status) { status.textContent = text("connected"); }
    window.addEventListener("pagehide", finish);
    window.addEventListener("beforeunload", finish);
  }

  // --- Steps, one at a time; where the learner is goes to cmi.core.lesson_location.
  var steps = Array.prototype.slice.call(document.querySelectorAll("[data-step]"));
  var contents = Array.prototype.slice.call(document.querySelectorAll(".sco-contents a"));

  function showStep(index, moveFocus) {
    index = Math.max(0, Math.min(steps.length - 1, index));
    steps.forEach(function (step, position) { step.hidden = position !== index; });
    contents.forEach(function (link, position) {
      if (position === index) { link.setAttribute("aria-current", "step"); } else { link.removeAttribute("aria-current"); }
    });
    if (moveFocus) {
      var heading = steps[index].querySelector("h2");
      if (heading) { heading.focus(); }
    }
    set("cmi.core.lesson_location", index);
  }

  function completeReading() {
    var current = get("cmi.core.lesson_status");
    if (current !== "passed" && current !== "failed") {
      set("cmi.core.lesson_status", "completed");
    }
    commit();
  }

  document.addEventListener("click", function (event) {
    var go = event.target.closest("[data-go-step]");
    var finishReading = event.target.closest("[data-finish-reading]");
    if (finishReading) { completeReading(); }
    if (go) {
      event.preventDefault();
      showStep(parseInt(go.getAttribute("data-go-step"), 10), true);
    } else if (finishReading) {
      var done = document.createElement("p");
      done.className = "message message--success";
      done.setAttribute("role", "status");
      done.textContent = text("completed");
      finishReading.closest("nav").after(done);
      finishReading.disabled = true;
    }
  });

  if (steps.length) {
    var resume = parseInt(get("cmi.core.lesson_location"), 10);
    showStep(isNaN(resume) ? 0 : resume, false);
  }

  // --- The explorer: a layer's link opens its panel, which is already in the page.
  document.querySelectorAll("[data-explorer]").forEach(function (explorer) {
    var panels = explorer.querySelectorAll("[data-layer-panel]");
    var links = explorer.querySelectorAll('a[href^="#"]');

    function open(id, moveFocus) {
      panels.forEach(function (panel) { panel.hidden = panel.id !== id; });
      links.forEach(function (link) {
        if (link.getAttribute("href") === "#" + id) { link.setAttribute("aria-current", "true"); } else { link.removeAttribute("aria-current"); }
      });
      var heading = moveFocus && document.getElementById(id + "-title");
      if (heading) { heading.focus(); }
    }

    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        open(link.getAttribute("href").slice(1), true);
      });
    });
    var first = explorer.querySelector("[data-layer-panel][data-open]") || panels[0];
    if (first) { open(first.id, false); }
  });

  // --- The practice quiz.
  var form = document.querySelector("[data-quiz]");
  var keyNode = document.getElementById("answer-key");
  if (!form || !keyNode) { return; }
  var key = JSON.parse(keyNode.textContent);
  var result = document.querySelector("[data-result]");
  var passMark = parseInt(document.body.getAttribute("data-pass-mark"), 10);

  function gcd(a, b) { while (b) { var t = b; b = a % b; a = t; } return Math.abs(a) || 1; }
  function fraction(numerator, denominator) {
    var divisor = gcd(numerator, denominator);
    return [numerator / divisor, denominator / divisor];
  }
  function add(a, b) { return fraction(a[0] * b[1] + b[0] * a[1], a[1] * b[1]); }

  function picked(id) {
    return Array.prototype.slice.call(form.querySelectorAll('input[name="q' + id + '-choice"]:checked'))
      .map(function (input) { return parseInt(input.value, 10); });
  }

  function placed(id, slug) {
    var input = form.querySelector('input[name="q' + id + "-layer-" + slug + '"]:checked');
    return input ? input.value : null;
  }

  function score(id, question) {
    if (question.kind === "classify") {
      var slugs = Object.keys(question.owners);
      var right = slugs.filter(function (slug) { return placed(id, slug) === question.owners[slug]; }).length;
      return { score: fraction(right, slugs.length), answered: slugs.some(function (slug) { return placed(id, slug); }) };
    }
    var choices = picked(id);
    var correct = question.correct;
    if (question.kind === "multiple") {
      var hits = choices.filter(function (choice) { return correct.indexOf(choice) >= 0; }).length;
      var misses = choices.length - hits;
      return { score: fraction(Math.max(hits - misses, 0), correct.length), answered: choices.length > 0 };
    }
    return { score: fraction(choices.length === 1 && choices[0] === correct[0] ? 1 : 0, 1), answered: choices.length > 0 };
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function trustedHtml(html) {
    // The package's own content, rendered by the site's Markdown when it was exported.
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function feedback(id, question, outcome) {
    var value = outcome.score[0] / outcome.score[1];
    var kind = value === 1 ? "correct" : value > 0 ? "partial" : "wrong";
    var box = element("div", "feedback feedback--" + kind);
    var title = element("h4", "feedback__title");
    var mark = element("span", "mark", value === 1 ? "✓" : value > 0 ? "◐" : "✗");
    mark.setAttribute("aria-hidden", "true");
    title.append(mark, " ", !outcome.answered ? text("unanswered") : value === 1 ? text("correct") : value > 0 ? text("partly") : text("wrong"));
    box.append(title);
    if (question.kind === "classify") {
      var list = element("ul", "choice-results");
      Object.keys(question.owners).forEach(function (slug) {
        var mine = placed(id, slug);
        var right = question.owners[slug];
        var row = element("li", "choice-result" + (mine === right ? " choice-result--right" : ""));
        var line = element("p", "choice-result__text", question.names[slug] + ": " + text("right-answer") + " " + text(right));
        line.append(" ", element("span", "tag " + (mine === right ? "tag--right" : "tag--wrong"), mine === right ? "✓" : "✗"));
        row.append(line);
        list.append(row);
      });
      box.append(list);
    } else {
      var mine = picked(id);
      var choices = element("ul", "choice-results");
      Object.keys(question.choices).forEach(function (choiceId) {
        var numeric = parseInt(choiceId, 10);
        var isRight = question.correct.indexOf(numeric) >= 0;
        var row = element("li", "choice-result" + (isRight ? " choice-result--right" : ""));
        var line = element("p", "choice-result__text", question.choices[choiceId]);
        if (mine.indexOf(numeric) >= 0) { line.append(" ", element("span", "tag", text("your-answer"))); }
        if (isRight) { line.append(" ", element("span", "tag tag--right", "✓ " + text("right-answer"))); }
        row.append(line);
        if (question.feedback[choiceId]) {
          var more = element("div", "choice-result__feedback");
          more.append(trustedHtml(question.feedback[choiceId]));
          row.append(more);
        }
        choices.append(row);
      });
      box.append(choices);
    }
    var why = element("div", "explanation");
    why.append(element("p", "explanation__title", text("why")), trustedHtml(question.explanation));
    box.append(why);
    return box;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var ids = Object.keys(key);
    var total = [0, 1];
    var unanswered = 0;
    ids.forEach(function (id) {
      var outcome = score(id, key[id]);
      if (!outcome.answered) { unanswered += 1; }
      total = add(total, outcome.score);
      var slot = form.querySelector('[data-question="' + id + '"] [data-feedback]');
      slot.replaceChildren(feedback(id, key[id], outcome));
    });
    var warning = form.querySelector("[data-unanswered]");
    if (warning) { warning.hidden = unanswered === 0; }
    // Whole percent, halves rounded up: floor(total * 100 / n + 1/2), exactly.
    var n = ids.length;
    var percent = n ? Math.floor((200 * total[0] + n * total[1]) / (2 * n * total[1])) : 0;
    var passed = percent >= passMark;
    set("cmi.core.score.min", 0);
    set("cmi.core.score.max", 100);
    set("cmi.core.score.raw", percent);
    set("cmi.core.lesson_status", passed ? "passed" : "failed");
    commit();
    result.className = "panel sco-result " + (passed ? "panel--confirm" : "panel--fail");
    result.replaceChildren(element("p", "sco-result__score", text(passed ? "passed" : "failed").replace("{score}", percent)));
    var again = element("button", "button button--secondary", text("try-again"));
    again.type = "button";
    again.addEventListener("click", function () {
      form.reset();
      form.querySelectorAll("[data-feedback]").forEach(function (slot) { slot.replaceChildren(); });
      result.hidden = true;
      var firstQuestion = form.querySelector("h3");
      if (firstQuestion) { firstQuestion.scrollIntoView(); }
    });
    result.append(again);
    result.hidden = false;
    result.focus();
  });
}());
