package programme

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// Def is a built-in indicator: what it counts and after which published
// rule. Its name and its rule, in words, are the messages
// "programme.ind.ID" and "programme.rule.ID"; the page shows both.
type Def struct {
	ID string
	// Source names the published definition it follows.
	Source string
	// Unit is people, count, ratio, quantity or hours.
	Unit string
	// Annual says what a year's figure is: "unique" people in the year, or
	// the "sum" of its periods.
	Annual string
	// Origin is the capability the figures come from: records (this one),
	// safety, screens or checkins.
	Origin string
}

// Units.
const (
	UnitPeople   = "people"
	UnitCount    = "count"
	UnitRatio    = "ratio"
	UnitQuantity = "quantity"
	UnitHours    = "hours"
)

var defs = []Def{
	{ID: "people_reached", Source: "PEPFAR MER KP_PREV", Unit: UnitPeople, Annual: "unique", Origin: "records"},
	{ID: "contacts", Source: "SWIT p.169; DHIS2 event count", Unit: UnitCount, Annual: "sum", Origin: "records"},
	{ID: "prevention_coverage", Source: "UNAIDS GAM KP prevention coverage (≥2 interventions, 3 months)", Unit: UnitRatio, Annual: "unique", Origin: "records"},
	{ID: "monthly_reach", Source: "SWIT p.169 (% reached monthly)", Unit: UnitRatio, Annual: "", Origin: "records"},
	{ID: "referral_linkage", Source: "WHO HIV.IND.139 (QOC.7)", Unit: UnitRatio, Annual: "sum", Origin: "records"},
	{ID: "people_trained", Source: "SWIT community empowerment", Unit: UnitPeople, Annual: "unique", Origin: "records"},
	{ID: "condoms_distributed", Source: "WHO HIV.IND.1; SWIT condoms distributed ÷ required", Unit: UnitQuantity, Annual: "sum", Origin: "records"},
	{ID: "reports_received", Source: "Sisterline (SWIT: no agreed violence indicator)", Unit: UnitCount, Annual: "sum", Origin: "safety"},
	{ID: "first_response_24h", Source: "Sisterline (SWIT crisis response)", Unit: UnitRatio, Annual: "sum", Origin: "safety"},
	{ID: "support_needs_closed", Source: "Sisterline", Unit: UnitCount, Annual: "sum", Origin: "safety"},
	{ID: "alerts_published", Source: "Sisterline", Unit: UnitCount, Annual: "sum", Origin: "safety"},
	{ID: "median_report_to_alert_hours", Source: "Sisterline", Unit: UnitHours, Annual: "", Origin: "safety"},
	{ID: "screenings", Source: "Sisterline", Unit: UnitCount, Annual: "sum", Origin: "screens"},
	{ID: "screening_hits", Source: "Sisterline", Unit: UnitCount, Annual: "sum", Origin: "screens"},
	{ID: "checkins_started", Source: "Sisterline", Unit: UnitCount, Annual: "sum", Origin: "checkins"},
	{ID: "checkins_safe", Source: "Sisterline", Unit: UnitCount, Annual: "sum", Origin: "checkins"},
	{ID: "checkins_escalated", Source: "Sisterline", Unit: UnitCount, Annual: "sum", Origin: "checkins"},
}

// Defs returns the built-in indicators.
func Defs() []Def { return slices.Clone(defs) }

// DefOf returns a built-in indicator by id.
func DefOf(id string) (Def, bool) {
	for _, d := range defs {
		if d.ID == id {
			return d, true
		}
	}
	return Def{}, false
}

// Figure is an indicator's figure for a period.
type Figure struct {
	ID string
	// Name is a message id for built-in indicators, the name staff gave for
	// their own.
	Name   string
	Custom bool
	Def    Def
	// Value is the count, quantity, ratio (0–1) or hours; HasValue is false
	// when it cannot be computed (no denominator, no data).
	Value    float64
	HasValue bool
	// Num and Den are a ratio's parts (condoms: distributed and needed).
	Num, Den int64
	HasParts bool
	// Suppressed is true when the figure may not leave the organisation.
	Suppressed bool
}

// raw is every count an organisation's figures for a period are made of.
type raw struct {
	reached, contacts      int64
	covReached, covCovered int64
	monthReached           int64
	refMade, refLinked     int64
	trained                int64
	condoms                int64
	attrs                  []attrCount
	safety                 *SafetyFigures
	screens                *[2]int64
	checkins               *[3]int64
	custom                 map[string]int64
	// perMonth is the unique people reached in each month of the period's
	// year, when the summaries answered.
	perMonth *[12]int64
}

// serviceBits returns the bits of every service the organisation uses.
func serviceBits(st Settings) []int {
	var bits []int
	for _, s := range builtinServices {
		bits = append(bits, s.Bit)
	}
	for _, s := range st.Services {
		bits = append(bits, s.Bit)
	}
	return bits
}

