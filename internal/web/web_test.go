package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
)

func TestAccessAllowsByRule(t *testing.T) {
	member := &Principal{Role: RoleMember}
	outreach := &Principal{Role: RoleOutreach}
	moderator := &Principal{Role: RoleModerator}
	admin := &Principal{Role: RoleAdmin}
	netAdmin := &Principal{Role: RoleMember, NetworkAdmin: true}
	pending := &Principal{Role: RoleAdmin, NetworkAdmin: true, SecondFactorPending: true}
	required := &Principal{Role: RoleModerator, SecondFactorRequired: true}
	who := map[string]*Principal{
		"signed out": nil, "member": member, "outreach": outreach, "moderator": moderator,
		"admin": admin, "network admin": netAdmin, "pending": pending, "required": required,
	}
	cases := []struct {
		rule    Access
		allowed []string
	}{
		{Anyone(), []string{"signed out", "member", "outreach", "moderator", "admin", "network admin", "pending", "required"}},
		{SignedIn(), []string{"member", "outreach", "moderator", "admin", "network admin"}},
		{Only(RoleAdmin), []string{"admin"}},
		{Only(RoleOutreach, RoleAdmin), []string{"outreach", "admin"}},
		{Only(RoleMember), []string{"member", "network admin"}},
		{NetworkAdmin(), []string{"network admin"}},
		{SecondFactorStep(), []string{"member", "outreach", "moderator", "admin", "network admin", "pending", "required"}},
	}
	for _, c := range cases {
		allowed := map[string]bool{}
		for _, n := range c.allowed {
			allowed[n] = true
		}
		for name, p := range who {
			if got := c.rule.Allows(p); got != allowed[name] {
				t.Errorf("%s allows %s = %v, want %v", c.rule.Name(), name, got, allowed[name])
			}
		}
	}
}

func TestAccessNames(t *testing.T) {
	for rule, want := range map[string]Access{
		"anyone": Anyone(), "signed-in": SignedIn(), "network-admin": NetworkAdmin(),
		"second-factor-step": SecondFactorStep(), "outreach|admin": Only(RoleOutreach, RoleAdmin),
	} {
		if want.Name() != rule {
			t.Errorf("rule named %q, want %q", want.Name(), rule)
		}
	}
}

func TestRouterRefusesRouteWithoutRule(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a route without an access rule was registered")
		}
	}()
	NewRouter(nil).Handle("GET /x", Access{}, func(http.ResponseWriter, *http.Request) error { return nil })
}

func TestLimiterAllowsBurstThenRefills(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(time.Minute, 3)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if !l.Allow("a") {
			t.Fatalf("attempt %d of the burst refused", i+1)
		}
	}
	if l.Allow("a") {
		t.Fatal("attempt past the burst allowed")
	}
	if !l.Allow("b") {
		t.Fatal("another key was limited")
	}
	now = now.Add(59 * time.Second)
	if l.Allow("a") {
		t.Fatal("refilled before the interval")
	}
	now = now.Add(2 * time.Second)
	if !l.Allow("a") {
		t.Fatal("not refilled after the interval")
	}
	if l.Allow("a") {
		t.Fatal("one interval gave more than one token")
	}
}

func TestLimiterForgetsIdleKeys(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(time.Hour, 1)
	l.now = func() time.Time { return now }
	for _, k := range []string{"a", "b", "c"} {
		l.Allow(k)
	}
	now = now.Add(31 * time.Minute)
	l.Allow("d")
	l.mu.Lock()
	n := len(l.buckets)
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d buckets kept, want only the fresh one", n)
	}
}

func request(remote, xff string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = remote
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	return r
}

func TestAddressKeysAreStableAndHideTheAddress(t *testing.T) {
	a := NewAddresses(false)
	k1 := a.Key(request("203.0.113.77:4711", ""))
	k2 := a.Key(request("203.0.113.77:5000", ""))
	k3 := a.Key(request("203.0.113.78:4711", ""))
	if k1 != k2 {
		t.Fatalf("same address, other port: %q vs %q", k1, k2)
	}
	if k1 == k3 {
		t.Fatal("two addresses share a key")
	}
	for _, k := range []string{k1, k3} {
		if strings.Contains(k, "203.0.113") || strings.Contains(k, "4711") || k == "" {
			t.Fatalf("key %q shows the address", k)
		}
	}
	// Another process (another secret) gives other keys: they are not a hash
	// anyone could recompute from the address.
	if NewAddresses(false).Key(request("203.0.113.77:4711", "")) == k1 {
		t.Fatal("keys do not depend on a secret")
	}
	// Without a trusted proxy, X-Forwarded-For is the client's to forge.
	if a.Key(request("203.0.113.77:1", "198.51.100.1")) != k1 {
		t.Fatal("an untrusted X-Forwarded-For changed the key")
	}
}

