package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// directory is an in-memory notify.Directory.
type directory struct {
	mu    sync.Mutex
	users map[string]notify.User
}

func (d *directory) Users(_ context.Context, ids []string) (map[string]notify.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]notify.User{}
	for _, id := range ids {
		if u, ok := d.users[id]; ok {
			out[id] = u
		}
	}
	return out, nil
}

func (d *directory) OrgUsers(_ context.Context, orgID string) ([]notify.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []notify.User
	for _, u := range d.users {
		if u.OrgID == orgID {
			out = append(out, u)
		}
	}
	return out, nil
}

func (d *directory) StaffIDs(ctx context.Context, orgID string) ([]string, error) {
	users, _ := d.OrgUsers(ctx, orgID)
	var out []string
	for _, u := range users {
		if u.Role == web.RoleModerator || u.Role == web.RoleAdmin {
			out = append(out, u.ID)
		}
	}
	return out, nil
}

// logBuffer collects the log, for tests that prove what it does not hold.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// env is one organisation on a fresh database with the notify service.
type env struct {
	d     *db.DB
	keys  *seal.Keyring
	clock *clock
	dir   *directory
	log   *logBuffer
	org   string
	cat   *web.Catalog
	svc   *notify.Service
	opt   notify.Options
}

// testOptions are quick: retries after a second, small batches.
func testOptions() notify.Options {
	o := notify.DefaultOptions()
	o.SiteName = "Notes"
	o.DefaultLang = "en"
	o.BackoffBase = time.Second
	o.BackoffMax = 4 * time.Second
	o.SendTimeout = 2 * time.Second
	o.MaxAttempts = 4
	o.Batch = 50
	o.Workers = 8
	o.AllowHTTPPush = true
	return o
}

func newEnv(t testing.TB, d *db.DB, opts ...func(*notify.Options)) *env {
	t.Helper()
	keys, err := seal.New()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{d: d, keys: keys, clock: newClock(), dir: &directory{users: map[string]notify.User{}}, log: &logBuffer{}, opt: testOptions()}
	for _, o := range opts {
		o(&e.opt)
	}
	e.cat, err = web.NewCatalog(slog.New(slog.NewTextHandler(io.Discard, nil)), web.FrameFS(), notify.Files())
	if err != nil {
		t.Fatal(err)
	}
	e.org = e.addOrg(t)
	e.svc = e.newService(t)
	return e
}

// newService starts another service (another process or instance) on the
// same database and key ring.
func (e *env) newService(t testing.TB) *notify.Service {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := notify.New(context.Background(), e.d, e.keys, e.dir, e.cat, e.opt, e.clock.Now, log)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (e *env) addOrg(t testing.TB) string {
	t.Helper()
	id := db.NewID()
	if _, err := e.d.ExecContext(context.Background(), `INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, $3, $4)`,
		id, "org-"+strings.ToLower(id[:8]), "Org", db.Now()); err != nil {
		t.Fatal(err)
	}
	return id
}

// addUser makes a user of the organisation with a handle and language.
func (e *env) addUser(t testing.TB, orgID string, role web.Role, handle, lang string) string {
	t.Helper()
	id := db.NewID()
	idx := make([]byte, 16)
	_, _ = rand.Read(idx)
	if _, err := e.d.ExecContext(context.Background(), `INSERT INTO users (id, org_id, handle_idx, handle_enc, pass_hash, role, lang, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		id, orgID, idx, []byte("x"), "x", string(role), lang, db.Now()); err != nil {
		t.Fatal(err)
	}
	e.dir.mu.Lock()
	e.dir.users[id] = notify.User{ID: id, OrgID: orgID, Handle: handle, Lang: lang, Role: role}
	e.dir.mu.Unlock()
	return id
}

func (e *env) principal(userID string) *web.Principal {
	u := e.dir.users[userID]
	return &web.Principal{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Handle: u.Handle, Lang: u.Lang}
}

// send enqueues in a transaction of its own.
func (e *env) send(t testing.TB, msgs ...notify.Message) {
	t.Helper()
	if err := e.svc.Send(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}

// drain dispatches until nothing is due now.
func (e *env) drain(t testing.TB, svc *notify.Service) int {
	t.Helper()
	total := 0
	for range 1000 {
		n, err := svc.DispatchOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
	t.Fatal("dispatch did not finish")
	return total
}

// states counts outbox rows by channel and state.
func (e *env) states(t testing.TB) map[string]int {
	t.Helper()
	rows, err := e.d.QueryContext(context.Background(), `SELECT channel, state, count(*) FROM notify_outbox GROUP BY channel, state`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var ch, st string
		var n int
		if err := rows.Scan(&ch, &st, &n); err != nil {
			t.Fatal(err)
		}
		out[ch+"/"+st] = n
	}
	return out
}

// receiver is a webhook receiver that checks signatures and records what it
// accepted. Its answers are scripted: each call takes the next status from
// script (200 once the script is used up); status 0 means "hang until the
// client gives up".
type receiver struct {
	t      testing.TB
	secret string
	srv    *httptest.Server

	mu       sync.Mutex
	script   []int
	calls    []notify.WebhookPayload // every call, accepted or not
	accepted []notify.WebhookPayload
	badSig   int
}

func newReceiver(t testing.TB, secret string, script ...int) *receiver {
	rc := &receiver{t: t, secret: secret, script: script}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p notify.WebhookPayload
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	_ = dec.Decode(&p)
	rc.mu.Lock()
	if !hmac.Equal([]byte(r.Header.Get(notify.SignatureHeader)), []byte(notify.Sign([]byte(rc.secret), body))) {
		rc.badSig++
	}
	rc.calls = append(rc.calls, p)
	status := http.StatusOK
	if len(rc.script) > 0 {
		status, rc.script = rc.script[0], rc.script[1:]
	}
	rc.mu.Unlock()
	if status == 0 {
		<-r.Context().Done()
		return
	}
	if status/100 == 2 {
		rc.mu.Lock()
		rc.accepted = append(rc.accepted, p)
		rc.mu.Unlock()
	}
	w.WriteHeader(status)
}

func (rc *receiver) Accepted() []notify.WebhookPayload {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]notify.WebhookPayload(nil), rc.accepted...)
}

func (rc *receiver) Calls() []notify.WebhookPayload {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]notify.WebhookPayload(nil), rc.calls...)
}

func withWebhook(rc *receiver) func(*notify.Options) {
	return func(o *notify.Options) {
		o.WebhookURL = rc.srv.URL
		o.WebhookSecret = rc.secret
	}
}

// fakeChannel records what it is asked to send and answers with err.
type fakeChannel struct {
	name notify.ChannelName
	mu   sync.Mutex
	sent []notify.Delivery
	err  error
}

func (f *fakeChannel) Name() notify.ChannelName { return f.name }

func (f *fakeChannel) Send(_ context.Context, d notify.Delivery) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, d)
	return f.err
}

func (f *fakeChannel) Sent() []notify.Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]notify.Delivery(nil), f.sent...)
}

func (f *fakeChannel) Reset() {
	f.mu.Lock()
	f.sent = nil
	f.mu.Unlock()
}
