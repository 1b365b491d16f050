package programme

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// What leaves an organisation is built here: one Publication per calendar
// period holds the figures of every organisation and of the network, with
// every sum between them, and is suppressed as a whole. So an organisation's
// export, another organisation's export and the network view can be laid
// side by side without a hidden count falling out of their differences.
//
// Counts that add up over time (contacts, condoms, referrals, reports …) are
// held for each month, quarter and the year around the period, so a hidden
// month cannot be worked back from its quarter either. Counts of unique
// people do not add up over time and are held for the period alone. Only
// calendar months, quarters and years are published: two overlapping custom
// ranges would give away the days between them.

// additiveKeys are the counts that add up over periods.
var additiveKeys = []string{
	"contacts", "condoms", "ref_made", "ref_linked", "ref_notlinked",
	"reports", "first24", "not24", "needs_closed", "alerts", "alert_reports",
	"screenings", "screening_hits", "checkins_started", "checkins_safe", "checkins_escalated",
}

// additiveYear returns the additive counts of an organisation for each
// month of a year: two grouped queries over the summaries and referrals,
// and the other capabilities' counts month by month.
func (s *Service) additiveYear(ctx context.Context, orgID string, months []Period) ([]map[string]int64, error) {
	year := Period{From: months[0].From, To: months[len(months)-1].To}
	days, err := s.store.dayTotalsByMonth(ctx, orgID, year.FromDay(), year.ToDay())
	if err != nil {
		return nil, err
	}
	refs, err := s.store.referralsByMonth(ctx, orgID, year.FromDay(), year.ToDay())
	if err != nil {
		return nil, err
	}
	out := make([]map[string]int64, len(months))
	for i, m := range months {
		a := map[string]int64{}
		key := m.From.Format("2006-01")
		if d := days[key]; d != nil {
			a["contacts"], a["condoms"] = d[0], d[1]
		}
		if r := refs[key]; r != nil {
			a["ref_made"], a["ref_linked"] = r[0], r[1]
		}
		a["ref_notlinked"] = a["ref_made"] - a["ref_linked"]
		var r raw
		if err := s.collectExternal(ctx, orgID, m, &r); err != nil {
			return nil, err
		}
		if f := r.safety; f != nil {
			a["reports"], a["first24"], a["not24"] = f.Reports, f.FirstResponse24h, f.Reports-f.FirstResponse24h
			a["needs_closed"], a["alerts"], a["alert_reports"] = f.NeedsClosed, f.Alerts, int64(len(f.ReportToAlertHours))
		}
		if c := r.screens; c != nil {
			a["screenings"], a["screening_hits"] = c[0], c[1]
		}
		if c := r.checkins; c != nil {
			a["checkins_started"], a["checkins_safe"], a["checkins_escalated"] = c[0], c[1], c[2]
		}
		out[i] = a
	}
	return out, nil
}

// orgData is what one organisation puts in a publication.
type orgData struct {
	org      OrgRef
	settings Settings
	raw      raw
	// median hours from report to alert in the period (not a count).
	median   float64
	medianOK bool
}

// Published is a publication for one calendar period, ready to read.
type Published struct {
	Period Period
	pub    *Publication
	orgs   []orgData
}

func orgKey(orgID, k string) string { return "org/" + orgID + "/" + k }
func netKey(k string) string        { return "net/" + k }
func at(k string, p Period) string  { return k + "@" + p.ID }

