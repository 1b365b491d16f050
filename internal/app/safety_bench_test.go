package app_test

// The safety loop's benchmarks (issue 4), through the real, seeded server's
// handler in process: screening against a bare signed-in handler, report
// submission, and the fan-out of one network alert. docs/PERFORMANCE.md
// ("Safety loop") reports what they print. By default they run small, as a
// test of what they measure (hits are found, misses are not, every member
// gets her message); with SISTERLINE_BENCH=1 they run at full size and
// print the figures:
//
//	SISTERLINE_BENCH=1 SISTERLINE_TEST_POSTGRES='postgres://…' \
//	    go test -run TestSafetyLoopBenchmark -v -timeout 60m ./internal/app/

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// loopScale is how big a benchmark run is.
type loopScale struct {
	full      bool
	alerts    int // alerts loaded for screening, 10 identifiers each
	members   int // members in scope of the fanned-out alert
	slice     time.Duration
	rounds    int // rounds of (bare, hit, miss), slice each
	reportDur time.Duration
}

func loopBenchScale() loopScale {
	sc := loopScale{alerts: 500, members: 1_000, slice: 150 * time.Millisecond, rounds: 1, reportDur: 300 * time.Millisecond}
	if os.Getenv("SISTERLINE_BENCH") == "1" {
		sc = loopScale{full: true, alerts: 100_000, members: 100_000, slice: 3 * time.Second, rounds: 4, reportDur: 10 * time.Second}
	}
	if n, err := strconv.Atoi(os.Getenv("SISTERLINE_BENCH_ALERTS")); err == nil && n > 0 {
		sc.alerts = n
	}
	if n, err := strconv.Atoi(os.Getenv("SISTERLINE_BENCH_MEMBERS")); err == nil && n > 0 {
		sc.members = n
	}
	return sc
}

// phaseOn reports whether a phase runs: all do, unless
// SISTERLINE_BENCH_PHASES lists some (screen, report, fanout).
func phaseOn(name string) bool {
	list := os.Getenv("SISTERLINE_BENCH_PHASES")
	return list == "" || slices.Contains(strings.Split(list, ","), name)
}

// TestSafetyLoopBenchmark measures, on each engine, in one run: screening
// with N alerts and 10·N identifiers against GET /api/v1/me, report
// submission, and publish → fan-out to the members of the network.
// SISTERLINE_BENCH_ENGINE=sqlite or postgres runs one engine only,
// SISTERLINE_BENCH_PHASES=screen,report,fanout some phases only, and
// SISTERLINE_BENCH_ALERTS and SISTERLINE_BENCH_MEMBERS change the sizes.
func TestSafetyLoopBenchmark(t *testing.T) {
	sc := loopBenchScale()
	only := os.Getenv("SISTERLINE_BENCH_ENGINE")
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			if only != "" && only != engine {
				t.Skip("SISTERLINE_BENCH_ENGINE=" + only)
			}
			rcv := &webhookCounter{}
			hook := httptest.NewServer(rcv)
			defer hook.Close()
			opts := []apptest.Option{func(c *config.Config) {
				c.ScreenPerHour = 1 << 30
				c.NotifyWebhook, c.NotifyWebhookSecret = hook.URL, "bench"
			}}
			if engine == "postgres" {
				opts = append(opts, apptest.Postgres(t))
			}
			s := apptest.StartWith(t, app.Options{NoAddressLimit: true}, opts...)
			b := &loopBench{t: t, s: s, sc: sc}
			if phaseOn("screen") {
				b.screening()
			}
			if phaseOn("report") {
				b.reports()
			}
			if phaseOn("fanout") {
				b.fanOut(rcv)
			}
		})
	}
}

type loopBench struct {
	t  testing.TB
	s  *apptest.Server
	sc loopScale
}

func (b *loopBench) logf(format string, args ...any) {
	b.t.Helper()
	b.t.Logf("%s: "+format, append([]any{b.s.DB.Dialect}, args...)...)
}

