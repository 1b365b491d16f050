package app_test

// Check-in timers against crashes, with the real binary: kill -9 while steps
// are due and between steps, restart on the same data, and a local webhook
// receiver records every message. Every step must arrive, none twice under
// different ids (the same id again is a retried delivery, which the contract
// allows), none lost. On PostgreSQL, two servers on one database must never
// fire the same step.
//
// The webhook payload names the kind and the recipient, not the check-in.
// So each check-in here belongs to an organisation of its own, with one
// member (her reminder goes to her handle), one outside buddy with a phone
// number of her own (the buddy alert goes to it) and one admin (on call by
// default: the staff alert goes to her handle). A (kind, recipient) pair
// then names one step of one check-in.

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/checkin"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// crashGrace is the grace period of the check-ins under test: the ladder of
// one check-in takes two of them after its due time.
const crashGrace = 2 * time.Second

// buildSisterline builds the real binary into a temporary directory.
func buildSisterline(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "sisterline")
	cmd := exec.Command(goTool, "build", "-o", bin, "./cmd/sisterline")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// delivery is one webhook call the receiver got.
type delivery struct {
	ID, Kind, To string
	At           time.Time
	Via          string // which server's webhook URL
}

// hookReceiver is the operator's bridge: it checks each call's signature
// and keeps every message.
type hookReceiver struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	got    []delivery
	bad    int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{secret: "crash-test-secret"}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		var p notify.WebhookPayload
		if json.Unmarshal(body, &p) != nil || r.Header.Get(notify.SignatureHeader) != notify.Sign([]byte(h.secret), body) {
			h.mu.Lock()
			h.bad++
			h.mu.Unlock()
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		to := p.Recipient.Handle + p.Recipient.Phone + p.Recipient.Email
		h.mu.Lock()
		h.got = append(h.got, delivery{ID: p.ID, Kind: string(p.Kind), To: to, At: time.Now(), Via: r.URL.Path})
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) deliveries() []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.got...)
}

// distinct counts the distinct message ids per "kind>recipient".
func (h *hookReceiver) distinct() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, d := range h.deliveries() {
		k := d.Kind + ">" + d.To
		if out[k] == nil {
			out[k] = map[string]bool{}
		}
		out[k][d.ID] = true
	}
	return out
}

// crashCheckin is one check-in under test and the messages its ladder sends.
type crashCheckin struct {
	ID, Member, Admin, Buddy string
	Due                      time.Time
}

func (c crashCheckin) expected() map[string]time.Time {
	return map[string]time.Time{
		string(notify.KindCheckinReminder) + ">" + c.Member: c.Due,
		string(notify.KindCheckinBuddy) + ">" + c.Buddy:     c.Due.Add(crashGrace),
		string(notify.KindCheckinStaff) + ">" + c.Admin:     c.Due.Add(2 * crashGrace),
	}
}

