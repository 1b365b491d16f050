package notify_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// accountDirectory finds users through the account store, one look-up per
// user, exactly as the running program does (internal/app/notify.go).
type accountDirectory struct{ store *account.Store }

func (d accountDirectory) Users(ctx context.Context, ids []string) (map[string]notify.User, error) {
	return notify.LookupEach(ctx, ids, func(ctx context.Context, id string) (notify.User, bool, error) {
		u, err := d.store.UserByID(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) {
			return notify.User{}, false, nil
		}
		return notify.User{ID: u.ID, OrgID: u.OrgID, Handle: u.Handle, Lang: u.Lang, Role: u.Role}, err == nil, err
	})
}

func (d accountDirectory) OrgUsers(context.Context, string) ([]notify.User, error) { return nil, nil }
func (d accountDirectory) StaffIDs(context.Context, string) ([]string, error)      { return nil, nil }

// countingReceiver is the local webhook receiver of the benchmark: it
// records each id it accepted and how often.
type countingReceiver struct {
	mu   sync.Mutex
	seen map[string]int
	done chan struct{}
	want int
}

func (c *countingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil || p.ID == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	c.mu.Lock()
	c.seen[p.ID]++
	if len(c.seen) == c.want {
		close(c.done)
	}
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// TestFanOutBenchmark enqueues one alert to the N members of an
// organisation (EnqueueAudience; and, for comparison, EnqueueBatch with
// their ids) and delivers every message to a local webhook receiver, on
// each engine.
// It prints the figures of docs/PERFORMANCE.md. Run it with
//
//	SISTERLINE_NOTIFY_BENCH=100000 go test -run TestFanOutBenchmark -v -timeout 30m ./internal/notify/
func TestFanOutBenchmark(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SISTERLINE_NOTIFY_BENCH"))
	if n <= 0 {
		t.Skip("set SISTERLINE_NOTIFY_BENCH=100000 to run the fan-out benchmark")
	}
	dbtest.Run(t, func(t *testing.T, d *db.DB) { fanOut(t, d, n) })
}

func fanOut(t *testing.T, d *db.DB, n int) {
	ctx := context.Background()
	keys, err := seal.New()
	if err != nil {
		t.Fatal(err)
	}
	rcv := &countingReceiver{seen: map[string]int{}, done: make(chan struct{}), want: n}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	e := &env{d: d, keys: keys, clock: newClock(), log: &logBuffer{}}
	org := e.addOrg(t)

	// N members, as the account capability stores them (sealed handles).
	start := time.Now()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = db.NewID()
	}
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		const per = 500
		for off := 0; off < n; off += per {
			end := min(off+per, n)
			var vals []string
			var args []any
			for i := off; i < end; i++ {
				k := len(args)
				vals = append(vals, fmt.Sprintf("($%d, $%d, $%d, $%d, 'x', 'member', 'zh-CN', $%d)", k+1, k+2, k+3, k+4, k+5))
				args = append(args, ids[i], org, keys.BlindIndex("user.handle", ids[i]), keys.SealString(fmt.Sprintf("member%06d", i), seal.AD{Table: "users", Column: "handle", Row: ids[i]}), db.Now())
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, org_id, handle_idx, handle_enc, pass_hash, role, lang, created_at) VALUES `+strings.Join(vals, ", "), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d members created in %v", d.Dialect, n, time.Since(start).Round(time.Millisecond))

	opt := notify.DefaultOptions()
	opt.WebhookURL, opt.WebhookSecret = srv.URL, "bench"
	opt.Poll = 50 * time.Millisecond
	cat, err := web.NewCatalog(discardLog(), web.FrameFS(), notify.Files())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := notify.New(ctx, d, keys, accountDirectory{account.NewStore(d, keys)}, cat, opt, time.Now, discardLog())
	if err != nil {
		t.Fatal(err)
	}

	// The yardstick: the same rows written by a bare INSERT … SELECT over
	// the members, in one transaction, with nothing sealed and no fan-out
	// row: what the database itself takes.
	clear := func() {
		if _, err := d.ExecContext(ctx, `DELETE FROM notify_outbox`); err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.Postgres {
			if _, err := d.ExecContext(ctx, `VACUUM ANALYZE notify_outbox`); err != nil {
				t.Fatal(err)
			}
		}
	}
	bareInsert := func() (time.Duration, time.Duration) {
		cpu0 := cpuTime()
		start := time.Now()
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO notify_outbox (message_id, kind, org_id, rcpt_type, user_id, channel, created_at, next_at)
				SELECT id, 'alert.published', org_id, 'member', id, 'webhook', $1, $1 FROM users WHERE org_id = $2`, db.Now(), org)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		took, cpu := time.Since(start), cpuTime()-cpu0
		clear()
		return took, cpu
	}
	// Twice: the first run also grows the database file, which the later
	// runs find done; the ratio is taken to the faster one.
	bare1, bareCPU1 := bareInsert()
	bare2, bareCPU2 := bareInsert()
	bare, bareCPU := min(bare1, bare2), min(bareCPU1, bareCPU2)

	// For comparison, the per-recipient path (a list of user ids, rows
	// bound in batches, data sealed per row) that fan-outs took before.
	start = time.Now()
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		_, err := svc.EnqueueBatch(ctx, tx, notify.Message{Kind: notify.KindAlertPublished, OrgID: org, Data: map[string]string{"Area": "Kunming"}}, ids)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	perRecipient := time.Since(start)
	clear()

	// The fan-out, through the service, in the caller's transaction.
	var rows int
	cpu0 := cpuTime()
	start = time.Now()
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		rows, err = svc.EnqueueAudience(ctx, tx, notify.Message{Kind: notify.KindAlertPublished, Data: map[string]string{"Area": "Kunming"}}, notify.Audience{OrgIDs: []string{org}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	enqueue := time.Since(start)
	enqueueCPU := cpuTime() - cpu0
	if rows != n {
		t.Fatalf("enqueued %d deliveries, want %d", rows, n)
	}

	// Delivery, end to end, by the dispatcher as it runs in the server.
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	start = time.Now()
	go func() { svc.Run(runCtx); close(stopped) }()
	select {
	case <-rcv.done:
	case <-time.After(10 * time.Minute):
		t.Fatalf("only %d of %d delivered after 10 minutes", len(rcv.seen), n)
	}
	deliver := time.Since(start)
	cancel()
	<-stopped

	rcv.mu.Lock()
	dups := 0
	for _, k := range rcv.seen {
		dups += k - 1
	}
	rcv.mu.Unlock()
	var sent int
	if err := d.QueryRowContext(ctx, `SELECT count(*) FROM notify_outbox WHERE state = 'sent'`).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: bare INSERT … SELECT of %d rows: %v and %v (%.0f rows/s)", d.Dialect, n, bare1.Round(time.Millisecond), bare2.Round(time.Millisecond), float64(n)/bare.Seconds())
	t.Logf("%s: EnqueueBatch (per recipient) of %d messages: %v (%.0f messages/s)", d.Dialect, n, perRecipient.Round(time.Millisecond), float64(n)/perRecipient.Seconds())
	t.Logf("%s: EnqueueAudience of %d messages:   %v (%.0f messages/s), %.2f× the bare insert's time; CPU of this process %v against %v for the bare insert (%.2f×)",
		d.Dialect, n, enqueue.Round(time.Millisecond), float64(n)/enqueue.Seconds(), enqueue.Seconds()/bare.Seconds(),
		enqueueCPU.Round(time.Millisecond), bareCPU.Round(time.Millisecond), enqueueCPU.Seconds()/bareCPU.Seconds())
	t.Logf("%s: delivered %d to the local webhook receiver in %v (%.0f messages/s end to end), duplicates %d, rows marked sent %d",
		d.Dialect, len(rcv.seen), deliver.Round(time.Millisecond), float64(n)/deliver.Seconds(), dups, sent)
	if dups != 0 {
		t.Errorf("%d duplicate deliveries", dups)
	}
}

// cpuTime is the CPU time this process has used (user and system): on a
// machine shared with other work it measures a phase better than the clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
