package app_test

// Browser tests: Debian's Chromium, driven by chromedp, against the real
// seeded server on 127.0.0.1:0, on a 360×640 phone. They skip where Chromium
// or axe-core is missing, and fail in CI (CI=true) instead.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/browsertest"
	"github.com/sisterline/sisterline/internal/web"
)

// neutralSite stands in for the neutral website quick exit leads to. It
// counts the visits to /neutral, keeps the Referer each one sent, and can
// hold its answer so a test can look at the page she is leaving while the
// browser waits.
type neutralSite struct {
	*httptest.Server
	mu       sync.Mutex
	referers []string
	hold     chan struct{}
}

func newNeutralSite(t *testing.T) *neutralSite {
	n := &neutralSite{}
	n.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/neutral" {
			http.NotFound(w, r)
			return
		}
		n.mu.Lock()
		n.referers = append(n.referers, r.Header.Get("Referer"))
		hold := n.hold
		n.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>Weather</title><h1 id="neutral">Sunny, 24°C</h1></html>`))
	}))
	t.Cleanup(n.Close)
	return n
}

// Target is the quick-exit URL.
func (n *neutralSite) Target() string { return n.Server.URL + "/neutral" }

// Hold makes the next answers wait until release is called.
func (n *neutralSite) Hold() (release func()) {
	ch := make(chan struct{})
	n.mu.Lock()
	n.hold = ch
	n.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			n.mu.Lock()
			n.hold = nil
			n.mu.Unlock()
			close(ch)
		})
	}
}

// Visits returns the Referer header of every visit so far.
func (n *neutralSite) Visits() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.referers...)
}

// tr translates a message the way the server does, so the tests follow the
// catalogs instead of copying their words.
func tr(s *apptest.Server, lang, id string, args ...any) string {
	var data map[string]any
	if len(args) > 1 {
		data = map[string]any{}
		for i := 0; i+1 < len(args); i += 2 {
			data[args[i].(string)] = args[i+1]
		}
	}
	return s.Renderer.Catalog().Translate(lang, id, data)
}

// wantPage checks the page's language and its heading.
func wantPage(t *testing.T, tab context.Context, lang, h1 string) {
	t.Helper()
	if got := browsertest.Attr(t, tab, "html", "lang"); got != lang {
		t.Errorf("%s: html lang = %q, want %q", browsertest.Location(t, tab), got, lang)
	}
	if got := browsertest.Text(t, tab, "h1"); got != h1 {
		t.Errorf("%s: h1 = %q, want %q", browsertest.Location(t, tab), got, h1)
	}
}

// wantSessionCookie checks that the browser holds the session cookie with
// every protection the server set. Chromium treats http://127.0.0.1 as a
// potentially trustworthy origin, so it keeps a Secure __Host- cookie there.
func wantSessionCookie(t *testing.T, tab context.Context, base string) {
	t.Helper()
	c := browsertest.Cookie(t, tab, base+"/", account.SessionCookie)
	if c == nil {
		t.Fatalf("Chromium did not keep the %s cookie on %s", account.SessionCookie, base)
	}
	if !c.Secure || !c.HTTPOnly || c.SameSite != "Strict" || c.Path != "/" || !c.Session {
		t.Errorf("session cookie = secure %v, httponly %v, samesite %q, path %q, session %v", c.Secure, c.HTTPOnly, c.SameSite, c.Path, c.Session)
	}
}

func createInvite(t *testing.T, s *apptest.Server, org int, role web.Role) string {
	t.Helper()
	tok := s.Token(t, s.Login(t, org, web.RoleAdmin))
	var inv struct {
		Code string `json:"code"`
	}
	if st := s.JSON(t, tok, "POST", "/api/v1/invites", map[string]string{"role": string(role)}, &inv); st != http.StatusCreated || inv.Code == "" {
		t.Fatalf("create invite: status %d", st)
	}
	return inv.Code
}

// engines runs a browser test against the server on SQLite and, when
// SISTERLINE_TEST_POSTGRES is set, on PostgreSQL, sharing one browser.
func engines(t *testing.T, test func(t *testing.T, b *browsertest.Browser, s *apptest.Server)) {
	b := browsertest.New(t)
	t.Run("sqlite", func(t *testing.T) { test(t, b, apptest.Start(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, b, apptest.Start(t, apptest.Postgres(t))) })
}

func TestBrowserRegisterWithInviteCodeInChinese(t *testing.T) {
	engines(t, registerInChinese)
}

func registerInChinese(t *testing.T, b *browsertest.Browser, s *apptest.Server) {
	code := createInvite(t, s, 1, web.RoleMember)

	tab := b.Tab(t, true)
	browsertest.AcceptLanguage(t, tab, "zh-CN")
	if st := browsertest.Open(t, tab, s.URL+"/register"); st != http.StatusOK {
		t.Fatalf("GET /register: %d", st)
	}
	wantPage(t, tab, "zh-CN", tr(s, "zh-CN", "account.register.title"))
	browsertest.Fill(t, tab, "#invite", code)
	browsertest.Fill(t, tab, "#handle", "lotus7")
	browsertest.Fill(t, tab, "#passphrase", "quiet river moon")
	browsertest.Fill(t, tab, "#passphrase2", "quiet river moon")
	if st := browsertest.Submit(t, tab, `form[action="/register"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("register: landed with status %d at %s", st, browsertest.Location(t, tab))
	}
	// The welcome comes in a cookie, once: the address (kept in the
	// phone's history) says nothing of it.
	if loc := browsertest.Location(t, tab); loc != s.URL+"/" {
		t.Fatalf("after register at %s", loc)
	}
	wantPage(t, tab, "zh-CN", tr(s, "zh-CN", "account.home.title", "Handle", "lotus7"))
	if got, want := browsertest.Text(t, tab, ".flash"), tr(s, "zh-CN", "flash.welcome"); got != want {
		t.Errorf("flash = %q, want %q", got, want)
	}
	browsertest.Open(t, tab, s.URL+"/")
	if browsertest.Exists(t, tab, ".flash") {
		t.Error("the welcome shows again on the next visit")
	}
	browsertest.Open(t, tab, s.URL+"/?done=flash.checkin_safe")
	if browsertest.Exists(t, tab, ".flash") {
		t.Error("a link shows a confirmation of its choosing")
	}
	wantSessionCookie(t, tab, s.URL)

	// The account is real, and her language is the one she registered in.
	var sess struct {
		Token string `json:"token"`
	}
	if st := s.JSON(t, "", "POST", "/api/v1/session", map[string]string{"handle": "lotus7", "passphrase": "quiet river moon"}, &sess); st != http.StatusCreated {
		t.Fatalf("API sign-in as the new member: %d", st)
	}
	var me struct {
		Role, Org, Lang string
	}
	s.JSON(t, sess.Token, "GET", "/api/v1/me", nil, &me)
	if me.Role != "member" || me.Org != "river-city" || me.Lang != "zh-CN" {
		t.Errorf("new member = %+v, want member of river-city in zh-CN", me)
	}

	// A code works once: a second try re-renders the form in Chinese with
	// the message and what she typed, never the passphrase.
	again := b.Tab(t, true)
	browsertest.AcceptLanguage(t, again, "zh-CN")
	browsertest.Open(t, again, s.URL+"/register?code="+code)
	if got := browsertest.Value(t, again, "#invite"); got != code {
		t.Errorf("invite field from the link = %q, want the code", got)
	}
	browsertest.Fill(t, again, "#handle", "lotus8")
	browsertest.Fill(t, again, "#passphrase", "quiet river moon")
	browsertest.Fill(t, again, "#passphrase2", "quiet river moon")
	if st := browsertest.Submit(t, again, `form[action="/register"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Errorf("reused code: status %d, want 422", st)
	}
	if got, want := browsertest.Text(t, again, `main [role=alert]`), tr(s, "zh-CN", "account.error.invite_invalid"); got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	if got := browsertest.Value(t, again, "#handle"); got != "lotus8" {
		t.Errorf("handle after failure = %q, want what she typed", got)
	}
	if got := browsertest.Value(t, again, "#passphrase"); got != "" {
		t.Error("the passphrase was echoed back into the form")
	}
	browsertest.FitsWidth(t, again)
	b.Axe(t, again)
}

func TestBrowserSignInFailureKeepsHandleThenSignInWorks(t *testing.T) {
	s := apptest.Start(t)
	b := browsertest.New(t)
	l := s.Login(t, 1, web.RoleMember) // river-city, English
	tab := b.Tab(t, true)

	browsertest.Open(t, tab, s.URL+"/signin")
	wantPage(t, tab, "en", tr(s, "en", "account.signin.title"))
	browsertest.Fill(t, tab, "#handle", l.Handle)
	browsertest.Fill(t, tab, "#passphrase", "not-her-passphrase")
	if st := browsertest.Submit(t, tab, `form[action="/signin"] button[type=submit]`); st != http.StatusUnauthorized {
		t.Errorf("wrong passphrase: status %d, want 401", st)
	}
	if got, want := browsertest.Text(t, tab, `main [role=alert]`), tr(s, "en", "account.error.signin"); got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	if got := browsertest.Value(t, tab, "#handle"); got != l.Handle {
		t.Errorf("handle after failure = %q, want %q", got, l.Handle)
	}
	if got := browsertest.Value(t, tab, "#passphrase"); got != "" {
		t.Error("the passphrase was echoed back into the form")
	}
	if browsertest.Cookie(t, tab, s.URL+"/", account.SessionCookie) != nil {
		t.Error("a failed sign-in left a session cookie")
	}
	b.Axe(t, tab)

	// The same form, now with her passphrase (the handle is already there).
	browsertest.Fill(t, tab, "#passphrase", l.Passphrase)
	if st := browsertest.Submit(t, tab, `form[action="/signin"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("sign in: status %d", st)
	}
	if loc := browsertest.Location(t, tab); loc != s.URL+"/" {
		t.Errorf("after sign-in at %s, want home", loc)
	}
	wantPage(t, tab, "en", tr(s, "en", "account.home.title", "Handle", l.Handle))
	wantSessionCookie(t, tab, s.URL)

	// Signing out from the footer ends it.
	browsertest.Submit(t, tab, `form[action="/signout"] button`)
	browsertest.Open(t, tab, s.URL+"/")
	wantPage(t, tab, "en", tr(s, "en", "account.welcome.title"))
}

