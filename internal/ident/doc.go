// Package ident parses and normalises what a violent client is known by —
// phone numbers, WeChat and QQ ids, e-mail addresses, licence plates, handles
// and names — so that the same man matches however he is written down.
//
// Its one job: turn what a member typed into an [Identifier] whose Value is a
// canonical form (fed to the keyed blind index through [Identifier.MatchKey])
// and whose Display is a form for people to read. Every function is pure: no
// I/O, no clock, no configuration beyond the arguments.
//
// # Stability
//
// Values are stored only as blind indexes, so a change to a normal form breaks
// matching of everything stored before it. Treat every rule here as a data
// format: change one only together with a re-indexing migration.
//
// Two dependencies shape the forms. Unicode keeps NFKC and case folding
// stable for characters already assigned, so upgrading golang.org/x/text
// only affects characters nobody could type before (foldCase corrects the
// one place where x/text departs from Unicode). libphonenumber metadata
// changes monthly: a release can accept numbers an older one refused (new
// ranges) and could in principle read a number differently (a new
// trunk-prefix rule). Read the changelog of github.com/nyaruka/phonenumbers
// before upgrading it; TestNormalFormsNeverChange pins forms already stored.
package ident
