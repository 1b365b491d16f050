package checkin_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/checkin"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
)

// safeLinks returns the tokens of the "I'm safe" links sent so far, oldest
// first.
func (f *fakeNotify) safeLinks() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.sent {
		if m.Kind == notify.KindCheckinReminder {
			out = append(out, strings.TrimPrefix(m.Data["Path"], checkin.SafeLinkPath("")))
		}
	}
	return out
}

func TestTheReminderCarriesAnImSafeLinkThatNeedsHerPIN(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		if err := w.svc.SetPIN(ctx, w.owner, "2468", ""); err != nil {
			t.Fatal(err)
		}
		c, err := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 30 * time.Minute, Buddies: []checkin.BuddyIn{{Handle: "buddy"}}})
		if err != nil {
			t.Fatal(err)
		}
		w.clk.Add(30 * time.Minute)
		w.tick(t)
		links := w.n.safeLinks()
		if len(links) != 1 || len(links[0]) < 40 {
			t.Fatalf("reminder links %q", links)
		}
		token := links[0]
		info, err := w.svc.CheckinByLink(ctx, token)
		if err != nil || !info.Open || !info.HasPIN {
			t.Fatalf("link shows %+v, %v", info, err)
		}
		// The link alone, or with a wrong PIN, does not end the check-in.
		for _, pin := range []string{"", "0000"} {
			if _, err := w.svc.SafeByLink(ctx, token, pin); !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("PIN %q through the link: %v", pin, err)
			}
		}
		if got := w.status(t, c.ID); got != checkin.StatusOverdue {
			t.Fatalf("status %s after wrong PINs", got)
		}
		if _, err := w.svc.SafeByLink(ctx, "not-a-token", "2468"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("made-up token: %v", err)
		}
		if _, err := w.svc.SafeByLink(ctx, token, "2468"); err != nil {
			t.Fatal(err)
		}
		if got := w.status(t, c.ID); got != checkin.StatusSafe {
			t.Fatalf("status %s after the right PIN", got)
		}
		if info, _ := w.svc.CheckinByLink(ctx, token); info.Open {
			t.Fatal("the link still offers to end a check-in that ended")
		}
	})
}

func TestWithoutAPINTheLinkCannotEndTheCheckin(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		c, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: time.Minute})
		w.clk.Add(time.Minute)
		w.tick(t)
		token := w.n.safeLinks()[0]
		if _, err := w.svc.SafeByLink(ctx, token, ""); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("safe by link without a PIN set: %v", err)
		}
		if got := w.status(t, c.ID); got != checkin.StatusOverdue {
			t.Fatalf("status %s", got)
		}
	})
}

func TestAfterExtendTheNextReminderHasANewLinkAndTheOldOneIsDead(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		w.svc.SetPIN(ctx, w.owner, "2468", "")
		c, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 10 * time.Minute})
		w.clk.Add(10 * time.Minute)
		w.tick(t)
		if _, err := w.svc.Extend(ctx, w.owner, c.ID, 30*time.Minute); err != nil {
			t.Fatal(err)
		}
		w.clk.Add(30 * time.Minute)
		w.tick(t)
		links := w.n.safeLinks()
		if len(links) != 2 || links[0] == links[1] {
			t.Fatalf("links %q", links)
		}
		if _, err := w.svc.SafeByLink(ctx, links[0], "2468"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("the first reminder's link still works: %v", err)
		}
		if _, err := w.svc.SafeByLink(ctx, links[1], "2468"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestACheckinThatCannotFireDoesNotHoldUpTheOthers(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		const refused = "+8613800000666"
		w.n.refuse = refused
		bad, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 10 * time.Minute, Buddies: []checkin.BuddyIn{{Phone: refused}}})
		good, _ := w.svc.Start(ctx, w.buddy, checkin.Start{DueIn: 10 * time.Minute, Buddies: []checkin.BuddyIn{{Handle: "owner"}}})
		w.clk.Add(15 * time.Minute) // both reminders and both buddy steps are due
		if _, err := w.svc.Tick(ctx); err == nil {
			t.Fatal("Tick hid the failure: the heartbeat would say all is well")
		}
		if got, _ := w.svc.Get(ctx, w.buddy, good.ID); got.Status != checkin.StatusEscalated {
			t.Fatalf("the good check-in is %s: it was held up by the bad one", got.Status)
		}
		if got := w.status(t, bad.ID); got != checkin.StatusOverdue {
			t.Fatalf("the bad check-in is %s", got)
		}
		// The outbox takes the message again: the step fires once, a little
		// later, and nothing else is sent twice.
		w.n.mu.Lock()
		w.n.refuse = ""
		w.n.mu.Unlock()
		w.clk.Add(10 * time.Second)
		w.tick(t)
		if got := w.status(t, bad.ID); got != checkin.StatusOverdue {
			t.Fatalf("retried before its time: %s", got)
		}
		w.clk.Add(5 * time.Second)
		w.tick(t)
		if got := w.status(t, bad.ID); got != checkin.StatusEscalated {
			t.Fatalf("not retried: %s", got)
		}
		seen := map[string]int{}
		for _, k := range w.n.kinds() {
			seen[k]++
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%s sent %d times", k, n)
			}
		}
		if seen["checkin.buddy>"+refused] != 1 {
			t.Errorf("the retried buddy alert: %v", seen)
		}
	})
}

