package app_test

import (
	"context"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

// bridge is a webhook receiver standing in for an operator's messaging
// bridge: it checks each signature and keeps what it accepted.
type bridge struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	got    []notify.WebhookPayload
	badSig int
}

func newBridge(t *testing.T) *bridge {
	b := &bridge{secret: "bridge-secret"}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p notify.WebhookPayload
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		err := dec.Decode(&p)
		b.mu.Lock()
		defer b.mu.Unlock()
		if err != nil || !hmac.Equal([]byte(r.Header.Get("X-Sisterline-Signature")), []byte(notify.Sign([]byte(b.secret), body))) {
			b.badSig++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		b.got = append(b.got, p)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *bridge) option() apptest.Option {
	return func(c *config.Config) { c.NotifyWebhook, c.NotifyWebhookSecret = b.srv.URL, b.secret }
}

func (b *bridge) byID(id string) []notify.WebhookPayload {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []notify.WebhookPayload
	for _, p := range b.got {
		if p.ID == id {
			out = append(out, p)
		}
	}
	return out
}

// onEachEngine runs fn against a server on SQLite and one on PostgreSQL.
func onEachEngine(t *testing.T, fn func(t *testing.T, opts ...apptest.Option)) {
	t.Run("sqlite", func(t *testing.T) { fn(t) })
	t.Run("postgres", func(t *testing.T) { fn(t, apptest.Postgres(t)) })
}

func TestNotificationTestMessageReachesTheBridgeAsTheContractSays(t *testing.T) {
	onEachEngine(t, func(t *testing.T, opts ...apptest.Option) {
		br := newBridge(t)
		s := apptest.Start(t, append(opts, br.option())...)
		doc := loadOpenAPI(t)
		member := s.Login(t, 1, web.RoleMember)
		tok := s.Token(t, member)

		var res map[string]any
		if st := s.JSON(t, tok, "POST", "/api/v1/notifications/test", nil, &res); st != http.StatusAccepted {
			t.Fatalf("test message: %d %v", st, res)
		}
		checkAgainstDoc(t, doc, "POST", "/api/v1/notifications/test", http.StatusAccepted, res)
		id, _ := res["id"].(string)
		apptest.WaitFor(t, 10*time.Second, func() bool { return len(br.byID(id)) > 0 })
		got := br.byID(id)
		p := got[0]
		if len(got) != 1 || br.badSig != 0 || p.Kind != notify.KindTest || p.Recipient.Type != notify.RecipientMember || p.Recipient.Handle != member.Handle {
			t.Fatalf("bridge got %+v (bad signatures %d)", got, br.badSig)
		}
		if want := s.Renderer.Catalog().Translate("en", "notify.text.test", map[string]any{"Site": s.Config.SiteName}); p.Text != want {
			t.Fatalf("text %q, want %q", p.Text, want)
		}

		// The admin's status shows it sent, without content; a member may not look.
		admin := s.Token(t, s.Login(t, 1, web.RoleAdmin))
		var status map[string]any
		apptest.WaitFor(t, 10*time.Second, func() bool {
			s.JSON(t, admin, "GET", "/api/v1/notifications/status", nil, &status)
			raw, _ := json.Marshal(status)
			return strings.Contains(string(raw), `"sent":1`)
		})
		checkAgainstDoc(t, doc, "GET", "/api/v1/notifications/status", http.StatusOK, status)
		if st := s.JSON(t, tok, "GET", "/api/v1/notifications/status", nil, nil); st != http.StatusNotFound {
			t.Fatalf("a member read the delivery status: %d", st)
		}
		// The other organisation's admin sees none of it.
		var other map[string]any
		s.JSON(t, s.Token(t, s.Login(t, 0, web.RoleAdmin)), "GET", "/api/v1/notifications/status", nil, &other)
		if raw, _ := json.Marshal(other); strings.Contains(string(raw), `"sent":1`) {
			t.Fatalf("another organisation's status shows it: %s", raw)
		}
		if strings.Contains(s.Log(), member.Handle) {
			t.Fatal("the log names the member")
		}
	})
}

func TestPushSubscriptionThroughTheAPI(t *testing.T) {
	s := apptest.Start(t)
	doc := loadOpenAPI(t)
	tok := s.Token(t, s.Login(t, 0, web.RoleMember))
	var key map[string]any
	if st := s.JSON(t, tok, "GET", "/api/v1/notifications/push-key", nil, &key); st != http.StatusOK || key["key"] != s.Notify.VAPIDPublicKey() {
		t.Fatalf("push key: %d %v", st, key)
	}
	checkAgainstDoc(t, doc, "GET", "/api/v1/notifications/push-key", http.StatusOK, key)
	priv, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	sub := map[string]any{
		"endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
		"keys":     map[string]string{"p256dh": base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()), "auth": base64.RawURLEncoding.EncodeToString(auth)},
	}
	var out map[string]any
	if st := s.JSON(t, tok, "POST", "/api/v1/push-subscriptions", sub, &out); st != http.StatusCreated {
		t.Fatalf("subscribe: %d %v", st, out)
	}
	checkAgainstDoc(t, doc, "POST", "/api/v1/push-subscriptions", http.StatusCreated, out)
	out = nil
	if st := s.JSON(t, tok, "POST", "/api/v1/push-subscriptions", sub, &out); st != http.StatusOK {
		t.Fatalf("the same subscription again: %d %v", st, out)
	}
	checkAgainstDoc(t, doc, "POST", "/api/v1/push-subscriptions", http.StatusOK, out)
	sub["endpoint"] = "http://attacker.example/collect"
	out = nil
	if st := s.JSON(t, tok, "POST", "/api/v1/push-subscriptions", sub, &out); st != http.StatusUnprocessableEntity {
		t.Fatalf("a plain-http endpoint: %d %v", st, out)
	}
	checkAgainstDoc(t, doc, "POST", "/api/v1/push-subscriptions", http.StatusUnprocessableEntity, out)
}

