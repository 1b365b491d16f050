package programme

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// Users finds a member's account by handle (the account capability gives it).
type Users interface {
	UserIDByHandle(ctx context.Context, handle string) (id, orgID string, err error)
}

// Service holds the programme's rules: who may record and see what, what a
// valid record is, how figures are computed and what may leave the
// organisation.
type Service struct {
	store *Store
	src   Sources
	users Users
	now   func() time.Time
}

// NewService returns the service. src names the other capabilities whose
// figures the indicators read; users may be nil (no linking of codes).
func NewService(d *db.DB, keys *seal.Keyring, src Sources, users Users, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: NewStore(d, keys), src: src, users: users, now: now}
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.store }

func (s *Service) clock() time.Time { return db.Time(s.now()) }

// Today is the current day.
func (s *Service) Today() time.Time { return day(s.now()) }

var (
	errCalendarOnly = apperr.Field("period", "programme.error.calendar_only")
	errNotFound     = apperr.ErrNotFound
)

func isRecorder(p *web.Principal) bool {
	return p != nil && (p.Role == web.RoleOutreach || p.Role == web.RoleAdmin)
}

func isStaff(p *web.Principal) bool { return p != nil && p.Role.IsStaff() }

func isAdmin(p *web.Principal) bool { return p != nil && p.Role == web.RoleAdmin }

// ---- codes ----

// IssueCode issues a new member code with its optional coarse attributes.
func (s *Service) IssueCode(ctx context.Context, p *web.Principal, in CodeInput) (Code, error) {
	if !isRecorder(p) {
		return Code{}, errNotFound
	}
	in.NationalID = strings.TrimSpace(in.NationalID)
	if err := in.check(); err != nil {
		return Code{}, err
	}
	// A clash among 31^6 codes is rare; try again with a fresh one.
	for range 5 {
		c, err := s.store.insertCode(ctx, p.OrgID, NewCode(), in, s.clock())
		if apperr.Is(err, apperr.Conflict) {
			continue
		}
		return c, err
	}
	return Code{}, errors.New("programme: issue code: five clashes in a row")
}

// LinkCode links a member's account to her code, by her handle. Only a
// member of the same organisation can be linked.
func (s *Service) LinkCode(ctx context.Context, p *web.Principal, rawCode, handle string) error {
	if !isRecorder(p) {
		return errNotFound
	}
	code, err := ParseCode(rawCode)
	if err != nil {
		return fieldOf("member_code", err)
	}
	if s.users == nil {
		return errNotFound
	}
	id, orgID, err := s.users.UserIDByHandle(ctx, strings.TrimSpace(handle))
	if err != nil || orgID != p.OrgID {
		return apperr.Field("handle", "programme.error.handle_unknown")
	}
	if err := s.store.linkCode(ctx, p.OrgID, code, id); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return apperr.Field("handle", "programme.error.already_linked")
		}
		if apperr.Is(err, apperr.NotFound) {
			return apperr.Field("member_code", "programme.error.code_unlinkable")
		}
		return err
	}
	return nil
}

// CodeOf returns the code linked to the member, or "".
func (s *Service) CodeOf(ctx context.Context, p *web.Principal) (string, error) {
	if p == nil {
		return "", errNotFound
	}
	return s.store.codeOfMember(ctx, p.UserID)
}

// fieldOf moves a coded error onto a form field.
func fieldOf(field string, err error) error {
	if ae, ok := apperr.As(err); ok && ae.Code == apperr.Invalid {
		return &apperr.Error{Code: apperr.Invalid, Message: ae.Message, Data: ae.Data, Fields: map[string]string{field: ae.Message}}
	}
	return err
}

// CodeProblem is what is wrong with one typed code.
type CodeProblem struct {
	Code   string
	Reason string // message id
}

// CodeErrors lists the codes of a record that are wrong; it is the cause
// of the coded error, so a page can show each code with its reason.
type CodeErrors struct{ Problems []CodeProblem }

func (e *CodeErrors) Error() string { return fmt.Sprintf("programme: %d bad codes", len(e.Problems)) }

// maxCodes bounds the codes of one record.
const maxCodes = 300