func TestAddressKeysBehindProxyUseTheLastHop(t *testing.T) {
	a := NewAddresses(true)
	direct := a.Key(request("198.51.100.9:1", ""))
	viaProxy := a.Key(request("10.0.0.1:1", "192.0.2.1, 198.51.100.9"))
	if direct != viaProxy {
		t.Fatal("the last X-Forwarded-For hop is not the client")
	}
	forged := a.Key(request("10.0.0.1:1", "198.51.100.9, 192.0.2.1"))
	if forged == direct {
		t.Fatal("a forged first hop was taken as the client")
	}
}

func decode(t *testing.T, ctype, body string, maxBody int64) error {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if maxBody > 0 {
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, maxBody)
	}
	var v struct {
		Handle string `json:"handle"`
		Count  int    `json:"count"`
	}
	return DecodeJSON(r, &v)
}

func TestDecodeJSONRefusesWhatIsNotTheExpectedShape(t *testing.T) {
	if err := decode(t, "application/json; charset=utf-8", `{"handle":"ada","count":2}`, 0); err != nil {
		t.Fatalf("good body refused: %v", err)
	}
	if err := decode(t, "", `{"handle":"ada"}`, 0); err != nil {
		t.Fatalf("body without a content type refused: %v", err)
	}
	cases := []struct {
		name, ctype, body string
		max               int64
		msg               string
	}{
		{"unknown field", "application/json", `{"handle":"ada","admin":true}`, 0, "error.json"},
		{"trailing data", "application/json", `{"handle":"ada"} {"handle":"eve"}`, 0, "error.json"},
		{"trailing garbage", "application/json", `{"handle":"ada"}x`, 0, "error.json"},
		{"wrong type", "application/json", `{"count":"two"}`, 0, "error.json"},
		{"not json", "application/json", `handle=ada`, 0, "error.json"},
		{"empty", "application/json", ``, 0, "error.json"},
		{"form content type", "application/x-www-form-urlencoded", `{"handle":"ada"}`, 0, "error.json_content_type"},
		{"text content type", "text/plain", `{"handle":"ada"}`, 0, "error.json_content_type"},
		{"broken content type", "application/json; =", `{"handle":"ada"}`, 0, "error.json_content_type"},
		{"too large", "application/json", `{"handle":"` + strings.Repeat("a", 100) + `"}`, 32, "error.too_large"},
	}
	for _, c := range cases {
		err := decode(t, c.ctype, c.body, c.max)
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.Invalid || ae.Message != c.msg {
			t.Errorf("%s: err = %v, want invalid %s", c.name, err, c.msg)
		}
	}
}

func TestJSONEscapesHTML(t *testing.T) {
	w := httptest.NewRecorder()
	JSON(w, http.StatusCreated, map[string]string{"x": "<script>"})
	if w.Code != http.StatusCreated || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, type %q", w.Code, w.Header().Get("Content-Type"))
	}
	if bytes.Contains(w.Body.Bytes(), []byte("<script>")) {
		t.Fatalf("body %q holds raw HTML", w.Body.String())
	}
}

func TestStatusOfEveryCode(t *testing.T) {
	for code, want := range map[apperr.Code]int{
		apperr.Invalid: 422, apperr.Unauthenticated: 401, apperr.Forbidden: 403, apperr.NotFound: 404,
		apperr.Conflict: 409, apperr.RateLimited: 429, apperr.Internal: 500, "made-up": 500,
	} {
		if got := Status(code); got != want {
			t.Errorf("Status(%s) = %d, want %d", code, got, want)
		}
	}
}