// smsGateway is a local SMS gateway (the Twilio Messages API's shape).
type smsGateway struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sent []url.Values
}

func newSMSGateway(t *testing.T) *smsGateway {
	g := &smsGateway{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		g.mu.Lock()
		g.sent = append(g.sent, r.PostForm)
		g.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"sid":"SM1"}`)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *smsGateway) Sent() []url.Values {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]url.Values(nil), g.sent...)
}

func TestSettingsPageAddsAPhoneKeepsWhatSheTypedAndSendsTheTestThere(t *testing.T) {
	g := newSMSGateway(t)
	s := apptest.Start(t, func(c *config.Config) {
		c.SMSURL, c.SMSAccount, c.SMSToken, c.SMSFrom = g.srv.URL, "AC1", "tok", "Notes"
	})
	mei := s.Login(t, 0, web.RoleMember) // a member who reads Chinese
	c := s.SignInPages(t, mei)
	// Without JavaScript the push button is never shown; the hint says what it needs.
	apptest.WantPage(t, c.Get("/settings/notifications"), http.StatusOK, s.Text("zh-CN", "notify.settings.phone_label"), s.Text("zh-CN", "notify.settings.none"),
		`id="push-on" hidden`, s.Text("zh-CN", "notify.settings.push_needs"))

	// A wrong number: the page comes back with the message and what she typed.
	p := c.Post("/settings/notifications/phone", url.Values{"phone": {"12-34"}})
	apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text("zh-CN", "notify.error.phone"), `value="12-34"`)

	apptest.WantRedirect(t, c.Post("/settings/notifications/phone", url.Values{"phone": {"138-0013-8000"}}), "/settings/notifications?done=flash.notify_added")
	page := c.Get("/settings/notifications")
	apptest.WantPage(t, page, http.StatusOK, s.Text("zh-CN", "flash.notify_added"), "&#43;861••••••8000")
	if strings.Contains(page.Body, "13800138000") {
		t.Fatal("the page shows her whole number")
	}
	// Her address's id, from its remove form.
	i := strings.Index(page.Body, `/settings/notifications/`)
	id := strings.TrimSuffix(strings.SplitN(page.Body[i+len("/settings/notifications/"):], "/", 2)[0], "/")

	// Another member, of another organisation, cannot touch it.
	other := s.SignInPages(t, s.Login(t, 1, web.RoleMember))
	if p := other.Post("/settings/notifications/"+id+"/delete", nil); p.Status != http.StatusNotFound {
		t.Fatalf("another member removed her phone: %d", p.Status)
	}
	if p := other.Post("/settings/notifications/"+id+"/kinds", url.Values{"kind": {"alerts"}}); p.Status != http.StatusNotFound {
		t.Fatalf("another member changed her kinds: %d", p.Status)
	}

	apptest.WantRedirect(t, c.Post("/settings/notifications/test", nil), "/settings/notifications?done=flash.notify_test_sent")
	apptest.WaitFor(t, 10*time.Second, func() bool { return len(g.Sent()) == 1 })
	sms := g.Sent()[0]
	if sms.Get("To") != "+8613800138000" || sms.Get("Body") != s.Renderer.Catalog().Translate("zh-CN", "notify.text.test", map[string]any{"Site": s.Config.SiteName}) {
		t.Fatalf("SMS = %v", sms)
	}
	// Only alerts from now on; then remove it.
	apptest.WantRedirect(t, c.Post("/settings/notifications/"+id+"/kinds", url.Values{"kind": {"alerts", "reports"}}), "/settings/notifications?done=flash.notify_saved")
	addrs, err := s.Notify.Store().Addresses(context.Background(), userID(t, s, mei.Handle))
	if err != nil || len(addrs) != 1 || len(addrs[0].Groups) != 1 || addrs[0].Groups[0] != notify.GroupAlerts {
		t.Fatalf("after choosing alerts (reports is not a member's to choose): %+v %v", addrs, err)
	}
	apptest.WantRedirect(t, c.Post("/settings/notifications/"+id+"/delete", nil), "/settings/notifications?done=flash.notify_removed")
	apptest.WantPage(t, c.Get("/settings/notifications"), http.StatusOK, s.Text("zh-CN", "notify.settings.none"))
}

func userID(t *testing.T, s *apptest.Server, handle string) string {
	t.Helper()
	id, _, err := s.Accounts.Store().UserIDByHandle(context.Background(), handle)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAdminDeliveryPageShowsFailuresWithoutContentAndEditsOnCall(t *testing.T) {
	s := apptest.Start(t)
	admin := s.Login(t, 1, web.RoleAdmin)
	mod := s.Login(t, 1, web.RoleModerator)
	ctx := context.Background()
	orgID := func(handle string) string {
		_, org, err := s.Accounts.Store().UserIDByHandle(ctx, handle)
		if err != nil {
			t.Fatal(err)
		}
		return org
	}(admin.Handle)
	// A delivery given up yesterday, as the dispatcher leaves it.
	msgID := db.NewID()
	now := db.Now()
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO notify_outbox (message_id, kind, org_id, rcpt_type, channel, created_at, next_at, state, attempts, done_at, last_error)
		VALUES ($1, 'checkin.buddy', $2, 'phone', 'sms', $3, $3, 'failed', 12, $3, 'http_503')`, msgID, orgID, now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	c := s.SignInPages(t, admin)
	// Her home page warns her.
	apptest.WantPage(t, c.Get("/"), http.StatusOK, s.Text("en", "notify.home.failed_link"))
	apptest.WantPage(t, c.Get("/admin/notifications"), http.StatusOK,
		s.Text("en", "notify.admin.failed_banner", "Count", 1), msgID, "http_503", s.Text("en", "notify.kind.checkin.buddy"), s.Text("en", "notify.oncall.fallback"))

	// The other organisation's admin sees nothing of it.
	other := s.SignInPages(t, s.Login(t, 0, web.RoleAdmin))
	if p := other.Get("/admin/notifications"); strings.Contains(p.Body, msgID) {
		t.Fatal("another organisation's admin sees the failure")
	}
	// A moderator has no delivery page.
	if p := s.SignInPages(t, mod).Get("/admin/notifications"); p.Status != http.StatusNotFound {
		t.Fatalf("a moderator opened the delivery page: %d", p.Status)
	}

	modID := userID(t, s, mod.Handle)
	apptest.WantRedirect(t, c.Post("/admin/notifications/oncall", url.Values{"user": {modID}}), "/admin/notifications?done=flash.notify_saved")
	ids, err := s.Notify.OnCall(ctx, s.DB, orgID)
	if err != nil || len(ids) != 1 || ids[0] != modID {
		t.Fatalf("on call = %v, %v", ids, err)
	}
	// Another organisation's user cannot be put on the list.
	stranger := userID(t, s, s.Login(t, 0, web.RoleModerator).Handle)
	if p := c.Post("/admin/notifications/oncall", url.Values{"user": {stranger}}); p.Status != http.StatusNotFound {
		t.Fatalf("another organisation's moderator put on call: %d", p.Status)
	}
	apptest.WantRedirect(t, c.Post("/admin/notifications/texts", url.Values{"full": {"1"}}), "/admin/notifications")
	if full, _ := s.Notify.FullTexts(ctx, orgID); !full {
		t.Fatal("full texts not saved")
	}
	apptest.WantRedirect(t, c.Post("/admin/notifications/oncall/"+modID+"/delete", nil), "/admin/notifications")
	if ids, _ := s.Notify.OnCall(ctx, s.DB, orgID); len(ids) < 2 {
		t.Fatalf("after emptying the list, on call = %v: want every moderator and admin", ids)
	}
}

