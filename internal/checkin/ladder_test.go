package checkin_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/checkin"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fakeNotify records what the ladder enqueues; on-call staff are fixed.
type fakeNotify struct {
	mu    sync.Mutex
	sent  []notify.Message
	staff []string
	// refuse makes Enqueue fail for messages to this recipient, as the
	// outbox refuses a message it cannot address.
	refuse string
}

func (f *fakeNotify) Enqueue(_ context.Context, _ *sql.Tx, msgs ...notify.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range msgs {
		if f.refuse != "" && recipient(m) == f.refuse {
			return errors.New("fake outbox: refused")
		}
	}
	f.sent = append(f.sent, msgs...)
	return nil
}
func (f *fakeNotify) OnCall(context.Context, db.Querier, string) ([]string, error) {
	return f.staff, nil
}
func (f *fakeNotify) Wake() {}

func (f *fakeNotify) kinds() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.sent {
		out = append(out, string(m.Kind)+">"+recipient(m))
	}
	return out
}

func recipient(m notify.Message) string {
	switch m.To.Type {
	case notify.RecipientMember:
		return m.To.UserID
	case notify.RecipientPhone:
		return m.To.Phone
	}
	return m.To.Email
}

type fakeCases struct {
	mu     sync.Mutex
	opened int
}

func (f *fakeCases) OpenCase(context.Context, *sql.Tx, string, string, string) (string, error) {
	f.mu.Lock()
	f.opened++
	f.mu.Unlock()
	return db.NewID(), nil
}

type world struct {
	svc   *checkin.Service
	clk   *clock
	n     *fakeNotify
	cases *fakeCases
	owner *web.Principal
	buddy *web.Principal
	staff string
	admin *web.Principal
	d     *db.DB
	keys  *seal.Keyring
	users checkin.Users
	opt   checkin.Options
}

// second returns another service on the same database, keys, clock and
// fakes: a second instance of the server.
func (w *world) second(t *testing.T) *checkin.Service {
	t.Helper()
	return checkin.NewService(w.d, w.keys, w.n, w.users, w.cases, w.opt, w.clk.Now, nil)
}

func setup(t *testing.T, d *db.DB) *world {
	t.Helper()
	return setupWith(t, d, nil)
}

// setupWith is setup with the service's options changed by opt.
func setupWith(t *testing.T, d *db.DB, opt func(*checkin.Options)) *world {
	t.Helper()
	ctx := context.Background()
	keys, _ := seal.New()
	clk := &clock{t: time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC)}
	aopt := account.DefaultOptions()
	aopt.Hash = seal.TestHashParams
	aopt.SignInPerAccount, aopt.SignInPerAddress = nil, nil
	acc := account.NewService(d, keys, aopt, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	admin, err := acc.Bootstrap(ctx, "Org", "org", "admin", "long enough pass", "en")
	if err != nil {
		t.Fatal(err)
	}
	ap := &web.Principal{UserID: admin.ID, OrgID: admin.OrgID, OrgSlug: "org", Role: web.RoleAdmin, NetworkAdmin: true}
	mk := func(handle string, role web.Role) *web.Principal {
		code, _, err := acc.CreateInvite(ctx, ap, role, "")
		if err != nil {
			t.Fatal(err)
		}
		u, err := acc.Register(ctx, code, handle, "long enough pass", "en")
		if err != nil {
			t.Fatal(err)
		}
		return &web.Principal{UserID: u.ID, OrgID: u.OrgID, Role: role, Handle: handle}
	}
	w := &world{clk: clk, n: &fakeNotify{}, cases: &fakeCases{}, admin: ap, d: d, keys: keys, users: acc.Store()}
	w.owner = mk("owner", web.RoleMember)
	w.buddy = mk("buddy", web.RoleMember)
	w.staff = mk("staffer", web.RoleModerator).UserID
	w.n.staff = []string{w.staff}
	copt := checkin.Options{Grace: 5 * time.Minute, Hash: seal.TestHashParams}
	if opt != nil {
		opt(&copt)
	}
	w.opt = copt
	w.svc = checkin.NewService(d, keys, w.n, acc.Store(), w.cases, copt, clk.Now, nil)
	return w
}

