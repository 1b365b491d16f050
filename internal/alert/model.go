package alert

import (
	"time"

	"github.com/sisterline/sisterline/internal/ident"
)

// Scopes of an alert.
const (
	ScopeOrg     = "org"
	ScopeNetwork = "network"
)

// Statuses of an alert.
const (
	StatusActive    = "active"
	StatusWithdrawn = "withdrawn"
)

// Alert is a published alert.
type Alert struct {
	ID            string
	OrgID         string
	OrgSlug       string
	Scope         string
	Status        string
	Summary       string
	IncidentTypes []string
	OccurredOn    string
	Area          string
	PublishedAt   time.Time
	UpdatedAt     time.Time
	ExpiresAt     *time.Time
	Identifiers   []ident.Identifier
}

// Expired reports whether the alert no longer shows at now.
func (a Alert) Expired(now time.Time) bool { return a.ExpiresAt != nil && !now.Before(*a.ExpiresAt) }

// Input is what a moderator writes when she publishes or corrects an alert.
type Input struct {
	OrgID         string
	ActorID       string
	Scope         string
	Summary       string
	IncidentTypes []string
	OccurredOn    string
	Area          string
	ExpiresAt     *time.Time
	Identifiers   []ident.Identifier
}