func (b *bridge) kinds() map[notify.Kind][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[notify.Kind][]string{}
	for _, p := range b.got {
		out[p.Kind] = append(out[p.Kind], p.Recipient.Handle)
	}
	return out
}

func TestANewReportAndAPublishedAlertAreNotified(t *testing.T) {
	onEachEngine(t, func(t *testing.T, opts ...apptest.Option) {
		br := newBridge(t)
		s := apptest.Start(t, append(opts, br.option())...)
		modLogin := s.Login(t, 0, web.RoleModerator)
		mod := s.Token(t, modLogin)
		memberTok := s.Token(t, s.Login(t, 0, web.RoleMember))
		var created struct{ ID string }
		body := map[string]any{"incident_types": []string{"robbery"}, "narrative": "he took the money back", "consent": map[string]bool{"alert": true, "network": true}}
		if st := s.JSON(t, memberTok, "POST", "/api/v1/reports", body, &created); st != http.StatusCreated {
			t.Fatalf("report: %d", st)
		}
		// Nobody is on the list: every moderator and admin of her organisation hears of it.
		apptest.WaitFor(t, 10*time.Second, func() bool { return len(br.kinds()[notify.KindReportNew]) == 2 })
		if got := br.kinds()[notify.KindReportNew]; !slices.Contains(got, modLogin.Handle) || !slices.Contains(got, s.Login(t, 0, web.RoleAdmin).Handle) {
			t.Fatalf("report.new went to %v", got)
		}
		pub := map[string]any{"summary": "Takes the money back", "scope": "network"}
		if st := s.JSON(t, mod, "POST", "/api/v1/reports/"+created.ID+"/publish", pub, nil); st != http.StatusCreated {
			t.Fatalf("publish: %d", st)
		}
		// A network alert: every user of both organisations.
		want := len(s.Logins)
		apptest.WaitFor(t, 10*time.Second, func() bool { return len(br.kinds()[notify.KindAlertPublished]) == want })
		got := br.kinds()[notify.KindAlertPublished]
		if !slices.Contains(got, s.Login(t, 1, web.RoleMember).Handle) {
			t.Fatalf("alert.published went to %v", got)
		}
		// Neutral texts: nothing of the report or the alert left the server.
		br.mu.Lock()
		defer br.mu.Unlock()
		for _, p := range br.got {
			if strings.Contains(p.Text, "money") {
				t.Fatalf("a notification says %q", p.Text)
			}
		}
	})
}

