// Package incident holds what a member reports — what happened, when and
// where, who did it, what support she needs and what she consents to — and
// what staff do with it: the moderation queue, requests for more
// information, and a case for each support need, followed up until it is
// closed.
//
// Narratives, places, descriptions and identifiers are sealed at rest. The
// reporter is linked to her reports only through a keyed blind index of her
// user id, and never appears in a moderator's view or in an alert.
package incident
