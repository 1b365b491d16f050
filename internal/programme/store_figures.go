package programme

import (
	"context"
	"fmt"
	"strings"
)

// The SQL behind the indicators. Every query reads a date range [from, to]
// of YYYY-MM-DD days, which compare correctly as text on both engines, over
// an index that starts (org_id, on_date). Unique people are counted with
// COUNT(DISTINCT code) in the database, never by loading records into Go.

// reachWhere selects the reach rows that count as reaching a person
// (KP_PREV): individual and small-group contacts of the range; mass events do
// not count.
const reachWhere = `org_id = $1 AND on_date >= $2 AND on_date <= $3 AND mode IN ('individual', 'small_group')`

func (s *Store) scalar(ctx context.Context, what, query string, args ...any) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("programme: %s: %w", what, err)
	}
	return n, nil
}

// peopleReached counts unique codes reached by individual or small-group
// contacts.
func (s *Store) peopleReached(ctx context.Context, orgID, from, to string) (int64, error) {
	return s.scalar(ctx, "people reached", `SELECT count(DISTINCT code_seq) FROM programme_reach WHERE `+reachWhere, orgID, from, to)
}

// personContacts counts each time a person was reached by an individual or
// small-group contact (one person met four times is four).
func (s *Store) personContacts(ctx context.Context, orgID, from, to string) (int64, error) {
	return s.scalar(ctx, "contacts", `SELECT count(*) FROM programme_reach WHERE `+reachWhere, orgID, from, to)
}

// coverage returns the people reached in the range and, of them, those who
// received at least two different services (of the given bits) in it.
func (s *Store) coverage(ctx context.Context, orgID, from, to string, bits []int) (reached, covered int64, err error) {
	terms := make([]string, len(bits))
	for i, b := range bits {
		// Bits come from the service list in code, never from input.
		terms[i] = fmt.Sprintf("CASE WHEN max(services & %d) > 0 THEN 1 ELSE 0 END", int64(1)<<b)
	}
	q := `SELECT count(*), coalesce(sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END), 0) FROM (
		SELECT code_seq, ` + strings.Join(terms, " + ") + ` AS n FROM programme_reach WHERE ` + reachWhere + ` GROUP BY code_seq) AS per_person` // #nosec G202 -- bit constants only
	if err := s.db.QueryRowContext(ctx, q, orgID, from, to).Scan(&reached, &covered); err != nil {
		return 0, 0, fmt.Errorf("programme: coverage: %w", err)
	}
	return reached, covered, nil
}

// attrCount is how many unique people of one combination of attributes
// were reached.
type attrCount struct {
	AgeBand, Gender, Setting string
	N                        int64
}

// reachedByAttrs counts the unique people reached per combination of their
// codes' attributes, for the disaggregations.
func (s *Store) reachedByAttrs(ctx context.Context, orgID, from, to string) ([]attrCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.age_band, m.gender, m.setting, count(*) FROM member_codes m
		WHERE m.org_id = $1 AND m.seq IN (SELECT code_seq FROM programme_reach WHERE `+reachWhere+`)
		GROUP BY m.age_band, m.gender, m.setting`, orgID, from, to)
	if err != nil {
		return nil, fmt.Errorf("programme: disaggregation: %w", err)
	}
	defer rows.Close()
	var out []attrCount
	for rows.Next() {
		var a attrCount
		if err := rows.Scan(&a.AgeBand, &a.Gender, &a.Setting, &a.N); err != nil {
			return nil, fmt.Errorf("programme: disaggregation: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// referralCounts returns the referrals made in the range and how many of
// them have the outcome "linked", whenever it was recorded.
func (s *Store) referralCounts(ctx context.Context, orgID, from, to string) (made, linked int64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(CASE WHEN outcome = 'linked' THEN 1 ELSE 0 END), 0)
		FROM programme_referrals WHERE org_id = $1 AND on_date >= $2 AND on_date <= $3`, orgID, from, to).Scan(&made, &linked)
	if err != nil {
		return 0, 0, fmt.Errorf("programme: referrals: %w", err)
	}
	return made, linked, nil
}

