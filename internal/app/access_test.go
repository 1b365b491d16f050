package app_test

// The authorization table: every route the server registers must be declared
// in testdata/routes.txt with its access rule, and every route is called by
// every kind of caller, with ids of another organisation, to check the answer.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/web"
)

// declaredRoutes reads testdata/routes.txt: pattern → rule name, in file
// order. Duplicate or malformed lines fail the test.
func declaredRoutes(t *testing.T) (map[string]string, []string) {
	t.Helper()
	f, err := os.Open("testdata/routes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rules := map[string]string{}
	var order []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pattern, rule, ok := strings.Cut(line, "\t")
		pattern, rule = strings.TrimSpace(pattern), strings.TrimSpace(rule)
		if !ok || pattern == "" || rule == "" || strings.Contains(rule, "\t") {
			t.Fatalf("testdata/routes.txt:%d: want \"METHOD /path<TAB>rule\", got %q", n, line)
		}
		if _, dup := rules[pattern]; dup {
			t.Fatalf("testdata/routes.txt:%d: %q declared twice", n, pattern)
		}
		rules[pattern] = rule
		order = append(order, pattern)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rules, order
}

func TestEveryRouteIsDeclaredWithItsRule(t *testing.T) {
	s := apptest.Start(t)
	declared, order := declaredRoutes(t)
	registered := map[string]bool{}
	for _, r := range s.Router.Routes() {
		registered[r.Pattern] = true
		rule, ok := declared[r.Pattern]
		switch {
		case !ok:
			t.Errorf("route %q (rule %q) is not declared in internal/app/testdata/routes.txt: add the line %q on purpose",
				r.Pattern, r.Access.Name(), r.Pattern+"\t"+r.Access.Name())
		case rule != r.Access.Name():
			t.Errorf("route %q has rule %q, but testdata/routes.txt declares %q", r.Pattern, r.Access.Name(), rule)
		}
	}
	for _, p := range order {
		if !registered[p] {
			t.Errorf("testdata/routes.txt declares %q, which the server does not register: remove the line or register the route", p)
		}
	}
}

// caller is one kind of visitor in the authorization table.
type caller struct {
	name string
	// login is nil for a visitor who is signed out.
	login *app.Login
	// org is the index in app.DemoOrgs of the caller's organisation.
	org int
	// pending is a user who gave her passphrase but not yet her second factor.
	pending bool
	// token is her bearer token (API routes), cookie her session cookie
	// (pages), device her device cookie (so signing in again is not limited).
	token, cookie, device string
}

func (c *caller) signedOut() bool { return c.login == nil }

// allowedBy is the table's own reading of a rule name: it does not call
// web.Access.Allows, so a mistake there shows here.
func allowedBy(t *testing.T, rule string, c *caller) bool {
	t.Helper()
	switch rule {
	case "anyone":
		return true
	case "signed-in", "second-factor-step", "network-admin":
	default:
		for _, r := range strings.Split(rule, "|") {
			if !web.ValidRole(r) {
				t.Fatalf("rule %q is unknown to the authorization table: teach allowedBy in access_test.go what it means", rule)
			}
		}
	}
	switch {
	case c.signedOut():
		return false
	case c.pending:
		return rule == "second-factor-step"
	case rule == "signed-in" || rule == "second-factor-step":
		return true
	case rule == "network-admin":
		return c.login.NetworkAdmin
	}
	return slices.Contains(strings.Split(rule, "|"), string(c.login.Role))
}

// wildcard fills one path wildcard of a route.
type wildcard struct {
	// make returns the value for a caller of organisation org. For an id it
	// must be the id of a record of ANOTHER organisation than org, so the
	// table checks that such ids answer 404.
	make func(t *testing.T, s *apptest.Server, org int) string
	// notID marks wildcards that are not record ids (a static file's hash),
	// which the table does not hold to the 404 rule.
	notID bool
}

// wildcards says how to fill the wildcards of routes. Keys are
// "PATTERN {name}" for one route or "{name}" for every route with that
// wildcard. A capability that adds a route with an id adds a maker here that
// returns a real id of another organisation (see "user of" below); until
// then its wildcard gets a random id, which belongs to no one.
func wildcards(t *testing.T) map[string]wildcard {
	asset := strings.Split(staticURL(t, "style.css"), "/") // "", "static", hash, name
	m := map[string]wildcard{
		"{hash}":                             {notID: true, make: func(*testing.T, *apptest.Server, int) string { return asset[2] }},
		"{name}":                             {notID: true, make: func(*testing.T, *apptest.Server, int) string { return asset[3] }},
		"POST /admin/users/{id}/role {id}":   {make: userOfOtherOrg},
		"GET /admin/users/{id}/remove {id}":  {make: userOfOtherOrg},
		"POST /admin/users/{id}/remove {id}": {make: userOfOtherOrg},
		"POST /admin/invites/{id}/revoke {id}": {make: func(t *testing.T, s *apptest.Server, org int) string {
			other := otherOrg(t, s, org)
			ids, err := s.Accounts.Store().UserIDsByRole(t.Context(), other.ID, web.RoleAdmin)
			if err != nil || len(ids) == 0 {
				t.Fatalf("admin of %s: %v", other.Slug, err)
			}
			admin, err := s.Accounts.Store().UserByID(t.Context(), ids[0])
			if err != nil {
				t.Fatal(err)
			}
			p := &web.Principal{UserID: admin.ID, OrgID: admin.OrgID, OrgSlug: admin.OrgSlug, Role: web.RoleAdmin}
			_, inv, err := s.Accounts.CreateInvite(t.Context(), p, web.RoleMember, "")
			if err != nil {
				t.Fatal(err)
			}
			return inv.ID
		}},
	}
	for k, v := range checkinWildcards() {
		m[k] = v
	}
	for k, v := range programmeWildcards() {
		m[k] = v
	}
	return m
}

// staticURL is the versioned path of a static file, as pages link it.
func staticURL(t *testing.T, name string) string {
	t.Helper()
	a, err := web.NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	return a.URL(name)
}

// otherOrg returns the demo organisation that is not org.
func otherOrg(t *testing.T, s *apptest.Server, org int) account.Org {
	t.Helper()
	o, err := s.Accounts.Store().OrgBySlug(t.Context(), app.DemoOrgs[1-org].Slug)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// userOfOtherOrg returns the id of the member of the other organisation.
func userOfOtherOrg(t *testing.T, s *apptest.Server, org int) string {
	t.Helper()
	ids, err := s.Accounts.Store().UserIDsByRole(t.Context(), otherOrg(t, s, org).ID, web.RoleMember)
	if err != nil || len(ids) == 0 {
		t.Fatalf("member of the other organisation: %v", err)
	}
	return ids[0]
}

// bodies make a call plausible, so that the answer comes from the rule and
// the ids and not from an empty request: a JSON object for an API route, a
// form for a page, the query for a GET. Routes not listed get nothing.
func bodies() map[string]string {
	return map[string]string{
		"POST /api/v1/invites":        `{"role":"member"}`,
		"POST /admin/users/{id}/role": "role=moderator",
		"PUT /api/v1/activities/{id}": `{"kind":"group_session","on":"2026-11-02","topic":"Rights","attendance":5}`,
	}
}

// notFoundWhenAllowed are routes that answer 404 to a caller their rule lets
// through, with the reason. Elsewhere the table refuses a 404 without an id
// in the path: it is also the answer of a denial, and would hide one.
func notFoundWhenAllowed() map[string]string {
	return map[string]string{
		"POST /signin/code":                "a signed-in caller has no second factor to give",
		"POST /admin/notifications/oncall": "the user to put on call is named in the form: none is not found",
	}
}

// checksCredentials are the routes whose own answer to a wrong (here: empty)
// handle and passphrase is 401: for them 401 is not a denial by the rule.
func checksCredentials() map[string]bool {
	return map[string]bool{"POST /signin": true, "POST /api/v1/session": true}
}

var wildcardRE = regexp.MustCompile(`\{([^}]*)\}`)

// fillPath turns a route pattern into a method and a path for a caller of
// organisation org, and reports whether the path names a record by id.
func fillPath(t *testing.T, s *apptest.Server, pattern string, org int, makers map[string]wildcard, made map[string]string) (method, path string, hasID bool) {
	t.Helper()
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		t.Fatalf("route %q has no method: every route must name one", pattern)
	}
	path = wildcardRE.ReplaceAllStringFunc(path, func(w string) string {
		name := strings.TrimSuffix(strings.Trim(w, "{}"), "...")
		if name == "$" {
			return ""
		}
		key := "{" + name + "}"
		mk, ok := makers[pattern+" "+key]
		if !ok {
			mk, ok = makers[key]
		}
		if !ok {
			mk = wildcard{make: func(*testing.T, *apptest.Server, int) string { return db.NewID() }}
		}
		if !mk.notID {
			hasID = true
		}
		cacheKey := fmt.Sprintf("%s %s %d", pattern, key, org)
		if v, ok := made[cacheKey]; ok {
			return v
		}
		v := url.PathEscape(mk.make(t, s, org))
		made[cacheKey] = v
		return v
	})
	return method, path, hasID
}

// handlerClient sends requests through the whole frame (security headers,
// limits, cross-origin protection, sessions, router) in process, each from
// an address of its own, so the per-address limits of the frame and of
// sign-in do not turn a long table into 429s.
type handlerClient struct {
	s    *apptest.Server
	next atomic.Uint32
}

func (hc *handlerClient) do(r *http.Request) *http.Response {
	n := hc.next.Add(1)
	r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:%d", n>>16&255, n>>8&255, n&255, 40000+n%20000)
	w := httptest.NewRecorder()
	hc.s.Handler.ServeHTTP(w, r)
	return w.Result()
}

// signIn signs c in on the API and on the web, filling her token and cookies.
func (hc *handlerClient) signIn(t *testing.T, c *caller) {
	t.Helper()
	hc.signInAPI(t, c)
	hc.signInWeb(t, c)
}

func (hc *handlerClient) signInAPI(t *testing.T, c *caller) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"handle": c.login.Handle, "passphrase": c.login.Passphrase})
	r := httptest.NewRequest(http.MethodPost, "/api/v1/session", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	resp := hc.do(r)
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated || out.Token == "" {
		t.Fatalf("API sign-in of %s: %d, %v", c.name, resp.StatusCode, err)
	}
	c.token = out.Token
}