// publish builds and suppresses the publication of period p for every
// organisation of the network.
func (s *Service) publish(ctx context.Context, p Period) (*Published, error) {
	if p.ID == "" {
		return nil, fmt.Errorf("programme: publish: %w", errCalendarOnly)
	}
	orgs, err := s.store.orgs(ctx)
	if err != nil {
		return nil, err
	}
	pub := NewPublication()
	out := &Published{Period: p, pub: pub}
	year := Year(p.From)
	months := monthsOf(year)
	var quarters []Period
	for q := 0; q < 4; q++ {
		quarters = append(quarters, Quarter(months[q*3].From))
	}
	periods := append(append(slices.Clone(months), quarters...), year)
	netMin := DefaultThreshold
	for _, o := range orgs {
		st, err := s.store.Settings(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		netMin = max(netMin, st.Threshold)
		d := orgData{org: o, settings: st}
		t := st.Threshold
		// Additive counts: months, then quarters and the year as their sums.
		perMonth, err := s.additiveYear(ctx, o.ID, months)
		if err != nil {
			return nil, err
		}
		for i, m := range months {
			for _, k := range additiveKeys {
				pub.Set(orgKey(o.ID, at(k, m)), perMonth[i][k], TierHeadline, t)
			}
		}
		for _, k := range additiveKeys {
			var yearParts []string
			for q, qp := range quarters {
				var parts []string
				var sum int64
				for _, m := range months[q*3 : q*3+3] {
					parts = append(parts, orgKey(o.ID, at(k, m)))
					sum += pub.cells[orgKey(o.ID, at(k, m))].value
				}
				pub.Set(orgKey(o.ID, at(k, qp)), sum, TierHeadline, t)
				pub.Sum(orgKey(o.ID, at(k, qp)), parts...)
				yearParts = append(yearParts, orgKey(o.ID, at(k, qp)))
			}
			var total int64
			for _, q := range yearParts {
				total += pub.cells[q].value
			}
			pub.Set(orgKey(o.ID, at(k, year)), total, TierHeadline, t)
			pub.Sum(orgKey(o.ID, at(k, year)), yearParts...)
		}
		for _, x := range periods {
			pub.Sum(orgKey(o.ID, at("ref_made", x)), orgKey(o.ID, at("ref_linked", x)), orgKey(o.ID, at("ref_notlinked", x)))
			pub.Sum(orgKey(o.ID, at("reports", x)), orgKey(o.ID, at("first24", x)), orgKey(o.ID, at("not24", x)))
		}
		// Counts of people, for the period alone.
		d.raw, err = s.collect(ctx, o.ID, p, st, nil)
		if err != nil {
			return nil, err
		}
		if f := d.raw.safety; f != nil {
			d.median, d.medianOK = median(f.ReportToAlertHours)
		}
		r := d.raw
		people := map[string]int64{
			"people_reached": r.reached, "cov_den": r.covReached, "cov_num": r.covCovered,
			"cov_rest": r.covReached - r.covCovered, "month_reached": r.monthReached, "people_trained": r.trained,
		}
		for k, v := range people {
			pub.Set(orgKey(o.ID, k), v, TierHeadline, t)
		}
		pub.Sum(orgKey(o.ID, "cov_den"), orgKey(o.ID, "cov_num"), orgKey(o.ID, "cov_rest"))
		for _, b := range breakdowns(r) {
			addBreakdown(pub, func(k string) string { return orgKey(o.ID, k) }, b, TierCategory, t)
		}
		out.orgs = append(out.orgs, d)
	}
	// The network: every cell the sum of the organisations' cells.
	var netKeys []string
	for _, k := range additiveKeys {
		for _, x := range periods {
			netKeys = append(netKeys, at(k, x))
		}
	}
	netKeys = append(netKeys, "people_reached", "cov_den", "cov_num", "cov_rest", "month_reached", "people_trained")
	if len(out.orgs) > 0 {
		for _, b := range breakdowns(out.orgs[0].raw) {
			for _, row := range b.Rows {
				netKeys = append(netKeys, breakdownKey(b.Dim, row.Key))
			}
		}
	}
	for _, k := range netKeys {
		var parts []string
		var sum int64
		for _, d := range out.orgs {
			c := pub.cells[orgKey(d.org.ID, k)]
			if c == nil {
				continue
			}
			parts = append(parts, orgKey(d.org.ID, k))
			sum += c.value
		}
		pub.Set(netKey(k), sum, TierNetwork, netMin)
		pub.Sum(netKey(k), parts...)
	}
	pub.Suppress()
	return out, nil
}

func breakdownKey(dim, cat string) string { return "people_reached/" + dim + "/" + cat }

// addBreakdown puts a disaggregation table in the publication: its
// categories sum to people reached; the five-year age bands sum to <25 and
// 25+.
func addBreakdown(pub *Publication, key func(string) string, b Breakdown, tier, threshold int) {
	total := key("people_reached")
	var top []string
	var group string
	groups := map[string][]string{}
	for _, row := range b.Rows {
		k := key(breakdownKey(b.Dim, row.Key))
		pub.Set(k, row.N, tier, threshold)
		if row.Sub {
			groups[group] = append(groups[group], k)
			continue
		}
		if b.Dim == "age" && row.Key != Unknown {
			group = k
		}
		top = append(top, k)
	}
	pub.Sum(total, top...)
	for g, parts := range groups {
		pub.Sum(g, parts...)
	}
}

// Org returns what an organisation may publish of the period: its built-in
// figures and its disaggregations, suppressed.
func (pb *Published) Org(orgID string) ([]Figure, []Breakdown, bool) {
	for _, d := range pb.orgs {
		if d.org.ID == orgID {
			key := func(k string) string { return orgKey(orgID, k) }
			return pb.figures(key, d.settings.Population, d.settings.CondomsPerMonth, d.raw.safety != nil, d.raw.screens != nil, d.raw.checkins != nil, d.median, d.medianOK),
				pb.breakdowns(key, d.raw), true
		}
	}
	return nil, nil, false
}

// Network returns the network's figures and disaggregations, suppressed.
func (pb *Published) Network() ([]Figure, []Breakdown) {
	var pop, condomNeed int64
	safety, screens, checkins := false, false, false
	var all raw
	for _, d := range pb.orgs {
		pop += d.settings.Population
		condomNeed += d.settings.Population * d.settings.CondomsPerMonth
		safety = safety || d.raw.safety != nil
		screens = screens || d.raw.screens != nil
		checkins = checkins || d.raw.checkins != nil
		all.attrs = append(all.attrs, d.raw.attrs...)
	}
	perMonth := int64(0)
	if pop > 0 {
		perMonth = condomNeed / pop
	}
	// No median across organisations: it would need every report's time.
	return pb.figures(netKey, pop, perMonth, safety, screens, checkins, 0, false), pb.breakdowns(netKey, all)
}

// OrgRow is one organisation's headline figures in the network view.
type OrgRow struct {
	Org     OrgRef
	Figures []Figure
}

// ByOrg returns each organisation's published figures.
func (pb *Published) ByOrg() []OrgRow {
	var out []OrgRow
	for _, d := range pb.orgs {
		f, _, _ := pb.Org(d.org.ID)
		out = append(out, OrgRow{Org: d.org, Figures: f})
	}
	return out
}

// figures reads the built-in figures of one organisation (or the network)
// from the publication. A ratio is published only when both its parts are.
func (pb *Published) figures(key func(string) string, population, perMonth int64, safety, screens, checkins bool, med float64, medOK bool) []Figure {
	p := pb.Period
	pub := pb.pub
	var out []Figure
	fig := func(id string) Figure {
		d, _ := DefOf(id)
		return Figure{ID: id, Name: "programme.ind." + id, Def: d}
	}
	count := func(id, cell string) {
		f := fig(id)
		v, ok := pub.Value(key(cell))
		f.Value, f.HasValue, f.Suppressed = float64(v), ok, !ok
		out = append(out, f)
	}
	part := func(id, num, den string) {
		f := fig(id)
		n, okN := pub.Value(key(num))
		d, okD := pub.Value(key(den))
		f.Suppressed = !okN || !okD
		if !f.Suppressed {
			f.Num, f.Den, f.HasParts = n, d, true
			f.Value, f.HasValue = ratio(n, d)
		}
		out = append(out, f)
	}
	count("people_reached", "people_reached")
	count("contacts", at("contacts", p))
	part("prevention_coverage", "cov_num", "cov_den")
	f := fig("monthly_reach")
	if n, ok := pub.Value(key("month_reached")); ok {
		f.Num, f.Den, f.HasParts = n, population, true
		f.Value, f.HasValue = ratio(n, population)
	} else {
		f.Suppressed = true
	}
	out = append(out, f)
	part("referral_linkage", at("ref_linked", p), at("ref_made", p))
	count("people_trained", "people_trained")
	f = fig("condoms_distributed")
	if n, ok := pub.Value(key(at("condoms", p))); ok {
		need := int64(math.Round(float64(population*perMonth) * p.Months()))
		f.Value, f.HasValue, f.Num, f.Den, f.HasParts = float64(n), true, n, need, need > 0
	} else {
		f.Suppressed = true
	}
	out = append(out, f)
	if safety {
		count("reports_received", at("reports", p))
		part("first_response_24h", at("first24", p), at("reports", p))
		count("support_needs_closed", at("needs_closed", p))
		count("alerts_published", at("alerts", p))
		f := fig("median_report_to_alert_hours")
		if _, ok := pub.Value(key(at("alert_reports", p))); ok && medOK {
			f.Value, f.HasValue = math.Round(med*10)/10, true
		} else {
			f.Suppressed = true
		}
		out = append(out, f)
	}
	if screens {
		count("screenings", at("screenings", p))
		count("screening_hits", at("screening_hits", p))
	}
	if checkins {
		count("checkins_started", at("checkins_started", p))
		count("checkins_safe", at("checkins_safe", p))
		count("checkins_escalated", at("checkins_escalated", p))
	}
	return out
}

// breakdowns reads the disaggregation tables, suppressed.
func (pb *Published) breakdowns(key func(string) string, r raw) []Breakdown {
	out := breakdowns(r)
	for i := range out {
		b := &out[i]
		for j := range b.Rows {
			row := &b.Rows[j]
			v, ok := pb.pub.Value(key(breakdownKey(b.Dim, row.Key)))
			row.N, row.Suppressed = v, !ok
		}
		b.Total, _ = pb.pub.Value(key("people_reached"))
		b.TotalSuppressed = pb.pub.Suppressed(key("people_reached"))
	}
	return out
}
