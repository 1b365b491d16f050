package incident_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/alert"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/incident"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// alertsOf gives the incident service the alert service, as the app does.
type alertsOf struct{ svc *alert.Service }

func (a alertsOf) Publish(ctx context.Context, tx *sql.Tx, n incident.NewAlert) (string, error) {
	al, err := a.svc.Publish(ctx, tx, alert.Input{OrgID: n.OrgID, ActorID: n.ActorID, Scope: n.Scope, Summary: n.Summary,
		IncidentTypes: n.IncidentTypes, Area: n.Area, ExpiresAt: n.ExpiresAt, Identifiers: n.Identifiers})
	return al.ID, err
}

func (a alertsOf) Matching(ctx context.Context, idx [][]byte, viewerOrgID string) (incident.AlertMatches, error) {
	visible, total, err := a.svc.Matching(ctx, idx, viewerOrgID)
	m := incident.AlertMatches{Total: total}
	for _, al := range visible {
		m.Visible = append(m.Visible, incident.AlertRef{ID: al.ID, Summary: al.Summary, Scope: al.Scope, OrgID: al.OrgID, PublishedAt: al.PublishedAt})
	}
	return m, err
}

const keepClosed = 30 * 24 * time.Hour

// world is the incident and alert services over a fresh database with two
// organisations, on a clock the test moves.
type world struct {
	t      *testing.T
	d      *db.DB
	svc    *incident.Service
	alerts *alert.Service
	now    time.Time
	orgs   [2]string
	member [2]*web.Principal
	mod    [2]*web.Principal
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	keys, err := seal.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, d: d, now: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return w.now }
	for i, slug := range []string{"yunnan", "river"} {
		w.orgs[i] = db.NewID()
		if _, err := d.ExecContext(context.Background(), `INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, $3, $4)`, w.orgs[i], slug, slug, db.Time(w.now)); err != nil {
			t.Fatal(err)
		}
		w.member[i] = &web.Principal{UserID: db.NewID(), OrgID: w.orgs[i], Role: web.RoleMember}
		w.mod[i] = &web.Principal{UserID: db.NewID(), OrgID: w.orgs[i], Role: web.RoleModerator}
	}
	audit := account.NewAudit(d, clock)
	w.alerts = alert.NewService(d, keys, nil, audit, alert.Options{}, clock)
	w.svc = incident.NewService(d, keys, alertsOf{w.alerts}, nil, audit,
		incident.Options{KeepClosed: keepClosed, KeepDrafts: keepClosed, AlertTTL: 90 * 24 * time.Hour}, clock)
	return w
}

func draft(phone string, consent incident.Consent) incident.Draft {
	return incident.Draft{IncidentTypes: []string{"robbery"}, Narrative: "took my money", Support: []string{"legal"}, Consent: consent,
		Identifiers: []incident.RawIdentifier{{Kind: "phone", Value: phone}}}
}

// file files a report of p naming phone.
func (w *world) file(p *web.Principal, phone string) string {
	w.t.Helper()
	r, err := w.svc.Create(context.Background(), p, draft(phone, incident.Consent{Alert: true}), false)
	if err != nil {
		w.t.Fatal(err)
	}
	return r.ID
}

func (w *world) count(query string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.d.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) ok(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func TestPurgeDeletesADeclinedReportAfterKeepClosedWithItsIdentifiersAndMessages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		declined := w.file(w.member[0], "13800138000")
		w.ok(w.svc.RequestInfo(ctx, w.mod[0], declined, "Which hotel?"))
		w.ok(w.svc.AddMessage(ctx, w.member[0], declined, "The Spring hotel"))
		w.ok(w.svc.Decline(ctx, w.mod[0], declined, "Not enough to warn others"))
		pending := w.file(w.member[0], "13800138000")
		drafted, err := w.svc.SaveDraft(ctx, w.member[0], "", draft("13900000000", incident.Consent{}), "who", false)
		w.ok(err)
		if n := w.count(`SELECT count(*) FROM report_messages WHERE report_id = $1`, declined); n != 2 {
			t.Fatalf("messages before the purge: %d", n)
		}

		// Not yet: a day before the end of KeepClosed.
		w.now = w.now.Add(keepClosed - 24*time.Hour)
		w.ok(w.svc.Purge(ctx))
		if n := w.count(`SELECT count(*) FROM reports`); n != 3 {
			t.Fatalf("reports after an early purge: %d, want 3", n)
		}

		w.now = w.now.Add(48 * time.Hour)
		w.ok(w.svc.Purge(ctx))
		for _, q := range []string{
			`SELECT count(*) FROM reports WHERE id = $1`,
			`SELECT count(*) FROM report_identifiers WHERE report_id = $1`,
			`SELECT count(*) FROM report_messages WHERE report_id = $1`,
		} {
			if n := w.count(q, declined); n != 0 {
				t.Errorf("%s: %d rows of the declined report after the purge", q, n)
			}
		}
		// The unsent draft is gone too; the pending report stays, whole.
		if n := w.count(`SELECT count(*) FROM reports WHERE id = $1`, drafted); n != 0 {
			t.Error("an old draft survived the purge")
		}
		if n := w.count(`SELECT count(*) FROM report_identifiers WHERE report_id = $1`, pending); n != 1 {
			t.Errorf("the pending report has %d identifiers after the purge", n)
		}
	})
}

