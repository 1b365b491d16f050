package programme

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
)

// Period is a range of days, both ends included. ID is its DHIS2 period id
// (202611, 2026Q4, 2026) when it is a calendar month, quarter or year, and
// "" for a custom range.
type Period struct {
	From, To time.Time
	ID       string
}

// Kinds of period.
const (
	PeriodMonth   = "month"
	PeriodQuarter = "quarter"
	PeriodYear    = "year"
	PeriodCustom  = "custom"
)

// Kind says whether p is a month, quarter, year or custom range.
func (p Period) Kind() string {
	switch len(p.ID) {
	case 4:
		return PeriodYear
	case 6:
		if p.ID[4] == 'Q' {
			return PeriodQuarter
		}
		return PeriodMonth
	}
	return PeriodCustom
}

// FromDay and ToDay are the ends as YYYY-MM-DD.
func (p Period) FromDay() string { return p.From.Format(dateLayout) }

// ToDay is the last day as YYYY-MM-DD.
func (p Period) ToDay() string { return p.To.Format(dateLayout) }

// Days is the number of days in p.
func (p Period) Days() int { return int(p.To.Sub(p.From).Hours()/24) + 1 }

// Months is the length of p in calendar months, counting a partly covered
// month by the share of its days covered (November 1–30 is exactly 1).
func (p Period) Months() float64 {
	var m float64
	for d := firstOfMonth(p.From); !d.After(p.To); d = d.AddDate(0, 1, 0) {
		end := d.AddDate(0, 1, -1)
		from, to := d, end
		if from.Before(p.From) {
			from = p.From
		}
		if to.After(p.To) {
			to = p.To
		}
		days := float64(end.Day())
		m += (to.Sub(from).Hours()/24 + 1) / days
	}
	return m
}

// Elapsed is the share of p that has passed at day now (0 to 1): a period
// that has ended is wholly elapsed.
func (p Period) Elapsed(now time.Time) float64 {
	today := day(now)
	switch {
	case today.Before(p.From):
		return 0
	case today.After(p.To):
		return 1
	}
	return float64(int(today.Sub(p.From).Hours()/24)+1) / float64(p.Days())
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// Month returns the calendar month of t.
func Month(t time.Time) Period {
	f := firstOfMonth(t)
	return Period{From: f, To: f.AddDate(0, 1, -1), ID: f.Format("200601")}
}

// Quarter returns the calendar quarter of t.
func Quarter(t time.Time) Period {
	q := (int(t.Month()) - 1) / 3
	f := time.Date(t.Year(), time.Month(q*3+1), 1, 0, 0, 0, 0, time.UTC)
	return Period{From: f, To: f.AddDate(0, 3, -1), ID: fmt.Sprintf("%dQ%d", t.Year(), q+1)}
}

// Year returns the calendar year of t.
func Year(t time.Time) Period {
	f := time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	return Period{From: f, To: f.AddDate(1, 0, -1), ID: strconv.Itoa(t.Year())}
}

// ParsePeriod reads a DHIS2 period id: 2026, 2026Q4 or 202611.
func ParsePeriod(id string) (Period, error) {
	bad := apperr.Field("period", "programme.error.period")
	switch {
	case len(id) == 4:
		y, err := strconv.Atoi(id)
		if err != nil || y < 2000 || y > 2200 {
			return Period{}, bad
		}
		return Year(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)), nil
	case len(id) == 6 && id[4] == 'Q':
		y, err := strconv.Atoi(id[:4])
		q, err2 := strconv.Atoi(id[5:])
		if err != nil || err2 != nil || y < 2000 || y > 2200 || q < 1 || q > 4 {
			return Period{}, bad
		}
		return Quarter(time.Date(y, time.Month(q*3), 1, 0, 0, 0, 0, time.UTC)), nil
	case len(id) == 6:
		y, err := strconv.Atoi(id[:4])
		m, err2 := strconv.Atoi(id[4:])
		if err != nil || err2 != nil || y < 2000 || y > 2200 || m < 1 || m > 12 {
			return Period{}, bad
		}
		return Month(time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)), nil
	}
	return Period{}, bad
}

// Range returns the period from one day to another, named by its DHIS2 id
// when it is exactly a calendar month, quarter or year.
func Range(from, to string) (Period, error) {
	f, err := parseDay("from", from)
	if err != nil {
		return Period{}, err
	}
	t, err := parseDay("to", to)
	if err != nil {
		return Period{}, err
	}
	if t.Before(f) {
		return Period{}, apperr.Field("to", "programme.error.range_order")
	}
	if t.Sub(f) > 366*3*24*time.Hour {
		return Period{}, apperr.Field("to", "programme.error.range_long")
	}
	p := Period{From: f, To: t}
	for _, c := range []Period{Month(f), Quarter(f), Year(f)} {
		if c.From.Equal(f) && c.To.Equal(t) {
			p.ID = c.ID
		}
	}
	return p, nil
}

// lastThreeMonths is the window of prevention coverage: the three months
// ending on p's last day (to Dec 31 → from Oct 1; to Nov 15 → from Aug 16).
func lastThreeMonths(p Period) Period {
	return Period{From: p.To.AddDate(0, 0, 1).AddDate(0, -3, 0), To: p.To}
}

// monthOfEnd is the window of monthly reach: the calendar month of p's last
// day, up to that day.
func monthOfEnd(p Period) Period {
	return clip(Month(p.To), p)
}

// clip narrows m to p, dropping its DHIS2 id when it no longer is a whole
// calendar period.
func clip(m, p Period) Period {
	if m.From.Before(p.From) {
		m.From, m.ID = p.From, ""
	}
	if m.To.After(p.To) {
		m.To, m.ID = p.To, ""
	}
	return m
}

// monthsOf splits p into its calendar months (the first and last clipped).
func monthsOf(p Period) []Period {
	var out []Period
	for d := firstOfMonth(p.From); !d.After(p.To); d = d.AddDate(0, 1, 0) {
		out = append(out, clip(Month(d), p))
	}
	return out
}
