// Command load drives a real Sisterline server with vegeta at fixed rates
// for a fixed time, on loopback addresses only, and prints a Markdown table:
// throughput, latency percentiles and the server's CPU time per request of
// each kind of request, each also as a ratio to GET /healthz measured in the
// same run; then the highest rate a signed-in page holds, found with a short
// ramp. docs/PERFORMANCE.md ("Load harness") keeps its output.
//
//	cd bench && go run ./cmd/load               # builds ../cmd/sisterline, runs `demo`
//	cd bench && go run ./cmd/load -bin PATH     # a binary built before
//	cd bench && go run ./cmd/load -inprocess    # the app inside this process
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/sisterline/sisterline/bench/internal/harness"
	"github.com/sisterline/sisterline/bench/internal/stats"
)

// Bounds on what one run may ask for, so a typo cannot turn the harness
// into a long flood on a shared machine.
const (
	maxRate     = 20000
	maxDuration = time.Minute
	maxRounds   = 10
	maxAlerts   = 1_000_000
	// maxWorkers bounds vegeta's concurrent requests: beyond it a slow
	// server makes the attack fall behind its rate instead of piling up
	// goroutines, which the throughput column then shows.
	maxWorkers = 512
)

type options struct {
	bin, repo             string
	inProcess             bool
	rate, rounds, clients int
	duration, warmup      time.Duration
	only                  string
	ramp                  bool
	rampStart, rampMax    int
	rampStep, rampP99     time.Duration
	alerts                int
	db                    string
	rampRequest           string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.bin, "bin", "", "sisterline binary to run (default: build ../cmd/sisterline into a temporary directory)")
	fs.StringVar(&o.repo, "repo", "..", "root of the sisterline module, for building the binary")
	fs.BoolVar(&o.inProcess, "inprocess", false, "run the app inside this process instead of as its own process (CPU and memory then include the load generator)")
	fs.IntVar(&o.rate, "rate", 100, "requests per second of each fixed-rate attack")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each fixed-rate attack")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured attack at the same rate before each measured one")
	fs.IntVar(&o.alerts, "alerts", 0, "alerts (10 identifiers each) written into the database before the server starts; screening then spreads over them (0: the demo's one alert)")
	fs.StringVar(&o.db, "db", "", "with -alerts: an empty PostgreSQL database (postgres://…) to write them into and serve from, instead of SQLite")
	fs.IntVar(&o.rounds, "rounds", 1, "times to run the whole set, interleaved; the table shows the median of each figure")
	fs.IntVar(&o.clients, "clients", 64, "simulated clients, each from its own 127.0.0.x address")
	fs.StringVar(&o.only, "only", "", "comma-separated request names to run (default: all)")
	fs.BoolVar(&o.ramp, "ramp", true, "find the highest rate one request holds (-ramp-request)")
	fs.StringVar(&o.rampRequest, "ramp-request", "home", "the request the ramp sends (a name from -only)")
	fs.IntVar(&o.rampStart, "ramp-start", 100, "first rate of the ramp")
	fs.IntVar(&o.rampMax, "ramp-max", 6400, "highest rate the ramp tries")
	fs.DurationVar(&o.rampStep, "ramp-step", 3*time.Second, "length of each ramp step")
	fs.DurationVar(&o.rampP99, "ramp-p99", 100*time.Millisecond, "a ramp step holds when 99.9% answer as expected, throughput is within 5% of the rate and p99 is at most this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}

	srv, screenValues, err := startServer(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			fmt.Fprintln(stderr, "load: stop server:", err)
		}
	}()
	client, err := harness.NewClient(o.clients, 10*time.Second)
	if err != nil {
		return err
	}
	scs, err := prepare(ctx, client, srv, screenValues)
	if err != nil {
		return err
	}
	if scs, err = selectScenarios(scs, o.only); err != nil {
		return err
	}

	idle, err := idleCPU(ctx, srv.PID, 3*time.Second)
	if err != nil {
		return err
	}
	loadBefore := harness.LoadAverage()
	began := time.Now().UTC()
	samples := map[string][]stats.Sample{}
	for r := range o.rounds {
		for _, sc := range scs {
			fmt.Fprintf(stderr, "round %d/%d: %s at %d/s for %s\n", r+1, o.rounds, sc.name, o.rate, o.duration)
			if o.warmup > 0 {
				if _, err := attack(ctx, client, srv.PID, o.db != "", sc, o.rate, o.warmup); err != nil {
					return err
				}
			}
			s, err := attack(ctx, client, srv.PID, o.db != "", sc, o.rate, o.duration)
			if err != nil {
				return err
			}
			samples[sc.name] = append(samples[sc.name], s)
		}
	}
	var (
		steps   []rampStep
		best    int
		ceiling bool
	)
	if o.ramp {
		sc, ok := find(scs, o.rampRequest)
		if !ok {
			return fmt.Errorf("the ramp sends %q; add it to -only or give -ramp=false", o.rampRequest)
		}
		best, ceiling, steps, err = rampUp(ctx, client, srv.PID, sc, o, stderr)
		if err != nil {
			return err
		}
	}
	mem, _ := harness.ReadMemory(srv.PID)

	report(stdout, reportInput{
		opts: o, args: args, began: began, loadBefore: loadBefore, loadAfter: harness.LoadAverage(),
		scenarios: scs, samples: samples, ramp: steps, best: best, ceiling: ceiling, mem: mem, idle: idle,
	})
	return nil
}

