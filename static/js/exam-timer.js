// The exam's time left, ticking between page loads. The server holds the deadline and
// refuses late answers; this only shows the count and speaks up at a few thresholds.
(function () {
  "use strict";

  var timer = document.querySelector("[data-exam-timer]");
  if (!timer) {
    return;
  }
  var clock = timer.querySelector("[data-timer-clock]");
  var announcer = timer.querySelector("[data-timer-announce]");
  var expired = timer.querySelector("[data-timer-expired]");
  var secondsLeft = Number(timer.dataset.secondsLeft);
  // Measured from the page's own clock, so a wrong system clock does not matter.
  var end = Date.now() + secondsLeft * 1000;
  // Announce only thresholds still ahead: a page opened with 3 minutes left says
  // nothing about 5. Screen readers hear these lines, never the ticking clock.
  var thresholds = [
    {at: 300, text: timer.dataset.fiveMinutes},
    {at: 60, text: timer.dataset.oneMinute}
  ].filter(function (threshold) {
    return secondsLeft > threshold.at;
  });
  var interval;

  function twoDigits(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function tick() {
    var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    clock.textContent = Math.floor(left / 60) + ":" + twoDigits(left % 60);
    while (thresholds.length && left <= thresholds[0].at) {
      announcer.textContent = thresholds.shift().text;
    }
    if (left === 0) {
      window.clearInterval(interval);
      announcer.textContent = timer.dataset.timeUp;
      expired.hidden = false;
    }
  }

  tick();
  interval = window.setInterval(tick, 1000);
})();