// loadAverage is the machine's 1-minute load average, as the kernel counts it.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(raw))[0]
}

// call sends one request through the whole frame in process and returns the
// status and body.
func call(h http.Handler, method, path, token string, body []byte) (int, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

// phase is what a timed run of one request kind measured.
type phase struct {
	name    string
	n       int
	elapsed time.Duration
	lat     []time.Duration
}

func (p *phase) add(o phase) {
	p.n += o.n
	p.elapsed += o.elapsed
	p.lat = append(p.lat, o.lat...)
}

func (p *phase) perSecond() float64 { return float64(p.n) / p.elapsed.Seconds() }

func (p *phase) quantile(q float64) time.Duration {
	if len(p.lat) == 0 {
		return 0
	}
	slices.Sort(p.lat)
	return p.lat[min(len(p.lat)-1, int(q*float64(len(p.lat))))]
}

func (p *phase) String() string {
	return fmt.Sprintf("%-12s %8d requests %7.0f/s   p50 %-9v p90 %-9v p99 %-9v max %v", p.name, p.n, p.perSecond(),
		p.quantile(0.50).Round(time.Microsecond), p.quantile(0.90).Round(time.Microsecond), p.quantile(0.99).Round(time.Microsecond),
		p.quantile(1).Round(time.Microsecond))
}

// clients returns how many parallel clients a phase runs: four per core.
func clients() int { return runtime.GOMAXPROCS(0) * 4 }

// run runs do from clients() goroutines for d and records each call's
// latency as the server saw it (the time ServeHTTP took). do returns an
// error for a wrong answer, which fails the test.
func (b *loopBench) run(name string, d time.Duration, do func(worker, i int) error) phase {
	b.t.Helper()
	var (
		mu    sync.Mutex
		lat   []time.Duration
		fails atomic.Int64
		first atomic.Value
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	start := time.Now()
	for w := range clients() {
		wg.Go(func() {
			var mine []time.Duration
			for i := 0; ; i++ {
				select {
				case <-stop:
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
					return
				default:
				}
				t0 := time.Now()
				err := do(w, i)
				mine = append(mine, time.Since(t0))
				// A client over the network waits for its answer and sends
				// the next request later; in process, a client that never
				// blocks keeps its core until the scheduler preempts it (up
				// to 10 ms), and the requests of the others wait in line.
				runtime.Gosched()
				if err != nil && fails.Add(1) == 1 {
					first.Store(err)
				}
			}
		})
	}
	time.Sleep(d)
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	if n := fails.Load(); n > 0 {
		b.t.Fatalf("%s: %d wrong answers, the first: %v\n%s", name, n, first.Load(), lastLines(b.s.Log(), 5))
	}
	return phase{name: name, n: len(lat), elapsed: elapsed, lat: lat}
}

// BenchmarkScreening measures one request at a time, for profiles: the bare
// signed-in handler and screenings that hit and miss, over
// SISTERLINE_BENCH_ALERTS alerts (default 10,000) on SQLite.
//
//	go test -run '^$' -bench Screening -cpuprofile cpu.out ./internal/app/
func BenchmarkScreening(bb *testing.B) {
	sc := loopBenchScale()
	if os.Getenv("SISTERLINE_BENCH_ALERTS") == "" {
		sc.alerts = 10_000
	}
	s := apptest.StartWith(bb, app.Options{NoAddressLimit: true}, func(c *config.Config) { c.ScreenPerHour = 1 << 30 })
	b := &loopBench{t: bb, s: s, sc: sc}
	member := s.Token(bb, s.Login(bb, 1, web.RoleMember))
	hits, misses := b.loadAlerts()
	bb.Run("bare", func(bb *testing.B) {
		for bb.Loop() {
			if st, _ := call(s.Handler, "GET", "/api/v1/me", member, nil); st != http.StatusOK {
				bb.Fatal(st)
			}
		}
	})
	for name, values := range map[string][]string{"hit": hits, "hit-300": hits[:300], "miss": misses} {
		bb.Run(name, func(bb *testing.B) {
			i := 0
			for bb.Loop() {
				body, _ := json.Marshal(map[string]string{"value": values[i%len(values)]})
				i++
				if st, _ := call(s.Handler, "POST", "/api/v1/screen", member, body); st != http.StatusOK {
					bb.Fatal(st)
				}
			}
		})
	}
}

// screening loads the alerts, then measures GET /api/v1/me (the bare
// signed-in handler) and POST /api/v1/screen with values that hit and that
// miss, in alternating slices, so that the other work on the machine falls
// on all three alike.
func (b *loopBench) screening() {
	t, s := b.t, b.s
	member := s.Token(t, s.Login(t, 1, web.RoleMember))
	start := time.Now()
	hits, misses := b.loadAlerts()
	b.logf("loaded %d alerts and %d identifiers in %v (load average %s)", b.sc.alerts, b.sc.alerts*apptest.IdentifiersPerAlert,
		time.Since(start).Round(time.Millisecond), loadAverage())

	bodies := func(values []string) [][]byte {
		out := make([][]byte, len(values))
		for i, v := range values {
			out[i], _ = json.Marshal(map[string]string{"value": v})
		}
		return out
	}
	hitBodies, missBodies := bodies(hits), bodies(misses)
	empty := []byte(`"matches":[]`)
	me := func(_, _ int) error {
		if st, _ := call(s.Handler, "GET", "/api/v1/me", member, nil); st != http.StatusOK {
			return fmt.Errorf("me: status %d", st)
		}
		return nil
	}
	screen := func(bodies [][]byte, wantHit bool) func(w, i int) error {
		return func(w, i int) error {
			body := bodies[(w*7919+i)%len(bodies)]
			st, out := call(s.Handler, "POST", "/api/v1/screen", member, body)
			if st != http.StatusOK {
				return fmt.Errorf("screen %s: status %d %s", body, st, out)
			}
			if bytes.Contains(out, empty) == wantHit {
				return fmt.Errorf("screen %s: want hit %v, got %.200s", body, wantHit, out)
			}
			return nil
		}
	}
	// "hit" spreads over every alert; "hit, 300 values" screens the same
	// few numbers again and again, as members do with the men of the day.
	bare, hit, repeat, miss := phase{name: "bare (me)"}, phase{name: "screen hit"}, phase{name: "screen hit, 300 values"}, phase{name: "screen miss"}
	load := []string{}
	for range b.sc.rounds {
		bare.add(b.run("bare", b.sc.slice, me))
		hit.add(b.run("hit", b.sc.slice, screen(hitBodies, true)))
		repeat.add(b.run("repeat", b.sc.slice, screen(hitBodies[:300], true)))
		miss.add(b.run("miss", b.sc.slice, screen(missBodies, false)))
		load = append(load, loadAverage())
	}
	for _, p := range []*phase{&bare, &hit, &repeat, &miss} {
		b.logf("%s", p)
	}
	b.logf("screening throughput ÷ bare signed-in handler: hit %.2f, hit of 300 values %.2f, miss %.2f (goal ≥ 0.5); p99 hit %v, miss %v (goal < 10ms); %d clients; load average %s",
		hit.perSecond()/bare.perSecond(), repeat.perSecond()/bare.perSecond(), miss.perSecond()/bare.perSecond(), hit.quantile(0.99).Round(time.Microsecond),
		miss.quantile(0.99).Round(time.Microsecond), clients(), strings.Join(load, ", "))
}

// loadAlerts loads the screening benchmark's alerts (apptest.LoadAlerts)
// and returns values that member 1 (of the second organisation) finds and
// values she does not.
func (b *loopBench) loadAlerts() (hits, misses []string) {
	t, s := b.t, b.s
	ctx := context.Background()
	var orgs []string
	for _, o := range app.DemoOrgs {
		org, err := s.Accounts.Store().OrgBySlug(ctx, o.Slug)
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, org.ID)
	}
	hits, misses, err := apptest.LoadAlerts(ctx, s.DB, s.Keys, orgs, 1, b.sc.alerts)
	if err != nil {
		t.Fatal(err)
	}
	// The generator's forms are what the normaliser makes of them.
	for _, typed := range []string{hits[0], hits[2]} {
		if got := ident.Guess(typed, "CN"); len(got) == 0 {
			t.Fatalf("%q normalises to nothing", typed)
		}
	}
	return hits, misses
}

// reports measures POST /api/v1/reports: a narrative, three identifiers of
// the perpetrator, two support needs (two cases), consent; sealed, in one
// transaction with the on-call staff's notifications.
func (b *loopBench) reports() {
	t, s := b.t, b.s
	var tokens []string
	for _, role := range []web.Role{web.RoleMember, web.RoleOutreach} {
		for org := range app.DemoOrgs {
			tokens = append(tokens, s.Token(t, s.Login(t, org, role)))
		}
	}
	narrative := strings.Repeat("他约我到酒店，然后打了我，还拿走了我的钱和手机。He hit me and took my money. ", 4)
	body := func(w, i int) []byte {
		raw, _ := json.Marshal(map[string]any{
			"occurred_on": "2026-11-20", "area": "Kunming", "place": "酒店 hotel near the station",
			"incident_types": []string{"physical_violence", "robbery"},
			"narrative":      narrative,
			"perpetrator": map[string]any{
				"description": "tall, grey car, tattoo on the left arm",
				"identifiers": []map[string]string{
					{"kind": "phone", "value": fmt.Sprintf("137 %04d %04d", w, i%10000)},
					{"kind": "wechat", "value": fmt.Sprintf("wx_bench_%d_%d", w, i)},
					{"kind": "plate", "value": "云A·" + fmt.Sprintf("%05d", i%100000)},
				},
			},
			"support": []string{"medical", "legal"},
			"consent": map[string]bool{"alert": true, "network": true},
		})
		return raw
	}
	var before int
	if err := s.DB.QueryRowContext(t.Context(), `SELECT count(*) FROM reports`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	load0 := loadAverage()
	p := b.run("report", b.sc.reportDur, func(w, i int) error {
		st, out := call(s.Handler, "POST", "/api/v1/reports", tokens[w%len(tokens)], body(w, i))
		if st != http.StatusCreated {
			return fmt.Errorf("report: status %d %s", st, out)
		}
		return nil
	})
	var after, ids int
	if err := s.DB.QueryRowContext(t.Context(), `SELECT count(*) FROM reports`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.QueryRowContext(t.Context(), `SELECT count(*) FROM report_identifiers`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	if after-before != p.n || ids < 3*p.n {
		t.Fatalf("%d reports answered 201, %d stored with %d identifiers", p.n, after-before, ids)
	}
	b.logf("%s", &p)
	b.logf("report submission: %.0f reports/s with %d clients (goal on SQLite ≥ 500/s); load average %s, %s", p.perSecond(), clients(), load0, loadAverage())
}

// fanOut puts the members straight into a third organisation (as the
// account store writes them: handle sealed and indexed; one passphrase hash
// for all), then a moderator publishes a network alert from a report, and
// the time from the call to its commit is the fan-out's. With the webhook
// set, each member's message is one delivery.
func (b *loopBench) fanOut(rcv *webhookCounter) {
	t, s := b.t, b.s
	ctx := context.Background()
	mod := s.Token(t, s.Login(t, 1, web.RoleModerator))
	member := s.Token(t, s.Login(t, 1, web.RoleMember))
	var created struct{ ID string }
	raw, _ := json.Marshal(map[string]any{"incident_types": []string{"robbery"}, "narrative": "took the money back", "consent": map[string]bool{"alert": true, "network": true}})
	if st, out := call(s.Handler, "POST", "/api/v1/reports", member, raw); st != http.StatusCreated {
		t.Fatalf("report: %d %s", st, out)
	} else if err := json.Unmarshal(out, &created); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	orgID := db.NewID()
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, 'bench-members', 'Bench members', $2)`, orgID, db.Now()); err != nil {
		t.Fatal(err)
	}
	lit := apptest.BlobLiteral(s.DB.Dialect)
	hash := seal.HashPassphrase("bench passphrase", seal.TestHashParams)
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		const per = 500
		var sb strings.Builder
		for off := 0; off < b.sc.members; off += per {
			sb.Reset()
			for i := off; i < min(off+per, b.sc.members); i++ {
				id, handle := db.NewID(), fmt.Sprintf("bench%07d", i)
				if i > off {
					sb.WriteString(", ")
				}
				fmt.Fprintf(&sb, "('%s', '%s', %s, %s, $1, 'member', 'zh-CN', $2)", id, orgID,
					lit(s.Keys.BlindIndex("user.handle", handle)), lit(s.Keys.SealString(handle, seal.AD{Table: "users", Column: "handle", Row: id})))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, org_id, handle_idx, handle_enc, pass_hash, role, lang, created_at) VALUES `+sb.String(), hash, db.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := apptest.Settle(context.Background(), s.DB, "users"); err != nil {
		t.Fatal(err)
	}
	var audience int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&audience); err != nil {
		t.Fatal(err)
	}
	b.logf("%d members created in %v; %d users in the network", b.sc.members, time.Since(start).Round(time.Millisecond), audience)

	var before int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM notify_outbox WHERE kind = 'alert.published'`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	pub, _ := json.Marshal(map[string]any{"summary": "A man who hits; grey car", "scope": "network",
		"identifiers": []map[string]string{{"kind": "phone", "value": "138 0013 8000"}}})
	load0 := loadAverage()
	t0 := time.Now()
	st, out := call(s.Handler, "POST", "/api/v1/reports/"+created.ID+"/publish", mod, pub)
	took := time.Since(t0)
	if st != http.StatusCreated {
		t.Fatalf("publish: %d %s\n%s", st, out, lastLines(s.Log(), 3))
	}
	var enqueued int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM notify_outbox WHERE kind = 'alert.published'`).Scan(&enqueued); err != nil {
		t.Fatal(err)
	}
	enqueued -= before
	// Some may already be sent; each user of the network has one delivery
	// (the webhook), sent or waiting.
	if enqueued != audience {
		t.Fatalf("publish enqueued %d deliveries for %d users", enqueued, audience)
	}
	b.logf("publish → commit with %d deliveries enqueued: %v (%.0f/s; goal < 2s); load average %s, %s",
		enqueued, took.Round(time.Millisecond), float64(enqueued)/took.Seconds(), load0, loadAverage())
	if !b.sc.full {
		// The quick run also sees them out: one per member, no duplicate.
		apptest.WaitFor(t, 60*time.Second, func() bool { return rcv.count(string(notifyKindAlert)) >= audience })
		if d := rcv.duplicates(); d != 0 {
			t.Fatalf("%d duplicate deliveries", d)
		}
	}
}

const notifyKindAlert = "alert.published"

// webhookCounter is the local webhook receiver: it counts the ids it
// accepted per kind, and duplicates.
type webhookCounter struct {
	mu   sync.Mutex
	seen map[string]int
	kind map[string]int
	dups int
}

func (c *webhookCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p struct {
		ID   string `json:"id"`
		Kind string `json:"kind"`
	}
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil || p.ID == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	if c.seen == nil {
		c.seen, c.kind = map[string]int{}, map[string]int{}
	}
	if c.seen[p.ID]++; c.seen[p.ID] > 1 {
		c.dups++
	} else {
		c.kind[p.Kind]++
	}
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (c *webhookCounter) count(kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kind[kind]
}

func (c *webhookCounter) duplicates() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dups
}

// lastLines returns the last n lines of the server's log.
func lastLines(log string, n int) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
