package checkin

import (
	"time"
)

// Statuses of a check-in, as the API names them.
const (
	StatusActive    = "active"    // running, not yet due
	StatusSafe      = "safe"      // she marked herself safe
	StatusOverdue   = "overdue"   // due, she was reminded
	StatusEscalated = "escalated" // buddies or staff were alerted
)

// The steps of the escalation ladder.
const (
	stepRemind = "remind"
	stepBuddy  = "buddy"
	stepStaff  = "staff"
	stepDone   = "done"
)

// Event kinds in a check-in's history.
const (
	EventStarted      = "started"
	EventExtended     = "extended"
	EventReminded     = "reminded"
	EventBuddyAlerted = "buddy_alerted"
	EventStaffAlerted = "staff_alerted"
	EventSafe         = "safe"
	EventPanic        = "panic"
	EventAcknowledged = "acknowledged"
	// EventDuress is her duress PIN: buddies and staff were called while
	// whoever watched her screen saw "safe". Only buddies and staff see it.
	EventDuress = "duress"
)

// Checkin is one timed check-in.
type Checkin struct {
	ID        string
	OrgID     string
	OwnerID   string
	Status    string
	DueAt     time.Time
	Grace     time.Duration
	NextStep  string
	NextAt    *time.Time
	Note      string
	CaseID    string
	CreatedAt time.Time
	EndedAt   *time.Time
	Buddies   []Buddy
	Events    []Event
}

// Running reports whether the ladder has not ended.
func (c Checkin) Running() bool { return c.Status != StatusSafe && c.NextStep != stepDone }

// Open reports whether she can still mark herself safe (every status but safe).
func (c Checkin) Open() bool { return c.Status != StatusSafe && c.EndedAt == nil }

// Buddy is someone called when she does not come back: a sister with an
// account, or an outside phone number or e-mail address.
type Buddy struct {
	ID        string
	UserID    string
	Handle    string
	Phone     string
	Email     string
	AlertedAt *time.Time
	AckedAt   *time.Time
}

// Event is one thing that happened to a check-in.
type Event struct {
	At   time.Time
	Kind string
}

// BuddyIn names a buddy when she starts a check-in: exactly one field.
type BuddyIn struct {
	Handle string `json:"handle,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Email  string `json:"email,omitempty"`
}

// Start is what she gives when she starts a check-in.
type Start struct {
	DueIn   time.Duration
	Buddies []BuddyIn
	Note    string
}

// Limits.
const (
	MinDue     = time.Minute
	MaxDue     = 24 * time.Hour
	MaxBuddies = 5
	MaxNote    = 2000
)

// Link is one of her buddy list.
type Link struct {
	UserID string
	Handle string
	Status string // pending, accepted
	// Incoming is true when the other sister asked her.
	Incoming bool
}
