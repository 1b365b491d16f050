package programme

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/sisterline/sisterline/internal/db"
)

// Figures the programme reads from the other capabilities. Each source is a
// small interface the app wires when that capability is there; a missing one
// leaves its indicators out.

// ScreenCounter gives an organisation's screenings and hits between two days
// (the alert capability's daily counts).
type ScreenCounter interface {
	ScreenCounts(ctx context.Context, orgID, from, to string) (checks, hits int64, err error)
}

// CheckinCounter gives an organisation's check-ins started, marked safe and
// escalated between two days (the check-in capability's daily counts).
type CheckinCounter interface {
	Counts(ctx context.Context, orgID, from, to string) (started, safe, escalated int64, err error)
}

// SafetyFigures are the safety loop's figures of a range.
type SafetyFigures struct {
	// Reports submitted in the range, and how many of them had a first
	// review within 24 hours of being sent.
	Reports, FirstResponse24h int64
	// Support needs (cases) closed in the range.
	NeedsClosed int64
	// Alerts published in the range.
	Alerts int64
	// Hours from a report being sent to its alert, for reports published in
	// the range (one entry per report).
	ReportToAlertHours []float64
}

// SafetyCounter gives the safety loop's figures of an organisation.
type SafetyCounter interface {
	SafetyFigures(ctx context.Context, orgID string, from, to time.Time) (SafetyFigures, error)
}

// Sources are the other capabilities' figures; any may be nil.
type Sources struct {
	Safety   SafetyCounter
	Screens  ScreenCounter
	Checkins CheckinCounter
}

// SafetyTables reads the safety loop's figures straight from the incident
// and alert capabilities' tables (reports, cases, alerts), read-only: those
// capabilities keep no counts of their own for it. Only counts and
// durations are read, never a narrative, an identifier or a reporter.
type SafetyTables struct{ db *db.DB }

// NewSafetyTables returns the reader over d.
func NewSafetyTables(d *db.DB) *SafetyTables { return &SafetyTables{db: d} }

// SafetyFigures counts reports, first responses within 24 hours, closed
// support needs, published alerts and the times from report to alert in
// [from, to) (times in UTC).
func (t *SafetyTables) SafetyFigures(ctx context.Context, orgID string, from, to time.Time) (SafetyFigures, error) {
	var f SafetyFigures
	rows, err := t.db.QueryContext(ctx, `SELECT submitted_at, first_review_at FROM reports
		WHERE org_id = $1 AND submitted_at IS NOT NULL AND submitted_at >= $2 AND submitted_at < $3`, orgID, from, to)
	if err != nil {
		return f, fmt.Errorf("programme: safety reports: %w", err)
	}
	for rows.Next() {
		var sub time.Time
		var first sql.NullTime
		if err := rows.Scan(&sub, &first); err != nil {
			rows.Close()
			return f, fmt.Errorf("programme: safety reports: %w", err)
		}
		f.Reports++
		if first.Valid && first.Time.Sub(sub) <= 24*time.Hour {
			f.FirstResponse24h++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("programme: safety reports: %w", err)
	}
	if err := t.db.QueryRowContext(ctx, `SELECT count(*) FROM cases WHERE org_id = $1 AND status = 'closed' AND closed_at >= $2 AND closed_at < $3`, orgID, from, to).Scan(&f.NeedsClosed); err != nil {
		return f, fmt.Errorf("programme: safety cases: %w", err)
	}
	if err := t.db.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE org_id = $1 AND published_at >= $2 AND published_at < $3`, orgID, from, to).Scan(&f.Alerts); err != nil {
		return f, fmt.Errorf("programme: safety alerts: %w", err)
	}
	// A published report's closed_at is the moment its alert went out.
	prow, err := t.db.QueryContext(ctx, `SELECT submitted_at, closed_at FROM reports WHERE org_id = $1 AND status = 'published'
		AND submitted_at IS NOT NULL AND closed_at >= $2 AND closed_at < $3`, orgID, from, to)
	if err != nil {
		return f, fmt.Errorf("programme: safety report to alert: %w", err)
	}
	defer prow.Close()
	for prow.Next() {
		var sub, pub time.Time
		if err := prow.Scan(&sub, &pub); err != nil {
			return f, fmt.Errorf("programme: safety report to alert: %w", err)
		}
		f.ReportToAlertHours = append(f.ReportToAlertHours, pub.Sub(sub).Hours())
	}
	return f, prow.Err()
}

// median returns the median of xs (the mean of the middle two for an even
// count), and false for none.
func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// OrgRef is an organisation of the network as the network view names it.
type OrgRef struct{ ID, Slug, Name string }

// orgs lists the network's organisations (the account capability's table,
// read-only).
func (s *Store) orgs(ctx context.Context) ([]OrgRef, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, slug, name FROM orgs ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("programme: orgs: %w", err)
	}
	defer rows.Close()
	var out []OrgRef
	for rows.Next() {
		var o OrgRef
		if err := rows.Scan(&o.ID, &o.Slug, &o.Name); err != nil {
			return nil, fmt.Errorf("programme: orgs: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
