package app_test

// Check-ins in a real browser on a 360×640 phone, in Chinese: start one
// with her buddy in two taps, watch the time left count down, mark safe;
// set a PIN, start another and let it run out: the reminder's link does not
// end it without her PIN, her buddy signs in and reads her note, and with
// her PIN the link ends it. axe-core runs on every check-in page.

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
	"github.com/sisterline/sisterline/internal/browsertest"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/web"
)

// stepClock is a clock the test moves.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// textGateway is a fake SMS gateway that keeps the texts.
type textGateway struct {
	srv   *httptest.Server
	mu    sync.Mutex
	texts map[string][]string // number → bodies
}

func newTextGateway(t *testing.T) *textGateway {
	g := &textGateway{texts: map[string][]string{}}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		g.mu.Lock()
		g.texts[r.PostForm.Get("To")] = append(g.texts[r.PostForm.Get("To")], r.PostForm.Get("Body"))
		g.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

var textLink = regexp.MustCompile(`/c/safe/[A-Z2-7]+`)

// safeLink waits for a text to number with an "I'm safe" link.
func (g *textGateway) safeLink(t *testing.T, number string) string {
	t.Helper()
	var link string
	apptest.WaitFor(t, 15*time.Second, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, b := range g.texts[number] {
			if l := textLink.FindString(b); l != "" {
				link = l
				return true
			}
		}
		return false
	})
	return link
}

