package incident

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/ident"
)

// Incident types, as the API names them.
var incidentTypes = []string{
	"physical_violence", "sexual_violence", "robbery", "theft", "non_payment", "threats",
	"stalking", "condom_refusal", "drugging", "police_abuse", "blackmail", "other",
}

// Support needs, as the API names them.
var supportNeeds = []string{"medical", "pep", "legal", "counselling", "police_report", "shelter", "other"}

// IncidentTypes lists the incident types in display order.
func IncidentTypes() []string { return slices.Clone(incidentTypes) }

// SupportNeeds lists the support needs in display order.
func SupportNeeds() []string { return slices.Clone(supportNeeds) }

// Report statuses.
const (
	StatusDraft         = "draft"
	StatusPending       = "pending"
	StatusInfoRequested = "info_requested"
	StatusPublished     = "published"
	StatusDeclined      = "declined"
	StatusWithdrawn     = "withdrawn"
)

// Consent is what the reporter allows to be done with her report.
type Consent struct {
	Alert   bool `json:"alert"`
	Network bool `json:"network"`
	Police  bool `json:"police"`
}

// RawIdentifier is an identifier as typed.
type RawIdentifier struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// Identifier is a normalised identifier of a report.
type Identifier struct {
	ID      string
	Kind    ident.Kind
	Value   string // canonical
	Display string
}

// Draft is what a report holds while she writes it, and what she submits.
type Draft struct {
	OccurredOn    string
	Area          string
	Place         string
	IncidentTypes []string
	Narrative     string
	Description   string
	Identifiers   []RawIdentifier
	Support       []string
	Consent       Consent
}

// Report is a report as staff or its reporter see it.
type Report struct {
	ID            string
	OrgID         string
	Status        string
	Step          string
	OnBehalf      bool
	OccurredOn    string
	Area          string
	Place         string
	IncidentTypes []string
	Narrative     string
	Description   string
	Identifiers   []Identifier
	Support       []string
	Consent       Consent
	Priority      int
	// Note is the moderator's reason for declining, or question.
	Note          string
	CreatedAt     time.Time
	SubmittedAt   *time.Time
	UpdatedAt     time.Time
	FirstReviewAt *time.Time
	Messages      []Message
	// Corroborations is how many other reports and alerts, in any
	// organisation, share an identifier with this one.
	Corroborations int
}

// Message is an addition by the reporter or a question from staff.
type Message struct {
	ID        string
	FromStaff bool
	Text      string
	CreatedAt time.Time
}

// Waiting returns how long a submitted report has waited for review at now.
func (r Report) Waiting(now time.Time) time.Duration {
	if r.SubmittedAt == nil {
		return 0
	}
	return now.Sub(*r.SubmittedAt)
}

// Limits on what a report holds.
const (
	maxText        = 20000
	maxShort       = 500
	maxIdentifiers = 20
)

// priority orders the queue: sexual violence and drugging first, then reports
// that ask for urgent support (PEP, medical, shelter), then the rest.
func priority(types, support []string) int {
	p := 0
	for _, t := range types {
		if t == "sexual_violence" || t == "drugging" {
			p += 100
		}
		if t == "physical_violence" {
			p += 20
		}
	}
	for _, s := range support {
		switch s {
		case "pep", "medical":
			p += 50
		case "shelter":
			p += 30
		case "legal", "counselling", "police_report":
			p += 5
		}
	}
	return p
}