func TestBrowserLanguageSwitchSticksAcrossPages(t *testing.T) {
	s := apptest.Start(t)
	b := browsertest.New(t)
	langButton := `form[action="/lang"] button[type=submit]`

	t.Run("visitor", func(t *testing.T) {
		tab := b.Tab(t, true) // the browser asks for English
		browsertest.Open(t, tab, s.URL+"/signin")
		wantPage(t, tab, "en", tr(s, "en", "account.signin.title"))
		if got := browsertest.Attr(t, tab, langButton, "lang"); got != "zh-CN" {
			t.Errorf("the switch to Chinese is marked lang=%q, want zh-CN (screen readers read it in Chinese)", got)
		}
		browsertest.Submit(t, tab, langButton)
		if loc := browsertest.Location(t, tab); loc != s.URL+"/signin" {
			t.Errorf("after the switch at %s, want the same page", loc)
		}
		wantPage(t, tab, "zh-CN", tr(s, "zh-CN", "account.signin.title"))
		browsertest.Open(t, tab, s.URL+"/register")
		wantPage(t, tab, "zh-CN", tr(s, "zh-CN", "account.register.title"))
		browsertest.Submit(t, tab, langButton)
		wantPage(t, tab, "en", tr(s, "en", "account.register.title"))
		browsertest.Open(t, tab, s.URL+"/")
		wantPage(t, tab, "en", tr(s, "en", "account.welcome.title"))
	})

	t.Run("member", func(t *testing.T) {
		l := s.Login(t, 0, web.RoleMember) // yunnan-sisters: her account is in Chinese
		tab := b.Tab(t, true)
		browsertest.SignIn(t, tab, s.URL, l.Handle, l.Passphrase)
		wantPage(t, tab, "zh-CN", tr(s, "zh-CN", "account.home.title", "Handle", l.Handle))
		browsertest.Submit(t, tab, langButton)
		wantPage(t, tab, "en", tr(s, "en", "account.home.title", "Handle", l.Handle))
		browsertest.Open(t, tab, s.URL+"/")
		wantPage(t, tab, "en", tr(s, "en", "account.home.title", "Handle", l.Handle))

		// The choice is saved on her account: a fresh phone that asks for
		// Chinese shows English once she signs in.
		other := b.Tab(t, true)
		browsertest.AcceptLanguage(t, other, "zh-CN")
		browsertest.SignIn(t, other, s.URL, l.Handle, l.Passphrase)
		wantPage(t, other, "en", tr(s, "en", "account.home.title", "Handle", l.Handle))
	})
}

