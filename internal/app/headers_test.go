package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/web"
)

// noRedirects is an HTTP client that shows redirects instead of following them.
func noRedirects() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// webSignIn signs l in through the sign-in form over HTTP and returns her
// session cookie. Go's cookie jar would not send a Secure __Host- cookie over
// plain http, so callers set the Cookie header themselves.
func webSignIn(t *testing.T, s *apptest.Server, l app.Login) string {
	t.Helper()
	form := url.Values{"handle": {l.Handle}, "passphrase": {l.Passphrase}}
	resp, err := noRedirects().PostForm(s.URL+"/signin", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == account.SessionCookie && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("sign in %s: %d and no session cookie", l.Handle, resp.StatusCode)
	return ""
}

// get fetches path over HTTP with the caller's bearer token (API) or
// session cookie (pages).
func get(t *testing.T, s *apptest.Server, path, token, cookie string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(path, "/api/") && token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	} else if cookie != "" {
		req.AddCookie(&http.Cookie{Name: account.SessionCookie, Value: cookie})
	}
	resp, err := noRedirects().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// revalidated are routes outside /static/ that serve a fixed file (nothing
// personal) which must keep its URL, so it cannot be versioned like /static/
// files: they may answer "no-cache" (revalidate each time) instead of
// "no-store". A service worker's script is one.
func revalidated() map[string]string {
	return map[string]string{
		"GET /push-sw.js": "a service worker's script must keep its URL",
		"GET /push.js":    "the page script that registers the service worker beside it",
	}
}

// checkHeaders checks the security headers every answer carries.
func checkHeaders(t *testing.T, what string, resp *http.Response, static, tls bool) {
	t.Helper()
	h := resp.Header
	want := map[string]string{
		"Content-Security-Policy": web.CSP,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
	}
	for name, v := range want {
		if got := h.Values(name); len(got) != 1 || got[0] != v {
			t.Errorf("%s (%d): %s = %q, want exactly %q", what, resp.StatusCode, name, got, v)
		}
	}
	cc := h.Get("Cache-Control")
	if static {
		if !strings.Contains(cc, "public") || !strings.Contains(cc, "immutable") || strings.Contains(cc, "no-store") {
			t.Errorf("%s: static file Cache-Control %q, want public and immutable", what, cc)
		}
	} else if revalidated()[strings.SplitN(what, " as ", 2)[0]] != "" && resp.StatusCode == http.StatusOK {
		if cc != "no-store" && cc != "no-cache" {
			t.Errorf("%s: Cache-Control %q, want no-cache or no-store", what, cc)
		}
	} else if len(h.Values("Cache-Control")) != 1 || cc != "no-store" {
		t.Errorf("%s (%d): Cache-Control %q, want no-store", what, resp.StatusCode, h.Values("Cache-Control"))
	}
	hsts := h.Get("Strict-Transport-Security")
	switch {
	case !tls && hsts != "":
		t.Errorf("%s: HSTS %q without TLS", what, hsts)
	case tls:
		age, ok := strings.CutPrefix(strings.Split(hsts, ";")[0], "max-age=")
		n, err := strconv.Atoi(age)
		if !ok || err != nil || n < 31536000 {
			t.Errorf("%s: HSTS %q, want max-age of a year or more", what, hsts)
		}
	}
}

// extraAnswers are answers that are not a GET route's own: the 404 page, API
// errors, a refused form and a static file.
func extraAnswers(t *testing.T, s *apptest.Server, tls bool) {
	t.Helper()
	for _, c := range []struct {
		what, path string
		status     int
	}{
		{"404 page", "/no/such/page", http.StatusNotFound},
		{"API 404", "/api/v1/no-such-thing", http.StatusNotFound},
		{"API 401", "/api/v1/me", http.StatusUnauthorized},
		{"unknown static file", "/static/0000/none.css", http.StatusNotFound},
	} {
		resp := get(t, s, c.path, "", "")
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", c.what, resp.StatusCode, c.status)
		}
		checkHeaders(t, c.what, resp, false, tls)
	}
	resp := get(t, s, staticURL(t, "style.css"), "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("static file: %d", resp.StatusCode)
	}
	checkHeaders(t, "static file", resp, true, tls)

	form := url.Values{"invite": {"NOPE"}, "handle": {"x"}, "passphrase": {"short"}, "passphrase2": {"short"}}
	resp, err := noRedirects().PostForm(s.URL+"/register", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("refused form: %d, want 422", resp.StatusCode)
	}
	checkHeaders(t, "refused form", resp, false, tls)
}

func TestSecurityHeadersOnEveryGETRoute(t *testing.T) {
	s := apptest.Start(t)
	netAdmin := s.Login(t, 0, web.RoleAdmin)
	member := s.Login(t, 1, web.RoleMember)
	callers := []struct {
		name          string
		org           int
		token, cookie string
	}{
		{name: "signed out"},
		{name: "member", org: 1, token: s.Token(t, member), cookie: webSignIn(t, s, member)},
		{name: "network admin", org: 0, token: s.Token(t, netAdmin), cookie: webSignIn(t, s, netAdmin)},
	}
	makers := wildcards(t)
	made := map[string]string{}
	n := 0
	for _, route := range s.Router.Routes() {
		if !strings.HasPrefix(route.Pattern, "GET ") {
			continue
		}
		n++
		for _, c := range callers {
			_, path, _ := fillPath(t, s, route.Pattern, c.org, makers, made)
			resp := get(t, s, path, c.token, c.cookie)
			static := strings.HasPrefix(route.Pattern, "GET /static/")
			checkHeaders(t, route.Pattern+" as "+c.name, resp, static && resp.StatusCode == http.StatusOK, false)
		}
	}
	if n < 5 {
		t.Fatalf("only %d GET routes: the router's list is not what this test walks", n)
	}
	extraAnswers(t, s, false)
}

func TestHSTSOnlyWithTLS(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config) { c.TLS = true })
	for _, path := range []string{"/", "/signin", "/api/v1/openapi.json", "/healthz"} {
		checkHeaders(t, path+" with TLS", get(t, s, path, "", ""), false, true)
	}
	extraAnswers(t, s, true)
}
