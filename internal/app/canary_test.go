package app_test

// The canary: requests carry marked values (a forwarded address, a user
// agent, a handle, a passphrase), and afterwards none of them may be found in
// the log or, in clear, anywhere in the data directory or the database.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/web"
)

// The canary's markers.
const (
	canaryAddr   = "203.0.113.77"
	canaryUA     = "CanaryUA-xyz"
	canaryHandle = "canaryhandle77"
	canaryPass   = "CanaryPass-991"
)

func canaryMarkers() []string { return []string{canaryAddr, canaryUA, canaryHandle, canaryPass} }

// canaryClient sends every request with the marked forwarded address and
// user agent, follows no redirect, and remembers the local addresses of its
// connections (the client addresses the server saw).
type canaryClient struct {
	*http.Client
	mu    sync.Mutex
	local []string
}

func newCanaryClient() *canaryClient {
	c := &canaryClient{}
	dialer := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err == nil {
			c.mu.Lock()
			c.local = append(c.local, conn.LocalAddr().String())
			c.mu.Unlock()
		}
		return conn, err
	}}
	c.Client = &http.Client{
		Transport:     markHeaders{tr},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// clientAddrs returns the local addresses of the connections made so far.
func (c *canaryClient) clientAddrs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.local)
}

type markHeaders struct{ next http.RoundTripper }

func (m markHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", canaryAddr)
	r.Header.Set("User-Agent", canaryUA)
	return m.next.RoundTrip(r)
}

// send makes one request and returns its status and session cookie, if any.
func (c *canaryClient) send(t *testing.T, s *apptest.Server, method, path, ctype, body, cookie, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: account.SessionCookie, Value: cookie})
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.Name == account.SessionCookie {
			return resp.StatusCode, ck.Value
		}
	}
	return resp.StatusCode, ""
}

const formType = "application/x-www-form-urlencoded"

// canaryVisit is a member's first day: she joins with a code, fails a form,
// signs out and in with a wrong and the right passphrase, uses the pages and
// the API, and wanders to pages that do not exist.
func canaryVisit(t *testing.T, s *apptest.Server, c *canaryClient) {
	t.Helper()
	admin := s.Token(t, s.Login(t, 1, web.RoleAdmin))
	var inv struct {
		Code string `json:"code"`
	}
	if st := s.JSON(t, admin, "POST", "/api/v1/invites", map[string]string{"role": "member"}, &inv); st != http.StatusCreated {
		t.Fatalf("invite: %d", st)
	}
	want := func(what string, got, status int) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: %d, want %d", what, got, status)
		}
	}
	reg := url.Values{"invite": {inv.Code}, "handle": {canaryHandle}, "passphrase": {canaryPass}, "passphrase2": {canaryPass + "-typo"}}
	st, _ := c.send(t, s, "GET", "/register?code="+url.QueryEscape(inv.Code), "", "", "", "")
	want("register page", st, http.StatusOK)
	st, _ = c.send(t, s, "POST", "/register", formType, reg.Encode(), "", "")
	want("register with a typo", st, http.StatusUnprocessableEntity)
	reg.Set("passphrase2", canaryPass)
	st, cookie := c.send(t, s, "POST", "/register", formType, reg.Encode(), "", "")
	want("register", st, http.StatusSeeOther)
	if cookie == "" {
		t.Fatal("registration set no session cookie")
	}
	st, _ = c.send(t, s, "POST", "/register", formType, reg.Encode(), "", "")
	want("register again with the used code", st, http.StatusUnprocessableEntity)
	for _, p := range []string{"/", "/settings", "/signin?next=/" + canaryHandle, "/" + canaryHandle, "/api/v1/me?handle=" + canaryHandle} {
		c.send(t, s, "GET", p, "", "", cookie, "")
	}
	st, _ = c.send(t, s, "POST", "/lang", formType, url.Values{"lang": {"zh-CN"}, "next": {"/" + canaryHandle}}.Encode(), cookie, "")
	want("language", st, http.StatusSeeOther)
	st, _ = c.send(t, s, "POST", "/signout", formType, "", cookie, "")
	want("sign out", st, http.StatusSeeOther)

	signin := url.Values{"handle": {canaryHandle}, "passphrase": {"Wrong-" + canaryPass}}
	st, _ = c.send(t, s, "POST", "/signin", formType, signin.Encode(), "", "")
	want("sign in with a wrong passphrase", st, http.StatusUnauthorized)
	signin.Set("passphrase", canaryPass)
	st, cookie = c.send(t, s, "POST", "/signin", formType, signin.Encode(), "", "")
	want("sign in", st, http.StatusSeeOther)
	c.send(t, s, "GET", "/", "", "", cookie, "")

	apiBody := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	st, _ = c.send(t, s, "POST", "/api/v1/session", "application/json", apiBody(map[string]string{"handle": canaryHandle, "passphrase": "Wrong-" + canaryPass}), "", "")
	want("API sign in with a wrong passphrase", st, http.StatusUnauthorized)
	var out struct {
		Token string `json:"token"`
	}
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/session", strings.NewReader(apiBody(map[string]string{"handle": canaryHandle, "passphrase": canaryPass})))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("API sign in: %d, %v", resp.StatusCode, err)
	}
	st, _ = c.send(t, s, "GET", "/api/v1/me", "", "", "", out.Token)
	want("API me", st, http.StatusOK)
	// Bodies the API refuses, with the markers in the wrong places.
	c.send(t, s, "POST", "/api/v1/register", "application/json", `{"`+canaryHandle+`":"`+canaryPass+`"}`, "", "")
	c.send(t, s, "POST", "/api/v1/register", "application/json", apiBody(map[string]string{"code": "NOPE", "handle": canaryHandle, "passphrase": canaryPass}), "", "")
	c.send(t, s, "POST", "/api/v1/session", "text/plain", canaryHandle+":"+canaryPass, "", "")
	st, _ = c.send(t, s, "DELETE", "/api/v1/session", "", "", "", out.Token)
	want("API sign out", st, http.StatusNoContent)
}