// signedInHome signs in a member and returns the tab on her home page.
func signedInHome(t *testing.T, b *browsertest.Browser, s *apptest.Server, js bool) context.Context {
	t.Helper()
	l := s.Login(t, 1, web.RoleMember)
	tab := b.Tab(t, js)
	browsertest.SignIn(t, tab, s.URL, l.Handle, l.Passphrase)
	if loc := browsertest.Location(t, tab); loc != s.URL+"/" {
		t.Fatalf("after sign-in at %s", loc)
	}
	return tab
}

// wantSignedOut checks that the server ended her session: home shows the
// signed-out welcome. The beacon is sent before the page goes, but a browser
// may deliver it a moment later, so this waits a little.
func wantSignedOut(t *testing.T, tab context.Context, s *apptest.Server) {
	t.Helper()
	want := tr(s, "en", "account.welcome.title")
	deadline := time.Now().Add(5 * time.Second)
	for {
		browsertest.Open(t, tab, s.URL+"/")
		h1 := browsertest.Text(t, tab, "h1")
		if h1 == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after quick exit home still shows %q: the session was not ended", h1)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(s.Log(), `"route":"POST /exit","status":204`) {
		t.Error("no POST /exit reached the server")
	}
}

// wantLeftFor checks that quick exit went to the neutral site without
// telling it where she came from, and that the page she left is gone from
// the tab's history (Back does not bring it back).
func wantLeftFor(t *testing.T, tab context.Context, n *neutralSite, left string) {
	t.Helper()
	browsertest.WaitLocation(t, tab, n.Target())
	visits := n.Visits()
	if len(visits) != 1 {
		t.Fatalf("neutral site visits = %d, want 1", len(visits))
	}
	if visits[0] != "" {
		t.Errorf("the neutral site learnt where she came from: Referer %q", visits[0])
	}
	for _, e := range browsertest.History(t, tab).Entries {
		if e.URL == left {
			t.Errorf("the page she left (%s) is still in the tab's history", left)
		}
	}
}

