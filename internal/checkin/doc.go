// Package checkin keeps sisters who work alone from being alone: a member
// starts a timed check-in before a job; if she does not mark herself safe,
// the server reminds her, then alerts her buddies with the note she left,
// then her organisation's on-call staff, and opens a case. "Help now" jumps
// straight to buddies and staff.
//
// The timer runs on the server, in the database: a scheduler claims due
// steps (on PostgreSQL with FOR UPDATE SKIP LOCKED, so two instances never
// fire one step) and writes the next state and the notification in one
// transaction, so a step fires at most once whatever crashes, and a restart
// catches up on everything that came due while it was down. Escalation goes
// to peers and staff, never to police.
package checkin