func (w *world) tick(t *testing.T) {
	t.Helper()
	if _, err := w.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (w *world) status(t *testing.T, id string) string {
	t.Helper()
	c, err := w.svc.Get(context.Background(), w.owner, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

func TestLadderRemindsThenBuddiesThenStaffEachOnceAtItsTime(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		c, err := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 45 * time.Minute, Note: "room 12, grey car",
			Buddies: []checkin.BuddyIn{{Handle: "buddy"}, {Phone: "138 0013 8000"}}})
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			advance time.Duration
			status  string
			sent    []string
		}{
			{44 * time.Minute, checkin.StatusActive, nil},
			{time.Minute, checkin.StatusOverdue, []string{"checkin.reminder>" + w.owner.UserID}},
			{4*time.Minute + 59*time.Second, checkin.StatusOverdue, []string{"checkin.reminder>" + w.owner.UserID}},
			{time.Second, checkin.StatusEscalated, []string{"checkin.reminder>" + w.owner.UserID, "checkin.buddy>" + w.buddy.UserID, "checkin.buddy>+8613800138000"}},
			{5 * time.Minute, checkin.StatusEscalated, []string{"checkin.reminder>" + w.owner.UserID, "checkin.buddy>" + w.buddy.UserID, "checkin.buddy>+8613800138000", "checkin.staff>" + w.staff}},
			{time.Hour, checkin.StatusEscalated, []string{"checkin.reminder>" + w.owner.UserID, "checkin.buddy>" + w.buddy.UserID, "checkin.buddy>+8613800138000", "checkin.staff>" + w.staff}},
		}
		for i, st := range steps {
			w.clk.Add(st.advance)
			w.tick(t)
			w.tick(t) // a second round fires nothing again
			if got := w.status(t, c.ID); got != st.status {
				t.Fatalf("step %d: status %s, want %s", i, got, st.status)
			}
			got := w.n.kinds()
			slices.Sort(got)
			slices.Sort(st.sent)
			if !slices.Equal(got, st.sent) {
				t.Fatalf("step %d: sent %v, want %v", i, got, st.sent)
			}
		}
		if w.cases.opened != 1 {
			t.Fatalf("cases opened: %d", w.cases.opened)
		}
		// The buddy's message carries the note; the reminder does not.
		for _, m := range w.n.sent {
			if m.Kind == notify.KindCheckinBuddy && m.Data["Note"] != "room 12, grey car" {
				t.Fatalf("buddy message without the note: %v", m.Data)
			}
			if m.Kind == notify.KindCheckinReminder && m.Data["Note"] != "" {
				t.Fatal("the reminder carries the note")
			}
		}
	})
}

func TestSafeStopsTheLadderAndTellsWhoWasAlerted(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		c, err := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 30 * time.Minute, Buddies: []checkin.BuddyIn{{Handle: "buddy"}}})
		if err != nil {
			t.Fatal(err)
		}
		w.clk.Add(35 * time.Minute) // past due and past one grace: buddy step due
		w.tick(t)
		if got := w.status(t, c.ID); got != checkin.StatusEscalated {
			t.Fatalf("status %s", got)
		}
		if _, err := w.svc.Safe(ctx, w.owner, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		w.clk.Add(time.Hour)
		w.tick(t)
		want := []string{"checkin.reminder>" + w.owner.UserID, "checkin.buddy>" + w.buddy.UserID, "checkin.safe>" + w.buddy.UserID}
		if got := w.n.kinds(); !slices.Equal(got, want) {
			t.Fatalf("sent %v, want %v", got, want)
		}
		if got := w.status(t, c.ID); got != checkin.StatusSafe {
			t.Fatalf("status %s", got)
		}
	})
}

func TestSafeBeforeDueSendsNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		c, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 30 * time.Minute, Buddies: []checkin.BuddyIn{{Handle: "buddy"}}})
		w.clk.Add(10 * time.Minute)
		if _, err := w.svc.Safe(ctx, w.owner, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		w.clk.Add(2 * time.Hour)
		w.tick(t)
		if got := w.n.kinds(); len(got) != 0 {
			t.Fatalf("sent %v", got)
		}
	})
}

func TestPanicAlertsBuddiesAndStaffAtOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		c, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: time.Hour, Buddies: []checkin.BuddyIn{{Email: "Sister@Example.org"}}})
		got, err := w.svc.Panic(ctx, w.owner, c.ID)
		if err != nil || got.Status != checkin.StatusEscalated {
			t.Fatalf("panic: %v %v", got.Status, err)
		}
		want := []string{"checkin.buddy>sister@example.org", "checkin.staff>" + w.staff}
		if k := w.n.kinds(); !slices.Equal(k, want) {
			t.Fatalf("sent %v, want %v", k, want)
		}
		w.clk.Add(3 * time.Hour)
		w.tick(t)
		if k := w.n.kinds(); len(k) != 2 {
			t.Fatalf("the ladder went on after panic: %v", k)
		}
	})
}

func TestExtendMovesTheDeadline(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		c, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 30 * time.Minute})
		w.clk.Add(31 * time.Minute)
		w.tick(t) // reminded
		if _, err := w.svc.Extend(ctx, w.owner, c.ID, 30*time.Minute); err != nil {
			t.Fatal(err)
		}
		if got := w.status(t, c.ID); got != checkin.StatusActive {
			t.Fatalf("status after extend %s", got)
		}
		w.clk.Add(29 * time.Minute)
		w.tick(t)
		if n := len(w.n.kinds()); n != 1 {
			t.Fatalf("sent %d messages before the new deadline", n)
		}
		w.clk.Add(time.Minute)
		w.tick(t)
		if n := len(w.n.kinds()); n != 2 {
			t.Fatalf("no reminder at the new deadline: %v", w.n.kinds())
		}
	})
}