func TestBrowserQuickExitByClickBlanksThePageAndEndsTheSession(t *testing.T) {
	n := newNeutralSite(t)
	s := apptest.Start(t, apptest.QuickExit(n.Target()))
	b := browsertest.New(t)
	tab := signedInHome(t, b, s, true)
	if got := browsertest.Attr(t, tab, "#quick-exit", "href"); got != n.Target() {
		t.Fatalf("quick-exit href = %q, want the configured %q", got, n.Target())
	}

	if browsertest.TabTitle(t, tab) != s.Config.SiteName {
		t.Fatalf("tab title before quick exit = %q, want the site name", browsertest.TabTitle(t, tab))
	}

	// The neutral site holds its answer, so the tab is still on the page she
	// is leaving: it must already show nothing and have no title. (Screen and
	// title are read from the browser: Chromium does not answer script
	// evaluation in a page while the tab is leaving it.)
	release := n.Hold()
	defer release()
	browsertest.Click(t, tab, "#quick-exit")
	if !browsertest.Blank(t, tab) {
		t.Error("while the neutral site loads, the page she left is still on the screen")
	}
	if title := browsertest.TabTitle(t, tab); strings.Contains(title, s.Config.SiteName) {
		t.Errorf("while leaving, the tab is still titled %q", title)
	}
	if loc := browsertest.Location(t, tab); loc != s.URL+"/" {
		t.Fatalf("the check ran after the tab left (at %s): it proves nothing", loc)
	}
	release()

	wantLeftFor(t, tab, n, s.URL+"/")
	wantSignedOut(t, tab, s)
}

func TestBrowserQuickExitByShiftPressedThreeTimes(t *testing.T) {
	n := newNeutralSite(t)
	s := apptest.Start(t, apptest.QuickExit(n.Target()))
	b := browsertest.New(t)
	tab := signedInHome(t, b, s, true)

	// Shift is an ordinary key: twice is not enough.
	browsertest.PressKey(t, tab, "Shift")
	browsertest.PressKey(t, tab, "Shift")
	time.Sleep(100 * time.Millisecond)
	if loc := browsertest.Location(t, tab); loc != s.URL+"/" {
		t.Fatalf("two Shift presses left the page for %s", loc)
	}
	if d := browsertest.Eval[string](t, tab, `getComputedStyle(document.documentElement).display`); d == "none" {
		t.Fatal("two Shift presses blanked the page")
	}
	browsertest.PressKey(t, tab, "Shift")

	wantLeftFor(t, tab, n, s.URL+"/")
	wantSignedOut(t, tab, s)
}

