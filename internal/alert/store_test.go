package alert_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/alert"
	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// world is an alert service over a fresh database with two organisations,
// on a clock the test moves.
type world struct {
	t      *testing.T
	d      *db.DB
	svc    *alert.Service
	now    time.Time
	orgs   [2]string
	member [2]*web.Principal
	mod    [2]*web.Principal
}

func newWorld(t *testing.T, d *db.DB, opt alert.Options) *world {
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
	w.svc = alert.NewService(d, keys, nil, account.NewAudit(d, clock), opt, clock)
	return w
}

func (w *world) phone(raw string) ident.Identifier {
	w.t.Helper()
	id, err := ident.Normalize(ident.KindPhone, raw, "CN")
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// publish publishes an alert of organisation org naming phone.
func (w *world) publish(org int, scope, phone string, expires *time.Time) string {
	w.t.Helper()
	var id string
	err := w.d.InTx(context.Background(), func(tx *sql.Tx) error {
		a, err := w.svc.Publish(context.Background(), tx, alert.Input{
			OrgID: w.orgs[org], ActorID: w.mod[org].UserID, Scope: scope, Summary: "violent client", IncidentTypes: []string{"robbery"},
			Area: "Kunming", ExpiresAt: expires, Identifiers: []ident.Identifier{w.phone(phone)},
		})
		id = a.ID
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *world) feedIDs(p *web.Principal) []string {
	w.t.Helper()
	alerts, err := w.svc.Feed(context.Background(), p, "", time.Time{}, 50)
	if err != nil {
		w.t.Fatal(err)
	}
	var ids []string
	for _, a := range alerts {
		ids = append(ids, a.ID)
	}
	return ids
}

func (w *world) screen(p *web.Principal, value string) int {
	w.t.Helper()
	m, err := w.svc.Screen(context.Background(), p, value, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return len(m)
}

func (w *world) total(phone string) int {
	w.t.Helper()
	idx := [][]byte{w.svc.Store().MatchIndex(w.phone(phone))}
	_, total, err := w.svc.Matching(context.Background(), idx, w.orgs[0])
	if err != nil {
		w.t.Fatal(err)
	}
	return total
}

func TestExpiredAlertLeavesTheFeedAndScreening(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, alert.Options{})
		exp := w.now.Add(time.Hour)
		id := w.publish(0, alert.ScopeNetwork, "13800138000", &exp)
		if got := w.feedIDs(w.member[1]); len(got) != 1 || got[0] != id {
			t.Fatalf("feed before expiry: %v", got)
		}
		if n := w.screen(w.member[1], "138 0013 8000"); n != 1 {
			t.Fatalf("screening before expiry: %d matches", n)
		}
		w.now = w.now.Add(2 * time.Hour)
		if got := w.feedIDs(w.member[1]); len(got) != 0 {
			t.Fatalf("feed after expiry: %v", got)
		}
		if n := w.screen(w.member[1], "+86 138 0013 8000"); n != 0 {
			t.Fatalf("screening after expiry: %d matches", n)
		}
		if _, err := w.svc.Get(context.Background(), w.member[0], id); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("a member opened an expired alert: %v", err)
		}
		// Its moderators still see it, to correct it.
		if a, err := w.svc.Get(context.Background(), w.mod[0], id); err != nil || !a.Expired(w.now) {
			t.Fatalf("the publishing moderator: %v, expired %v", err, a.Expired(w.now))
		}
	})
}

func TestWithdrawnAlertIsHiddenAndNoLongerCorroborates(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, alert.Options{})
		id := w.publish(0, alert.ScopeNetwork, "13800138000", nil)
		w.publish(1, alert.ScopeOrg, "13800138000", nil)
		if n := w.total("13800138000"); n != 2 {
			t.Fatalf("corroborating alerts: %d, want 2", n)
		}
		if err := w.svc.Withdraw(context.Background(), w.member[0], id); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("a member withdrew an alert: %v", err)
		}
		if err := w.svc.Withdraw(context.Background(), w.mod[1], id); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another organisation's moderator withdrew an alert: %v", err)
		}
		if err := w.svc.Withdraw(context.Background(), w.mod[0], id); err != nil {
			t.Fatal(err)
		}
		if got := w.feedIDs(w.member[0]); len(got) != 0 {
			t.Fatalf("feed after withdrawal: %v", got)
		}
		if n := w.screen(w.member[0], "13800138000"); n != 0 {
			t.Fatalf("screening found a withdrawn alert: %d", n)
		}
		if n := w.total("13800138000"); n != 1 {
			t.Fatalf("corroborating alerts after a withdrawal: %d, want 1", n)
		}
		if _, err := w.svc.Get(context.Background(), w.member[1], id); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another organisation's member opened a withdrawn alert: %v", err)
		}
	})
}