func (o options) check() error {
	switch {
	case o.rate < 1 || o.rate > maxRate:
		return fmt.Errorf("-rate %d: want 1 to %d", o.rate, maxRate)
	case o.duration <= 0 || o.duration > maxDuration:
		return fmt.Errorf("-duration %s: want up to %s", o.duration, maxDuration)
	case o.warmup < 0 || o.warmup > maxDuration:
		return fmt.Errorf("-warmup %s: want 0 to %s", o.warmup, maxDuration)
	case o.alerts < 0 || o.alerts > maxAlerts:
		return fmt.Errorf("-alerts %d: want 0 to %d", o.alerts, maxAlerts)
	case o.alerts > 0 && o.inProcess:
		return errors.New("-alerts needs the server as its own process (no -inprocess)")
	case o.db != "" && o.alerts == 0:
		return errors.New("-db needs -alerts (the demo runs on SQLite)")
	case o.rounds < 1 || o.rounds > maxRounds:
		return fmt.Errorf("-rounds %d: want 1 to %d", o.rounds, maxRounds)
	case o.ramp && (o.rampStart < 1 || o.rampMax < o.rampStart || o.rampMax > maxRate):
		return fmt.Errorf("-ramp-start %d -ramp-max %d: want 1 ≤ start ≤ max ≤ %d", o.rampStart, o.rampMax, maxRate)
	case o.ramp && (o.rampStep <= 0 || o.rampStep > maxDuration):
		return fmt.Errorf("-ramp-step %s: want up to %s", o.rampStep, maxDuration)
	}
	return nil
}

