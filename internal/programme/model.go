package programme

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sisterline/sisterline/internal/apperr"
)

// ServiceItem is a service given in a contact. Built-in services have fixed bits
// 0–15 in a services mask; an organisation's own take bits 16 and up.
type ServiceItem struct {
	Key string
	Bit int
	// Label is the organisation's own name for a service it added; built-in
	// services are translated from "programme.service.KEY".
	Label string
}

// BuiltinServices are the services of the API contract, in display order.
var builtinServices = []ServiceItem{
	{Key: "condoms", Bit: 0},
	{Key: "lubricant", Bit: 1},
	{Key: "hiv_self_test", Bit: 2},
	{Key: "hiv_test_referral", Bit: 3},
	{Key: "sti_referral", Bit: 4},
	{Key: "prep_referral", Bit: 5},
	{Key: "pep_referral", Bit: 6},
	{Key: "legal_info", Bit: 7},
	{Key: "violence_support", Bit: 8},
	{Key: "other", Bit: 9},
}

// BuiltinServices returns the built-in services.
func BuiltinServices() []ServiceItem { return slices.Clone(builtinServices) }

// firstOwnBit is the first bit an organisation's own service gets.
const firstOwnBit = 16

// maxOwnServices bounds an organisation's own services (bits 16–61).
const maxOwnServices = 46

// Modes of a contact. Only individual and small-group contacts count as
// reaching a person (KP_PREV); a mass event does not.
const (
	ModeIndividual = "individual"
	ModeSmallGroup = "small_group"
	ModeMass       = "mass"
)

// Modes lists the contact modes.
func Modes() []string { return []string{ModeIndividual, ModeSmallGroup, ModeMass} }

// Activity kinds.
const (
	KindContact      = "contact"
	KindGroupSession = "group_session"
	KindTraining     = "training"
)

// ActivityKinds lists the kinds of record, in the order pages show them.
func ActivityKinds() []string { return []string{KindContact, KindGroupSession, KindTraining} }

// AgeBands are the five-year bands a code may carry (MER's 15–19 … 50+);
// the GAM split <25 / 25+ is derived from them.
var ageBands = []string{"15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50+"}

// AgeBands returns the five-year age bands.
func AgeBands() []string { return slices.Clone(ageBands) }

// Under25 reports whether a five-year band is under 25.
func Under25(band string) bool { return band == "15-19" || band == "20-24" }

// Genders a code may carry (GAM: female, male, transgender).
var genders = []string{"female", "male", "transgender", "other"}

// Genders returns the gender choices.
func Genders() []string { return slices.Clone(genders) }

// Settings are where she works.
var settings = []string{"street", "venue", "home", "online", "other"}

// WorkSettings returns the work-setting choices.
func WorkSettings() []string { return slices.Clone(settings) }

// Modules are the training modules.
var modules = []string{"project_management", "institution_building", "legal_information", "occupational_safety", "sti_hiv", "monitoring_evaluation", "other"}

// Modules returns the training modules.
func Modules() []string { return slices.Clone(modules) }

// Referral outcomes.
const (
	OutcomeLinked    = "linked"
	OutcomeNotLinked = "not_linked"
)

// Code is a member code as staff see it.
type Code struct {
	Seq       int64
	OrgID     string
	Code      string
	AgeBand   string
	Gender    string
	Setting   string
	Linked    bool
	HasNatID  bool
	CreatedOn string
}

// CodeInput is what outreach records when she issues a code.
type CodeInput struct {
	AgeBand    string
	Gender     string
	Setting    string
	NationalID string
}

func (in CodeInput) check() error {
	f := apperr.Fields{}
	if in.AgeBand != "" && !slices.Contains(ageBands, in.AgeBand) {
		f["age_band"] = "programme.error.choice"
	}
	if in.Gender != "" && !slices.Contains(genders, in.Gender) {
		f["gender"] = "programme.error.choice"
	}
	if in.Setting != "" && !slices.Contains(settings, in.Setting) {
		f["setting"] = "programme.error.choice"
	}
	if utf8.RuneCountInString(in.NationalID) > 64 {
		f["national_id"] = "programme.error.too_long"
	}
	return f.Err()
}