func normalizeList(in []string, allowed []string, field string, f apperr.Fields) []string {
	var out []string
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if !slices.Contains(allowed, v) {
			f[field] = "incident.error.unknown_choice"
			continue
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	// Keep the display order, whatever order she chose them in.
	slices.SortFunc(out, func(a, b string) int { return slices.Index(allowed, a) - slices.Index(allowed, b) })
	return out
}

// clean checks a draft's fields: lengths, known choices, a date that is a
// date and not in the future. With submit, at least one incident type is
// required; nothing else ever is. Identifiers that do not parse are kept as
// kind "other" rather than refused, so nothing she wrote is lost.
func (d Draft) clean(now time.Time, region string, submit bool) (Draft, []ident.Identifier, error) {
	f := apperr.Fields{}
	d.IncidentTypes = normalizeList(d.IncidentTypes, incidentTypes, "incident_types", f)
	d.Support = normalizeList(d.Support, supportNeeds, "support", f)
	if submit && len(d.IncidentTypes) == 0 && f["incident_types"] == "" {
		f["incident_types"] = "incident.error.type_required"
	}
	d.OccurredOn = strings.TrimSpace(d.OccurredOn)
	if d.OccurredOn != "" {
		t, err := time.Parse(time.DateOnly, d.OccurredOn)
		switch {
		case err != nil:
			f["occurred_on"] = "incident.error.date"
		case t.After(now.Add(24 * time.Hour)):
			f["occurred_on"] = "incident.error.date_future"
		}
	}
	d.Area = strings.TrimSpace(d.Area)
	d.Place = strings.TrimSpace(d.Place)
	d.Narrative = strings.TrimSpace(d.Narrative)
	d.Description = strings.TrimSpace(d.Description)
	for field, v := range map[string]string{"area": d.Area, "place": d.Place} {
		if utf8.RuneCountInString(v) > maxShort {
			f[field] = "incident.error.too_long"
		}
	}
	for field, v := range map[string]string{"narrative": d.Narrative, "description": d.Description} {
		if utf8.RuneCountInString(v) > maxText {
			f[field] = "incident.error.too_long"
		}
	}
	var ids []ident.Identifier
	var kept []RawIdentifier
	for _, raw := range d.Identifiers {
		if strings.TrimSpace(raw.Value) == "" {
			continue
		}
		if len(kept) == maxIdentifiers {
			f["identifiers"] = "incident.error.too_many_identifiers"
			break
		}
		id, err := normalizeIdentifier(raw, region)
		if err != nil {
			f["identifiers"] = "incident.error.identifier_kind"
			continue
		}
		kept = append(kept, raw)
		ids = append(ids, id)
	}
	d.Identifiers = kept
	return d, ids, f.Err()
}

// normalizeIdentifier normalises one identifier. A value that does not parse
// as its kind (a phone number with too few digits) is kept as "other", so
// it still matches the same text written elsewhere and nothing is lost.
func normalizeIdentifier(raw RawIdentifier, region string) (ident.Identifier, error) {
	kind := ident.KindOther
	if raw.Kind != "" {
		k, ok := ident.ParseKind(raw.Kind)
		if !ok {
			return ident.Identifier{}, apperr.Field("identifiers", "incident.error.identifier_kind")
		}
		kind = k
	} else if g := ident.Guess(raw.Value, region); len(g) > 0 {
		return g[0], nil
	}
	id, err := ident.Normalize(kind, raw.Value, region)
	if err != nil {
		return ident.Normalize(ident.KindOther, raw.Value, region)
	}
	return id, nil
}

// Case is the follow-up of one support need.
type Case struct {
	ID              string
	OrgID           string
	ReportID        string
	Need            string
	Status          string
	AssigneeID      string
	AssigneeHandle  string
	DueOn           string
	Outcome         string
	CreatedAt       time.Time
	FirstResponseAt *time.Time
	ClosedAt        *time.Time
	Notes           []Note
}

// Note is a sealed note on a case.
type Note struct {
	ID           string
	AuthorID     string
	AuthorHandle string
	Text         string
	CreatedAt    time.Time
}

// Case statuses.
const (
	CaseOpen       = "open"
	CaseInProgress = "in_progress"
	CaseClosed     = "closed"
)

// Case outcomes.
var caseOutcomes = []string{"supported", "referred", "declined_by_member", "unreachable", "other"}

// CaseOutcomes lists the outcomes a case can close with.
func CaseOutcomes() []string { return slices.Clone(caseOutcomes) }
