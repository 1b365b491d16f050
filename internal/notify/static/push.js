// Turns on web push for this browser from the notices settings page. Without
// JavaScript, or in a browser without push, the button stays hidden and the
// hint beside it says why.
(function () {
  "use strict";
  var box = document.getElementById("push");
  var btn = document.getElementById("push-on");
  var status = document.getElementById("push-status");
  if (!box || !btn || !status || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return;
  }
  var needs = document.getElementById("push-needs");
  if (needs) { needs.hidden = true; }
  btn.hidden = false;

  function key(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function say(what) { status.textContent = box.getAttribute("data-" + what); }

  btn.addEventListener("click", function () {
    btn.disabled = true;
    Notification.requestPermission().then(function (perm) {
      if (perm !== "granted") {
        say("denied");
        btn.disabled = false;
        return;
      }
      return navigator.serviceWorker.register("/push-sw.js")
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (reg) {
          return reg.pushManager.getSubscription().then(function (sub) {
            return sub || reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(box.getAttribute("data-key")) });
          });
        })
        .then(function (sub) {
          var j = sub.toJSON();
          return fetch("/api/v1/push-subscriptions", {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ endpoint: j.endpoint, keys: { p256dh: j.keys.p256dh, auth: j.keys.auth } })
          });
        })
        .then(function (resp) {
          if (!resp.ok) { throw new Error("status " + resp.status); }
          say("done");
          window.location.reload();
        });
    }).catch(function () {
      say("fail");
      btn.disabled = false;
    });
  });
})();