// startServer starts the server the options name. A screening limit far
// above any rate here keeps the per-account limit (30 an hour by default)
// out of the measurement; every other limit stays as served. With -alerts,
// it first writes the demo network and the alerts into a data directory
// (harness.PrepareAlerts) and returns values to screen.
func startServer(ctx context.Context, o options, stderr io.Writer) (*harness.Server, *harness.ScreenValues, error) {
	const screenPerHour = 100_000_000
	if o.inProcess {
		fmt.Fprintln(stderr, "starting the app in this process")
		srv, err := harness.StartInProcess(ctx, screenPerHour)
		return srv, nil, err
	}
	bin := o.bin
	if bin == "" {
		dir, err := os.MkdirTemp("", "sisterline-load-")
		if err != nil {
			return nil, nil, err
		}
		defer os.RemoveAll(dir) // the running process keeps its open binary
		bin = filepath.Join(dir, "sisterline")
		fmt.Fprintf(stderr, "building %s/cmd/sisterline\n", o.repo)
		if err := harness.Build(ctx, o.repo, bin, true); err != nil {
			return nil, nil, err
		}
	}
	if o.alerts == 0 {
		fmt.Fprintln(stderr, "starting", bin, "demo")
		srv, err := harness.StartDemo(ctx, bin, "--screen-per-hour", fmt.Sprint(screenPerHour))
		return srv, nil, err
	}
	fmt.Fprintf(stderr, "writing the demo network and %d alerts\n", o.alerts)
	data, err := harness.PrepareAlerts(ctx, o.alerts, o.db)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintln(stderr, "starting", bin, "serve")
	extra := []string{"--screen-per-hour", fmt.Sprint(screenPerHour)}
	if o.db != "" {
		extra = append(extra, "--db", o.db)
	}
	srv, err := harness.StartServe(ctx, bin, data.Dir, extra...)
	if err != nil {
		_ = os.RemoveAll(data.Dir)
		return nil, nil, err
	}
	srv.Logins = data.Logins
	srv.OnStop(func() { _ = os.RemoveAll(data.Dir) })
	return srv, &data.Values, nil
}

// dbCPU is PostgreSQL's CPU time so far, when the server uses it.
func dbCPU(db bool) (time.Duration, error) {
	if !db {
		return 0, nil
	}
	return harness.CommandCPU("postgres")
}

// scenario is one kind of request the harness sends over and over.
type scenario struct {
	name, what string
	target     vegeta.Target
	more       []vegeta.Target // sent in turn after target, when there are several
	want       int
	check      func(body []byte) error // of the answer, once before measuring; nil: none
}

func (sc scenario) targets() []vegeta.Target { return append([]vegeta.Target{sc.target}, sc.more...) }

func find(scs []scenario, name string) (scenario, bool) {
	for _, sc := range scs {
		if sc.name == name {
			return sc, true
		}
	}
	return scenario{}, false
}

func selectScenarios(all []scenario, only string) ([]scenario, error) {
	if only == "" {
		return all, nil
	}
	var out []scenario
	for _, name := range strings.Split(only, ",") {
		sc, ok := find(all, strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("-only: no request named %q", name)
		}
		out = append(out, sc)
	}
	if _, ok := find(out, "healthz"); !ok {
		// Ratios need the baseline in the same run.
		base, _ := find(all, "healthz")
		out = append([]scenario{base}, out...)
	}
	return out, nil
}

const (
	// screenedPhone is published in an alert before the run, so each
	// screening finds one match and unseals it.
	screenedPhone = "+86 138 0013 8000"
	reportBody    = `{"occurred_on":"2026-11-20","area":"Kunming","place":"a hotel near the station",` +
		`"incident_types":["physical_violence","robbery"],"narrative":"He hit me and took the money back.",` +
		`"perpetrator":{"description":"tall, 40s","identifiers":[{"kind":"phone","value":"139 0000 1111"}]},` +
		`"support":["medical","legal"],"consent":{"alert":true,"network":false,"police":false}}`
)