func TestBrowserCheckinOnAPhoneFromStartToEscalationAndTheLink(t *testing.T) {
	clk := &stepClock{t: time.Now().UTC().Truncate(time.Second)}
	sms := newTextGateway(t)
	s := apptest.StartWith(t, app.Options{Now: clk.Now}, func(c *config.Config) {
		c.SMSURL, c.SMSAccount, c.SMSToken, c.SMSFrom = sms.srv.URL, "AC-test", "token", "+10000000000"
		c.BaseURL = "https://notes.example"
	})
	b := browsertest.New(t)
	const zh = "zh-CN"
	ctx := context.Background()
	advance := func(d time.Duration) {
		clk.Add(d)
		if _, err := s.Checkins.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}

	member := s.Login(t, 0, web.RoleMember)
	tab := b.Tab(t, true)
	browsertest.SignIn(t, tab, s.URL, member.Handle, member.Passphrase)
	safetyPage(t, b, tab, "checkin-home-zh")

	// Two taps: "start a check-in", then a time. Her buddy is ticked.
	browsertest.Submit(t, tab, `a.button[href="/checkins/new"]`)
	wantText(t, tab, "h1", safetyMsg(s, zh, "checkin.new.title"))
	if !browsertest.Eval[bool](t, tab, `document.querySelector('input[name=buddy][value=outreach1]').checked`) {
		t.Fatal("her buddy is not ticked")
	}
	safetyPage(t, b, tab, "checkin-new-zh")
	browsertest.Fill(t, tab, "#note", "春天酒店 8 楼")
	browsertest.Submit(t, tab, `button[name=minutes][value="60"]`)
	wantText(t, tab, ".flash", safetyMsg(s, zh, "flash.checkin_started"))
	// The time left counts down live (the server said one hour).
	countdown := regexp.MustCompile(`^(\d+:)?\d{1,2}:\d{2}$`)
	apptest.WaitFor(t, 5*time.Second, func() bool {
		txt := browsertest.Text(t, tab, ".countdown")
		return countdown.MatchString(txt) && txt != "1:00:00"
	})
	safetyPage(t, b, tab, "checkin-running-zh")
	browsertest.Submit(t, tab, `form[action$="/safe"] button[type=submit]`)
	wantText(t, tab, ".state", safetyMsg(s, zh, "checkin.view.is_safe"))
	safetyPage(t, b, tab, "checkin-safe-zh")

	// A PIN, so that her phone alone cannot end a check-in.
	browsertest.Open(t, tab, s.URL+"/settings/checkin")
	browsertest.Fill(t, tab, "#pin", "2468")
	browsertest.Fill(t, tab, "#pin2", "2468")
	browsertest.Submit(t, tab, `section.card form button[type=submit]`)
	wantText(t, tab, ".flash", safetyMsg(s, zh, "flash.checkin_pin_saved"))
	safetyPage(t, b, tab, "checkin-pin-zh")

	// The second one runs out: a minute, with a note for her buddy.
	const herPhone = "+8613900000011"
	id, orgID, err := s.Accounts.Store().UserIDByHandle(ctx, member.Handle)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notify.AddAddress(ctx, &web.Principal{UserID: id, OrgID: orgID, Role: web.RoleMember}, notify.ChannelSMS, herPhone, nil); err != nil {
		t.Fatal(err)
	}
	browsertest.Open(t, tab, s.URL+"/checkins/new")
	browsertest.Fill(t, tab, "#note", "春天酒店 12 号房，客人开灰色的车")
	// Enter in the minutes field starts the minutes typed, not a preset.
	browsertest.Fill(t, tab, "#custom", "1\r")
	wantText(t, tab, ".flash", safetyMsg(s, zh, "flash.checkin_started"))
	checkinURL := browsertest.Location(t, tab)
	checkinPath := strings.TrimPrefix(strings.SplitN(checkinURL, "?", 2)[0], s.URL)
	advance(time.Minute)
	browsertest.Open(t, tab, s.URL+checkinPath)
	wantText(t, tab, ".state", safetyMsg(s, zh, "checkin.view.time_up"))
	safetyPage(t, b, tab, "checkin-overdue-zh")

	// Someone holding her phone follows the reminder's link: without her
	// PIN it does not end the check-in. (A tab of its own, signed out, with
	// JavaScript off.)
	link := s.URL + sms.safeLink(t, herPhone)
	thief := b.Tab(t, false)
	browsertest.AcceptLanguage(t, thief, zh)
	browsertest.Open(t, thief, link)
	browsertest.Fill(t, thief, "#pin", "0000")
	if st := browsertest.Submit(t, thief, `main form button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong PIN through the link: status %d", st)
	}
	wantText(t, thief, ".field-error", safetyMsg(s, zh, "checkin.error.pin_wrong"))
	browsertest.FitsWidth(t, thief)
	browsertest.Screenshot(t, thief, "checkin-link-wrong-pin-zh")
	linkTab := b.Tab(t, true)
	browsertest.AcceptLanguage(t, linkTab, zh)
	browsertest.Open(t, linkTab, link)
	safetyPage(t, b, linkTab, "checkin-link-zh")

	// One grace period later her buddy is told; she signs in and reads the note.
	advance(5 * time.Minute)
	buddy := s.Login(t, 0, web.RoleOutreach)
	buddyTab := b.Tab(t, true)
	browsertest.SignIn(t, buddyTab, s.URL, buddy.Handle, buddy.Passphrase)
	wantText(t, buddyTab, ".card.call", safetyMsg(s, zh, "checkin.home.calls_title"))
	safetyPage(t, b, buddyTab, "checkin-buddy-home-zh")
	browsertest.Submit(t, buddyTab, `.card.call a.button`)
	wantText(t, buddyTab, "main", "春天酒店 12 号房，客人开灰色的车")
	safetyPage(t, b, buddyTab, "checkin-buddy-view-zh")
	browsertest.Submit(t, buddyTab, `form[action$="/acknowledge"] button`)
	wantText(t, buddyTab, ".flash", safetyMsg(s, zh, "flash.checkin_acknowledged"))

	// Staff see it escalate, with her buddy on it.
	advance(5 * time.Minute)
	mod := s.Login(t, 0, web.RoleModerator)
	modTab := b.Tab(t, true)
	browsertest.SignIn(t, modTab, s.URL, mod.Handle, mod.Passphrase)
	browsertest.Open(t, modTab, s.URL+"/checkins")
	wantText(t, modTab, "main", safetyMsg(s, zh, "checkin.view.buddy_acked"))
	safetyPage(t, b, modTab, "checkin-staff-list-zh")
	browsertest.Open(t, modTab, s.URL+checkinPath)
	wantText(t, modTab, "main", safetyMsg(s, zh, "checkin.event.staff_alerted"))
	safetyPage(t, b, modTab, "checkin-staff-view-zh")

	// With her PIN, the link ends it.
	browsertest.Fill(t, thief, "#pin", "2468")
	browsertest.Submit(t, thief, `main form button[type=submit]`)
	wantText(t, thief, ".flash", safetyMsg(s, zh, "flash.checkin_safe"))
	browsertest.Screenshot(t, thief, "checkin-link-safe-zh")
	browsertest.Open(t, tab, s.URL+checkinPath)
	wantText(t, tab, ".state", safetyMsg(s, zh, "checkin.view.is_safe"))

	// The rest of her check-in pages, and the admin's.
	for _, p := range []string{"/checkins", "/checkins/buddies"} {
		browsertest.Open(t, tab, s.URL+p)
		safetyPage(t, b, tab, "checkin"+strings.ReplaceAll(strings.TrimPrefix(p, "/checkins"), "/", "-")+"-list-zh")
	}
	browsertest.Fill(t, tab, "#handle", "nobody-here")
	browsertest.Submit(t, tab, `form[action="/checkins/buddies"] button`)
	wantText(t, tab, ".field-error", safetyMsg(s, zh, "checkin.error.handle_unknown"))
	safetyPage(t, b, tab, "checkin-buddies-error-zh")
	admin := s.Login(t, 1, web.RoleAdmin)
	adminTab := b.Tab(t, true)
	browsertest.SignIn(t, adminTab, s.URL, admin.Handle, admin.Passphrase)
	browsertest.Open(t, adminTab, s.URL+"/admin/checkin")
	safetyPage(t, b, adminTab, "checkin-admin-en")
	browsertest.Click(t, adminTab, `input[name=duress]`)
	browsertest.Submit(t, adminTab, `form[action="/admin/checkin"] button[type=submit]`)
	browsertest.Open(t, adminTab, s.URL+"/settings/checkin")
	safetyPage(t, b, adminTab, "checkin-pin-duress-en")
	if strings.Contains(s.Log(), "12 号房") || strings.Contains(s.Log(), "13900000011") {
		t.Fatal("the log holds her note or her number")
	}
}