// prepareCheckins fills the database at cfg with one organisation per
// check-in and starts the check-ins, due at the times given, through the
// service (a check-in is at least a minute long, so its clock is set back).
func prepareCheckins(t *testing.T, cfg config.Config, dues []time.Time) []crashCheckin {
	t.Helper()
	ctx := context.Background()
	var back time.Duration
	hp := seal.TestHashParams
	cfg.CheckinGrace = crashGrace
	a, err := app.New(ctx, cfg, app.Options{Hash: &hp, Now: func() time.Time { return time.Now().Add(-back) }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	root, err := a.Accounts.Bootstrap(ctx, "Network", "network", "root", "root passphrase 1", "en")
	if err != nil {
		t.Fatal(err)
	}
	rootP := &web.Principal{UserID: root.ID, OrgID: root.OrgID, OrgSlug: root.OrgSlug, Role: web.RoleAdmin, NetworkAdmin: true}
	register := func(slug string, role web.Role, handle string) *web.Principal {
		code, _, err := a.Accounts.CreateInvite(ctx, rootP, role, slug)
		if err != nil {
			t.Fatal(err)
		}
		u, err := a.Accounts.Register(ctx, code, handle, "a long passphrase", "en")
		if err != nil {
			t.Fatal(err)
		}
		return &web.Principal{UserID: u.ID, OrgID: u.OrgID, OrgSlug: slug, Role: role, Handle: handle}
	}
	var out []crashCheckin
	for i, due := range dues {
		slug := fmt.Sprintf("org-%02d", i)
		if _, err := a.Accounts.CreateOrg(ctx, rootP, "Org "+slug, slug); err != nil {
			t.Fatal(err)
		}
		admin := register(slug, web.RoleAdmin, fmt.Sprintf("admin-%02d", i))
		member := register(slug, web.RoleMember, fmt.Sprintf("member-%02d", i))
		c := crashCheckin{Member: member.Handle, Admin: admin.Handle, Buddy: fmt.Sprintf("+86139000%05d", i)}
		back = checkin.MinDue - time.Until(due)
		got, err := a.Checkins.Start(ctx, member, checkin.Start{DueIn: checkin.MinDue, Buddies: []checkin.BuddyIn{{Phone: c.Buddy}}, Note: "room " + slug})
		if err != nil {
			t.Fatal(err)
		}
		c.ID, c.Due = got.ID, got.DueAt
		out = append(out, c)
	}
	return out
}

// serverProc is one running sisterline serve.
type serverProc struct {
	cmd  *exec.Cmd
	log  *strings.Builder
	mu   *sync.Mutex
	done chan struct{}
}

// startServer runs the binary's serve on the data directory with args, and
// returns once it listens.
func startServer(t *testing.T, bin string, args ...string) *serverProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--lang", "en"}, args...)...)
	// Only the flags given here: no SISTERLINE_* settings from the
	// environment of whoever runs the tests.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SISTERLINE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serverProc{cmd: cmd, log: &strings.Builder{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	cmd.Stderr = lockedWriter{p.mu, p.log}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on ") {
		p.kill9()
		t.Fatalf("server did not start: %q %v\n%s", line, err, p.logText())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	t.Cleanup(p.kill9)
	return p
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (p *serverProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// kill9 kills the server with SIGKILL, as a power cut or the OOM killer
// would, and waits until it is gone.
func (p *serverProc) kill9() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop asks the server to stop as an operator would, with SIGTERM.
func (p *serverProc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.kill9()
		t.Error("the server did not stop on SIGTERM")
	}
}

// waitAll waits until every expected message has arrived at least once.
func waitAll(t *testing.T, h *hookReceiver, cs []crashCheckin, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := h.distinct()
		missing := 0
		for _, c := range cs {
			for k := range c.expected() {
				if len(got[k]) == 0 {
					missing++
				}
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages never arrived", missing, 3*len(cs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkDeliveries holds the receiver's record to the rules: each step of
// each check-in arrived under exactly one id, not before it was due, and
// nothing else arrived.
func checkDeliveries(t *testing.T, h *hookReceiver, cs []crashCheckin) {
	t.Helper()
	want := map[string]time.Time{}
	for _, c := range cs {
		for k, due := range c.expected() {
			want[k] = due
		}
	}
	first := map[string]time.Time{}
	total := 0
	for _, d := range h.deliveries() {
		total++
		k := d.Kind + ">" + d.To
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected message %s (id %s)", k, d.ID)
			continue
		}
		if f, ok := first[k]; !ok || d.At.Before(f) {
			first[k] = d.At
		}
	}
	for k, ids := range h.distinct() {
		if _, ok := want[k]; ok && len(ids) != 1 {
			t.Errorf("%s arrived under %d different ids: the step fired more than once", k, len(ids))
		}
	}
	for k, due := range want {
		at, ok := first[k]
		switch {
		case !ok:
			t.Errorf("%s was lost", k)
		case at.Before(due):
			t.Errorf("%s arrived %v before it was due", k, due.Sub(at))
		}
	}
	if h.bad > 0 {
		t.Errorf("%d webhook calls had a bad signature or body", h.bad)
	}
	t.Logf("%d deliveries of %d messages (%d repeated under the same id)", total, len(want), total-len(want))
}

// checkLadders reads the database after the servers stopped: each check-in
// climbed each step once and opened one case.
func checkLadders(t *testing.T, d *db.DB, cs []crashCheckin) {
	t.Helper()
	for _, c := range cs {
		counts := map[string]int{}
		rows, err := d.QueryContext(context.Background(), `SELECT kind FROM checkin_events WHERE checkin_id = $1`, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			counts[k]++
		}
		rows.Close()
		for _, k := range []string{"started", "reminded", "buddy_alerted", "staff_alerted"} {
			if counts[k] != 1 {
				t.Errorf("check-in of %s: %d %q events", c.Member, counts[k], k)
			}
		}
		var status string
		var caseID sql.NullString
		if err := d.QueryRowContext(context.Background(), `SELECT status, case_id FROM checkins WHERE id = $1`, c.ID).Scan(&status, &caseID); err != nil {
			t.Fatal(err)
		}
		if status != "escalated" || !caseID.Valid {
			t.Errorf("check-in of %s ended %s, case %v", c.Member, status, caseID.Valid)
		}
	}
	var cases int
	if err := d.QueryRowContext(context.Background(), `SELECT count(*) FROM cases`).Scan(&cases); err != nil {
		t.Fatal(err)
	}
	if cases != len(cs) {
		t.Errorf("%d cases for %d check-ins", cases, len(cs))
	}
}

func TestCheckinStepsSurviveKill9EachArrivingOnceAndNoneLost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildSisterline(t)
	hook := newHookReceiver(t)
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	t0 := time.Now()
	const n = 8
	var dues []time.Time
	for i := range n {
		dues = append(dues, t0.Add(3*time.Second+time.Duration(i)*400*time.Millisecond))
	}
	cs := prepareCheckins(t, cfg, dues)
	lastStep := dues[n-1].Add(2 * crashGrace)
	args := []string{"--data-dir", dir, "--notify-webhook", hook.srv.URL + "/hook", "--notify-webhook-secret", hook.secret,
		"--checkin-grace", crashGrace.String(), "--notify-send-timeout", "1s"}

	seed := uint64(time.Now().UnixNano())
	t.Logf("kill schedule seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 1))

	// Killed between steps: right after the first reminder went out.
	p := startServer(t, bin, args...)
	deadline := time.Now().Add(30 * time.Second)
	for len(hook.deliveries()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	p.kill9()
	kills := 1
	// Down while steps come due; then up and down at random moments until
	// every step has come due, many of them while no server ran.
	time.Sleep(2500 * time.Millisecond)
	for time.Now().Before(lastStep.Add(time.Second)) {
		p = startServer(t, bin, args...)
		time.Sleep(time.Duration(150+rnd.IntN(900)) * time.Millisecond)
		p.kill9()
		kills++
		time.Sleep(time.Duration(rnd.IntN(900)) * time.Millisecond)
	}
	// The last start catches up on what came due while it was down.
	p = startServer(t, bin, args...)
	waitAll(t, hook, cs, 60*time.Second)
	time.Sleep(2 * time.Second) // room for a late duplicate to show
	p.stop(t)
	t.Logf("%d kills with -9", kills)
	checkDeliveries(t, hook, cs)

	d, err := db.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	checkLadders(t, d, cs)
}

func TestTwoServersOnOnePostgreSQLNeverFireTheSameStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary twice")
	}
	dsn := dbtest.PostgresDSN(t)
	if dsn == "" {
		t.Skip("SISTERLINE_TEST_POSTGRES not set")
	}
	dsn = dbtest.Schema(t, dsn)
	bin := buildSisterline(t)
	hook := newHookReceiver(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	cfg := config.Default()
	cfg.DataDir, cfg.DB = dirA, dsn
	// Many check-ins due in the same instant: both servers find them due at
	// once, every step.
	const n = 40
	due := time.Now().Add(4 * time.Second)
	dues := make([]time.Time, n)
	for i := range dues {
		dues[i] = due
	}
	cs := prepareCheckins(t, cfg, dues)
	// One key ring for both: the second server's data directory gets a copy.
	ring, err := os.ReadFile(filepath.Join(dirA, seal.KeyringFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, seal.KeyringFile), ring, 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"--db", dsn, "--notify-webhook-secret", hook.secret, "--checkin-grace", crashGrace.String(), "--notify-send-timeout", "1s"}
	a := startServer(t, bin, append([]string{"--data-dir", dirA, "--notify-webhook", hook.srv.URL + "/a"}, common...)...)
	b := startServer(t, bin, append([]string{"--data-dir", dirB, "--notify-webhook", hook.srv.URL + "/b"}, common...)...)
	waitAll(t, hook, cs, 60*time.Second)
	time.Sleep(2 * time.Second)
	a.stop(t)
	b.stop(t)
	via := map[string]int{}
	for _, d := range hook.deliveries() {
		via[d.Via]++
	}
	t.Logf("deliveries sent by server a: %d, by server b: %d", via["/a"], via["/b"])
	checkDeliveries(t, hook, cs)
	d, err := db.Open(context.Background(), dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	checkLadders(t, d, cs)
}