// prepare signs in the first organisation's member (a session cookie and
// an API token), publishes one alert as its moderator, and checks that each
// request answers as expected once before any is measured.
//
// Screening: with values (-alerts), "screen" spreads over values that hit
// and "screen-miss" over values that miss; otherwise "screen" finds the one
// alert published here and "screen-miss" numbers nobody reported.
func prepare(ctx context.Context, c *http.Client, srv *harness.Server, values *harness.ScreenValues) ([]scenario, error) {
	member, err := srv.Login("member", 0)
	if err != nil {
		return nil, err
	}
	moderator, err := srv.Login("moderator", 0)
	if err != nil {
		return nil, err
	}
	cookie, err := harness.SessionCookie(ctx, c, srv.URL, member.Handle, member.Passphrase)
	if err != nil {
		return nil, err
	}
	token, err := harness.Token(ctx, c, srv.URL, member.Handle, member.Passphrase)
	if err != nil {
		return nil, err
	}
	modToken, err := harness.Token(ctx, c, srv.URL, moderator.Handle, moderator.Passphrase)
	if err != nil {
		return nil, err
	}
	if err := publishAlert(ctx, c, srv.URL, token, modToken); err != nil {
		return nil, err
	}
	st, page, err := harness.Get(ctx, c, srv.URL, "/signin", "")
	if err != nil || st != http.StatusOK {
		return nil, fmt.Errorf("GET /signin: status %d: %v", st, err)
	}
	css, err := harness.AssetPath(page, "style.css")
	if err != nil {
		return nil, err
	}

	hits, misses := []string{"138-0013-8000"}, []string{"139 0000 0001", "139 0000 0002", "139 0000 0003"}
	if values != nil {
		hits, misses = values.Hits, values.Misses
	}
	u := srv.URL
	bearer := http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}}
	scs := []scenario{
		{name: "healthz", what: "`GET /healthz` (baseline: the frame, a migration check in the database)", want: 200,
			target: vegeta.Target{Method: "GET", URL: u + "/healthz"}},
		{name: "static", what: "`GET /static/…/style.css` (the frame, no database)", want: 200,
			target: vegeta.Target{Method: "GET", URL: u + css}},
		{name: "signin", what: "`GET /signin` signed out (rendered page)", want: 200,
			target: vegeta.Target{Method: "GET", URL: u + "/signin"}},
		{name: "home", what: "`GET /` signed in as a member (session look-up, her home page)", want: 200,
			target: vegeta.Target{Method: "GET", URL: u + "/", Header: http.Header{"Cookie": {cookie}}}},
		{name: "me", what: "`GET /api/v1/me` (a bare signed-in handler: bearer token, her account)", want: 200,
			target: vegeta.Target{Method: "GET", URL: u + "/api/v1/me", Header: bearer}},
		screening("screen", u, bearer, hits, true),
		screening("screen-miss", u, bearer, misses, false),
		{name: "report", what: "`POST /api/v1/reports` a full report (sealed, one identifier; a write)", want: 201,
			target: vegeta.Target{Method: "POST", URL: u + "/api/v1/reports", Header: bearer, Body: []byte(reportBody)}},
	}
	for _, sc := range scs {
		if sc.name == "report" {
			continue // checked by publishAlert; each try would add a report
		}
		req, err := sc.target.Request()
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", sc.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != sc.want {
			return nil, fmt.Errorf("check %s: status %d, want %d", sc.name, resp.StatusCode, sc.want)
		}
		if sc.check != nil {
			if err := sc.check(body); err != nil {
				return nil, fmt.Errorf("check %s: %w", sc.name, err)
			}
		}
	}
	return scs, nil
}

// screening is a screening scenario over values, which should match or not.
func screening(name, base string, bearer http.Header, values []string, match bool) scenario {
	what := "`POST /api/v1/screen` a phone number with one match (bearer token)"
	if !match {
		what = "`POST /api/v1/screen` a value with no match (bearer token)"
	}
	if len(values) > 1 {
		what += fmt.Sprintf(", %d values in turn", len(values))
	}
	sc := scenario{name: name, what: what, want: 200, check: func(body []byte) error {
		if got := bytes.Contains(body, []byte(`"summary"`)); got != match {
			return fmt.Errorf("a match: %v, want %v: %.200s", got, match, body)
		}
		return nil
	}}
	for i, v := range values {
		body, _ := json.Marshal(map[string]string{"value": v})
		t := vegeta.Target{Method: "POST", URL: base + "/api/v1/screen", Header: bearer, Body: body}
		if i == 0 {
			sc.target = t
		} else {
			sc.more = append(sc.more, t)
		}
	}
	return sc
}

