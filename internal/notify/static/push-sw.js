// The web push service worker. It only shows the notice it is sent — a
// neutral title and text — and opens the site when the notice is tapped.
// There is deliberately no fetch handler and no cache: nothing of any page is
// kept on the phone.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var url = typeof data.url === "string" && data.url.charAt(0) === "/" && data.url.charAt(1) !== "/" ? data.url : "/";
  // The tag is the message id: a resend replaces the first notice.
  event.waitUntil(self.registration.showNotification(data.title || "", {
    body: data.body || "",
    tag: data.id || "notice",
    data: { url: url }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.openWindow(url));
});
