package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/web"
)

// BenchmarkPage compares, in one run, a bare handler with the signed-in home
// page through the whole frame (headers, cross-origin check, session look-up
// in the database, rendering in the member's language). docs/PERFORMANCE.md
// reports the ratio.
func BenchmarkPage(b *testing.B) {
	s := apptest.StartWith(b, app.Options{NoAddressLimit: true})
	l := s.Login(b, 0, web.RoleMember)
	cookie := signInCookie(b, s, l.Handle, l.Passphrase)
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok")
	})
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			w := httptest.NewRecorder()
			bare.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		}
	})
	b.Run("signed-in-home", func(b *testing.B) {
		for b.Loop() {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Cookie", cookie)
			w := httptest.NewRecorder()
			s.Handler.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
	b.Run("signed-out-signin", func(b *testing.B) {
		for b.Loop() {
			w := httptest.NewRecorder()
			s.Handler.ServeHTTP(w, httptest.NewRequest("GET", "/signin", nil))
		}
	})
}

// signInCookie signs in through the form and returns the Cookie header value.
func signInCookie(tb testing.TB, s *apptest.Server, handle, pass string) string {
	tb.Helper()
	r := httptest.NewRequest("POST", "/signin", nil)
	r.PostForm = map[string][]string{"handle": {handle}, "passphrase": {pass}}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	s.Handler.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.Name == account.SessionCookie {
			return c.Name + "=" + c.Value
		}
	}
	tb.Fatalf("no session cookie (status %d)", w.Code)
	return ""
}