// serviceBit returns a service key's mask bit, or 0 when unknown.
func serviceBit(st Settings, key string) int64 {
	for _, s := range builtinServices {
		if s.Key == key {
			return 1 << s.Bit
		}
	}
	for _, s := range st.Services {
		if s.Key == key {
			return 1 << s.Bit
		}
	}
	return 0
}

// collect runs the queries behind an organisation's figures for p. Whole
// months of one year are read from the summaries (one row per code and
// year); a range that cuts a month reads the contacts themselves.
func (s *Service) collect(ctx context.Context, orgID string, p Period, st Settings, customs []Custom) (raw, error) {
	var r raw
	var err error
	from, to := p.FromDay(), p.ToDay()
	if r.contacts, r.condoms, err = s.store.dayTotals(ctx, orgID, from, to); err != nil {
		return r, err
	}
	w := lastThreeMonths(p)
	coverageDone := false
	if year, first, last, ok := monthSpan(p); ok {
		var cov []int
		if wy, wf, wl, ok := monthSpan(w); ok && wy == year {
			for m := wf; m <= wl; m++ {
				cov = append(cov, m)
			}
		}
		yf, err := s.store.yearSummary(ctx, orgID, year, first, last, cov, serviceBits(st))
		if err != nil {
			return r, err
		}
		r.reached, r.attrs, r.monthReached = yf.reached, yf.attrs, yf.perMonth[last-1]
		r.perMonth = &yf.perMonth
		if cov != nil {
			r.covReached, r.covCovered, coverageDone = yf.covDen, yf.covNum, true
		}
	} else {
		if r.reached, err = s.store.peopleReached(ctx, orgID, from, to); err != nil {
			return r, err
		}
		m := monthOfEnd(p)
		if r.monthReached, err = s.store.peopleReached(ctx, orgID, m.FromDay(), m.ToDay()); err != nil {
			return r, err
		}
		if r.attrs, err = s.store.reachedByAttrs(ctx, orgID, from, to); err != nil {
			return r, err
		}
	}
	if !coverageDone {
		if r.covReached, r.covCovered, err = s.store.coverage(ctx, orgID, w.FromDay(), w.ToDay(), serviceBits(st)); err != nil {
			return r, err
		}
	}
	if r.refMade, r.refLinked, err = s.store.referralCounts(ctx, orgID, from, to); err != nil {
		return r, err
	}
	if r.trained, err = s.store.peopleTrained(ctx, orgID, from, to); err != nil {
		return r, err
	}
	if err := s.collectExternal(ctx, orgID, p, &r); err != nil {
		return r, err
	}
	r.custom = map[string]int64{}
	for _, c := range customs {
		f := recordFilter{Record: c.Record, Mode: c.Mode, Bit: serviceBit(st, c.Service)}
		if c.Record == "referral" {
			f.Bit, f.Service = 0, c.Service
		}
		switch c.Kind {
		case "count":
			r.custom[c.ID], err = s.store.countRecords(ctx, orgID, from, to, f)
		case "unique":
			r.custom[c.ID], err = s.store.uniquePeople(ctx, orgID, from, to, f)
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// collectExternal reads the other capabilities' figures, where wired.
func (s *Service) collectExternal(ctx context.Context, orgID string, p Period, r *raw) error {
	from, to := p.FromDay(), p.ToDay()
	if s.src.Safety != nil {
		f, err := s.src.Safety.SafetyFigures(ctx, orgID, p.From, p.To.Add(24*time.Hour))
		if err != nil {
			return fmt.Errorf("programme: safety figures: %w", err)
		}
		r.safety = &f
	}
	if s.src.Screens != nil {
		c, h, err := s.src.Screens.ScreenCounts(ctx, orgID, from, to)
		if err != nil {
			return fmt.Errorf("programme: screen counts: %w", err)
		}
		r.screens = &[2]int64{c, h}
	}
	if s.src.Checkins != nil {
		a, b, c, err := s.src.Checkins.Counts(ctx, orgID, from, to)
		if err != nil {
			return fmt.Errorf("programme: check-in counts: %w", err)
		}
		r.checkins = &[3]int64{a, b, c}
	}
	return nil
}

// ratio makes a ratio figure; no denominator means no value.
func ratio(num, den int64) (float64, bool) {
	if den <= 0 {
		return 0, false
	}
	return float64(num) / float64(den), true
}

// figures turns an organisation's counts into its exact figures: what its
// own staff see.
func figures(r raw, p Period, st Settings, customs []Custom) []Figure {
	var out []Figure
	add := func(id string, value float64, has bool, num, den int64, parts bool) {
		d, _ := DefOf(id)
		out = append(out, Figure{ID: id, Name: "programme.ind." + id, Def: d, Value: value, HasValue: has, Num: num, Den: den, HasParts: parts})
	}
	count := func(id string, n int64) { add(id, float64(n), true, 0, 0, false) }
	part := func(id string, num, den int64) {
		v, ok := ratio(num, den)
		add(id, v, ok, num, den, true)
	}
	count("people_reached", r.reached)
	count("contacts", r.contacts)
	part("prevention_coverage", r.covCovered, r.covReached)
	part("monthly_reach", r.monthReached, st.Population)
	part("referral_linkage", r.refLinked, r.refMade)
	count("people_trained", r.trained)
	need := int64(math.Round(float64(st.Population*st.CondomsPerMonth) * p.Months()))
	add("condoms_distributed", float64(r.condoms), true, r.condoms, need, need > 0)
	if f := r.safety; f != nil {
		count("reports_received", f.Reports)
		part("first_response_24h", f.FirstResponse24h, f.Reports)
		count("support_needs_closed", f.NeedsClosed)
		count("alerts_published", f.Alerts)
		m, ok := median(f.ReportToAlertHours)
		add("median_report_to_alert_hours", math.Round(m*10)/10, ok, int64(len(f.ReportToAlertHours)), 0, false)
	}
	if c := r.screens; c != nil {
		count("screenings", c[0])
		count("screening_hits", c[1])
	}
	if c := r.checkins; c != nil {
		count("checkins_started", c[0])
		count("checkins_safe", c[1])
		count("checkins_escalated", c[2])
	}
	values := map[string]float64{}
	for _, f := range out {
		values[f.ID] = f.Value
	}
	for _, c := range customs {
		f := Figure{ID: c.ID, Name: c.Name, Custom: true, Def: Def{ID: c.ID, Unit: UnitCount}}
		switch c.Kind {
		case "ratio":
			f.Def.Unit = UnitRatio
			num, den := int64(values[c.Numerator]), int64(values[c.Denominator])
			if n, ok := r.custom[c.Numerator]; ok {
				num = n
			}
			if d, ok := r.custom[c.Denominator]; ok {
				den = d
			}
			f.Value, f.HasValue = ratio(num, den)
			f.Num, f.Den, f.HasParts = num, den, true
		case "unique":
			f.Def.Unit = UnitPeople
			f.Value, f.HasValue = float64(r.custom[c.ID]), true
		default:
			f.Value, f.HasValue = float64(r.custom[c.ID]), true
		}
		out = append(out, f)
	}
	return out
}

// Breakdown is a disaggregation of people reached.
type Breakdown struct {
	// Dim is age, age5, gender or setting.
	Dim             string
	Rows            []BreakdownRow
	Total           int64
	TotalSuppressed bool
}

// BreakdownRow is one category: Key is the category ("15-19", "female",
// "unknown"); Sub marks a five-year band under its <25 / 25+ group.
type BreakdownRow struct {
	Key        string
	N          int64
	Sub        bool
	Suppressed bool
}

// Age groups.
const (
	AgeUnder25 = "lt25"
	Age25Plus  = "25plus"
	Unknown    = "unknown"
)

// breakdowns sums the per-attribute counts into the age, gender and setting
// tables (every category shown, also when zero).
func breakdowns(r raw) []Breakdown {
	age := map[string]int64{}
	gender := map[string]int64{}
	setting := map[string]int64{}
	var total int64
	for _, a := range r.attrs {
		total += a.N
		band := or(a.AgeBand, Unknown)
		age[band] += a.N
		switch {
		case a.AgeBand == "":
		case Under25(a.AgeBand):
			age[AgeUnder25] += a.N
		default:
			age[Age25Plus] += a.N
		}
		gender[or(a.Gender, Unknown)] += a.N
		setting[or(a.Setting, Unknown)] += a.N
	}
	ageRows := []BreakdownRow{{Key: AgeUnder25, N: age[AgeUnder25]}}
	for _, b := range ageBands {
		if b == "25-29" {
			ageRows = append(ageRows, BreakdownRow{Key: Age25Plus, N: age[Age25Plus]})
		}
		ageRows = append(ageRows, BreakdownRow{Key: b, N: age[b], Sub: true})
	}
	ageRows = append(ageRows, BreakdownRow{Key: Unknown, N: age[Unknown]})
	line := func(keys []string, m map[string]int64) []BreakdownRow {
		var rows []BreakdownRow
		for _, k := range append(slices.Clone(keys), Unknown) {
			rows = append(rows, BreakdownRow{Key: k, N: m[k]})
		}
		return rows
	}
	return []Breakdown{
		{Dim: "age", Rows: ageRows, Total: total},
		{Dim: "gender", Rows: line(genders, gender), Total: total},
		{Dim: "setting", Rows: line(settings, setting), Total: total},
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