func publishAlert(ctx context.Context, c *http.Client, base, token, modToken string) error {
	var rep struct {
		ID string `json:"id"`
	}
	body := map[string]any{
		"incident_types": []string{"physical_violence"},
		"narrative":      "load harness set-up",
		"perpetrator":    map[string]any{"identifiers": []map[string]string{{"kind": "phone", "value": screenedPhone}}},
		"consent":        map[string]bool{"alert": true},
	}
	st, err := harness.CallJSON(ctx, c, base, token, "POST", "/api/v1/reports", body, &rep)
	if err != nil || st != http.StatusCreated {
		return fmt.Errorf("set-up report: status %d: %v", st, err)
	}
	pub := map[string]any{
		"summary":     "Violent client (load harness)",
		"scope":       "org",
		"identifiers": []map[string]string{{"kind": "phone", "value": screenedPhone}},
	}
	st, err = harness.CallJSON(ctx, c, base, modToken, "POST", "/api/v1/reports/"+rep.ID+"/publish", pub, nil)
	if err != nil || st != http.StatusCreated {
		return fmt.Errorf("set-up publish: status %d: %v", st, err)
	}
	return nil
}

// attack sends sc at rate for du and measures it: latencies, and the CPU
// time of the server process, of this one (the load generator) and, with
// db, of PostgreSQL's processes.
func attack(ctx context.Context, c *http.Client, pid int, db bool, sc scenario, rate int, du time.Duration) (stats.Sample, error) {
	atk := vegeta.NewAttacker(vegeta.Client(c), vegeta.MaxWorkers(maxWorkers), vegeta.MaxBody(0))
	stopOnCancel := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stopOnCancel()
	cpu0, err := harness.CPU(pid)
	if err != nil {
		return stats.Sample{}, err
	}
	self0, err := harness.CPU(os.Getpid())
	if err != nil {
		return stats.Sample{}, err
	}
	db0, err := dbCPU(db)
	if err != nil {
		return stats.Sample{}, err
	}
	var m vegeta.Metrics
	want := fmt.Sprint(sc.want)
	for res := range atk.Attack(vegeta.NewStaticTargeter(sc.targets()...), vegeta.Rate{Freq: rate, Per: time.Second}, du, sc.name) {
		m.Add(res)
	}
	m.Close()
	cpu1, err := harness.CPU(pid)
	if err != nil {
		return stats.Sample{}, err
	}
	self1, err := harness.CPU(os.Getpid())
	if err != nil {
		return stats.Sample{}, err
	}
	db1, err := dbCPU(db)
	if err != nil {
		return stats.Sample{}, err
	}
	if ctx.Err() != nil {
		return stats.Sample{}, ctx.Err()
	}
	s := stats.Sample{
		Rate: rate, Requests: int(m.Requests), // #nosec G115 -- a bounded load run sends far fewer than 2^63 requests
		OK:      m.StatusCodes[want],
		Elapsed: m.Duration + m.Wait,
		P50:     m.Latencies.P50, P90: m.Latencies.P90, P99: m.Latencies.P99, Max: m.Latencies.Max,
		CPU: cpu1 - cpu0, LoadCPU: self1 - self0, DBCPU: db1 - db0,
	}
	if s.OK < s.Requests && len(m.Errors) > 0 {
		s.Errors = m.Errors[:min(3, len(m.Errors))]
	}
	return s, nil
}

// idleCPU is the server's CPU time a second while nothing is sent: the
// background jobs every figure above includes.
func idleCPU(ctx context.Context, pid int, d time.Duration) (time.Duration, error) {
	c0, err := harness.CPU(pid)
	if err != nil {
		return 0, err
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(d):
	}
	c1, err := harness.CPU(pid)
	if err != nil {
		return 0, err
	}
	return time.Duration(float64(c1-c0) / d.Seconds()), nil
}

