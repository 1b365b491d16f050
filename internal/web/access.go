package web

import (
	"slices"
	"strings"
)

// Access is the rule that decides who may call a route.
type Access struct {
	name string
	// public routes need no principal.
	public bool
	// roles that may call the route; empty means any signed-in role.
	roles []Role
	// networkAdmin routes need the network_admin flag (any role).
	networkAdmin bool
	// pending routes are open between passphrase and second factor.
	pending bool
}

// Anyone may call the route, signed in or not.
func Anyone() Access { return Access{name: "anyone", public: true} }

// SignedIn lets any signed-in user call the route.
func SignedIn() Access { return Access{name: "signed-in"} }

// Only lets signed-in users with one of the roles call the route.
func Only(roles ...Role) Access {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return Access{name: strings.Join(names, "|"), roles: roles}
}

// NetworkAdmin lets only network admins call the route.
func NetworkAdmin() Access { return Access{name: "network-admin", networkAdmin: true} }

// SecondFactorStep is open to a user who has given her passphrase but not yet
// her second factor (the code page, and signing out).
func SecondFactorStep() Access { return Access{name: "second-factor-step", pending: true} }

// Name is the rule's name, as the authorization tests print it.
func (a Access) Name() string { return a.name }

// Allows reports whether p may call a route with this rule.
func (a Access) Allows(p *Principal) bool {
	if a.public {
		return true
	}
	if p == nil {
		return false
	}
	if p.SecondFactorPending || p.SecondFactorRequired {
		return a.pending
	}
	if a.pending {
		return true
	}
	if a.networkAdmin {
		return p.NetworkAdmin
	}
	return len(a.roles) == 0 || slices.Contains(a.roles, p.Role)
}