func (hc *handlerClient) signInWeb(t *testing.T, c *caller) {
	t.Helper()
	form := url.Values{"handle": {c.login.Handle}, "passphrase": {c.login.Passphrase}}
	r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.device != "" {
		r.AddCookie(&http.Cookie{Name: account.DeviceCookie, Value: c.device})
	}
	resp := hc.do(r)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("web sign-in of %s: %d", c.name, resp.StatusCode)
	}
	c.cookie = ""
	for _, ck := range resp.Cookies() {
		switch ck.Name {
		case account.SessionCookie:
			c.cookie = ck.Value
		case account.DeviceCookie:
			c.device = ck.Value
		}
	}
	if c.cookie == "" {
		t.Fatalf("web sign-in of %s set no session cookie", c.name)
	}
}

// alive reports whether the caller's token and cookie still authenticate as
// she should (a route like "sign out everywhere" ends them).
func (hc *handlerClient) alive(t *testing.T, c *caller) (apiOK, webOK bool) {
	t.Helper()
	check := func(set func(r *http.Request)) bool {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		set(r)
		p, err := hc.s.Accounts.Authenticate(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		return p != nil && p.SecondFactorPending == c.pending
	}
	apiOK = check(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+c.token) })
	webOK = check(func(r *http.Request) { r.AddCookie(&http.Cookie{Name: account.SessionCookie, Value: c.cookie}) })
	return apiOK, webOK
}