type rampStep struct {
	stats.Sample
	holds bool
}

// rampUp doubles the rate from -ramp-start while the home page holds, then
// halves the gap between the last rate that held and the first that did
// not three times. It returns the highest rate that held, and whether that
// is only the ramp's ceiling (every step held).
func rampUp(ctx context.Context, c *http.Client, pid int, sc scenario, o options, stderr io.Writer) (int, bool, []rampStep, error) {
	var steps []rampStep
	try := func(rate int) (bool, error) {
		fmt.Fprintf(stderr, "ramp: %s at %d/s for %s\n", sc.name, rate, o.rampStep)
		s, err := attack(ctx, c, pid, o.db != "", sc, rate, o.rampStep)
		if err != nil {
			return false, err
		}
		ok := s.Holds(o.rampP99)
		steps = append(steps, rampStep{Sample: s, holds: ok})
		// Let a backlog drain before the next step.
		time.Sleep(time.Second)
		return ok, nil
	}
	best, fail := 0, 0
	for rate := o.rampStart; rate <= o.rampMax; rate *= 2 {
		ok, err := try(rate)
		if err != nil {
			return 0, false, nil, err
		}
		if !ok {
			fail = rate
			break
		}
		best = rate
	}
	if fail == 0 {
		return best, true, steps, nil
	}
	lo, hi := best, fail
	for range 3 {
		mid := (lo + hi) / 2
		if mid <= lo || mid >= hi {
			break
		}
		ok, err := try(mid)
		if err != nil {
			return 0, false, nil, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, false, steps, nil
}

type reportInput struct {
	opts                  options
	args                  []string
	began                 time.Time
	loadBefore, loadAfter string
	scenarios             []scenario
	samples               map[string][]stats.Sample
	ramp                  []rampStep
	best                  int
	ceiling               bool
	idle                  time.Duration
	mem                   harness.Memory
}

func report(w io.Writer, in reportInput) {
	o := in.opts
	mode := "the built binary (`sisterline demo`) as its own process; CPU is the server process's alone"
	switch {
	case o.inProcess:
		mode = "the app inside the harness's process; CPU includes the load generator"
	case o.alerts > 0 && o.db != "":
		mode = fmt.Sprintf("the built binary (`sisterline serve`) as its own process over PostgreSQL, with the demo network and %d alerts written before it started; CPU is the server process's alone (not PostgreSQL's)", o.alerts)
	case o.alerts > 0:
		mode = fmt.Sprintf("the built binary (`sisterline serve`) as its own process, with the demo network and %d alerts written before it started; CPU is the server process's alone", o.alerts)
	}
	fmt.Fprintf(w, "Run %s, %s, %s/%s, %d CPUs; server: %s.\n", in.began.Format("2006-01-02 15:04 UTC"),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), mode)
	fmt.Fprintf(w, "Load average before %s, after %s. Command: `go run ./cmd/load %s`.\n", in.loadBefore, in.loadAfter, strings.Join(in.args, " "))
	fmt.Fprintf(w, "Each request at %d/s for %s (after %s unmeasured), %d round(s), from %d client addresses; ", o.rate, o.duration, o.warmup, o.rounds, o.clients)
	fmt.Fprintf(w, "figures are medians over rounds; ratios are to `healthz` in the same run.\n\n")

	base := stats.Median(in.samples["healthz"])
	fmt.Fprintln(w, "| request | sent/s | ok/s | ok | p50 | p90 | p99 | max | p50 ÷ healthz | p99 ÷ healthz | server CPU per request | CPU ÷ healthz |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, sc := range in.scenarios {
		s := stats.Median(in.samples[sc.name])
		fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			sc.what, s.Rate, s.Throughput(), stats.Percent(s.OK, s.Requests),
			stats.Dur(s.P50), stats.Dur(s.P90), stats.Dur(s.P99), stats.Dur(s.Max),
			stats.Ratio(s.P50, base.P50), stats.Ratio(s.P99, base.P99),
			stats.Dur(s.CPUPerRequest()), stats.Ratio(s.CPUPerRequest(), base.CPUPerRequest()))
		for _, e := range s.Errors {
			fmt.Fprintf(w, "|  ↳ error: %s |||||||||||\n", e)
		}
	}
	if me, ok := in.samples["me"]; ok {
		withDB := o.db != ""
		cost := func(s stats.Sample) time.Duration {
			if withDB {
				return s.CPUPerRequest() + s.DBCPUPerRequest()
			}
			return s.CPUPerRequest()
		}
		bare := cost(stats.Median(me))
		var parts []string
		for _, name := range []string{"screen", "screen-miss"} {
			if ss, ok := in.samples[name]; ok {
				cpu := cost(stats.Median(ss))
				parts = append(parts, fmt.Sprintf("%s %s (throughput at the same CPU: %s)", name, stats.Ratio(cpu, bare), stats.Ratio(bare, cpu)))
			}
		}
		what := "server CPU"
		if withDB {
			what = "server and PostgreSQL CPU"
			var db []string
			for _, name := range []string{"me", "screen", "screen-miss"} {
				if ss, ok := in.samples[name]; ok {
					db = append(db, name+" "+stats.Dur(stats.Median(ss).DBCPUPerRequest()))
				}
			}
			fmt.Fprintf(w, "\nPostgreSQL's CPU per request: %s.\n", strings.Join(db, ", "))
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "\nScreening's %s per request ÷ `me`'s: %s.\n", what, strings.Join(parts, "; "))
		}
	}
	if len(in.ramp) > 0 {
		fmt.Fprintf(w, "\nRamp of `%s`, %s a step; a step holds when ≥ 99.9%% answer as expected, ok/s ≥ 95%% of the rate and p99 ≤ %s:\n\n", o.rampRequest, o.rampStep, stats.Dur(o.rampP99))
		fmt.Fprintln(w, "| rate/s | ok/s | ok | p50 | p99 | max | server CPU per request | server cores busy | load generator cores busy | holds |")
		fmt.Fprintln(w, "|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
		for _, st := range in.ramp {
			holds := "yes"
			if !st.holds {
				holds = "no"
			}
			loadCores := "–" // in process, the two are one figure
			if !o.inProcess {
				loadCores = stats.Cores(st.LoadCPU, st.Elapsed)
			}
			fmt.Fprintf(w, "| %d | %.0f | %s | %s | %s | %s | %s | %s | %s | %s |\n", st.Rate, st.Throughput(), stats.Percent(st.OK, st.Requests),
				stats.Dur(st.P50), stats.Dur(st.P99), stats.Dur(st.Max), stats.Dur(st.CPUPerRequest()),
				stats.Cores(st.CPU, st.Elapsed), loadCores, holds)
		}
		switch {
		case in.best == 0:
			fmt.Fprintf(w, "\nHighest rate held: none (the first step, %d/s, failed).\n", o.rampStart)
		case in.ceiling:
			fmt.Fprintf(w, "\nHighest rate held: at least %d/s (the ramp's ceiling).\n", in.best)
		default:
			fmt.Fprintf(w, "\nHighest rate held: %d/s.\n", in.best)
		}
	}
	fmt.Fprintf(w, "\nServer CPU while idle (its background jobs), measured before the first request: %s a second.\n", stats.Dur(in.idle))
	if in.mem.RSS > 0 {
		fmt.Fprintf(w, "\nServer memory at the end: VmRSS %.1f MiB, peak (VmHWM) %.1f MiB.\n", float64(in.mem.RSS)/(1<<20), float64(in.mem.Peak)/(1<<20))
	}
}
