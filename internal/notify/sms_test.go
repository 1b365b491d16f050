package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

// gateway is a local SMS gateway with the shape of Twilio's Messages API.
type gateway struct {
	srv    *httptest.Server
	mu     sync.Mutex
	script []int
	got    []smsRequest
}

type smsRequest struct {
	Path, User, Pass, Key string
	Form                  url.Values
}

func newGateway(t *testing.T, script ...int) *gateway {
	g := &gateway{script: script}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		raw, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(raw))
		g.mu.Lock()
		g.got = append(g.got, smsRequest{Path: r.URL.Path, User: user, Pass: pass, Key: r.Header.Get("Idempotency-Key"), Form: form})
		status := http.StatusCreated
		if len(g.script) > 0 {
			status, g.script = g.script[0], g.script[1:]
		}
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status == http.StatusBadRequest {
			// Twilio's error for a number that cannot receive SMS; its
			// message repeats the number, which must not be stored.
			_, _ = io.WriteString(w, `{"code": 21211, "message": "The 'To' number `+form.Get("To")+` is not a valid phone number.", "status": 400}`)
			return
		}
		_, _ = io.WriteString(w, `{"sid": "SM123", "status": "queued"}`)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) Got() []smsRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]smsRequest(nil), g.got...)
}

func withSMS(g *gateway) func(*notify.Options) {
	return func(o *notify.Options) {
		o.SMS = notify.SMSConfig{URL: g.srv.URL, Account: "AC123", Token: "tok", From: "Notes"}
	}
}

func TestSMSGatewayGetsTwilioShapedRequestInHerLanguage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		g := newGateway(t)
		e := newEnv(t, d, withSMS(g), func(o *notify.Options) { o.BaseURL = "https://notes.example/" })
		ctx := context.Background()
		mei := e.addUser(t, e.org, web.RoleMember, "mei", "zh-CN")
		if _, err := e.svc.AddAddress(ctx, e.principal(mei), notify.ChannelSMS, "138-0013-8000", nil); err != nil {
			t.Fatal(err)
		}
		e.send(t,
			notify.Message{Kind: notify.KindAlertPublished, OrgID: e.org, To: notify.ToMember(mei), Data: map[string]string{"Area": "Kunming"}},
			notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToPhone("+44 7700 900123"), Lang: "en", Data: map[string]string{"Path": "/checkins/abc"}},
		)
		e.drain(t, e.svc)
		got := g.Got()
		if len(got) != 2 {
			t.Fatalf("gateway got %d requests", len(got))
		}
		byTo := map[string]smsRequest{}
		for _, r := range got {
			if r.Path != "/2010-04-01/Accounts/AC123/Messages.json" || r.User != "AC123" || r.Pass != "tok" || r.Form.Get("From") != "Notes" || r.Key == "" {
				t.Errorf("request = %+v", r)
			}
			byTo[r.Form.Get("To")] = r
		}
		// Neutral by default: the area is not in the text.
		if b := byTo["+8613800138000"].Form.Get("Body"); b != "你在Notes有一条新通知。\nhttps://notes.example/" {
			t.Errorf("member's SMS = %q", b)
		}
		if b := byTo["+447700900123"].Form.Get("Body"); b != "You have a new notice from Notes.\nhttps://notes.example/checkins/abc" {
			t.Errorf("buddy's SMS = %q", b)
		}
	})
}

func TestSMSToANumberTheGatewayRefusesIsNotRetriedAnd503Is(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		g := newGateway(t, http.StatusBadRequest, http.StatusServiceUnavailable, http.StatusCreated)
		e := newEnv(t, d, withSMS(g))
		e.send(t, notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToPhone("+8613800138000")})
		for range 3 {
			e.drain(t, e.svc)
			e.clock.Advance(10 * time.Second)
		}
		if n := len(g.Got()); n != 1 {
			t.Fatalf("a refused number was tried %d times", n)
		}
		var code string
		if err := d.QueryRowContext(context.Background(), `SELECT last_error FROM notify_outbox WHERE state = 'failed'`).Scan(&code); err != nil {
			t.Fatal(err)
		}
		if code != "http_400_21211" {
			t.Fatalf("last_error = %q: want the gateway's code and nothing of its message", code)
		}

		e.send(t, notify.Message{Kind: notify.KindCheckinBuddy, OrgID: e.org, To: notify.ToPhone("+8613800138001")})
		for range 3 {
			e.drain(t, e.svc)
			e.clock.Advance(10 * time.Second)
		}
		got := g.Got()
		if len(got) != 3 || got[1].Key != got[2].Key {
			t.Fatalf("after a 503: %d requests, keys %q %q", len(got), got[1].Key, got[2].Key)
		}
		if st := e.states(t); st["sms/sent"] != 1 || st["sms/failed"] != 1 {
			t.Fatalf("states = %v", st)
		}
	})
}