func TestGraceComesFromTheOrganisation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		if err := w.svc.SetOrgSettings(ctx, w.admin, checkin.OrgSettings{Grace: 2 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		c, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 10 * time.Minute, Buddies: []checkin.BuddyIn{{Handle: "buddy"}}})
		w.clk.Add(12 * time.Minute)
		w.tick(t)
		if got := w.status(t, c.ID); got != checkin.StatusEscalated {
			t.Fatalf("buddies not alerted after the organisation's 2-minute grace: %s", got)
		}
	})
}

func TestWithoutBuddiesStaffAreCalledAtTheBuddyStep(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 10 * time.Minute})
		w.clk.Add(15 * time.Minute)
		w.tick(t)
		want := []string{"checkin.reminder>" + w.owner.UserID, "checkin.staff>" + w.staff}
		if k := w.n.kinds(); !slices.Equal(k, want) {
			t.Fatalf("sent %v, want %v", k, want)
		}
	})
}

func TestPINGuardsSafeAndTheDuressPINEscalates(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		if err := w.svc.SetPIN(ctx, w.owner, "2468", "1357"); err != nil {
			t.Fatal(err)
		}
		c, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: time.Hour, Buddies: []checkin.BuddyIn{{Handle: "buddy"}}})
		if _, err := w.svc.Safe(ctx, w.owner, c.ID, "0000"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("wrong PIN: %v", err)
		}
		// Duress is off by default: the duress PIN is just a wrong PIN.
		if _, err := w.svc.Safe(ctx, w.owner, c.ID, "1357"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("duress PIN with the option off: %v", err)
		}
		if err := w.svc.SetOrgSettings(ctx, w.admin, checkin.OrgSettings{Grace: 5 * time.Minute, DuressEnabled: true}); err != nil {
			t.Fatal(err)
		}
		got, err := w.svc.Safe(ctx, w.owner, c.ID, "1357")
		if err != nil || got.Status != checkin.StatusSafe {
			t.Fatalf("duress answer %v %v: it must look like safe", got.Status, err)
		}
		staff := &web.Principal{UserID: w.staff, OrgID: w.owner.OrgID, Role: web.RoleModerator}
		seen, err := w.svc.Get(ctx, staff, c.ID)
		if err != nil || seen.Status != checkin.StatusEscalated {
			t.Fatalf("duress did not escalate: %s %v", seen.Status, err)
		}
		// Her own screens keep saying "safe", whoever holds her phone.
		if s := w.status(t, c.ID); s != checkin.StatusSafe {
			t.Fatalf("after her duress PIN her own view says %s", s)
		}
		c2, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: time.Hour})
		if got, err := w.svc.Safe(ctx, w.owner, c2.ID, "2468"); err != nil || got.Status != checkin.StatusSafe {
			t.Fatalf("right PIN: %v %v", got.Status, err)
		}
	})
}

func TestOthersCannotSeeOrStopHerCheckin(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		c, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: time.Hour, Note: "secret", Buddies: []checkin.BuddyIn{{Handle: "buddy"}}})
		if _, err := w.svc.Get(ctx, w.buddy, c.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("buddy read before escalation: %v", err)
		}
		if _, err := w.svc.Safe(ctx, w.buddy, c.ID, ""); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("buddy marked her safe: %v", err)
		}
		staff := &web.Principal{UserID: w.staff, OrgID: w.owner.OrgID, Role: web.RoleModerator}
		got, err := w.svc.Get(ctx, staff, c.ID)
		if err != nil || got.Note != "" {
			t.Fatalf("staff before escalation: note %q, %v", got.Note, err)
		}
		w.svc.Panic(ctx, w.owner, c.ID)
		got, err = w.svc.Get(ctx, w.buddy, c.ID)
		if err != nil || got.Note != "secret" {
			t.Fatalf("buddy after escalation: note %q, %v", got.Note, err)
		}
		if err := w.svc.Acknowledge(ctx, w.buddy, c.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestNoteAndAddressesArePurgedAfterTheKeepTime(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		c, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: time.Hour, Note: "n", Buddies: []checkin.BuddyIn{{Phone: "13800138000"}}})
		w.svc.Safe(ctx, w.owner, c.ID, "")
		w.clk.Add(23 * time.Hour)
		w.svc.Purge(ctx)
		if _, err := w.svc.Get(ctx, w.owner, c.ID); err != nil {
			t.Fatalf("purged too early: %v", err)
		}
		w.clk.Add(2 * time.Hour)
		w.svc.Purge(ctx)
		if _, err := w.svc.Get(ctx, w.owner, c.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("not purged: %v", err)
		}
		var n int
		d.QueryRowContext(ctx, `SELECT count(*) FROM checkin_buddies`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d buddy rows left", n)
		}
		started, safe, esc, err := w.svc.Store().Counts(ctx, w.owner.OrgID, "2026-11-01", "2026-11-30")
		if err != nil || started != 1 || safe != 1 || esc != 0 {
			t.Fatalf("counts %d %d %d %v", started, safe, esc, err)
		}
	})
}