func TestBrowserQuickExitWorksWithoutJavaScript(t *testing.T) {
	n := newNeutralSite(t)
	s := apptest.Start(t, apptest.QuickExit(n.Target()))
	b := browsertest.New(t)
	tab := signedInHome(t, b, s, false) // signing in needs no script either

	browsertest.Click(t, tab, "#quick-exit")
	browsertest.WaitLocation(t, tab, n.Target())
	visits := n.Visits()
	if len(visits) != 1 || visits[0] != "" {
		t.Errorf("neutral site visits (their Referer) = %q, want one with no Referer", visits)
	}
	// Without script nothing ends the session (the beacon is exit.js's), so
	// this also proves the tab really ran no JavaScript: the plain link did
	// the work.
	browsertest.Open(t, tab, s.URL+"/")
	l := s.Login(t, 1, web.RoleMember)
	wantPage(t, tab, "en", tr(s, "en", "account.home.title", "Handle", l.Handle))
}

// page is one page of the accessibility and phone-width sweep.
type page struct {
	path string
	// status is what the page answers (0: 200).
	status int
	// optional pages are still being built: a 404 skips them.
	optional bool
}

// checkPage opens a page and checks what every page must have: the
// quick-exit control, no sideways scrolling on the phone, and no serious or
// critical axe-core violation. It reports whether the page was checked.
func checkPage(t *testing.T, b *browsertest.Browser, tab context.Context, s *apptest.Server, p page) bool {
	t.Helper()
	st := browsertest.Open(t, tab, s.URL+p.path)
	want := p.status
	if want == 0 {
		want = http.StatusOK
	}
	if st == http.StatusNotFound && p.optional {
		t.Logf("%s answers 404: not built yet, skipped", p.path)
		return false
	}
	if st != want {
		t.Errorf("GET %s: status %d, want %d", p.path, st, want)
	}
	checkCurrent(t, b, tab, s)
	return true
}

// checkCurrent checks the page the tab shows now.
func checkCurrent(t *testing.T, b *browsertest.Browser, tab context.Context, s *apptest.Server) {
	t.Helper()
	if got := browsertest.Attr(t, tab, "a#quick-exit", "href"); got != s.Config.QuickExitURL {
		t.Errorf("%s: quick-exit link goes to %q, want %q", browsertest.Location(t, tab), got, s.Config.QuickExitURL)
	}
	browsertest.FitsWidth(t, tab)
	b.Axe(t, tab)
}