func TestLatenessIsReportedFromTheDueTime(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		var mu sync.Mutex
		got := map[string]time.Duration{}
		w := setupWith(t, d, func(o *checkin.Options) {
			o.Observe = func(step string, late time.Duration) {
				mu.Lock()
				got[step] = late
				mu.Unlock()
			}
		})
		ctx := context.Background()
		w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 10 * time.Minute})
		w.clk.Add(10*time.Minute + 7*time.Second)
		w.tick(t)
		mu.Lock()
		defer mu.Unlock()
		if got["remind"] != 7*time.Second || len(got) != 1 {
			t.Fatalf("lateness %v, want remind 7s", got)
		}
	})
}

func TestTwoSchedulersOnOneDatabaseFireEachStepOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		// A second service on the same database: another instance.
		other := w.second(t)
		const n = 60
		for i := range n {
			p := w.owner
			if i%2 == 1 {
				p = w.buddy
			}
			if _, err := w.svc.Start(ctx, p, checkin.Start{DueIn: time.Minute}); err != nil {
				t.Fatal(err)
			}
		}
		w.clk.Add(20 * time.Minute) // every step of every ladder is due
		var wg sync.WaitGroup
		for _, s := range []*checkin.Service{w.svc, other, w.svc, other} {
			wg.Go(func() {
				if _, err := s.Tick(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		reminders, staff := 0, 0
		for _, k := range w.n.kinds() {
			switch {
			case strings.HasPrefix(k, "checkin.reminder>"):
				reminders++
			case strings.HasPrefix(k, "checkin.staff>"):
				staff++
			}
		}
		if reminders != n || staff != n || w.cases.opened != n {
			t.Fatalf("%d reminders, %d staff alerts, %d cases for %d check-ins", reminders, staff, w.cases.opened, n)
		}
	})
}

func TestAfterTheDuressPINHerLinkSaysTheCheckinEnded(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := setup(t, d)
		ctx := context.Background()
		if err := w.svc.SetOrgSettings(ctx, w.admin, checkin.OrgSettings{Grace: 5 * time.Minute, DuressEnabled: true}); err != nil {
			t.Fatal(err)
		}
		w.svc.SetPIN(ctx, w.owner, "2468", "1357")
		c, _ := w.svc.Start(ctx, w.owner, checkin.Start{DueIn: 10 * time.Minute, Buddies: []checkin.BuddyIn{{Handle: "buddy"}}})
		w.clk.Add(10 * time.Minute)
		w.tick(t)
		token := w.n.safeLinks()[0]
		if got, err := w.svc.SafeByLink(ctx, token, "1357"); err != nil || got.Status != checkin.StatusSafe {
			t.Fatalf("duress PIN through the link: %v %v", got.Status, err)
		}
		// Whoever opens the link again sees an ended check-in, as after a
		// real "I'm safe", while her buddy was called.
		if info, err := w.svc.CheckinByLink(ctx, token); err != nil || info.Open {
			t.Fatalf("after the duress PIN the link shows %+v, %v", info, err)
		}
		if _, err := w.svc.Get(ctx, w.buddy, c.ID); err != nil {
			t.Fatalf("her buddy was not called: %v", err)
		}
	})
}
