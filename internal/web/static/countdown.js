// Check-in pages: count the time left down live, and show times in the
// phone's own time zone. Without JavaScript the page shows the server's
// figures (minutes left, times in UTC), which is enough.
(function () {
  "use strict";
  var pad = function (n) { return n < 10 ? "0" + n : String(n); };
  var clocks = document.querySelectorAll("[data-countdown]");
  // Count from this page's load, not from the phone's clock, which may be
  // wrong: the server said how many seconds were left.
  var start = Date.now();
  function tick() {
    var gone = Math.floor((Date.now() - start) / 1000);
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var left = parseInt(el.getAttribute("data-countdown"), 10) - gone;
      if (isNaN(left)) { continue; }
      if (left <= 0) {
        el.textContent = el.getAttribute("data-over") || "0:00";
        el.classList.add("over");
        continue;
      }
      var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = (h > 0 ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
    }
  }
  if (clocks.length) {
    tick();
    setInterval(tick, 1000);
  }
  var times = document.querySelectorAll("time[data-local]");
  for (var j = 0; j < times.length; j++) {
    var d = new Date(times[j].getAttribute("datetime"));
    if (!isNaN(d.getTime())) {
      times[j].textContent = d.toLocaleString(document.documentElement.lang || undefined,
        {month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit"});
    }
  }
})();
