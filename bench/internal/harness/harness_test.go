package harness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestCheckLoopbackRefusesEveryOtherHost(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080/healthz", "http://127.0.0.9:1", "http://[::1]:80/"} {
		if err := CheckLoopback(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://localhost:8080", "http://10.0.0.1/", "https://example.org/", "http://0.0.0.0:80", "http://128.0.0.1/"} {
		if err := CheckLoopback(bad); err == nil {
			t.Errorf("%s allowed", bad)
		}
	}
}

func TestClientRefusesNonLoopbackBeforeDialling(t *testing.T) {
	c, err := NewClient(2, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get("http://192.0.2.1/")
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("got %v, want a refusal", err)
	}
}

func TestClientSpreadsRequestsOverItsSourceAddresses(t *testing.T) {
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := strings.Cut(r.RemoteAddr, ":")
		seen[host]++ // the test server handles one request at a time here
	}))
	defer srv.Close()
	c, err := NewClient(3, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for range 6 {
		st, _, err := Get(context.Background(), c, srv.URL, "/", "")
		if err != nil || st != 200 {
			t.Fatalf("status %d: %v", st, err)
		}
	}
	want := map[string]int{"127.0.0.2": 2, "127.0.0.3": 2, "127.0.0.4": 2}
	if len(seen) != len(want) {
		t.Fatalf("requests came from %v, want %v", seen, want)
	}
	for a, n := range want {
		if seen[a] != n {
			t.Fatalf("requests came from %v, want %v", seen, want)
		}
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	}))
	defer srv.Close()
	c, err := NewClient(1, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := Get(context.Background(), c, srv.URL, "/", "")
	if err != nil || st != http.StatusSeeOther {
		t.Fatalf("status %d, %v; want 303 (a signed-out page must not pass as signed in)", st, err)
	}
}

func TestParseStatCPUCountsFieldsAfterTheCommandName(t *testing.T) {
	// A command name with spaces and a ")" must not shift the fields.
	stat := "4242 (evil) name) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 9 0 100 0 0"
	got, err := parseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3250 * time.Millisecond; got != want {
		t.Fatalf("cpu %s, want %s (utime 250 + stime 75 ticks)", got, want)
	}
	if _, err := parseStatCPU("4242 (x) S 1"); err == nil {
		t.Fatal("short stat accepted")
	}
}

func TestParseStatusReadsResidentAndPeakMemory(t *testing.T) {
	m, err := parseStatus("Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n")
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 1<<20 || m.Peak != 2<<20 {
		t.Fatalf("got %+v, want RSS 1 MiB, peak 2 MiB", m)
	}
	if _, err := parseStatus("Name:\tx\n"); err == nil {
		t.Fatal("status without VmRSS accepted")
	}
}

func TestAssetPathFindsTheFingerprintedURL(t *testing.T) {
	page := []byte(`<link rel="icon" href="/static/ab12/icon.svg"><link rel="stylesheet" href="/static/cd34/style.css"><script src="/static/ef56/exit.js" defer></script>`)
	for name, want := range map[string]string{"style.css": "/static/cd34/style.css", "exit.js": "/static/ef56/exit.js", "icon.svg": "/static/ab12/icon.svg"} {
		got, err := AssetPath(page, name)
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := AssetPath(page, "countdown.js"); err == nil {
		t.Error("an asset the page does not link was found")
	}
}

func TestServerLoginPicksRoleInTheNthOrganisation(t *testing.T) {
	s := &Server{Logins: []Login{
		{"admin1", "p", "admin", "a"}, {"member1", "p", "member", "a"},
		{"admin2", "p", "admin", "b"}, {"member2", "p", "member", "b"},
	}}
	l, err := s.Login("member", 1)
	if err != nil || l.Handle != "member2" {
		t.Fatalf("got %+v, %v; want member2", l, err)
	}
	if _, err := s.Login("moderator", 0); err == nil {
		t.Fatal("a role with no login was found")
	}
}

// CommandCPU counts this test process among the processes of its name.
func TestCommandCPUCountsEveryProcessOfTheName(t *testing.T) {
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Skip("no /proc")
	}
	for start := time.Now(); time.Since(start) < 30*time.Millisecond; { // some CPU time to count
	}
	self, err := CPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	all, err := CommandCPU(strings.TrimSpace(string(comm)))
	if err != nil || all < self {
		t.Fatalf("CommandCPU = %v, %v; this process alone used %v", all, err, self)
	}
	if none, err := CommandCPU("no-such-command-name"); err != nil || none != 0 {
		t.Fatalf("CommandCPU of no process = %v, %v", none, err)
	}
}