func TestBrowserEveryPageIsAccessibleAndFitsAPhone(t *testing.T) {
	s := apptest.Start(t)
	b := browsertest.New(t)
	var covered []string
	cover := func(who, what string) { covered = append(covered, who+" "+what) }

	for _, lang := range []string{"en", "zh-CN"} {
		t.Run("visitor-"+lang, func(t *testing.T) {
			tab := b.Tab(t, true)
			browsertest.AcceptLanguage(t, tab, lang)
			for _, p := range []page{{path: "/"}, {path: "/signin"}, {path: "/register"}, {path: "/no-such-page", status: http.StatusNotFound}} {
				if checkPage(t, b, tab, s, p) {
					cover("visitor/"+lang, p.path)
				}
			}
			// The sign-in page, for a person to look at.
			browsertest.Open(t, tab, s.URL+"/signin")
			browsertest.Screenshot(t, tab, "signin-"+lang)
			// Forms that failed, with their messages.
			browsertest.Fill(t, tab, "#handle", "someone")
			browsertest.Fill(t, tab, "#passphrase", "wrong passphrase")
			browsertest.Submit(t, tab, `form[action="/signin"] button[type=submit]`)
			checkCurrent(t, b, tab, s)
			browsertest.Screenshot(t, tab, "signin-failed-"+lang)
			cover("visitor/"+lang, "POST /signin (failed)")
			browsertest.Open(t, tab, s.URL+"/register")
			browsertest.Fill(t, tab, "#invite", "NOPE-NOPE")
			browsertest.Fill(t, tab, "#handle", "x")
			browsertest.Fill(t, tab, "#passphrase", "short")
			browsertest.Fill(t, tab, "#passphrase2", "short")
			browsertest.Submit(t, tab, `form[action="/register"] button[type=submit]`)
			checkCurrent(t, b, tab, s)
			cover("visitor/"+lang, "POST /register (failed)")
		})
	}

	t.Run("second-factor", func(t *testing.T) {
		// A moderator with an authenticator app stops at the code page.
		l := s.Login(t, 1, web.RoleModerator)
		tok := s.Token(t, l)
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		ctx := context.Background()
		p, err := s.Accounts.Authenticate(ctx, req)
		if err != nil || p == nil {
			t.Fatalf("authenticate: %v", err)
		}
		secret, _, err := s.Accounts.NewTOTPKey(p)
		if err != nil {
			t.Fatal(err)
		}
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Accounts.EnableTOTP(ctx, p, secret, code); err != nil {
			t.Fatalf("enable TOTP: %v", err)
		}
		tab := b.Tab(t, true)
		browsertest.SignIn(t, tab, s.URL, l.Handle, l.Passphrase)
		if loc := browsertest.Location(t, tab); !strings.HasPrefix(loc, s.URL+"/signin/code") {
			t.Fatalf("with a second factor, sign-in went to %s", loc)
		}
		checkCurrent(t, b, tab, s)
		cover("moderator (2FA pending)", "/signin/code")
		browsertest.Fill(t, tab, "#code", "000000")
		browsertest.Submit(t, tab, `form[action="/signin/code"] button[type=submit]`)
		checkCurrent(t, b, tab, s)
		cover("moderator (2FA pending)", "POST /signin/code (failed)")
	})

	// Pages of signed-in people. The settings and admin pages are being
	// built now; until they exist they answer 404 and are skipped.
	signedIn := []page{
		{path: "/"},
		{path: "/settings", optional: true},
		{path: "/admin/users", optional: true},
		{path: "/admin/invites", optional: true},
		{path: "/admin/audit", optional: true},
		{path: "/network/orgs", optional: true},
	}
	for _, who := range []struct {
		name string
		org  int
		role web.Role
	}{
		{"member-en", 1, web.RoleMember},
		{"member-zh", 0, web.RoleMember},
		{"outreach-en", 1, web.RoleOutreach},
		{"admin-en", 1, web.RoleAdmin},
		{"network-admin-zh", 0, web.RoleAdmin},
	} {
		t.Run(who.name, func(t *testing.T) {
			l := s.Login(t, who.org, who.role)
			tab := b.Tab(t, true)
			browsertest.SignIn(t, tab, s.URL, l.Handle, l.Passphrase)
			// Every page in her menu must exist, so the sweep grows with
			// the menu; the known pages not built yet are skipped on 404.
			var todo []page
			seen := map[string]bool{}
			for _, href := range browsertest.Eval[[]string](t, tab, `Array.from(document.querySelectorAll("header nav a[href]"), a => a.getAttribute("href"))`) {
				if strings.HasPrefix(href, "/") && !seen[href] {
					seen[href] = true
					todo = append(todo, page{path: href})
				}
			}
			for _, p := range signedIn {
				if allowedTo(who.role, l.NetworkAdmin, p.path) && !seen[p.path] {
					seen[p.path] = true
					todo = append(todo, p)
				}
			}
			for _, p := range todo {
				if checkPage(t, b, tab, s, p) {
					cover(who.name, p.path)
				}
			}
		})
	}
	t.Logf("pages checked (axe, quick exit, 360 px):\n  %s", strings.Join(covered, "\n  "))
}

// allowedTo says which of the sweep's pages a role reaches, following the
// menu's access rules (another organisation's or role's page answers 404,
// which the sweep would take for "not built yet").
func allowedTo(role web.Role, networkAdmin bool, path string) bool {
	switch path {
	case "/admin/users", "/admin/audit":
		return role == web.RoleAdmin
	case "/admin/invites":
		return role == web.RoleAdmin || role == web.RoleOutreach
	case "/network/orgs":
		return networkAdmin
	}
	return true
}