func TestCorroborationCountsExcludeDraftsWithdrawnReportsAndWithdrawnAlerts(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		subject := w.file(w.member[0], "138 0013 8000")

		// Not counted: a draft and a withdrawn report naming him.
		_, err := w.svc.SaveDraft(ctx, w.member[0], "", draft("13800138000", incident.Consent{}), "who", false)
		w.ok(err)
		withdrawn := w.file(w.member[0], "+8613800138000")
		w.ok(w.svc.Withdraw(ctx, w.member[0], withdrawn))

		// Counted: a report of her organisation that became an alert, and
		// a report of another organisation.
		published := w.file(w.member[0], "0086-138-0013-8000")
		alertID, err := w.svc.Publish(ctx, w.mod[0], published, incident.Publication{Summary: "violent", Scope: "org",
			Identifiers: []incident.RawIdentifier{{Kind: "phone", Value: "13800138000"}}})
		w.ok(err)
		w.file(w.member[1], "13800138000")

		c, err := w.svc.Corroboration(ctx, w.mod[0], subject)
		w.ok(err)
		if len(c.Reports) != 1 || c.Reports[0].ReportID != published || c.OtherReports != 1 || c.Alerts.Total != 1 || len(c.Alerts.Visible) != 1 || c.Count() != 3 {
			t.Fatalf("corroboration = %+v (count %d), want the published report, 1 other organisation's report and 1 alert", c, c.Count())
		}
		// Seen from the other organisation: its own report is hers to open,
		// this one's only counted, and the organisation alert that is not
		// hers is counted without its content.
		c, err = w.svc.Corroboration(ctx, w.mod[1], subject)
		w.ok(err)
		if len(c.Reports) != 1 || c.OtherReports != 1 || c.Alerts.Total != 1 || len(c.Alerts.Visible) != 0 {
			t.Fatalf("from the other organisation: %+v", c)
		}

		w.ok(w.alerts.Withdraw(ctx, w.mod[0], alertID))
		c, err = w.svc.Corroboration(ctx, w.mod[0], subject)
		w.ok(err)
		if c.Alerts.Total != 0 || c.Count() != 2 {
			t.Fatalf("after the alert's withdrawal: %+v (count %d)", c, c.Count())
		}
	})
}

func TestQueueOrdersUrgentReportsFirstThenOldest(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		plain := w.file(w.member[0], "13911110000")
		w.now = w.now.Add(time.Minute)
		pep, err := w.svc.Create(ctx, w.member[0], incident.Draft{IncidentTypes: []string{"theft"}, Support: []string{"pep"}}, false)
		w.ok(err)
		w.now = w.now.Add(time.Minute)
		sexual, err := w.svc.Create(ctx, w.member[0], incident.Draft{IncidentTypes: []string{"sexual_violence"}}, false)
		w.ok(err)
		w.now = w.now.Add(time.Minute)
		older := w.file(w.member[0], "13911110001")
		q, err := w.svc.Queue(ctx, w.mod[0], "")
		w.ok(err)
		var got []string
		for _, r := range q {
			got = append(got, r.ID)
		}
		want := []string{sexual.ID, pep.ID, plain, older}
		if len(got) != len(want) {
			t.Fatalf("queue = %v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("queue = %v, want %v", got, want)
			}
		}
		if n, err := w.svc.Waiting(ctx, w.mod[0]); err != nil || n != 4 {
			t.Fatalf("waiting = %d, %v", n, err)
		}
		if _, err := w.svc.Waiting(ctx, w.member[0]); err == nil {
			t.Fatal("a member counted the queue")
		}
	})
}
