package alert_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/sisterline/sisterline/internal/alert"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
)

// stored reads the day's counts as the database holds them.
func (w *world) stored(org int) (checks, hits int64) {
	w.t.Helper()
	err := w.d.QueryRowContext(context.Background(), `SELECT coalesce(sum(checks), 0), coalesce(sum(hits), 0) FROM screen_counts WHERE org_id = $1`, w.orgs[org]).Scan(&checks, &hits)
	if err != nil {
		w.t.Fatal(err)
	}
	return checks, hits
}

func (w *world) counted(org int) (checks, hits int64) {
	w.t.Helper()
	checks, hits, err := w.svc.Store().ScreenCounts(context.Background(), w.orgs[org], "2026-11-20", "2026-11-20")
	if err != nil {
		w.t.Fatal(err)
	}
	return checks, hits
}

func TestScreenCountsReachTheDatabaseOnFlushAndAreNeverCountedTwice(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, alert.Options{})
		w.publish(0, alert.ScopeOrg, "13911112222", nil)
		w.screen(w.member[0], "13911112222")
		w.screen(w.member[0], "13900000000")
		w.screen(w.member[0], "13900000001")
		// No screening waited for a write; the indicators see them already.
		if c, h := w.stored(0); c != 0 || h != 0 {
			t.Fatalf("screenings were written one by one: %d checks, %d hits stored", c, h)
		}
		if c, h := w.counted(0); c != 3 || h != 1 {
			t.Fatalf("counted %d checks, %d hits before the flush; want 3 and 1", c, h)
		}
		if err := w.svc.Store().FlushScreenCounts(context.Background()); err != nil {
			t.Fatal(err)
		}
		if c, h := w.stored(0); c != 3 || h != 1 {
			t.Fatalf("stored %d checks, %d hits after the flush; want 3 and 1", c, h)
		}
		if c, h := w.counted(0); c != 3 || h != 1 {
			t.Fatalf("counted %d checks, %d hits after the flush; want 3 and 1, not counted twice", c, h)
		}
		// The next flush adds to the day's row.
		w.screen(w.member[0], "13911112222")
		if err := w.svc.Store().FlushScreenCounts(context.Background()); err != nil {
			t.Fatal(err)
		}
		if c, h := w.stored(0); c != 4 || h != 2 {
			t.Fatalf("stored %d checks, %d hits after the second flush; want 4 and 2", c, h)
		}
		if c, _ := w.stored(1); c != 0 {
			t.Fatalf("the other organisation has %d checks", c)
		}
	})
}

func TestScreenCountsAreWrittenAtShutdown(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, alert.Options{})
		w.screen(w.member[1], "13900000000")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			w.svc.RunScreenCounts(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
			close(done)
		}()
		cancel()
		<-done
		if c, _ := w.stored(1); c != 1 {
			t.Fatalf("stored %d checks after shutdown; want 1", c)
		}
	})
}
