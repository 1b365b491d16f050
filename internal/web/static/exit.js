// Quick exit: blank the page at once, end the session, and replace this page
// in the history with a neutral site. Also on Shift pressed three times.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  var target = link.getAttribute("href");
  var gone = false;
  function exit(e) {
    if (e) { e.preventDefault(); }
    if (gone) { return; }
    gone = true;
    document.documentElement.style.display = "none";
    document.title = "";
    try { navigator.sendBeacon("/exit"); } catch (_) { /* best effort */ }
    window.location.replace(target);
  }
  link.addEventListener("click", exit);
  var count = 0, last = 0;
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Shift" || e.repeat) { return; }
    var now = Date.now();
    count = now - last < 1500 ? count + 1 : 1;
    last = now;
    if (count >= 3) { exit(); }
  });
})();