func TestOrganisationAlertIsSeenOnlyInItsOrganisation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, alert.Options{})
		org := w.publish(0, alert.ScopeOrg, "13911112222", nil)
		w.now = w.now.Add(time.Minute)
		net := w.publish(1, alert.ScopeNetwork, "13933334444", nil)
		if got := w.feedIDs(w.member[0]); len(got) != 2 || got[0] != net || got[1] != org {
			t.Fatalf("own organisation's feed, newest first: %v", got)
		}
		if got := w.feedIDs(w.member[1]); len(got) != 1 || got[0] != net {
			t.Fatalf("the other organisation's feed: %v", got)
		}
		if n := w.screen(w.member[1], "13911112222"); n != 0 {
			t.Fatalf("another organisation screened an organisation alert: %d", n)
		}
		// Screening counts the checks and hits of the day, never the value.
		if n := w.screen(w.member[0], "13911112222"); n != 1 {
			t.Fatalf("own organisation's screening: %d", n)
		}
		checks, hits, err := w.svc.Store().ScreenCounts(context.Background(), w.orgs[0], "2026-11-20", "2026-11-20")
		if err != nil || checks != 1 || hits != 1 {
			t.Fatalf("screen counts: %d checks, %d hits, %v", checks, hits, err)
		}
	})
}

func TestScreeningStopsAtTheAccountsLimit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, alert.Options{ScreenLimit: web.NewLimiter(time.Hour, 2)})
		for range 2 {
			w.screen(w.member[0], "13911112222")
		}
		if _, err := w.svc.Screen(context.Background(), w.member[0], "13911112222", ""); !apperr.Is(err, apperr.RateLimited) {
			t.Fatalf("third screening: %v, want rate limited", err)
		}
		if n := w.screen(w.member[1], "13911112222"); n != 0 {
			t.Fatalf("another account: %d", n)
		}
	})
}

// TestScreeningShowsAlertsAsTheyAreNow: screening keeps the alerts it found
// opened in memory; a correction made while the clock stands still, a
// withdrawal and an expiry must all show at the next screening.
func TestScreeningShowsAlertsAsTheyAreNow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d, alert.Options{})
		id := w.publish(0, alert.ScopeNetwork, "13800138000", nil)
		first := w.screenAlerts(w.member[1], "13800138000")
		if len(first) != 1 || first[0].Summary != "violent client" || len(first[0].Identifiers) != 1 {
			t.Fatalf("first screening: %+v", first)
		}
		// A caller that changes what it got does not change the next answer.
		first[0].Summary, first[0].Identifiers[0].Value = "changed", "changed"

		exp := w.now.Add(time.Hour)
		_, err := w.svc.Correct(ctx, w.mod[0], id, alert.Input{
			Scope: alert.ScopeNetwork, Summary: "violent client, grey car", IncidentTypes: []string{"robbery"}, Area: "Kunming",
			ExpiresAt: &exp, Identifiers: []ident.Identifier{w.phone("13800138000"), w.phone("13900139000")},
		})
		if err != nil {
			t.Fatal(err)
		}
		got := w.screenAlerts(w.member[1], "138 0013 8000")
		if len(got) != 1 || got[0].Summary != "violent client, grey car" || len(got[0].Identifiers) != 2 || got[0].Identifiers[0].Value == "changed" {
			t.Fatalf("screening after a correction at the same instant: %+v", got)
		}
		if n := w.screen(w.member[1], "139 0013 9000"); n != 1 {
			t.Fatalf("screening the identifier the correction added: %d matches", n)
		}

		w.now = w.now.Add(2 * time.Hour)
		if n := w.screen(w.member[1], "13800138000"); n != 0 {
			t.Fatalf("screening after expiry: %d matches", n)
		}
		w.now = w.now.Add(-2 * time.Hour)
		if err := w.svc.Withdraw(ctx, w.mod[0], id); err != nil {
			t.Fatal(err)
		}
		if n := w.screen(w.member[1], "13800138000"); n != 0 {
			t.Fatalf("screening after a withdrawal: %d matches", n)
		}
	})
}

// TestScreeningReturnsTheNewestFiftyOnce: an alert that carries two of the
// screened forms comes back once, and a value many alerts carry returns the
// newest fifty.
func TestScreeningReturnsTheNewestFiftyOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, alert.Options{})
		var ids []string
		for range 55 {
			w.now = w.now.Add(time.Minute)
			ids = append(ids, w.publish(0, alert.ScopeNetwork, "13800138000", nil))
		}
		// The value as WeChat and QQ too: one alert carries the phone and
		// the WeChat ID.
		w.now = w.now.Add(time.Minute)
		err := w.d.InTx(context.Background(), func(tx *sql.Tx) error {
			_, err := w.svc.Publish(context.Background(), tx, alert.Input{
				OrgID: w.orgs[0], ActorID: w.mod[0].UserID, Scope: alert.ScopeNetwork, Summary: "two forms", IncidentTypes: []string{"robbery"},
				Identifiers: []ident.Identifier{w.phone("13800138000"), {Kind: ident.KindWeChat, Value: "13800138000", Display: "13800138000"}},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got := w.screenAlerts(w.member[1], "13800138000")
		if len(got) != 50 || got[0].Summary != "two forms" {
			t.Fatalf("got %d alerts, the first %+v", len(got), got[0])
		}
		for i, a := range got[1:] {
			if want := ids[len(ids)-1-i]; a.ID != want {
				t.Fatalf("alert %d is %s, want %s (newest first)", i+1, a.ID, want)
			}
		}
	})
}

func (w *world) screenAlerts(p *web.Principal, value string) []alert.Alert {
	w.t.Helper()
	m, err := w.svc.Screen(context.Background(), p, value, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}