// pendingCaller registers a moderator of org with the second factor on and
// returns her, signed in with her passphrase only.
func pendingCaller(t *testing.T, s *apptest.Server, hc *handlerClient, admin *caller) *caller {
	t.Helper()
	ctx := t.Context()
	authAs := func(token string) *web.Principal {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		p, err := s.Accounts.Authenticate(ctx, r)
		if err != nil || p == nil {
			t.Fatalf("authenticate: %v", err)
		}
		return p
	}
	code, _, err := s.Accounts.CreateInvite(ctx, authAs(admin.token), web.RoleModerator, "")
	if err != nil {
		t.Fatal(err)
	}
	login := app.Login{Handle: "halfway" + app.DemoOrgs[admin.org].Suffix, Passphrase: "halfway passphrase", Role: web.RoleModerator, Org: admin.login.Org}
	if _, err := s.Accounts.Register(ctx, code, login.Handle, login.Passphrase, "en"); err != nil {
		t.Fatal(err)
	}
	sess, err := s.Accounts.SignIn(ctx, account.SignIn{Handle: login.Handle, Passphrase: login.Passphrase, API: true})
	if err != nil {
		t.Fatal(err)
	}
	p := authAs(sess.Token)
	secret, _, err := s.Accounts.NewTOTPKey(p)
	if err != nil {
		t.Fatal(err)
	}
	totpCode, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Accounts.EnableTOTP(ctx, p, secret, totpCode); err != nil {
		t.Fatal(err)
	}
	c := &caller{name: "half signed in (second factor pending)", login: &login, org: admin.org, pending: true}
	hc.signIn(t, c)
	if apiOK, webOK := hc.alive(t, c); !apiOK || !webOK {
		t.Fatalf("pending caller not pending: api %v, web %v", apiOK, webOK)
	}
	return c
}