// A withdrawal reaches the same people the alert did: every member who got
// the alert gets a second message of the same kind.
func TestAlertWithdrawalReachesTheSamePeople(t *testing.T) {
	br := newBridge(t)
	s := apptest.Start(t, br.option())
	member := s.Token(t, s.Login(t, 0, web.RoleMember))
	mod := s.Token(t, s.Login(t, 0, web.RoleModerator))
	var created struct{ ID string }
	if st := s.JSON(t, member, "POST", "/api/v1/reports", report("13912340000", false), &created); st != http.StatusCreated {
		t.Fatalf("report: %d", st)
	}
	var pub struct{ Alert alertJSON }
	body := map[string]any{"summary": "Do not go with him", "scope": "org", "identifiers": []map[string]string{{"kind": "phone", "value": "13912340000"}}}
	if st := s.JSON(t, mod, "POST", "/api/v1/reports/"+created.ID+"/publish", body, &pub); st != http.StatusCreated {
		t.Fatalf("publish: %d", st)
	}
	recipients := func() map[string]int {
		br.mu.Lock()
		defer br.mu.Unlock()
		got := map[string]int{}
		for _, p := range br.got {
			if p.Kind == notify.KindAlertPublished {
				got[p.Recipient.Handle]++
			}
		}
		return got
	}
	apptest.WaitFor(t, 10*time.Second, func() bool { return len(recipients()) > 0 })
	time.Sleep(300 * time.Millisecond)
	first := recipients()
	if st := s.JSON(t, mod, "POST", "/api/v1/alerts/"+pub.Alert.ID+"/withdraw", nil, nil); st != http.StatusOK {
		t.Fatalf("withdraw: %d", st)
	}
	apptest.WaitFor(t, 10*time.Second, func() bool {
		got := recipients()
		for h, n := range first {
			if got[h] != 2*n {
				return false
			}
		}
		return len(got) == len(first)
	})
}