// peopleTrained counts unique participants of trainings.
func (s *Store) peopleTrained(ctx context.Context, orgID, from, to string) (int64, error) {
	return s.scalar(ctx, "people trained", `SELECT count(DISTINCT code_seq) FROM programme_participants
		WHERE org_id = $1 AND on_date >= $2 AND on_date <= $3`, orgID, from, to)
}

// recordFilter picks the records a custom indicator counts.
type recordFilter struct {
	Record  string // contact, group_session, training, referral
	Mode    string // contacts only; "" for all
	Bit     int64  // contacts: a service's bit mask; 0 for all
	Service string // referrals: the service key; "" for all
}

// countRecords counts records: contacts, sessions, trainings or referrals.
func (s *Store) countRecords(ctx context.Context, orgID, from, to string, f recordFilter) (int64, error) {
	switch f.Record {
	case "referral":
		return s.scalar(ctx, "count referrals", `SELECT count(*) FROM programme_referrals WHERE org_id = $1 AND on_date >= $2 AND on_date <= $3
			AND ($4 = '' OR service = $4)`, orgID, from, to, f.Service)
	case KindContact:
		return s.scalar(ctx, "count contacts", `SELECT count(*) FROM programme_activities WHERE org_id = $1 AND kind = 'contact' AND on_date >= $2 AND on_date <= $3
			AND ($4 = '' OR mode = $4) AND (CAST($5 AS BIGINT) = 0 OR (services & CAST($5 AS BIGINT)) <> 0)`, orgID, from, to, f.Mode, f.Bit)
	default:
		return s.scalar(ctx, "count activities", `SELECT count(*) FROM programme_activities WHERE org_id = $1 AND kind = $4 AND on_date >= $2 AND on_date <= $3`,
			orgID, from, to, f.Record)
	}
}

// uniquePeople counts the unique codes of contacts, trainings or referrals.
func (s *Store) uniquePeople(ctx context.Context, orgID, from, to string, f recordFilter) (int64, error) {
	switch f.Record {
	case "referral":
		return s.scalar(ctx, "unique referred", `SELECT count(DISTINCT code_seq) FROM programme_referrals WHERE org_id = $1 AND on_date >= $2 AND on_date <= $3
			AND ($4 = '' OR service = $4)`, orgID, from, to, f.Service)
	case KindTraining:
		return s.peopleTrained(ctx, orgID, from, to)
	default:
		return s.scalar(ctx, "unique contacted", `SELECT count(DISTINCT code_seq) FROM programme_reach WHERE org_id = $1 AND on_date >= $2 AND on_date <= $3
			AND ($4 = '' OR mode = $4) AND (CAST($5 AS BIGINT) = 0 OR (services & CAST($5 AS BIGINT)) <> 0)`, orgID, from, to, f.Mode, f.Bit)
	}
}

// monthSpan reports whether p is whole calendar months of one year, and
// which: then the summaries answer for it.
func monthSpan(p Period) (year, first, last int, ok bool) {
	if p.From.Day() != 1 || !p.To.AddDate(0, 0, 1).Equal(firstOfMonth(p.To.AddDate(0, 0, 1))) || p.From.Year() != p.To.Year() {
		return 0, 0, 0, false
	}
	return p.From.Year(), int(p.From.Month()), int(p.To.Month()), true
}

func monthMask(first, last int) int64 {
	var m int64
	for i := first; i <= last; i++ {
		m |= 1 << (i - 1)
	}
	return m
}

// yearFigures is what one pass over the code-year summaries gives.
type yearFigures struct {
	attrs          []attrCount // people reached in the period, by attributes
	reached        int64
	perMonth       [12]int64 // unique people reached in each month
	covDen, covNum int64
}