// resolveCodes parses and looks up codes, reporting every bad one: a code
// that fails its check character, or one the organisation never issued.
func (s *Service) resolveCodes(ctx context.Context, orgID, field string, raw []string) ([]string, []int64, error) {
	var problems []CodeProblem
	var codes []string
	seen := map[string]bool{}
	for _, r := range raw {
		c, err := ParseCode(r)
		if err != nil {
			ae, _ := apperr.As(err)
			problems = append(problems, CodeProblem{Code: strings.TrimSpace(r), Reason: ae.Message})
			continue
		}
		if !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	if len(codes) > maxCodes {
		return nil, nil, apperr.Field(field, "programme.error.too_many_codes")
	}
	seqs, err := s.store.codeSeqs(ctx, s.store.db, orgID, codes)
	if err != nil {
		return nil, nil, err
	}
	out := make([]int64, 0, len(codes))
	for _, c := range codes {
		seq, ok := seqs[c]
		if !ok {
			problems = append(problems, CodeProblem{Code: FormatCode(c), Reason: "programme.error.code_unknown"})
			continue
		}
		out = append(out, seq)
	}
	if len(problems) > 0 {
		list := make([]string, len(problems))
		for i, p := range problems {
			list[i] = p.Code
		}
		return nil, nil, &apperr.Error{Code: apperr.Invalid, Message: "programme.error.codes_bad",
			Data: map[string]any{"Codes": strings.Join(list, ", ")}, Fields: map[string]string{field: "programme.error.codes_bad"},
			Err: &CodeErrors{Problems: problems}}
	}
	return codes, out, nil
}

// checkDay checks a record's day: a real day, not after tomorrow (a worker
// east of UTC records today's work while UTC is still on yesterday).
func (s *Service) checkDay(field, on string) (string, error) {
	t, err := parseDay(field, on)
	if err != nil {
		return "", err
	}
	if t.After(s.Today().AddDate(0, 0, 1)) {
		return "", apperr.Field(field, "programme.error.date_future")
	}
	if t.Year() < 2000 {
		return "", apperr.Field(field, "programme.error.date")
	}
	return t.Format(dateLayout), nil
}

// ---- records ----

// RecordContact stores a contact: the codes it reached and the services given.
func (s *Service) RecordContact(ctx context.Context, p *web.Principal, c Contact) (string, error) {
	return s.SaveContact(ctx, p, "", c)
}

// correcting checks, before anything else, that a correction (id not "")
// names a record of her organisation of that kind: another organisation's
// id is not found, whatever the form holds.
func (s *Service) correcting(ctx context.Context, p *web.Principal, id, kind string) error {
	if id == "" {
		return nil
	}
	a, err := s.store.activity(ctx, p.OrgID, id)
	if err != nil {
		return err
	}
	if a.Kind != kind {
		return errNotFound
	}
	return nil
}

// SaveContact records a new contact (id "") or replaces contact id of her
// organisation with c, checked as a new one is; the figures count c
// instead. It returns the contact's id.
func (s *Service) SaveContact(ctx context.Context, p *web.Principal, id string, c Contact) (string, error) {
	if !isRecorder(p) {
		return "", errNotFound
	}
	if err := s.correcting(ctx, p, id, KindContact); err != nil {
		return "", err
	}
	f := apperr.Fields{}
	on, err := s.checkDay("on", c.On)
	if err != nil {
		f["on"] = messageOf(err)
	}
	c.On = on
	if !slices.Contains(Modes(), c.Mode) {
		f["mode"] = "programme.error.mode"
	}
	st, err := s.store.Settings(ctx, p.OrgID)
	if err != nil {
		return "", err
	}
	var mask int64
	for _, k := range c.Services {
		b := serviceBit(st, k)
		if b == 0 {
			f["services"] = "programme.error.service"
			break
		}
		mask |= b
	}
	if c.Condoms < 0 || c.Condoms > 1_000_000 {
		f["condoms"] = "programme.error.number"
	}
	if len(c.Codes) == 0 && c.Mode != ModeMass {
		f["member_codes"] = "programme.error.codes_required"
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	_, seqs, err := s.resolveCodes(ctx, p.OrgID, "member_codes", c.Codes)
	if err != nil {
		return "", err
	}
	return s.store.putContact(ctx, p.OrgID, id, c, seqs, mask, s.clock())
}

func messageOf(err error) string {
	if ae, ok := apperr.As(err); ok {
		return ae.Message
	}
	return "error.invalid_form"
}

// checkActivity checks what a group session and a training share: the day
// (normalised in place), a required short text — the topic or the title —
// (trimmed in place) and the attendance.
func (s *Service) checkActivity(f apperr.Fields, on *string, field string, text *string, attendance int64) {
	day, err := s.checkDay("on", *on)
	if err != nil {
		f["on"] = messageOf(err)
	}
	*on = day
	*text = strings.TrimSpace(*text)
	if *text == "" {
		f[field] = "error.required"
	}
	checkLen(f, field, *text, 200)
	if attendance < 0 || attendance > 100_000 {
		f["attendance"] = "programme.error.number"
	}
}

// RecordSession stores a group session.
func (s *Service) RecordSession(ctx context.Context, p *web.Principal, in Session) (string, error) {
	return s.SaveSession(ctx, p, "", in)
}

// SaveSession records a new group session (id "") or replaces group session
// id of her organisation with in.
func (s *Service) SaveSession(ctx context.Context, p *web.Principal, id string, in Session) (string, error) {
	if !isRecorder(p) {
		return "", errNotFound
	}
	if err := s.correcting(ctx, p, id, KindGroupSession); err != nil {
		return "", err
	}
	f := apperr.Fields{}
	s.checkActivity(f, &in.On, "topic", &in.Topic, in.Attendance)
	if err := f.Err(); err != nil {
		return "", err
	}
	return s.store.putSession(ctx, p.OrgID, id, in, s.clock())
}

// RecordTraining stores a training with its participants.
func (s *Service) RecordTraining(ctx context.Context, p *web.Principal, in Training) (string, error) {
	return s.SaveTraining(ctx, p, "", in)
}

// SaveTraining records a new training (id "") or replaces training id of her
// organisation with in.
func (s *Service) SaveTraining(ctx context.Context, p *web.Principal, id string, in Training) (string, error) {
	if !isRecorder(p) {
		return "", errNotFound
	}
	if err := s.correcting(ctx, p, id, KindTraining); err != nil {
		return "", err
	}
	f := apperr.Fields{}
	s.checkActivity(f, &in.On, "title", &in.Title, in.Attendance)
	for _, m := range in.Modules {
		if !slices.Contains(modules, m) {
			f["modules"] = "programme.error.choice"
		}
	}
	for _, pt := range in.Participants {
		for _, sc := range []*int{pt.PreScore, pt.PostScore} {
			if sc != nil && (*sc < 0 || *sc > 100) {
				f["participants"] = "programme.error.score"
			}
		}
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	raw := make([]string, len(in.Participants))
	for i, pt := range in.Participants {
		raw[i] = pt.Code
	}
	codes, seqs, err := s.resolveCodes(ctx, p.OrgID, "participants", raw)
	if err != nil {
		return "", err
	}
	// One row per person: a code typed twice keeps its first scores.
	var parts []Participant
	seen := map[string]bool{}
	for _, pt := range in.Participants {
		c, _ := ParseCode(pt.Code)
		if !seen[c] {
			seen[c] = true
			pt.Code = c
			parts = append(parts, pt)
		}
	}
	in.Participants = parts
	if len(codes) != len(parts) {
		return "", fmt.Errorf("programme: training: %d codes for %d participants", len(codes), len(parts))
	}
	if in.Attendance < int64(len(parts)) {
		in.Attendance = int64(len(parts))
	}
	return s.store.putTraining(ctx, p.OrgID, id, in, seqs, s.clock())
}

// Refer records a referral of a member to a service.
func (s *Service) Refer(ctx context.Context, p *web.Principal, in ReferralInput) (string, error) {
	if !isRecorder(p) {
		return "", errNotFound
	}
	f := apperr.Fields{}
	on, err := s.checkDay("on", in.On)
	if err != nil {
		f["on"] = messageOf(err)
	}
	in.On = on
	st, err := s.store.Settings(ctx, p.OrgID)
	if err != nil {
		return "", err
	}
	if serviceBit(st, in.Service) == 0 {
		f["service"] = "programme.error.service"
	}
	in.To = strings.TrimSpace(in.To)
	checkLen(f, "to", in.To, 200)
	if err := f.Err(); err != nil {
		return "", err
	}
	_, seqs, err := s.resolveCodes(ctx, p.OrgID, "member_code", []string{in.Code})
	if err != nil {
		return "", err
	}
	return s.store.insertReferral(ctx, p.OrgID, seqs[0], in, s.clock())
}

// RecordOutcome records whether a referral was linked. The day may be in a
// later period than the referral: linkage counts in the period the referral
// was made.
func (s *Service) RecordOutcome(ctx context.Context, p *web.Principal, id, status, on string) error {
	if !isRecorder(p) {
		return errNotFound
	}
	made, err := s.store.referralDay(ctx, p.OrgID, id)
	if err != nil {
		return err
	}
	f := apperr.Fields{}
	if status != OutcomeLinked && status != OutcomeNotLinked {
		f["status"] = "programme.error.outcome"
	}
	day, err := s.checkDay("on", on)
	if err != nil {
		f["on"] = messageOf(err)
	} else if day < made {
		f["on"] = "programme.error.outcome_before"
	}
	if err := f.Err(); err != nil {
		return err
	}
	return s.store.setOutcome(ctx, p.OrgID, id, status, day)
}

// Referrals lists the organisation's referrals, open ones first.
func (s *Service) Referrals(ctx context.Context, p *web.Principal) ([]Referral, error) {
	if !isStaff(p) {
		return nil, errNotFound
	}
	return s.store.referrals(ctx, p.OrgID, 200)
}

// DeleteRecord deletes a contact, group session or training of her
// organisation that was entered by mistake; the figures no longer count it.
// It returns the record's kind.
func (s *Service) DeleteRecord(ctx context.Context, p *web.Principal, id string) (string, error) {
	if !isRecorder(p) {
		return "", errNotFound
	}
	return s.store.deleteActivity(ctx, p.OrgID, id)
}

// RecordsPage is one page of an organisation's records of a kind in a
// month.
type RecordsPage struct {
	Kind    string
	Month   Period
	Page    int // from 1
	Records []Activity
	More    bool // an older page follows
}

// RecordsPerPage is how many records a page of RecordsPage lists.
const RecordsPerPage = 50

// maxRecordsPage bounds the page number: a month of a large organisation's
// contacts fills a few thousand pages, and each page skips the ones before.
const maxRecordsPage = 10_000

// Records lists her organisation's records of a kind in a month, newest day
// first, a page at a time: to find an older record to correct or delete.
func (s *Service) Records(ctx context.Context, p *web.Principal, kind string, month Period, page int) (RecordsPage, error) {
	if !isRecorder(p) {
		return RecordsPage{}, errNotFound
	}
	if !slices.Contains(ActivityKinds(), kind) {
		return RecordsPage{}, apperr.Field("kind", "programme.error.kind")
	}
	page = min(max(page, 1), maxRecordsPage)
	list, err := s.store.records(ctx, p.OrgID, kind, month.FromDay(), month.ToDay(), RecordsPerPage+1, (page-1)*RecordsPerPage)
	if err != nil {
		return RecordsPage{}, err
	}
	rp := RecordsPage{Kind: kind, Month: month, Page: page, Records: list, More: len(list) > RecordsPerPage}
	if rp.More {
		rp.Records = list[:RecordsPerPage]
	}
	return rp, nil
}

// Record returns one of her organisation's records, for the page that asks
// whether to delete it.
func (s *Service) Record(ctx context.Context, p *web.Principal, id string) (Activity, error) {
	if !isRecorder(p) {
		return Activity{}, errNotFound
	}
	return s.store.activity(ctx, p.OrgID, id)
}

// serviceKeys returns the keys of the services of items whose bits are set
// in mask.
func serviceKeys(items []ServiceItem, mask int64) []string {
	var keys []string
	for _, svc := range items {
		if mask&(1<<svc.Bit) != 0 {
			keys = append(keys, svc.Key)
		}
	}
	return keys
}

// RecordForm returns one of her organisation's records as its form shows
// it, to be corrected: a contact's codes and services, a training's
// participants with their scores.
func (s *Service) RecordForm(ctx context.Context, p *web.Principal, id string) (RecordForm, error) {
	a, err := s.Record(ctx, p, id)
	if err != nil {
		return RecordForm{}, err
	}
	f := RecordForm{Activity: a}
	if a.Kind == KindGroupSession {
		return f, nil
	}
	if f.People, err = s.store.recordPeople(ctx, p.OrgID, id, a.Kind); err != nil {
		return RecordForm{}, err
	}
	if a.Kind == KindContact {
		st, err := s.store.Settings(ctx, p.OrgID)
		if err != nil {
			return RecordForm{}, err
		}
		f.Services = serviceKeys(append(BuiltinServices(), st.Services...), a.Services)
	}
	return f, nil
}

// Recent lists the organisation's latest records of a kind.
func (s *Service) Recent(ctx context.Context, p *web.Principal, kind string, limit int) ([]Activity, error) {
	if !isStaff(p) {
		return nil, errNotFound
	}
	return s.store.recent(ctx, p.OrgID, kind, limit)
}

// ---- settings ----

// Settings returns the organisation's programme settings.
func (s *Service) Settings(ctx context.Context, p *web.Principal) (Settings, error) {
	if !isStaff(p) {
		return Settings{}, errNotFound
	}
	return s.store.Settings(ctx, p.OrgID)
}

// SaveSettings saves population, condom need, threshold and DHIS2 mapping.
func (s *Service) SaveSettings(ctx context.Context, p *web.Principal, st Settings) error {
	if !isAdmin(p) {
		return errNotFound
	}
	if err := settingsProblems(st).Err(); err != nil {
		return err
	}
	return s.store.saveSettings(ctx, p.OrgID, st, s.clock())
}

// settingsProblems says what is wrong with each field of the settings.
func settingsProblems(st Settings) apperr.Fields {
	f := apperr.Fields{}
	if st.Population < 0 || st.Population > 10_000_000 {
		f["population"] = "programme.error.number"
	}
	if st.CondomsPerMonth < 0 || st.CondomsPerMonth > 10_000 {
		f["condoms_per_month"] = "programme.error.number"
	}
	if st.Threshold < MinThreshold || st.Threshold > 100 {
		f["threshold"] = "programme.error.threshold"
	}
	if err := st.DHIS2.Check(); err != nil {
		f["dhis2"] = messageOf(err)
	}
	return f
}

// AddService adds the organisation's own service to the list.
func (s *Service) AddService(ctx context.Context, p *web.Principal, label string) error {
	if !isAdmin(p) {
		return errNotFound
	}
	label = strings.TrimSpace(label)
	if label == "" {
		return apperr.Field("label", "error.required")
	}
	if utf8.RuneCountInString(label) > 60 {
		return apperr.Field("label", "programme.error.too_long")
	}
	key := "own_" + strings.ToLower(db.NewID()[:8])
	return s.store.addService(ctx, p.OrgID, key, label)
}

// Services returns the services of the organisation's list.
func (s *Service) Services(ctx context.Context, p *web.Principal) ([]ServiceItem, error) {
	st, err := s.Settings(ctx, p)
	if err != nil {
		return nil, err
	}
	return append(BuiltinServices(), st.Services...), nil
}

// ---- indicators ----

// Report is an organisation's figures for a period, exactly, for its staff.
type Report struct {
	Period     Period
	Figures    []Figure
	Breakdowns []Breakdown
	// Months is people reached and contacts per month of the period, for
	// the chart.
	Months []MonthFigure
}

// MonthFigure is one month of the chart.
type MonthFigure struct {
	Period   Period
	Reached  int64
	Contacts int64
}

// Figures returns the organisation's exact figures for p: its own staff see
// every count.
func (s *Service) Figures(ctx context.Context, pr *web.Principal, p Period) (Report, error) {
	if !isStaff(pr) {
		return Report{}, errNotFound
	}
	st, err := s.store.Settings(ctx, pr.OrgID)
	if err != nil {
		return Report{}, err
	}
	customs, err := s.store.customs(ctx, pr.OrgID)
	if err != nil {
		return Report{}, err
	}
	r, err := s.collect(ctx, pr.OrgID, p, st, customs)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Period: p, Figures: figures(r, p, st, customs), Breakdowns: breakdowns(r)}
	ms := monthsOf(p)
	if len(ms) > 36 {
		return rep, nil
	}
	totals, err := s.store.dayTotalsByMonth(ctx, pr.OrgID, p.FromDay(), p.ToDay())
	if err != nil {
		return Report{}, err
	}
	for _, m := range ms {
		mf := MonthFigure{Period: m}
		if t := totals[m.From.Format("2006-01")]; t != nil {
			mf.Contacts = t[0]
		}
		if r.perMonth != nil {
			mf.Reached = r.perMonth[m.From.Month()-1]
		} else if mf.Reached, err = s.store.peopleReached(ctx, pr.OrgID, m.FromDay(), m.ToDay()); err != nil {
			return Report{}, err
		}
		rep.Months = append(rep.Months, mf)
	}
	return rep, nil
}

// PublishedFigures returns what the organisation may send out for a
// calendar period: suppressed against the whole network's publication.
func (s *Service) PublishedFigures(ctx context.Context, pr *web.Principal, p Period) ([]Figure, []Breakdown, Settings, error) {
	if !isAdmin(pr) {
		return nil, nil, Settings{}, errNotFound
	}
	if p.ID == "" {
		return nil, nil, Settings{}, errCalendarOnly
	}
	st, err := s.store.Settings(ctx, pr.OrgID)
	if err != nil {
		return nil, nil, st, err
	}
	pb, err := s.publish(ctx, p)
	if err != nil {
		return nil, nil, st, err
	}
	f, b, ok := pb.Org(pr.OrgID)
	if !ok {
		return nil, nil, st, errNotFound
	}
	return f, b, st, nil
}

// NetworkReport is the network view of a calendar period.
type NetworkReport struct {
	Period     Period
	Figures    []Figure
	Breakdowns []Breakdown
	Orgs       []OrgRow
}

// Network returns the figures across organisations, suppressed, for a
// network admin.
func (s *Service) Network(ctx context.Context, pr *web.Principal, p Period) (NetworkReport, error) {
	if pr == nil || !pr.NetworkAdmin {
		return NetworkReport{}, errNotFound
	}
	if p.ID == "" {
		return NetworkReport{}, errCalendarOnly
	}
	pb, err := s.publish(ctx, p)
	if err != nil {
		return NetworkReport{}, err
	}
	f, b := pb.Network()
	return NetworkReport{Period: p, Figures: f, Breakdowns: b, Orgs: pb.ByOrg()}, nil
}

// AddCustom adds an indicator of the organisation's own.
func (s *Service) AddCustom(ctx context.Context, p *web.Principal, c Custom) (string, error) {
	if !isAdmin(p) {
		return "", errNotFound
	}
	f := apperr.Fields{}
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		f["name"] = "error.required"
	}
	checkLen(f, "name", c.Name, 120)
	st, err := s.store.Settings(ctx, p.OrgID)
	if err != nil {
		return "", err
	}
	switch c.Kind {
	case "count", "unique":
		if !slices.Contains(append(ActivityKinds(), "referral"), c.Record) {
			f["record"] = "programme.error.choice"
		}
		if c.Kind == "unique" && c.Record == KindGroupSession {
			f["record"] = "programme.error.unique_sessions"
		}
		if c.Mode != "" && (c.Record != KindContact || !slices.Contains(Modes(), c.Mode)) {
			f["mode"] = "programme.error.choice"
		}
		if c.Service != "" && (serviceBit(st, c.Service) == 0 || (c.Record != KindContact && c.Record != "referral")) {
			f["service"] = "programme.error.service"
		}
		c.Numerator, c.Denominator = "", ""
	case "ratio":
		customs, err := s.store.customs(ctx, p.OrgID)
		if err != nil {
			return "", err
		}
		known := func(id string) bool {
			if d, ok := DefOf(id); ok {
				return d.Unit == UnitPeople || d.Unit == UnitCount
			}
			return slices.ContainsFunc(customs, func(x Custom) bool { return x.ID == id && x.Kind != "ratio" })
		}
		if !known(c.Numerator) {
			f["numerator"] = "programme.error.choice"
		}
		if !known(c.Denominator) {
			f["denominator"] = "programme.error.choice"
		}
		c.Record, c.Mode, c.Service = "", "", ""
	default:
		f["kind"] = "programme.error.choice"
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	return s.store.insertCustom(ctx, p.OrgID, c, s.clock())
}

// Customs lists the organisation's own indicators.
func (s *Service) Customs(ctx context.Context, p *web.Principal) ([]Custom, error) {
	if !isStaff(p) {
		return nil, errNotFound
	}
	return s.store.customs(ctx, p.OrgID)
}

// ---- logframes ----

// CreateProject starts a logframe.
func (s *Service) CreateProject(ctx context.Context, p *web.Principal, pr Project) (string, error) {
	if !isAdmin(p) {
		return "", errNotFound
	}
	f := apperr.Fields{}
	pr.Title, pr.Goal = strings.TrimSpace(pr.Title), strings.TrimSpace(pr.Goal)
	if pr.Title == "" {
		f["title"] = "error.required"
	}
	checkLen(f, "title", pr.Title, 200)
	checkLen(f, "goal", pr.Goal, 1000)
	from, err := parseDay("starts_on", pr.StartsOn)
	if err != nil {
		f["starts_on"] = messageOf(err)
	}
	to, err := parseDay("ends_on", pr.EndsOn)
	if err != nil {
		f["ends_on"] = messageOf(err)
	} else if to.Before(from) {
		f["ends_on"] = "programme.error.range_order"
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	pr.StartsOn, pr.EndsOn = from.Format(dateLayout), to.Format(dateLayout)
	return s.store.insertProject(ctx, p.OrgID, pr, s.clock())
}

// parentLevel is the level a result's parent must have ("" = the goal).
var parentLevel = map[string]string{LevelOutcome: "", LevelOutput: LevelOutcome, LevelActivity: LevelOutput}

// AddResult adds an outcome (under the goal), an output (under an outcome)
// or an activity (under an output).
func (s *Service) AddResult(ctx context.Context, p *web.Principal, projectID string, r Result) (string, error) {
	if !isAdmin(p) {
		return "", errNotFound
	}
	if err := s.store.projectOrg(ctx, p.OrgID, projectID); err != nil {
		return "", err
	}
	f := apperr.Fields{}
	want, ok := parentLevel[r.Level]
	if !ok {
		f["level"] = "programme.error.choice"
	} else if want == "" {
		r.ParentID = ""
	} else if lvl, err := s.store.resultLevel(ctx, projectID, r.ParentID); err != nil || lvl != want {
		f["parent"] = "programme.error.parent"
	}
	r.Title, r.Assumptions = strings.TrimSpace(r.Title), strings.TrimSpace(r.Assumptions)
	if r.Title == "" {
		f["title"] = "error.required"
	}
	checkLen(f, "title", r.Title, 300)
	checkLen(f, "assumptions", r.Assumptions, 1000)
	if err := f.Err(); err != nil {
		return "", err
	}
	return s.store.insertResult(ctx, p.OrgID, projectID, r, s.clock())
}

// AddPlanIndicator adds an indicator to the goal or a result of a logframe.
func (s *Service) AddPlanIndicator(ctx context.Context, p *web.Principal, pi PlanIndicator) (string, error) {
	if !isAdmin(p) {
		return "", errNotFound
	}
	if err := s.store.projectOrg(ctx, p.OrgID, pi.ProjectID); err != nil {
		return "", err
	}
	f := apperr.Fields{}
	if pi.ResultID != "" {
		if _, err := s.store.resultLevel(ctx, pi.ProjectID, pi.ResultID); err != nil {
			f["result"] = "programme.error.parent"
		}
	}
	if pi.Source != "" {
		if _, ok := DefOf(pi.Source); !ok {
			customs, err := s.store.customs(ctx, p.OrgID)
			if err != nil {
				return "", err
			}
			if !slices.ContainsFunc(customs, func(c Custom) bool { return c.ID == pi.Source }) {
				f["source"] = "programme.error.choice"
			}
		}
	}
	pi.Name = strings.TrimSpace(pi.Name)
	if pi.Name == "" {
		if d, ok := DefOf(pi.Source); ok {
			pi.Name = d.ID
		} else {
			f["name"] = "error.required"
		}
	}
	checkLen(f, "name", pi.Name, 200)
	checkLen(f, "definition", pi.Definition, 1000)
	checkLen(f, "verification", pi.Verification, 500)
	if math.IsNaN(pi.Baseline) || math.IsInf(pi.Baseline, 0) {
		f["baseline"] = "programme.error.number"
	}
	for _, t := range pi.Targets {
		if _, err := ParsePeriod(t.Period); err != nil {
			f["period"] = "programme.error.period"
		}
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	return s.store.insertPlanIndicator(ctx, p.OrgID, pi, s.clock())
}

// SetTarget sets the target (and, for indicators the records do not
// compute, the actual) of a period.
func (s *Service) SetTarget(ctx context.Context, p *web.Principal, indicatorID string, t Target) error {
	if !isAdmin(p) {
		return errNotFound
	}
	if _, err := ParsePeriod(t.Period); err != nil {
		return err
	}
	if math.IsNaN(t.Target) || math.IsInf(t.Target, 0) || t.Target < 0 {
		return apperr.Field("target", "programme.error.number")
	}
	return s.store.setTarget(ctx, p.OrgID, indicatorID, t)
}

// Projects returns the organisation's logframes.
func (s *Service) Projects(ctx context.Context, p *web.Principal) ([]Project, error) {
	if !isStaff(p) {
		return nil, errNotFound
	}
	return s.store.projects(ctx, p.OrgID)
}

// Progress is an indicator's actual against its target in a period, and
// its status.
type Progress struct {
	Period    Period
	Target    float64
	Actual    float64
	HasActual bool
	// Done is actual ÷ target (0–1+), Elapsed the share of the period gone.
	Done, Elapsed float64
	Status        string
}

// DonePct is the progress in whole percent.
func (p Progress) DonePct() int { return int(math.Round(p.Done * 100)) }

// ElapsedPct is the share of the period elapsed in whole percent.
func (p Progress) ElapsedPct() int { return int(math.Round(p.Elapsed * 100)) }

// Statuses of an indicator against its target.
const (
	StatusOnTrack   = "on_track"
	StatusAttention = "attention"
	StatusBehind    = "behind"
	StatusNone      = "none"
)

// Status applies the rule shown beside every logframe indicator (after
// Kashana's: progress against budget spent, here the share of the period
// elapsed): on track when progress ≥ elapsed; behind when progress is more
// than 10 points below elapsed; needs attention in between. A ratio does not
// build up over a period, so it is held against its target directly.
func Status(done, elapsed float64, isRatio bool) string {
	if isRatio {
		elapsed = 1
	}
	switch {
	case done >= elapsed:
		return StatusOnTrack
	case done < elapsed-0.10:
		return StatusBehind
	default:
		return StatusAttention
	}
}

// Progress works out an indicator's progress in each period it has a target
// for, from the records (or the typed actual).
func (s *Service) Progress(ctx context.Context, p *web.Principal, pi PlanIndicator) ([]Progress, error) {
	if !isStaff(p) {
		return nil, errNotFound
	}
	var out []Progress
	for _, t := range pi.Targets {
		per, err := ParsePeriod(t.Period)
		if err != nil {
			continue
		}
		pg := Progress{Period: per, Target: t.Target, Elapsed: per.Elapsed(s.now()), Status: StatusNone}
		isRatio := false
		switch {
		case pi.Source != "":
			rep, err := s.figuresFor(ctx, p, per, pi.Source)
			if err != nil {
				return nil, err
			}
			if rep.HasValue {
				pg.Actual, pg.HasActual = rep.Value, true
				isRatio = rep.Def.Unit == UnitRatio
				if isRatio {
					pg.Actual *= 100
				}
			}
		case t.Actual != nil:
			pg.Actual, pg.HasActual = *t.Actual, true
		}
		if pg.HasActual && t.Target > 0 {
			pg.Done = pg.Actual / t.Target
			pg.Status = Status(pg.Done, pg.Elapsed, isRatio)
		}
		out = append(out, pg)
	}
	return out, nil
}

// figuresFor returns one figure of the organisation for a period.
func (s *Service) figuresFor(ctx context.Context, p *web.Principal, per Period, id string) (Figure, error) {
	rep, err := s.Figures(ctx, p, per)
	if err != nil {
		return Figure{}, err
	}
	for _, f := range rep.Figures {
		if f.ID == id {
			return f, nil
		}
	}
	return Figure{}, nil
}

// SeedDemo fills an organisation with demo programme data: settings, a
// logframe with targets, codes, some weeks of contacts, referrals, a group
// session and a training, so the demo dashboard is not empty. p is one of
// the organisation's admins.
func (s *Service) SeedDemo(ctx context.Context, p *web.Principal, codes int) error {
	today := s.Today()
	if err := s.SaveSettings(ctx, p, Settings{Population: int64(codes) * 4, CondomsPerMonth: 20, Threshold: DefaultThreshold}); err != nil {
		return fmt.Errorf("programme: demo settings: %w", err)
	}
	year := Year(today)
	pid, err := s.CreateProject(ctx, p, Project{Title: "Safer work, better health", Goal: "Sex workers in the city are safer and healthier.",
		StartsOn: year.FromDay(), EndsOn: year.ToDay()})
	if err != nil {
		return fmt.Errorf("programme: demo project: %w", err)
	}
	oc, err := s.AddResult(ctx, p, pid, Result{Level: LevelOutcome, Title: "More sisters use prevention services"})
	if err != nil {
		return err
	}
	op, err := s.AddResult(ctx, p, pid, Result{Level: LevelOutput, ParentID: oc, Title: "Outreach reaches sisters every month"})
	if err != nil {
		return err
	}
	if _, err := s.AddResult(ctx, p, pid, Result{Level: LevelActivity, ParentID: op, Title: "Weekly street and venue outreach"}); err != nil {
		return err
	}
	month := Month(today)
	for _, pi := range []PlanIndicator{
		{ResultID: op, Source: "people_reached", Verification: "Outreach records", Targets: []Target{{Period: year.ID, Target: float64(codes)}, {Period: month.ID, Target: float64(codes) / 2}}},
		{ResultID: oc, Source: "prevention_coverage", Verification: "Outreach records", Targets: []Target{{Period: year.ID, Target: 60}}},
		{ResultID: op, Source: "referral_linkage", Verification: "Referral follow-up", Targets: []Target{{Period: year.ID, Target: 70}}},
	} {
		pi.ProjectID = pid
		if _, err := s.AddPlanIndicator(ctx, p, pi); err != nil {
			return fmt.Errorf("programme: demo indicator: %w", err)
		}
	}
	bands, gs, sets := AgeBands(), Genders(), WorkSettings()
	var list []string
	for i := range codes {
		c, err := s.IssueCode(ctx, p, CodeInput{AgeBand: bands[i%len(bands)], Gender: gs[(i/3)%2*2], Setting: sets[i%3]})
		if err != nil {
			return err
		}
		list = append(list, c.Code)
	}
	services := [][]string{{"condoms", "lubricant"}, {"condoms"}, {"hiv_self_test", "condoms"}, {"legal_info"}, {"condoms", "sti_referral"}}
	// Four weeks of contacts, one a day, alternating one-to-one and small
	// groups of two.
	for d := 0; d < 28; d++ {
		on := today.AddDate(0, 0, -d).Format(dateLayout)
		mode, reached := ModeIndividual, []string{list[(d*5)%len(list)]}
		if d%2 == 1 {
			mode, reached = ModeSmallGroup, append(reached, list[(d*5+1)%len(list)])
		}
		if _, err := s.RecordContact(ctx, p, Contact{On: on, Mode: mode, Codes: reached, Services: services[d%len(services)], Condoms: 10}); err != nil {
			return fmt.Errorf("programme: demo contact: %w", err)
		}
	}
	for i := 0; i < min(6, len(list)); i++ {
		id, err := s.Refer(ctx, p, ReferralInput{Code: list[i], On: today.AddDate(0, 0, -20+i).Format(dateLayout), Service: "hiv_test_referral", To: "Community clinic"})
		if err != nil {
			return err
		}
		if i < 4 {
			status := OutcomeLinked
			if i%3 == 2 {
				status = OutcomeNotLinked
			}
			if err := s.RecordOutcome(ctx, p, id, status, today.Format(dateLayout)); err != nil {
				return err
			}
		}
	}
	if _, err := s.RecordSession(ctx, p, Session{On: today.AddDate(0, 0, -3).Format(dateLayout), Topic: "Condom negotiation", Attendance: 12}); err != nil {
		return err
	}
	var parts []Participant
	for _, c := range list[:min(6, len(list))] {
		parts = append(parts, Participant{Code: c})
	}
	_, err = s.RecordTraining(ctx, p, Training{On: today.AddDate(0, 0, -10).Format(dateLayout), Title: "Know your rights", Modules: []string{"legal_information", "occupational_safety"}, Participants: parts})
	return err
}

// DeleteUser runs when an account is deleted, in its transaction: the link
// from her code to the account goes.
func (s *Service) DeleteUser(ctx context.Context, tx *sql.Tx, userID string) error {
	return s.store.unlinkUser(ctx, tx, userID)
}