// TestAuthorizationTable calls every route as every kind of caller and checks
// the answer: a caller the rule does not allow gets 401 (API) or the sign-in
// page (pages) when signed out, the second-factor step when half signed in,
// and 404 when signed in; a caller the rule allows gets neither 401 nor 403
// nor a server error, nor a 404 where no id is in the path (404 is the
// denial's answer, so it would hide one); an id of another organisation
// answers 404 (or 422 to a write), never a success.
func TestAuthorizationTable(t *testing.T) {
	onEngines(t, authorizationTable)
}

// onEngines runs fn against a server on SQLite and, when
// SISTERLINE_TEST_POSTGRES is set, one on PostgreSQL.
func onEngines(t *testing.T, fn func(t *testing.T, s *apptest.Server)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, apptest.Start(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, apptest.Start(t, apptest.Postgres(t))) })
}

func authorizationTable(t *testing.T, s *apptest.Server) {
	hc := &handlerClient{s: s}
	rules, _ := declaredRoutes(t)
	login := func(org int, role web.Role) *app.Login {
		l := s.Login(t, org, role)
		return &l
	}
	admin := &caller{name: "admin", login: login(1, web.RoleAdmin), org: 1}
	netAdmin := &caller{name: "network admin", login: login(0, web.RoleAdmin), org: 0}
	if !netAdmin.login.NetworkAdmin || admin.login.NetworkAdmin {
		t.Fatal("demo logins changed: org 0's admin must be the network admin, org 1's a plain admin")
	}
	callers := []*caller{
		{name: "signed out"},
		{name: "member", login: login(1, web.RoleMember), org: 1},
		{name: "outreach", login: login(1, web.RoleOutreach), org: 1},
		{name: "moderator", login: login(1, web.RoleModerator), org: 1},
		// Org 1's admin is a plain admin; org 0's first admin is also network admin.
		admin,
		netAdmin,
	}
	for _, c := range callers[1:] {
		hc.signIn(t, c)
	}
	callers = append(callers, pendingCaller(t, s, hc, admin))

	makers := wildcards(t)
	made := map[string]string{}
	forms := bodies()
	credentialRoutes := checksCredentials()
	notFoundOK := notFoundWhenAllowed()
	routes := s.Router.Routes()
	t.Logf("%d routes × %d callers", len(routes), len(callers))
	for _, route := range routes {
		rule, ok := rules[route.Pattern]
		if !ok {
			// TestEveryRouteIsDeclaredWithItsRule reports the missing line;
			// the route is still called, under the rule it has.
			rule = route.Access.Name()
		}
		for _, c := range callers {
			method, path, hasID := fillPath(t, s, route.Pattern, c.org, makers, made)
			api := strings.HasPrefix(path, "/api/")
			r := newRequest(method, path, api, forms[route.Pattern])
			if !c.signedOut() {
				if api {
					r.Header.Set("Authorization", "Bearer "+c.token)
				} else {
					r.AddCookie(&http.Cookie{Name: account.SessionCookie, Value: c.cookie})
				}
			}
			resp := hc.do(r)
			what := fmt.Sprintf("%s (rule %s) as %s: %s %s", route.Pattern, rule, c.name, method, path)
			allowed := allowedBy(t, rule, c)
			// For a sign-in route, 401 is a wrong passphrase, not a denial.
			if !(allowed && credentialRoutes[route.Pattern] && resp.StatusCode == http.StatusUnauthorized) {
				checkAnswer(t, what, resp, method, api, allowed, hasID, notFoundOK[route.Pattern] != "", c)
			}

			if !c.signedOut() {
				// Routes like sign-out end her session: sign in again for the next route.
				apiOK, webOK := hc.alive(t, c)
				if !apiOK {
					hc.signInAPI(t, c)
				}
				if !webOK {
					hc.signInWeb(t, c)
				}
			}
		}
	}
}

