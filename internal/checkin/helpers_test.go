package checkin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

// site is a seeded server whose clock the test moves, with a fake SMS
// gateway that keeps every text the server sends.
type site struct {
	*apptest.Server
	clk *clock
	sms *smsGateway
}

// onEngines runs test against a site on SQLite, then on PostgreSQL when
// SISTERLINE_TEST_POSTGRES is set.
func onEngines(t *testing.T, test func(t *testing.T, s *site)) {
	t.Run("sqlite", func(t *testing.T) { test(t, newSite(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, newSite(t, apptest.Postgres(t))) })
}

func newSite(t *testing.T, opts ...apptest.Option) *site {
	t.Helper()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	g := newSMSGateway(t)
	opts = append(opts, func(c *config.Config) {
		c.SMSURL, c.SMSAccount, c.SMSToken, c.SMSFrom = g.srv.URL, "AC-test", "token", "+10000000000"
		c.BaseURL = "https://notes.example"
	})
	s := apptest.StartWith(t, app.Options{Now: clk.Now}, opts...)
	return &site{Server: s, clk: clk, sms: g}
}

// The demo's first organisation reads Chinese; its member and outreach
// worker are check-in buddies.
const zh = "zh-CN"

// principal is the demo user l as the services see her.
func (s *site) principal(t *testing.T, l app.Login) *web.Principal {
	t.Helper()
	id, orgID, err := s.Accounts.Store().UserIDByHandle(context.Background(), l.Handle)
	if err != nil {
		t.Fatal(err)
	}
	return &web.Principal{UserID: id, OrgID: orgID, Role: l.Role, Handle: l.Handle}
}

// addPhone gives l a phone number for her notices.
func (s *site) addPhone(t *testing.T, l app.Login, number string) {
	t.Helper()
	if _, err := s.Notify.AddAddress(context.Background(), s.principal(t, l), notify.ChannelSMS, number, nil); err != nil {
		t.Fatal(err)
	}
}

// advance moves the clock and fires whatever came due, as the scheduler
// loop does within a second.
func (s *site) advance(t *testing.T, d time.Duration) {
	t.Helper()
	s.clk.Add(d)
	if _, err := s.Checkins.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

var checkinPath = regexp.MustCompile(`^/checkins/([A-Z0-9]+)$`)

// start posts the start form and returns the new check-in's id.
func start(t *testing.T, c *apptest.PageClient, form map[string][]string) string {
	t.Helper()
	p := c.Post("/checkins/new", form)
	m := checkinPath.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil || p.Flash != "flash.checkin_started" {
		t.Fatalf("start: %d to %q; body:\n%.2000s", p.Status, p.Location, p.Body)
	}
	return m[1]
}

// smsGateway is a fake SMS gateway with Twilio's Messages API.
type smsGateway struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sent []sms
}

type sms struct{ To, Body string }

func newSMSGateway(t *testing.T) *smsGateway {
	g := &smsGateway{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.sent = append(g.sent, sms{To: r.PostForm.Get("To"), Body: r.PostForm.Get("Body")})
		g.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"sid":"SM1"}`))
	}))
	t.Cleanup(g.srv.Close)
	return g
}

var linkInText = regexp.MustCompile(`/c/(safe|buddy)/[A-Z2-7]+`)

// link waits for the n-th text (from 1) to number that holds a link of kind
// ("safe" or "buddy") and returns the link's path.
func (g *smsGateway) link(t *testing.T, number, kind string, n int) string {
	t.Helper()
	var path string
	apptest.WaitFor(t, 15*time.Second, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		seen := 0
		for _, m := range g.sent {
			if m.To != number {
				continue
			}
			if l := linkInText.FindString(m.Body); strings.HasPrefix(l, "/c/"+kind+"/") {
				if seen++; seen == n {
					path = l
					return true
				}
			}
		}
		return false
	})
	return path
}

// count returns how many texts went to number.
func (g *smsGateway) count(number string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, m := range g.sent {
		if m.To == number {
			n++
		}
	}
	return n
}
