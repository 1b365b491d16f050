package checkin_test

// The scheduler under load: 100,000 running check-ins, 10,000 of them due
// in the same second. Lateness is the time from a reminder's due time until
// its step (new state and the message in the notification outbox) is
// committed. Goal: p99 under one second, on SQLite and on PostgreSQL.
//
//	go test -run '^$' -bench BenchmarkReminderLateness -benchtime 1x ./internal/checkin/
//
// (with SISTERLINE_TEST_POSTGRES set for the PostgreSQL half). The figures
// go to docs/PERFORMANCE.md.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/checkin"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

const (
	benchActive = 100_000
	benchDue    = 10_000
	benchUsers  = 200
)

func BenchmarkReminderLateness(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		for range b.N {
			reminderLateness(b, dbtest.SQLite(b))
		}
	})
	b.Run("postgres", func(b *testing.B) {
		if dbtest.PostgresDSN(b) == "" {
			b.Skip("SISTERLINE_TEST_POSTGRES not set")
		}
		for range b.N {
			reminderLateness(b, dbtest.Postgres(b))
		}
	})
}

// benchDirectory and benchTexts are what the real outbox needs of accounts
// and catalogs; the dispatcher does not run, so they are barely asked.
type benchDirectory struct{}

func (benchDirectory) Users(context.Context, []string) (map[string]notify.User, error) {
	return map[string]notify.User{}, nil
}
func (benchDirectory) OrgUsers(context.Context, string) ([]notify.User, error) { return nil, nil }
func (benchDirectory) StaffIDs(context.Context, string) ([]string, error)      { return nil, nil }

type benchTexts struct{}

func (benchTexts) Translate(_, id string, _ map[string]any) string { return id }

