// Package apptest starts the whole Sisterline server for end-to-end tests: a
// fresh data directory, the demo network seeded, listening on 127.0.0.1:0,
// with its log captured for the tests that prove nothing leaks into it.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// Server is a running test server.
type Server struct {
	*app.App
	URL    string
	Logins []app.Login
	log    *syncBuffer
}

// Option changes the configuration before the server starts.
type Option func(*config.Config)

// Postgres runs the server on a fresh PostgreSQL schema instead of SQLite.
func Postgres(t testing.TB) Option {
	dsn := dbtest.PostgresDSN(t)
	return func(c *config.Config) {
		if dsn == "" {
			t.Skip("SISTERLINE_TEST_POSTGRES not set")
		}
		c.DB = dbtest.Schema(t, dsn)
	}
}

// QuickExit sets where the quick-exit control leads (the default,
// http://127.0.0.1:1/neutral, never loads), so a browser test can serve a
// neutral page and see the visit arrive.
func QuickExit(url string) Option {
	return func(c *config.Config) { c.QuickExitURL = url }
}

// Start starts a seeded server and stops it when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return StartWith(t, app.Options{}, opts...)
}

// StartWith is Start with program options (the log output and hash costs
// are always the test's own).
func StartWith(t testing.TB, ao app.Options, opts ...Option) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.Lang = "en"
	cfg.LogLevel = "debug"
	cfg.QuickExitURL = "http://127.0.0.1:1/neutral"
	for _, o := range opts {
		o(&cfg)
	}
	buf := &syncBuffer{}
	hp := seal.TestHashParams
	ctx, cancel := context.WithCancel(context.Background())
	ao.LogOutput, ao.Hash = buf, &hp
	a, err := app.New(ctx, cfg, ao)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	logins, err := a.Seed(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	addr, err := a.Listen()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		_ = a.Close()
	})
	return &Server{App: a, URL: "http://" + addr, Logins: logins, log: buf}
}

// Login returns the demo login of a role in the n-th demo organisation (0 or 1).
func (s *Server) Login(t testing.TB, org int, role web.Role) app.Login {
	t.Helper()
	for _, l := range s.Logins {
		if l.Org == app.DemoOrgs[org].Slug && l.Role == role {
			return l
		}
	}
	t.Fatalf("no demo login for %s in org %d", role, org)
	return app.Login{}
}

// Log returns everything the server has logged so far.
func (s *Server) Log() string { return s.log.String() }

// Token signs in through the API and returns the bearer token.
func (s *Server) Token(t testing.TB, l app.Login) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	status := s.JSON(t, "", "POST", "/api/v1/session", map[string]string{"handle": l.Handle, "passphrase": l.Passphrase}, &out)
	if status != http.StatusCreated || out.Token == "" {
		t.Fatalf("sign in %s: status %d", l.Handle, status)
	}
	return out.Token
}

// JSON calls the API with an optional bearer token and body, decodes the
// answer into out (when not nil) and returns the status.
func (s *Server) JSON(t testing.TB, token, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// WaitFor polls cond until it holds or the timeout passes.
func WaitFor(t testing.TB, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
