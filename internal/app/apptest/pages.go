package apptest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/web"
)

// PageClient is a minimal web browser for page tests: it keeps the session
// cookie itself (the cookie is Secure and __Host-, which net/http/cookiejar
// will not send over plain http), sends form posts with the Origin header a
// browser sends, and does not follow redirects, so a test sees where each
// answer points.
type PageClient struct {
	t      testing.TB
	s      *Server
	client *http.Client
	// Session is the session cookie's value; "" when signed out.
	Session string
	// flash is the flash cookie's value (web.FlashCookie), sent with the
	// next request as a browser sends it.
	flash string
}

// Page is what a request got back.
type Page struct {
	Status   int
	Body     string
	Location string
	// Flash is the confirmation the answer leaves for the next page (the
	// message id in web.FlashCookie), or "".
	Flash string
}

// NewPageClient returns a signed-out page client.
func (s *Server) NewPageClient(t testing.TB) *PageClient {
	return &PageClient{t: t, s: s, client: &http.Client{
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// SignInPages signs l in through the sign-in form and returns her client.
func (s *Server) SignInPages(t testing.TB, l app.Login) *PageClient {
	t.Helper()
	c := s.NewPageClient(t)
	p := c.Post("/signin", url.Values{"handle": {l.Handle}, "passphrase": {l.Passphrase}, "next": {"/"}})
	if p.Status != http.StatusSeeOther || c.Session == "" {
		t.Fatalf("sign in %s: status %d, location %q", l.Handle, p.Status, p.Location)
	}
	return c
}

// Do sends a request; a non-nil form is posted url-encoded.
func (c *PageClient) Do(method, path string, form url.Values) Page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.s.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.s.URL)
	}
	if c.Session != "" {
		req.AddCookie(&http.Cookie{Name: account.SessionCookie, Value: c.Session})
	}
	if c.flash != "" {
		req.AddCookie(&http.Cookie{Name: web.FlashCookie, Value: c.flash})
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	p := Page{Status: resp.StatusCode, Body: string(raw), Location: resp.Header.Get("Location")}
	for _, ck := range resp.Cookies() {
		switch ck.Name {
		case account.SessionCookie:
			c.Session = ck.Value
			if ck.MaxAge < 0 {
				c.Session = ""
			}
		case web.FlashCookie:
			c.flash = ck.Value
			if ck.MaxAge < 0 {
				c.flash = ""
			} else {
				p.Flash = ck.Value
			}
		}
	}
	return p
}

// Get fetches a page.
func (c *PageClient) Get(path string) Page { c.t.Helper(); return c.Do(http.MethodGet, path, nil) }

// Post posts a form.
func (c *PageClient) Post(path string, form url.Values) Page {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return c.Do(http.MethodPost, path, form)
}

// Text is message id in lang as a page shows it (HTML-escaped), with
// template data given as key, value pairs: tests look for what a person
// reads, not for a copy of it.
func (s *Server) Text(lang, id string, args ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		k, _ := args[i].(string)
		data[k] = args[i+1]
	}
	if len(data) == 0 {
		data = nil
	}
	return htmlText.Replace(s.Renderer.Catalog().Translate(lang, id, data))
}

// WantPage fails t unless p has status and contains each text.
func WantPage(t testing.TB, p Page, status int, texts ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d (location %q), want %d; body:\n%s", p.Status, p.Location, status, shorten(p.Body))
	}
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

// WantRedirect fails t unless p is a 303 to a location starting with prefix.
// A "done=flash.…" in prefix is the confirmation the answer must leave for
// the next page (Page.Flash), as web.Redirect moves it out of the address;
// "done=" alone asks for any.
func WantRedirect(t testing.TB, p Page, prefix string) {
	t.Helper()
	prefix, flash, wantFlash := splitFlash(prefix)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, prefix) {
		t.Fatalf("got %d to %q, want a redirect to %s…; body:\n%s", p.Status, p.Location, prefix, shorten(p.Body))
	}
	if wantFlash && (p.Flash == "" || flash != "" && p.Flash != flash) {
		t.Fatalf("redirect to %q leaves the confirmation %q, want %q", p.Location, p.Flash, flash)
	}
}

// splitFlash takes a "done" parameter out of an address as web.Redirect
// does: the address without it, its value, and whether it was there.
func splitFlash(addr string) (string, string, bool) {
	u, err := url.Parse(addr)
	if err != nil {
		return addr, "", false
	}
	q := u.Query()
	if _, ok := q["done"]; !ok {
		return addr, "", false
	}
	flash := q.Get("done")
	q.Del("done")
	u.RawQuery = q.Encode()
	return u.String(), flash, true
}

// htmlText escapes as html/template does in text.
var htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;")

func shorten(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}