// newRequest builds a call of the table with body (see bodies).
func newRequest(method, path string, api bool, body string) *http.Request {
	switch {
	case method == http.MethodGet || method == http.MethodHead:
		if body != "" {
			path += "?" + body
		}
		return httptest.NewRequest(method, path, nil)
	case api:
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		return r
	default:
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
}

// checkAnswer checks one answer of the table.
func checkAnswer(t *testing.T, what string, resp *http.Response, method string, api, allowed, hasID, may404 bool, c *caller) {
	t.Helper()
	status := resp.StatusCode
	loc := resp.Header.Get("Location")
	if !allowed {
		switch {
		case c.signedOut() && api, c.pending && api:
			wantAPIError(t, what, resp, http.StatusUnauthorized, "unauthenticated")
		case c.signedOut():
			if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin") || strings.HasPrefix(loc, "/signin/code") {
				t.Errorf("%s: %d to %q, want 303 to the sign-in page", what, status, loc)
			}
		case c.pending:
			if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin/code") {
				t.Errorf("%s: %d to %q, want 303 to the second-factor step", what, status, loc)
			}
		case api:
			wantAPIError(t, what, resp, http.StatusNotFound, "not_found")
		default:
			if status != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %d (%s), want the 404 page", what, status, resp.Header.Get("Content-Type"))
			}
		}
		return
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden || status >= 500 {
		t.Errorf("%s: allowed, but answered %d", what, status)
		return
	}
	if !hasID && !may404 && status == http.StatusNotFound {
		// 404 is also the answer of a denial: a caller the rule allows must
		// not get it where no id is involved, or the table could not tell.
		t.Errorf("%s: allowed, but answered 404 like a denial", what)
	}
	if hasID && !c.signedOut() {
		// Another organisation's id: not found (or, for a write, a refused
		// body), never a success.
		refused := status == http.StatusUnprocessableEntity && method != http.MethodGet
		if status != http.StatusNotFound && !refused {
			t.Errorf("%s: another organisation's id answered %d (to %q), want 404", what, status, loc)
		}
	}
}

func wantAPIError(t *testing.T, what string, resp *http.Response, status int, code string) {
	t.Helper()
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	err := json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != status || err != nil || body.Error.Code != code || body.Error.Message == "" {
		t.Errorf("%s: %d %+v (%v), want %d with error code %q and a message", what, resp.StatusCode, body, err, status, code)
	}
}