// Contact is a contact to record: the codes it reached and the services given.
type Contact struct {
	On       string
	Mode     string
	Codes    []string
	Services []string
	// Condoms is how many condoms were handed out (0 when not counted).
	Condoms int64
}

// RecordForm is a record as the form that corrects it shows it.
type RecordForm struct {
	Activity
	// People is who a contact reached, or a training's participants with
	// their scores.
	People []Participant
	// Services are the keys of the services a contact gave.
	Services []string
}

// Session is a group session.
type Session struct {
	On         string
	Topic      string
	Attendance int64
}

// Participant is a training participant, by code, with optional scores.
type Participant struct {
	Code      string
	PreScore  *int
	PostScore *int
}

// Training is a training with its modules and participants.
type Training struct {
	On           string
	Title        string
	Modules      []string
	Participants []Participant
	Attendance   int64
}

// Referral is a referral made to a service.
type Referral struct {
	ID        string
	Code      string
	On        string
	Service   string
	To        string
	Outcome   string
	OutcomeOn string
}

// ReferralInput is what outreach records when she refers a member.
type ReferralInput struct {
	Code    string
	On      string
	Service string
	To      string
}

// Settings are an organisation's programme settings.
type Settings struct {
	// Population is the estimated number of sex workers the organisation
	// serves (SWIT's "sex workers targeted").
	Population int64
	// CondomsPerMonth is the condoms one person needs a month.
	CondomsPerMonth int64
	// Threshold is the smallest count that may leave the organisation.
	Threshold int
	// DHIS2 maps indicators to data elements.
	DHIS2 DHIS2Mapping
	// Services are the organisation's own services.
	Services []ServiceItem
}

// DefaultThreshold is the smallest count published outside the organisation
// unless the organisation sets a higher one; MinThreshold is the lowest it
// may set.
const (
	DefaultThreshold = 5
	MinThreshold     = 3
)

// dateLayout is how days are stored and exchanged.
const dateLayout = time.DateOnly

// parseDay checks a YYYY-MM-DD day.
func parseDay(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, apperr.Field(field, "error.required")
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, apperr.Field(field, "programme.error.date")
	}
	return t, nil
}

// Project is a logframe.
type Project struct {
	ID       string
	OrgID    string
	Title    string
	Goal     string
	StartsOn string
	EndsOn   string
	Results  []Result
	// Indicators hang on the goal (ResultID "") or on a result.
	Indicators []PlanIndicator
}

// Result levels below the goal.
const (
	LevelOutcome  = "outcome"
	LevelOutput   = "output"
	LevelActivity = "activity"
)

// Result is an outcome, output or activity of a logframe.
type Result struct {
	ID          string
	ParentID    string
	Level       string
	Title       string
	Assumptions string
}

// PlanIndicator is an indicator of a logframe: a definition, a baseline,
// targets per period and where its figures come from.
type PlanIndicator struct {
	ID           string
	ProjectID    string
	ResultID     string
	Source       string // a built-in or custom indicator id; "" for typed actuals
	Name         string
	Definition   string
	Baseline     float64
	Verification string
	Targets      []Target
}

// Target is the target of a period, with the actual typed by staff when the
// records do not compute it.
type Target struct {
	Period string
	Target float64
	Actual *float64
}

// Custom is an indicator staff defined.
type Custom struct {
	ID          string
	Name        string
	Kind        string // count, unique, ratio
	Record      string // contact, group_session, training, referral
	Mode        string
	Service     string
	Numerator   string
	Denominator string
}

func checkLen(f apperr.Fields, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		f[field] = "programme.error.too_long"
	}
}