// findMarkers returns the markers found in b, in clear (any case) or, for
// dumps that show binary columns in hex, hex-encoded.
func findMarkers(b []byte, markers []string, withHex bool) []string {
	lower := bytes.ToLower(b)
	var found []string
	for _, m := range markers {
		if bytes.Contains(lower, bytes.ToLower([]byte(m))) {
			found = append(found, m)
		} else if withHex && bytes.Contains(lower, []byte(hex.EncodeToString([]byte(m)))) {
			found = append(found, m+" (hex)")
		}
	}
	return found
}

// searchDataDir returns, for each marker found in the data directory (the
// SQLite file, its -wal and -shm, the key ring: every byte of them), the
// files that hold it.
func searchDataDir(t *testing.T, dir string, markers []string) map[string][]string {
	t.Helper()
	hits := map[string][]string{}
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, m := range findMarkers(b, markers, false) {
			hits[m] = append(hits[m], filepath.Base(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no files in the data directory %s", dir)
	}
	return hits
}

// dumpTables returns every row of every table in the database's schema as
// JSON text (PostgreSQL shows bytea columns in hex there).
func dumpTables(t *testing.T, d *db.DB) []byte {
	t.Helper()
	ctx := t.Context()
	rows, err := d.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 5 {
		t.Fatalf("only %d tables in the schema: %v", len(tables), tables)
	}
	var out bytes.Buffer
	for _, tb := range tables {
		rs, err := d.QueryContext(ctx, `SELECT row_to_json(x)::text FROM "`+tb+`" x`)
		if err != nil {
			t.Fatalf("dump %s: %v", tb, err)
		}
		for rs.Next() {
			var line sql.NullString
			if err := rs.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out.WriteString(tb + ": " + line.String + "\n")
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
		rs.Close()
	}
	return out.Bytes()
}

// searchLog returns the markers in the log, and every client address in it:
// the only address the log may hold is the server's own listen address.
func searchLog(log, serverAddr string, clients []string, markers []string) []string {
	found := findMarkers([]byte(log), markers, false)
	rest := strings.ReplaceAll(log, serverAddr, "")
	for _, c := range clients {
		if strings.Contains(rest, c) {
			found = append(found, "client address "+c)
		}
	}
	if host, _, _ := net.SplitHostPort(serverAddr); strings.Contains(rest, host) {
		found = append(found, "an address of "+host+" other than the server's own")
	}
	return found
}

func TestCanaryLeavesNoTrace(t *testing.T) {
	onEngines(t, func(t *testing.T, s *apptest.Server) {
		c := newCanaryClient()
		canaryVisit(t, s, c)
		serverAddr := strings.TrimPrefix(s.URL, "http://")
		log := s.Log()
		if !strings.Contains(log, `"route":"POST /register"`) || !strings.Contains(log, `"route":"POST /signin"`) {
			t.Fatalf("the log does not show the visit; the search would prove nothing:\n%s", log)
		}
		clients := c.clientAddrs()
		if len(clients) == 0 {
			t.Fatal("no client connection recorded")
		}
		if hits := searchLog(log, serverAddr, clients, canaryMarkers()); len(hits) > 0 {
			t.Errorf("the log holds %v", hits)
		}
		if hits := searchDataDir(t, s.Config.DataDir, canaryMarkers()); len(hits) > 0 {
			t.Errorf("the data directory holds %v", hits)
		}
		if s.DB.Dialect == db.Postgres {
			if hits := findMarkers(dumpTables(t, s.DB), canaryMarkers(), true); len(hits) > 0 {
				t.Errorf("the database holds %v", hits)
			}
		}

		// The searches find what is there: plant markers and look again.
		t.Run("finds planted markers", func(t *testing.T) {
			const planted, plantedBytes, plantedLog = "PlantedCanary-Text", "PlantedCanary-Bytes", "PlantedCanary-Log"
			ctx := t.Context()
			orgID, now := db.NewID(), db.Now()
			if _, err := s.DB.ExecContext(ctx, `INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, $3, $4)`, orgID, "planted", planted, now); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DB.ExecContext(ctx, `INSERT INTO invites (code_idx, id, org_id, role, created_at, expires_at) VALUES ($1, $2, $3, 'member', $4, $4)`,
				[]byte(plantedBytes), db.NewID(), orgID, now); err != nil {
				t.Fatal(err)
			}
			s.App.Log.Info("planted", "value", plantedLog, "client", clients[0])
			markers := []string{planted, plantedBytes}
			if s.DB.Dialect == db.Postgres {
				if hits := findMarkers(dumpTables(t, s.DB), markers, true); len(hits) != len(markers) {
					t.Errorf("planted %v in the database, the search found only %v", markers, hits)
				}
			} else if hits := searchDataDir(t, s.Config.DataDir, markers); len(hits) != len(markers) {
				t.Errorf("planted %v in the database, the search of its files found only %v", markers, hits)
			}
			logHits := searchLog(s.Log(), serverAddr, clients, []string{plantedLog})
			if len(logHits) < 2 {
				t.Errorf("planted a marker and a client address in the log, the search found %v", logHits)
			}
		})
	})
}