// frame returns the whole middleware around h, as the app builds it.
func frame(t *testing.T, h http.Handler, maxBody int64) http.Handler {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat, err := NewCatalog(log, FrameFS())
	if err != nil {
		t.Fatal(err)
	}
	assets, err := NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewRenderer(cat, Site{Name: "Notes", QuickExitURL: "https://example.com/"}, "en", assets)
	if err != nil {
		t.Fatal(err)
	}
	errs := &Errors{Log: log, Renderer: rd}
	return Frame(h, FrameOptions{Log: log, Errors: errs, MaxBody: maxBody})
}

func TestTooLargeBodyIsRefusedLikeAnyBadRequest(t *testing.T) {
	reached := false
	h := frame(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }), 64)
	big := strings.Repeat("x", 1000)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/v1/session", strings.NewReader(big)))
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusUnprocessableEntity ||
		body.Error.Code != "invalid" || body.Error.Message == "" || body.Error.Message == "error.too_large" {
		t.Fatalf("API: %d %q (%v), want 422 with a JSON error", w.Code, w.Body.String(), err)
	}

	w = httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/register", strings.NewReader(big))
	r.Header.Set("Accept-Language", "zh-CN")
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnprocessableEntity || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") ||
		w.Header().Get("Content-Security-Policy") != CSP {
		t.Fatalf("page: %d %q, want 422 page with the frame's headers", w.Code, w.Header())
	}
	if reached {
		t.Fatal("an over-large body reached the handler")
	}
}

// Files named partial_*.html are shared by every page of a capability and
// are not pages themselves.
func TestPartialsAreSharedByPagesAndAreNotPages(t *testing.T) {
	fsys := fstest.MapFS{
		"templates/partial_card.html": {Data: []byte(`{{define "card"}}<p class="card">{{.Data}}</p>{{end}}`)},
		"templates/one.html":          {Data: []byte(`{{define "content"}}one {{template "card" .}}{{end}}`)},
		"templates/two.html":          {Data: []byte(`{{define "content"}}two {{template "card" .}}{{end}}`)},
	}
	cat, err := NewCatalog(slog.New(slog.NewTextHandler(io.Discard, nil)), FrameFS())
	if err != nil {
		t.Fatal(err)
	}
	assets, err := NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewRenderer(cat, Site{Name: "Notes", QuickExitURL: "https://example.org/"}, "en", assets)
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.AddPages("cap", fsys); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"one", "two"} {
		w := httptest.NewRecorder()
		if err := rd.Page(w, httptest.NewRequest("GET", "/", nil), "cap/"+name, "shared"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(w.Body.String(), name+` <p class="card">shared</p>`) {
			t.Fatalf("page %s: %s", name, w.Body.String())
		}
	}
	if slices.Contains(rd.PageNames(), "cap/partial_card") {
		t.Fatal("a partial became a page")
	}
}

// TestRedirectCarriesTheConfirmationInACookie: "done=flash.…" leaves the
// address for a short, HttpOnly, same-site cookie; other parameters stay;
// an address without a confirmation is left alone.
func TestRedirectCarriesTheConfirmationInACookie(t *testing.T) {
	for _, c := range []struct{ to, location, flash string }{
		{"/programme/records?kind=contact&month=2026-09&page=2&done=flash.programme.record_corrected", "/programme/records?kind=contact&month=2026-09&page=2", "flash.programme.record_corrected"},
		{"/checkins/X1?done=flash.checkin_safe", "/checkins/X1", "flash.checkin_safe"},
		{"/reports/new?step=who&rows=3", "/reports/new?step=who&rows=3", ""},
		{"/?done=elsewhere", "/?done=elsewhere", ""},
	} {
		w := httptest.NewRecorder()
		Redirect(w, httptest.NewRequest(http.MethodPost, "/", nil), c.to)
		res := w.Result()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != c.location {
			t.Errorf("%s: %d to %q, want 303 to %q", c.to, res.StatusCode, res.Header.Get("Location"), c.location)
		}
		var got *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == FlashCookie {
				got = ck
			}
		}
		switch {
		case c.flash == "" && got != nil:
			t.Errorf("%s: a flash cookie %q", c.to, got.Value)
		case c.flash != "" && (got == nil || got.Value != c.flash || !got.HttpOnly || !got.Secure || got.SameSite != http.SameSiteStrictMode || got.MaxAge != 60 || got.Path != "/"):
			t.Errorf("%s: flash cookie %+v, want %q, HttpOnly, Secure, SameSite=Strict, 60 s, path /", c.to, got, c.flash)
		}
	}
}