// yearSummary reads the code-year summaries of a year once: people reached
// in months first..last (by attributes), in each month, and — when cov
// names months of the same year — prevention coverage over those months.
func (s *Store) yearSummary(ctx context.Context, orgID string, year, first, last int, cov []int, bits []int) (yearFigures, error) {
	var yf yearFigures
	// Every number below is built from month numbers and service bits in
	// code, never from input.
	terms := []string{fmt.Sprintf("sum(CASE WHEN (months & %d) <> 0 THEN 1 ELSE 0 END)", monthMask(first, last))}
	for m := 1; m <= 12; m++ {
		terms = append(terms, fmt.Sprintf("sum(CASE WHEN (months & %d) <> 0 THEN 1 ELSE 0 END)", int64(1)<<(m-1)))
	}
	if len(cov) > 0 {
		var cols []string
		for _, m := range cov {
			cols = append(cols, monthCol(m))
		}
		got := "(" + strings.Join(cols, " | ") + ")"
		var n []string
		for _, b := range bits {
			n = append(n, fmt.Sprintf("CASE WHEN (%s & %d) <> 0 THEN 1 ELSE 0 END", got, int64(1)<<b))
		}
		terms = append(terms, fmt.Sprintf("sum(CASE WHEN (months & %d) <> 0 THEN 1 ELSE 0 END)", monthMask(cov[0], cov[len(cov)-1])),
			"sum(CASE WHEN ("+strings.Join(n, " + ")+") >= 2 THEN 1 ELSE 0 END)")
	}
	q := `SELECT age_band, gender, setting, ` + strings.Join(terms, ", ") + ` FROM programme_code_years
		WHERE org_id = $1 AND year = $2 GROUP BY age_band, gender, setting` // #nosec G202 -- constants only
	rows, err := s.db.QueryContext(ctx, q, orgID, year) // #nosec G701 -- q holds only numbers computed in code
	if err != nil {
		return yf, fmt.Errorf("programme: year summary: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a attrCount
		vals := make([]int64, len(terms))
		dst := []any{&a.AgeBand, &a.Gender, &a.Setting}
		for i := range vals {
			dst = append(dst, &vals[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return yf, fmt.Errorf("programme: year summary: %w", err)
		}
		a.N = vals[0]
		yf.reached += a.N
		if a.N > 0 {
			yf.attrs = append(yf.attrs, a)
		}
		for m := range 12 {
			yf.perMonth[m] += vals[1+m]
		}
		if len(cov) > 0 {
			yf.covDen += vals[13]
			yf.covNum += vals[14]
		}
	}
	return yf, rows.Err()
}

// dayTotals sums the per-day counts: people met one to one or in small
// groups (each time), and condoms.
func (s *Store) dayTotals(ctx context.Context, orgID, from, to string) (contacts, condoms int64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT coalesce(sum(contacts), 0), coalesce(sum(condoms), 0) FROM programme_days
		WHERE org_id = $1 AND day >= $2 AND day <= $3`, orgID, from, to).Scan(&contacts, &condoms)
	if err != nil {
		return 0, 0, fmt.Errorf("programme: day totals: %w", err)
	}
	return contacts, condoms, nil
}

// monthly returns per-month sums ("2026-11" → values) of a query grouped by
// month.
func (s *Store) monthly(ctx context.Context, what, query string, n int, args ...any) (map[string][]int64, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("programme: %s: %w", what, err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var m string
		vals := make([]int64, n)
		dst := []any{&m}
		for i := range vals {
			dst = append(dst, &vals[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("programme: %s: %w", what, err)
		}
		out[m] = vals
	}
	return out, rows.Err()
}

// dayTotalsByMonth is dayTotals for each month ("2026-11") of a range.
func (s *Store) dayTotalsByMonth(ctx context.Context, orgID, from, to string) (map[string][]int64, error) {
	return s.monthly(ctx, "monthly totals", `SELECT substr(day, 1, 7), coalesce(sum(contacts), 0), coalesce(sum(condoms), 0) FROM programme_days
		WHERE org_id = $1 AND day >= $2 AND day <= $3 GROUP BY substr(day, 1, 7)`, 2, orgID, from, to)
}

// referralsByMonth is referralCounts for each month of a range.
func (s *Store) referralsByMonth(ctx context.Context, orgID, from, to string) (map[string][]int64, error) {
	return s.monthly(ctx, "monthly referrals", `SELECT substr(on_date, 1, 7), count(*), coalesce(sum(CASE WHEN outcome = 'linked' THEN 1 ELSE 0 END), 0)
		FROM programme_referrals WHERE org_id = $1 AND on_date >= $2 AND on_date <= $3 GROUP BY substr(on_date, 1, 7)`, 2, orgID, from, to)
}
