// The time left of a public notice (公示), counted down live. Progressive
// enhancement only: the server writes the days and hours left into the
// page, which is what a browser without JavaScript shows. The notice ends
// at `data-ends-at` (24:00 China time of its last day, in UTC); the
// visitor's clock is corrected by the server's time when the page was
// made (`data-now`), so a wrong clock does not shift the count.
"use strict";

(function () {
  var el = document.querySelector(".countdown[data-ends-at]");
  if (!el) { return; }
  var ends = Date.parse(el.getAttribute("data-ends-at"));
  var skew = Date.parse(el.getAttribute("data-now")) - Date.now();
  var days = el.querySelector(".days");
  var rest = el.querySelector(".rest");
  if (isNaN(ends) || isNaN(skew) || !days || !rest) { return; }
  var clock = document.createElement("strong");
  clock.className = "clock";
  rest.textContent = "";
  rest.appendChild(clock);
  el.setAttribute("data-live", "on");

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.floor((ends - (Date.now() + skew)) / 1000);
    if (left <= 0) {
      el.textContent = el.getAttribute("data-ended");
      el.className = "ended";
      clearInterval(timer);
      return;
    }
    days.textContent = String(Math.floor(left / 86400));
    clock.textContent = two(Math.floor(left % 86400 / 3600)) + ":" + two(Math.floor(left % 3600 / 60)) + ":" + two(left % 60);
  }
  var timer = setInterval(tick, 1000);
  tick();
})();
