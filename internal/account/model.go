package account

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

// Org is an organisation of the network.
type Org struct {
	ID              string
	Slug            string
	Name            string
	Require2FAStaff bool
	CreatedAt       time.Time
}

// User is an account. Handle is the name she chose, as she wrote it.
type User struct {
	ID           string
	OrgID        string
	OrgSlug      string
	Handle       string
	Role         web.Role
	NetworkAdmin bool
	Lang         string
	TOTP         bool
	CreatedAt    time.Time
}

// Invite is an invite code's record (the code itself is never stored).
type Invite struct {
	ID        string
	OrgID     string
	Role      web.Role
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// Status is what the invite's state is at now.
func (i Invite) Status(now time.Time) string {
	switch {
	case i.UsedAt != nil:
		return "used"
	case !now.Before(i.ExpiresAt):
		return "expired"
	default:
		return "open"
	}
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	Seq         int64
	OrgID       string
	At          time.Time
	ActorID     string
	ActorHandle string // resolved for display; "" when the actor was deleted
	Action      string
	ObjectType  string
	ObjectID    string
}

// Limits on what a user types.
const (
	MinPassphrase = 8
	MaxPassphrase = 256
	MinHandle     = 3
	MaxHandle     = 32
)

// NormalizeHandle returns the handle as shown (NFKC, trimmed) and the form it
// is matched by (case-folded), or a field error.
func NormalizeHandle(raw string) (display, key string, err error) {
	display = strings.TrimSpace(norm.NFKC.String(raw))
	display = strings.TrimPrefix(display, "@")
	n := utf8.RuneCountInString(display)
	if n == 0 {
		return "", "", apperr.Field("handle", "error.required")
	}
	if n < MinHandle || n > MaxHandle {
		return "", "", apperr.Field("handle", "account.error.handle_length")
	}
	for _, r := range display {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.') {
			return "", "", apperr.Field("handle", "account.error.handle_chars")
		}
	}
	return display, cases.Fold().String(display), nil
}

// commonPassphrases are refused outright; a longer list would be better and
// costs only memory.
var commonPassphrases = map[string]bool{
	"12345678": true, "123456789": true, "1234567890": true, "password": true, "password1": true,
	"11111111": true, "88888888": true, "66666666": true, "00000000": true, "qwertyui": true,
	"qwerty123": true, "iloveyou": true, "abcd1234": true, "a1234567": true, "woaini1314": true,
	"1qaz2wsx": true, "12341234": true, "87654321": true, "passw0rd": true, "sisterline": true,
}

// CheckPassphrase says what is wrong with a new passphrase, or nil.
func CheckPassphrase(field, pass string) error {
	n := utf8.RuneCountInString(pass)
	switch {
	case n == 0:
		return apperr.Field(field, "error.required")
	case n < MinPassphrase:
		return apperr.Field(field, "account.error.passphrase_short")
	case n > MaxPassphrase:
		return apperr.Field(field, "account.error.passphrase_long")
	case commonPassphrases[strings.ToLower(pass)]:
		return apperr.Field(field, "account.error.passphrase_common")
	}
	return nil
}

// NormalizeSlug checks an organisation slug: 2–40 lower-case letters, digits
// and dashes.
func NormalizeSlug(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	if s == "" {
		return "", apperr.Field("slug", "error.required")
	}
	if len(s) < 2 || len(s) > 40 {
		return "", apperr.Field("slug", "account.error.slug")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return "", apperr.Field("slug", "account.error.slug")
		}
	}
	return s, nil
}

// NormalizeInviteCode turns what she typed into the canonical code: upper
// case, no dashes or spaces, full-width characters folded.
func NormalizeInviteCode(raw string) string {
	s := strings.ToUpper(norm.NFKC.String(raw))
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// FormatInviteCode groups a code in fours for reading aloud and typing.
func FormatInviteCode(code string) string {
	var b strings.Builder
	for i, r := range code {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return b.String()
}
