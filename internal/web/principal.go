package web

import "context"

// Role is a user's role within her organisation.
type Role string

// The roles, least to most trusted.
const (
	RoleMember    Role = "member"
	RoleOutreach  Role = "outreach"
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// Roles lists every role.
func Roles() []Role { return []Role{RoleMember, RoleOutreach, RoleModerator, RoleAdmin} }

// ValidRole reports whether s names a role.
func ValidRole(s string) bool {
	for _, r := range Roles() {
		if string(r) == s {
			return true
		}
	}
	return false
}

// IsStaff reports whether the role works for the organisation (not a member).
func (r Role) IsStaff() bool { return r == RoleOutreach || r == RoleModerator || r == RoleAdmin }

// Principal is who is making a request.
type Principal struct {
	UserID       string
	OrgID        string
	OrgSlug      string
	Handle       string
	Role         Role
	NetworkAdmin bool
	Lang         string
	// SessionID identifies the session or token (a hash, never the secret).
	SessionID []byte
	// API is true when the request carried a bearer token.
	API bool
	// SecondFactorPending is true between the passphrase and the TOTP code.
	SecondFactorPending bool
	// SecondFactorRequired is true when the organisation requires a second
	// factor of her role and she has not set one up yet.
	SecondFactorRequired bool
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of the request, or nil when signed out.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
