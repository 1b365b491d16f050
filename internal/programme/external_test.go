package programme

import (
	"context"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
)

// TestSafetyFiguresReadTheSafetyLoopsTables counts reports, first responses
// within 24 hours, closed needs, alerts and report-to-alert times from the
// incident and alert tables, on both engines.
func TestSafetyFiguresReadTheSafetyLoopsTables(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
		report := func(sub, review, closed, status string) {
			var rv, cl any
			if review != "" {
				rv = at(review)
			}
			if closed != "" {
				cl = at(closed)
			}
			if _, err := d.ExecContext(ctx, `INSERT INTO reports (id, org_id, reporter_idx, status, created_at, submitted_at, updated_at, first_review_at, closed_at)
				VALUES ($1, $2, $3, $4, $5, $5, $5, $6, $7)`, db.NewID(), e.orgA, []byte("x"), status, at(sub), rv, cl); err != nil {
				t.Fatal(err)
			}
		}
		report("2026-11-02T10:00:00Z", "2026-11-02T20:00:00Z", "2026-11-03T10:00:00Z", "published") // reviewed in 10 h, alert after 24 h
		report("2026-11-05T10:00:00Z", "2026-11-07T10:00:00Z", "2026-11-07T12:00:00Z", "published") // reviewed after 48 h, alert after 50 h
		report("2026-11-29T23:00:00Z", "", "", "pending")
		report("2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z", "", "pending") // next month
		if _, err := d.ExecContext(ctx, `INSERT INTO cases (id, org_id, need, status, created_at, closed_at) VALUES ($1, $2, 'legal', 'closed', $3, $4)`,
			db.NewID(), e.orgA, at("2026-11-01T00:00:00Z"), at("2026-11-20T00:00:00Z")); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO alerts (id, org_id, scope, status, summary_enc, published_at, updated_at) VALUES ($1, $2, 'org', 'active', $3, $4, $4)`,
			db.NewID(), e.orgA, []byte("x"), at("2026-11-03T10:00:00Z")); err != nil {
			t.Fatal(err)
		}
		f, err := NewSafetyTables(d).SafetyFigures(ctx, e.orgA, at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		if f.Reports != 3 || f.FirstResponse24h != 1 || f.NeedsClosed != 1 || f.Alerts != 1 || len(f.ReportToAlertHours) != 2 {
			t.Fatalf("figures = %+v", f)
		}
		if m, _ := median(f.ReportToAlertHours); m != 37 {
			t.Errorf("median report to alert = %v hours, want 37", m)
		}
		if other, _ := NewSafetyTables(d).SafetyFigures(ctx, e.orgB, at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z")); other.Reports != 0 {
			t.Errorf("another organisation sees %d reports", other.Reports)
		}
	})
}
