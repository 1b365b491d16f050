// Package account holds organisations, users and their roles, invite codes,
// sign-in with sessions and API tokens, the TOTP second factor and the
// append-only audit log of staff actions.
//
// A user has a handle, never a real name; the handle is sealed at rest and
// found through a keyed blind index. Nothing here needs a phone number or an
// e-mail address.
package account