func reminderLateness(b *testing.B, d *db.DB) {
	b.StopTimer()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	keys, err := seal.New()
	if err != nil {
		b.Fatal(err)
	}
	aopt := account.DefaultOptions()
	aopt.Hash = seal.TestHashParams
	acc := account.NewService(d, keys, aopt, time.Now, log)
	admin, err := acc.Bootstrap(ctx, "Org", "org", "admin", "long enough pass", "en")
	if err != nil {
		b.Fatal(err)
	}
	ap := &web.Principal{UserID: admin.ID, OrgID: admin.OrgID, OrgSlug: "org", Role: web.RoleAdmin, NetworkAdmin: true}
	var users []string
	for i := range benchUsers {
		code, _, err := acc.CreateInvite(ctx, ap, web.RoleMember, "")
		if err != nil {
			b.Fatal(err)
		}
		u, err := acc.Register(ctx, code, fmt.Sprintf("member%03d", i), "long enough pass", "en")
		if err != nil {
			b.Fatal(err)
		}
		users = append(users, u.ID)
	}

	// 90,000 check-ins due later today, then the 10,000 due within one
	// second, some seconds ahead; each has a sealed note and a buddy.
	setup := time.Now()
	insert := func(from, n int, due func(i int) time.Time) {
		tx, err := d.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback()
		const per = 100 // SQLite binds "$n" names slowly in long statements
		for start := from; start < from+n; start += per {
			end := min(start+per, from+n)
			var cb, bb strings.Builder
			cb.WriteString(`INSERT INTO checkins (id, org_id, owner_id, status, due_at, grace_ms, next_step, next_at, note_enc, created_at) VALUES `)
			bb.WriteString(`INSERT INTO checkin_buddies (id, checkin_id, user_id) VALUES `)
			var cargs, bargs []any
			for i := start; i < end; i++ {
				if i > start {
					cb.WriteString(", ")
					bb.WriteString(", ")
				}
				id, at := db.NewID(), db.Time(due(i))
				fmt.Fprintf(&cb, "($%d, $%d, $%d, 'active', $%d, 300000, 'remind', $%d, $%d, $%d)", len(cargs)+1, len(cargs)+2, len(cargs)+3, len(cargs)+4, len(cargs)+5, len(cargs)+6, len(cargs)+7)
				cargs = append(cargs, id, admin.OrgID, users[i%benchUsers], at, at,
					keys.SealString("room 12, grey car", seal.AD{Table: "checkins", Column: "note", Row: id}), db.Time(setup))
				fmt.Fprintf(&bb, "($%d, $%d, $%d)", len(bargs)+1, len(bargs)+2, len(bargs)+3)
				bargs = append(bargs, db.NewID(), id, users[(i+1)%benchUsers])
			}
			if _, err := tx.ExecContext(ctx, cb.String(), cargs...); err != nil {
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, bb.String(), bargs...); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	later := benchActive - benchDue
	insert(0, later, func(i int) time.Time {
		return setup.Add(time.Hour + time.Duration(i)*(20*time.Hour/time.Duration(later)))
	})
	dueAt := time.Now().Add(15 * time.Second).Truncate(time.Second)
	insert(later, benchDue, func(i int) time.Time { return dueAt.Add(time.Duration(i-later) * (time.Second / benchDue)) })
	if d.Dialect == db.SQLite {
		// The inserts left a large write-ahead log; moving it into the
		// database is their cost, not the scheduler's.
		if _, err := d.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
	}
	if time.Now().After(dueAt) {
		b.Fatalf("setup took too long: the due second passed before the scheduler started")
	}
	b.Logf("%s: %d check-ins inserted in %v", d.Dialect, benchActive, time.Since(setup).Round(time.Millisecond))

	nopt := notify.DefaultOptions()
	nopt.WebhookURL = "http://127.0.0.1:9/unused" // every message gets an outbox row
	out, err := notify.New(ctx, d, keys, benchDirectory{}, benchTexts{}, nopt, time.Now, log)
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	late := make([]time.Duration, 0, benchDue)
	done := make(chan struct{})
	svc := checkin.NewService(d, keys, out, acc.Store(), nil, checkin.Options{
		Grace: 5 * time.Minute,
		Observe: func(step string, l time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			if late = append(late, l); len(late) == benchDue {
				close(done)
			}
		},
	}, time.Now, log)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	b.StartTimer()
	go svc.Run(runCtx)
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("only %d of %d reminders fired in two minutes", len(late), benchDue)
	}
	b.StopTimer()
	stop()

	var outbox int
	if err := d.QueryRowContext(ctx, `SELECT count(*) FROM notify_outbox WHERE kind = 'checkin.reminder'`).Scan(&outbox); err != nil {
		b.Fatal(err)
	}
	if outbox != benchDue {
		b.Fatalf("%d reminders in the outbox, want %d", outbox, benchDue)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(late)
	pct := func(p float64) time.Duration { return late[min(len(late)-1, int(p*float64(len(late))))] }
	b.ReportMetric(float64(pct(0.50).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(pct(0.90).Milliseconds()), "p90-ms")
	b.ReportMetric(float64(pct(0.99).Milliseconds()), "p99-ms")
	b.ReportMetric(float64(late[len(late)-1].Milliseconds()), "max-ms")
	bounds := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
	var hist strings.Builder
	lo, i := time.Duration(0), 0
	for _, hi := range append(bounds, 1<<62) {
		n := 0
		for i < len(late) && late[i] < hi {
			n++
			i++
		}
		label := fmt.Sprintf("< %v", hi)
		if hi == 1<<62 {
			label = fmt.Sprintf(">= %v", lo)
		}
		fmt.Fprintf(&hist, "\n  %-10s %6d %s", label, n, strings.Repeat("#", n*50/len(late)))
		lo = hi
	}
	b.Logf("%s: lateness of %d reminders due in one second among %d running: p50 %v, p90 %v, p99 %v, max %v%s",
		d.Dialect, len(late), benchActive, pct(0.5).Round(time.Millisecond), pct(0.9).Round(time.Millisecond),
		pct(0.99).Round(time.Millisecond), late[len(late)-1].Round(time.Millisecond), hist.String())
}
