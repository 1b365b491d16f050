package notify

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/ident"
)

// Kind is what a message is about, as named in the API contract.
type Kind string

// The kinds of the API contract.
const (
	KindCheckinReminder Kind = "checkin.reminder"
	KindCheckinBuddy    Kind = "checkin.buddy"
	KindCheckinStaff    Kind = "checkin.staff"
	KindCheckinSafe     Kind = "checkin.safe"
	KindAlertPublished  Kind = "alert.published"
	KindReportNew       Kind = "report.new"
	KindTest            Kind = "test"
)

// Kinds lists every kind.
func Kinds() []Kind {
	return []Kind{KindCheckinReminder, KindCheckinBuddy, KindCheckinStaff, KindCheckinSafe, KindAlertPublished, KindReportNew, KindTest}
}

// Valid reports whether k is a kind of the contract.
func (k Kind) Valid() bool { return slices.Contains(Kinds(), k) }

// Group is a set of kinds a user switches on or off together for an address.
type Group string

// The groups a user chooses between.
const (
	GroupAlerts  Group = "alerts"  // alert.published
	GroupCheckin Group = "checkin" // checkin.*
	GroupReports Group = "reports" // report.new (staff)
)

// Groups lists every group, in the order the settings page shows them.
func Groups() []Group { return []Group{GroupAlerts, GroupCheckin, GroupReports} }

// Group returns the group of a kind; a test message belongs to none, and
// goes to every address.
func (k Kind) Group() Group {
	switch {
	case k == KindAlertPublished:
		return GroupAlerts
	case k == KindReportNew:
		return GroupReports
	case strings.HasPrefix(string(k), "checkin."):
		return GroupCheckin
	}
	return ""
}

// ChannelName is a way a message leaves the server.
type ChannelName string

// The channels.
const (
	ChannelWebhook ChannelName = "webhook"
	ChannelSMS     ChannelName = "sms"
	ChannelEmail   ChannelName = "email"
	ChannelPush    ChannelName = "push"
)

// Channels lists every channel, in the order pages show them.
func Channels() []ChannelName {
	return []ChannelName{ChannelPush, ChannelSMS, ChannelEmail, ChannelWebhook}
}

// RecipientType says who a message is for, as the webhook names it.
type RecipientType string

// The recipient types of the API contract.
const (
	RecipientMember RecipientType = "member" // a user, by id: her own channels
	RecipientPhone  RecipientType = "phone"  // someone without an account, by SMS
	RecipientEmail  RecipientType = "email"  // someone without an account, by e-mail
)

// Recipient is who a message goes to: a user (by id), or an outside phone
// number or e-mail address (a buddy without an account).
type Recipient struct {
	Type   RecipientType
	UserID string
	Phone  string // E.164 once enqueued
	Email  string
}

// ToMember addresses a message to a user.
func ToMember(userID string) Recipient { return Recipient{Type: RecipientMember, UserID: userID} }

// ToPhone addresses a message to an outside phone number (normalised when enqueued).
func ToPhone(number string) Recipient { return Recipient{Type: RecipientPhone, Phone: number} }

// ToEmail addresses a message to an outside e-mail address.
func ToEmail(addr string) Recipient { return Recipient{Type: RecipientEmail, Email: addr} }

// Message is one notification to one recipient. Its ID is what every receiver
// sees, on every channel and every retry, and drops duplicates by.
type Message struct {
	ID    string // set by Enqueue when empty
	Kind  Kind
	OrgID string // the organisation the message belongs to (the recipient's, or the sender's for outside recipients)
	To    Recipient
	// Lang is the language of an outside recipient's text; a user's own
	// setting wins for members. Empty means the site's default.
	Lang string
	// Data fills the full texts (an organisation's choice); it is sealed at
	// rest. Keys used by the catalogs: Area, Handle, Note, Path.
	Data      map[string]string
	CreatedAt time.Time
}

// Address is a place a user receives messages: a phone number (SMS), an
// e-mail address or a browser's push subscription.
type Address struct {
	ID      string
	UserID  string
	Channel ChannelName
	// Value is the E.164 number, the e-mail address, or the push
	// subscription as JSON.
	Value     string
	Groups    []Group
	CreatedAt time.Time
}

// Receives reports whether the address gets messages of kind k.
func (a Address) Receives(k Kind) bool {
	g := k.Group()
	return g == "" || slices.Contains(a.Groups, g)
}

// Display is the address as the settings page shows it: masked in the
// middle, so a glance over her shoulder does not read her number.
func (a Address) Display() string {
	switch a.Channel {
	case ChannelSMS:
		return maskMiddle(a.Value, 4, 4)
	case ChannelEmail:
		local, domain, ok := strings.Cut(a.Value, "@")
		if !ok {
			return maskMiddle(a.Value, 1, 1)
		}
		return maskMiddle(local, 1, 1) + "@" + domain
	case ChannelPush:
		return pushServiceName(a.Value)
	}
	return ""
}

func maskMiddle(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n <= head+tail {
		return strings.Repeat("•", n)
	}
	r := []rune(s)
	return string(r[:head]) + strings.Repeat("•", n-head-tail) + string(r[n-tail:])
}

// MaxAddresses is how many addresses of one channel a user may keep.
const MaxAddresses = 5

// parseGroups reads a stored or submitted list of groups, keeping only known
// ones, in the canonical order.
func parseGroups(list []string) []Group {
	var out []Group
	for _, g := range Groups() {
		if slices.Contains(list, string(g)) {
			out = append(out, g)
		}
	}
	return out
}

func joinGroups(gs []Group) string {
	s := make([]string, len(gs))
	for i, g := range gs {
		s[i] = string(g)
	}
	return strings.Join(s, ",")
}

// normalizePhone returns a phone number in E.164 or a field error.
func normalizePhone(field, raw, region string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", apperr.Field(field, "error.required")
	}
	id, err := ident.Normalize(ident.KindPhone, raw, region)
	if err != nil {
		return "", apperr.Field(field, "notify.error.phone")
	}
	return id.Value, nil
}

// normalizeEmail returns an e-mail address in its normal form or a field error.
func normalizeEmail(field, raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", apperr.Field(field, "error.required")
	}
	id, err := ident.Normalize(ident.KindEmail, raw, "")
	if err != nil {
		return "", apperr.Field(field, "notify.error.email")
	}
	return id.Value, nil
}

// Status is how the deliveries of a channel stand, for the admin page.
type Status struct {
	Channel  ChannelName
	Sent     int
	Waiting  int // pending, not tried yet
	Retrying int // pending after a failed try
	Failed   int
}

// Failure is a delivery that was given up: what the admin page lists. It
// holds no content and no address.
type Failure struct {
	MessageID string
	Kind      Kind
	Channel   ChannelName
	Attempts  int
	LastError string
	CreatedAt time.Time
	FailedAt  time.Time
}

// OnCallEntry is a user on an organisation's on-call list.
type OnCallEntry struct {
	UserID string
	Handle string
	Role   string
}
