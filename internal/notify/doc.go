// Package notify is the one way Sisterline sends a message: an outbox in the
// database, written in the same transaction as the event that causes it, and
// a dispatcher that delivers it through web push, SMS, e-mail and a signed
// webhook, retrying with back-off until it arrives or is given up.
//
// Delivery is at least once: a process that dies between sending and
// recording the send sends again after its lease runs out, with the same
// message id, so receivers drop duplicates by id. Texts are neutral by default
// ("You have a new notice from …"): a lock screen or a shared phone shows
// nothing about what happened; the detail is behind sign-in.
//
// Addresses (phones, e-mails, push subscriptions) and the template data of a
// message are sealed at rest, bound to their row or message; when a delivery
// is done its sealed parts are cleared at once and the row itself is deleted
// after the retention period. A fan-out to a whole audience (EnqueueAudience)
// is one INSERT … SELECT with its data sealed once, in a fan-out row that is
// cleared when its last delivery is done.
package notify
