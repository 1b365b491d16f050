package account_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// clock is the service's clock in these tests: it moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// pass is the passphrase every test user gets unless a test says otherwise.
const pass = "correct horse battery"

// env is one account service over a fresh database, with a moving clock.
type env struct {
	t    *testing.T
	ctx  context.Context
	d    *db.DB
	keys *seal.Keyring
	clk  *clock
	opt  account.Options
	svc  *account.Service
}

// newEnv builds the service with cheap hashing and no rate limits unless
// tweak sets some.
func newEnv(t *testing.T, d *db.DB, tweak ...func(*account.Options)) *env {
	t.Helper()
	keys, err := seal.New()
	if err != nil {
		t.Fatal(err)
	}
	opt := account.DefaultOptions()
	opt.Hash = seal.TestHashParams
	opt.SignInPerAccount, opt.SignInPerAddress, opt.TOTPPerAccount = nil, nil, nil
	for _, f := range tweak {
		f(&opt)
	}
	clk := newClock()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &env{t: t, ctx: context.Background(), d: d, keys: keys, clk: clk, opt: opt,
		svc: account.NewService(d, keys, opt, clk.Now, log)}
}

// bootstrap creates the first organisation "first" and its admin "root",
// signed in on the web.
func (e *env) bootstrap() (account.User, *web.Principal) {
	e.t.Helper()
	u, err := e.svc.Bootstrap(e.ctx, "First Org", "first", "root", pass, "en")
	if err != nil {
		e.t.Fatalf("bootstrap: %v", err)
	}
	return u, e.signedIn("root", pass, false)
}

// org creates another organisation as the network admin p.
func (e *env) org(p *web.Principal, slug string) account.Org {
	e.t.Helper()
	o, err := e.svc.CreateOrg(e.ctx, p, "Org "+slug, slug)
	if err != nil {
		e.t.Fatalf("create org %s: %v", slug, err)
	}
	return o
}

// invite makes an invite code as p.
func (e *env) invite(p *web.Principal, role web.Role, orgSlug string) string {
	e.t.Helper()
	code, _, err := e.svc.CreateInvite(e.ctx, p, role, orgSlug)
	if err != nil {
		e.t.Fatalf("invite %s to %q: %v", role, orgSlug, err)
	}
	return code
}

// user registers handle with a fresh invite of role to p's organisation (or
// orgSlug) and returns her signed in on the web.
func (e *env) user(p *web.Principal, role web.Role, orgSlug, handle string) (account.User, *web.Principal) {
	e.t.Helper()
	u, err := e.svc.Register(e.ctx, e.invite(p, role, orgSlug), handle, pass, "en")
	if err != nil {
		e.t.Fatalf("register %s: %v", handle, err)
	}
	return u, e.signedIn(handle, pass, false)
}

// signIn signs in without rate-limit keys.
func (e *env) signIn(handle, passphrase string, api bool) (account.Session, error) {
	return e.svc.SignIn(e.ctx, account.SignIn{Handle: handle, Passphrase: passphrase, API: api})
}

// signedIn signs in and returns the principal her token authenticates as.
func (e *env) signedIn(handle, passphrase string, api bool) *web.Principal {
	e.t.Helper()
	s, err := e.signIn(handle, passphrase, api)
	if err != nil {
		e.t.Fatalf("sign in %s: %v", handle, err)
	}
	p := e.auth(s.Token, api)
	if p == nil {
		e.t.Fatalf("fresh session of %s does not authenticate", handle)
	}
	return p
}

// auth authenticates a request carrying token as a bearer token (api) or as
// the session cookie; nil when it does not authenticate.
func (e *env) auth(token string, api bool) *web.Principal {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if api {
		r.Header.Set("Authorization", "Bearer "+token)
	} else {
		r.AddCookie(&http.Cookie{Name: account.SessionCookie, Value: token})
	}
	p, err := e.svc.Authenticate(e.ctx, r)
	if err != nil {
		e.t.Fatalf("authenticate: %v", err)
	}
	return p
}

// wantCode fails unless err is a coded error with code (and, when message is
// not empty, that message id).
func wantCode(t *testing.T, err error, code apperr.Code, message string) *apperr.Error {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Code != code || (message != "" && ae.Message != message) {
		t.Fatalf("err = %v, want %s %s", err, code, message)
	}
	return ae
}

// wantField fails unless err is "invalid" with msg on field.
func wantField(t *testing.T, err error, field, msg string) {
	t.Helper()
	ae := wantCode(t, err, apperr.Invalid, "")
	if ae.Fields[field] != msg {
		t.Fatalf("field %s: %q, want %q (all: %v)", field, ae.Fields[field], msg, ae.Fields)
	}
}

func TestBootstrapMakesNetworkAdminAndRefusesExistingHandle(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u, p := e.bootstrap()
		if u.Role != web.RoleAdmin || !u.NetworkAdmin || u.OrgSlug != "first" {
			t.Fatalf("bootstrapped user = %+v", u)
		}
		if p.Role != web.RoleAdmin || !p.NetworkAdmin || p.OrgSlug != "first" || p.Handle != "root" {
			t.Fatalf("principal = %+v", p)
		}
		// The same handle, in another case and for another organisation.
		_, err := e.svc.Bootstrap(e.ctx, "Second", "second", "ROOT", "another passphrase", "en")
		wantField(t, err, "handle", "account.error.handle_taken")
		if _, err := e.svc.Store().OrgBySlug(e.ctx, "second"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("refused bootstrap left its organisation behind: %v", err)
		}
		// The old admin's passphrase still works and nothing was replaced.
		if _, err := e.signIn("root", pass, true); err != nil {
			t.Fatalf("root after refused bootstrap: %v", err)
		}
	})
}

func TestCreateOrgOnlyForNetworkAdminsAndSlugsAreUnique(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		e.org(root, "second")
		_, err := e.svc.CreateOrg(e.ctx, root, "Again", "second")
		wantField(t, err, "slug", "account.error.slug_taken")
		_, err = e.svc.CreateOrg(e.ctx, root, "", "Bad Slug!")
		ae := wantCode(t, err, apperr.Invalid, "error.invalid_form")
		if ae.Fields["name"] != "error.required" || ae.Fields["slug"] != "account.error.slug" {
			t.Fatalf("fields = %v", ae.Fields)
		}
		_, admin := e.user(root, web.RoleAdmin, "", "plainadmin")
		_, err = e.svc.CreateOrg(e.ctx, admin, "Mine", "mine")
		wantCode(t, err, apperr.NotFound, "")
	})
}

func TestInviteWorksOnceAndExpires(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		code, inv, err := e.svc.CreateInvite(e.ctx, root, web.RoleModerator, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := e.clk.Now().Add(e.opt.InviteTTL); !inv.ExpiresAt.Equal(want) {
			t.Fatalf("expires %v, want %v", inv.ExpiresAt, want)
		}
		u, err := e.svc.Register(e.ctx, code, "mod", pass, "en")
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != web.RoleModerator || u.OrgSlug != "first" {
			t.Fatalf("registered %+v", u)
		}
		_, err = e.svc.Register(e.ctx, code, "mod2", pass, "en")
		wantField(t, err, "code", "account.error.invite_invalid")

		// Typed in lower case, with spaces instead of dashes, a code still works.
		code = e.invite(root, web.RoleMember, "")
		e.clk.Advance(e.opt.InviteTTL - time.Second)
		if _, err := e.svc.Register(e.ctx, " "+lowerSpaced(code)+" ", "justintime", pass, "en"); err != nil {
			t.Fatalf("code a second before expiry: %v", err)
		}
		// At the very instant it expires, a code no longer works.
		code = e.invite(root, web.RoleMember, "")
		e.clk.Advance(e.opt.InviteTTL)
		_, err = e.svc.Register(e.ctx, code, "toolate", pass, "en")
		wantField(t, err, "code", "account.error.invite_invalid")
	})
}

// lowerSpaced is a code as she might type it: lower case, spaces for dashes.
func lowerSpaced(code string) string { return strings.ToLower(strings.ReplaceAll(code, "-", " ")) }

func TestInviteRulesByRole(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		other := e.org(root, "other")
		_, admin := e.user(root, web.RoleAdmin, "", "admin2")
		_, outreach := e.user(root, web.RoleOutreach, "", "outreach1")
		_, moderator := e.user(root, web.RoleModerator, "", "moderator1")
		_, member := e.user(root, web.RoleMember, "", "member1")

		// An admin invites any role to her own organisation.
		for _, role := range web.Roles() {
			e.invite(admin, role, "")
		}
		// Outreach workers invite members only.
		e.invite(outreach, web.RoleMember, "")
		for _, role := range []web.Role{web.RoleOutreach, web.RoleModerator, web.RoleAdmin} {
			_, _, err := e.svc.CreateInvite(e.ctx, outreach, role, "")
			wantField(t, err, "role", "account.error.outreach_members_only")
		}
		// Members and moderators do not invite at all.
		for _, p := range []*web.Principal{member, moderator} {
			_, _, err := e.svc.CreateInvite(e.ctx, p, web.RoleMember, "")
			wantCode(t, err, apperr.NotFound, "")
		}
		// Another organisation's slug is "not found" for anyone but a network admin.
		for _, p := range []*web.Principal{admin, outreach, member} {
			_, _, err := e.svc.CreateInvite(e.ctx, p, web.RoleMember, "other")
			wantCode(t, err, apperr.NotFound, "")
		}
		// A network admin picks the organisation.
		u, err := e.svc.Register(e.ctx, e.invite(root, web.RoleOutreach, "other"), "elsewhere", pass, "en")
		if err != nil {
			t.Fatal(err)
		}
		if u.OrgID != other.ID || u.OrgSlug != "other" || u.Role != web.RoleOutreach {
			t.Fatalf("invited to other org, registered %+v", u)
		}
		_, _, err = e.svc.CreateInvite(e.ctx, root, web.RoleMember, "nowhere")
		wantField(t, err, "org", "account.error.org_unknown")
		_, _, err = e.svc.CreateInvite(e.ctx, admin, "king", "")
		wantField(t, err, "role", "account.error.role")

		// Revoking another organisation's invite is "not found", and the invite stays.
		otherOutreach := e.signedIn("elsewhere", pass, false)
		code, inv, err := e.svc.CreateInvite(e.ctx, otherOutreach, web.RoleMember, "")
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.svc.RevokeInvite(e.ctx, admin, inv.ID), apperr.NotFound, "")
		if _, err := e.svc.Register(e.ctx, code, "stillworks", pass, "en"); err != nil {
			t.Fatalf("invite revoked by another organisation: %v", err)
		}
	})
}

func TestRevokedInviteNoLongerWorks(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		code, inv, err := e.svc.CreateInvite(e.ctx, root, web.RoleMember, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RevokeInvite(e.ctx, root, inv.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Register(e.ctx, code, "late", pass, "en")
		wantField(t, err, "code", "account.error.invite_invalid")
	})
}

func TestRegisterNamesEveryBadField(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		code := e.invite(root, web.RoleMember, "")
		cases := []struct {
			code, handle, pass string
			field, msg         string
		}{
			{"", "fine", pass, "code", "error.required"},
			{"WRONGCODE123", "fine", pass, "code", "account.error.invite_invalid"},
			{code, "", pass, "handle", "error.required"},
			{code, "ab", pass, "handle", "account.error.handle_length"},
			{code, "has space", pass, "handle", "account.error.handle_chars"},
			{code, "<script>", pass, "handle", "account.error.handle_chars"},
			{code, "fine", "", "passphrase", "error.required"},
			{code, "fine", "short", "passphrase", "account.error.passphrase_short"},
			{code, "fine", "Password1", "passphrase", "account.error.passphrase_common"},
		}
		for _, c := range cases {
			_, err := e.svc.Register(e.ctx, c.code, c.handle, c.pass, "en")
			wantField(t, err, c.field, c.msg)
		}
		// Everything wrong at once: each field says so.
		_, err := e.svc.Register(e.ctx, "", "a", "b", "en")
		ae := wantCode(t, err, apperr.Invalid, "error.invalid_form")
		if len(ae.Fields) != 3 {
			t.Fatalf("fields = %v, want code, handle and passphrase", ae.Fields)
		}
		// None of the failures used the code up.
		if _, err := e.svc.Register(e.ctx, code, "fine", pass, "en"); err != nil {
			t.Fatalf("code after failed attempts: %v", err)
		}
	})
}

func TestHandlesAreUniqueWhateverTheCase(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		e.user(root, web.RoleMember, "", "Ada")
		code := e.invite(root, web.RoleMember, "")
		for _, h := range []string{"ada", "ADA", "Ａｄａ", "@Ada", " Ada "} {
			_, err := e.svc.Register(e.ctx, code, h, pass, "en")
			wantField(t, err, "handle", "account.error.handle_taken")
		}
		// The refused registrations did not use the code.
		u, err := e.svc.Register(e.ctx, code, "Bea", pass, "en")
		if err != nil {
			t.Fatalf("code after refused handles: %v", err)
		}
		if u.Handle != "Bea" {
			t.Fatalf("handle kept as %q", u.Handle)
		}
		// She signs in whatever the case, and is shown as she wrote it.
		if p := e.signedIn("ADA", pass, true); p.Handle != "Ada" {
			t.Fatalf("handle shown as %q", p.Handle)
		}
	})
}

func TestSignInGivesTheSameErrorForWrongHandleAndWrongPassphrase(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.bootstrap()
		_, errHandle := e.signIn("nobody", pass, false)
		_, errPass := e.signIn("root", "not the passphrase", false)
		_, errEmpty := e.signIn("root", "", false)
		_, errBadHandle := e.signIn("x", pass, false)
		a := wantCode(t, errHandle, apperr.Unauthenticated, "account.error.signin")
		for _, err := range []error{errPass, errEmpty, errBadHandle} {
			b := wantCode(t, err, apperr.Unauthenticated, "account.error.signin")
			if a.Error() != b.Error() {
				t.Fatalf("errors differ: %q vs %q", a.Error(), b.Error())
			}
		}
	})
}

func TestSignInLimitPerAccountSparesHerOwnDevice(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(o *account.Options) { o.SignInPerAccount = web.NewLimiter(time.Hour, 3) })
		_, root := e.bootstrap()
		if _, err := e.svc.Register(e.ctx, e.invite(root, web.RoleMember, ""), "member1", pass, "en"); err != nil {
			t.Fatal(err)
		}
		// A sign-in from her phone gives it a device cookie (attempt 1 of 3).
		s, err := e.signIn("member1", pass, false)
		if err != nil {
			t.Fatal(err)
		}
		if s.Device == "" {
			t.Fatal("web sign-in set no device cookie")
		}
		// Someone else fails on purpose until the account is limited.
		for range 2 {
			_, err := e.signIn("member1", "guessing wrong", false)
			wantCode(t, err, apperr.Unauthenticated, "")
		}
		_, err = e.signIn("member1", pass, false)
		wantCode(t, err, apperr.RateLimited, "error.rate_limited")
		// Her own phone still gets in, again and again.
		for range 5 {
			if _, err := e.svc.SignIn(e.ctx, account.SignIn{Handle: "member1", Passphrase: pass, Device: s.Device}); err != nil {
				t.Fatalf("sign in with her device cookie: %v", err)
			}
		}
		// Another account's device cookie, or a forged one, does not help.
		rootSess, err := e.signIn("root", pass, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, dev := range []string{rootSess.Device, "forged.device", s.Device + "x", ""} {
			_, err = e.svc.SignIn(e.ctx, account.SignIn{Handle: "member1", Passphrase: pass, Device: dev})
			wantCode(t, err, apperr.RateLimited, "")
		}
		// Other accounts are not limited by her failures.
		if _, err := e.signIn("root", pass, true); err != nil {
			t.Fatalf("another account: %v", err)
		}
		// A handle that does not exist is limited the same way, so the limit
		// does not tell which handles exist.
		for range 3 {
			_, err := e.signIn("ghost", pass, false)
			wantCode(t, err, apperr.Unauthenticated, "")
		}
		_, err = e.signIn("ghost", pass, false)
		wantCode(t, err, apperr.RateLimited, "")
	})
}

func TestSignInLimitPerAddress(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(o *account.Options) { o.SignInPerAddress = web.NewLimiter(time.Hour, 3) })
		e.bootstrap()
		try := func(addr, passphrase string) error {
			_, err := e.svc.SignIn(e.ctx, account.SignIn{Handle: "root", Passphrase: passphrase, AddressKey: addr})
			return err
		}
		for range 3 {
			wantCode(t, try("addr-a", "wrong passphrase"), apperr.Unauthenticated, "")
		}
		wantCode(t, try("addr-a", pass), apperr.RateLimited, "error.rate_limited")
		if err := try("addr-b", pass); err != nil {
			t.Fatalf("another address is limited too: %v", err)
		}
	})
}

func TestSessionEndsAfterIdleTime(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.bootstrap()
		s, err := e.signIn("root", pass, false)
		if err != nil {
			t.Fatal(err)
		}
		// Each request moves the idle deadline.
		for range 4 {
			e.clk.Advance(e.opt.SessionIdle - time.Minute)
			if e.auth(s.Token, false) == nil {
				t.Fatal("session ended while in use")
			}
		}
		e.clk.Advance(e.opt.SessionIdle + time.Second)
		if e.auth(s.Token, false) != nil {
			t.Fatal("session still works after the idle time")
		}
		// And it is gone, not merely refused: coming back in time does not help.
		e.clk.Advance(-e.opt.SessionIdle)
		if e.auth(s.Token, false) != nil {
			t.Fatal("idle session was not deleted")
		}
	})
}

func TestSessionEndsAtAbsoluteTimeoutEvenWhenInUse(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.bootstrap()
		s, err := e.signIn("root", pass, false)
		if err != nil {
			t.Fatal(err)
		}
		if want := e.clk.Now().Add(e.opt.SessionAbsolute); !s.Expires.Equal(want) {
			t.Fatalf("expires %v, want %v", s.Expires, want)
		}
		step := e.opt.SessionIdle / 2
		for elapsed := step; elapsed < e.opt.SessionAbsolute; elapsed += step {
			e.clk.Advance(step)
			if e.auth(s.Token, false) == nil {
				t.Fatalf("session ended %v after sign-in", elapsed)
			}
		}
		e.clk.Advance(step)
		if e.auth(s.Token, false) != nil {
			t.Fatal("session works past its absolute timeout")
		}
	})
}

func TestAPITokenOutlivesWebIdleTime(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.bootstrap()
		s, err := e.signIn("root", pass, true)
		if err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(e.opt.SessionIdle + time.Hour)
		if e.auth(s.Token, true) == nil {
			t.Fatal("API token ended after the web idle time")
		}
		e.clk.Advance(e.opt.APITokenIdle + time.Second)
		if e.auth(s.Token, true) != nil {
			t.Fatal("API token works after its idle time")
		}
	})
}

func TestTokenKindsAreNotInterchangeable(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.bootstrap()
		api, err := e.signIn("root", pass, true)
		if err != nil {
			t.Fatal(err)
		}
		webS, err := e.signIn("root", pass, false)
		if err != nil {
			t.Fatal(err)
		}
		if p := e.auth(api.Token, true); p == nil || !p.API {
			t.Fatalf("API token as bearer: %+v", p)
		}
		if p := e.auth(webS.Token, false); p == nil || p.API {
			t.Fatalf("web session as cookie: %+v", p)
		}
		if e.auth(api.Token, false) != nil {
			t.Fatal("an API token works as a session cookie")
		}
		if e.auth(webS.Token, true) != nil {
			t.Fatal("a session cookie works as a bearer token")
		}
		if e.auth(webS.Token+"x", false) != nil || e.auth("", false) != nil {
			t.Fatal("a made-up token authenticates")
		}
	})
}

func TestSignOutEndsOnlyThatSession(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.bootstrap()
		a, _ := e.signIn("root", pass, false)
		b, _ := e.signIn("root", pass, true)
		if err := e.svc.SignOut(e.ctx, e.auth(a.Token, false)); err != nil {
			t.Fatal(err)
		}
		if e.auth(a.Token, false) != nil {
			t.Fatal("signed-out session still works")
		}
		if e.auth(b.Token, true) == nil {
			t.Fatal("signing out one session ended another")
		}
	})
}

func TestSignOutEverywhereEndsEverySessionAndToken(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		e.user(root, web.RoleMember, "", "bystander")
		a, _ := e.signIn("root", pass, false)
		b, _ := e.signIn("root", pass, true)
		c, _ := e.signIn("bystander", pass, true)
		if err := e.svc.SignOutEverywhere(e.ctx, e.auth(a.Token, false)); err != nil {
			t.Fatal(err)
		}
		if e.auth(a.Token, false) != nil || e.auth(b.Token, true) != nil {
			t.Fatal("a session survived signing out everywhere")
		}
		if e.auth(c.Token, true) == nil {
			t.Fatal("another user's session ended")
		}
	})
}

func TestRoleChangeEndsHerSessions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		u, _ := e.user(root, web.RoleMember, "", "rising")
		s, err := e.signIn("rising", pass, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetRole(e.ctx, root, u.ID, web.RoleModerator); err != nil {
			t.Fatal(err)
		}
		if e.auth(s.Token, true) != nil {
			t.Fatal("API token kept its old role after a role change")
		}
		if got := e.signedIn("rising", pass, true); got.Role != web.RoleModerator {
			t.Fatalf("new session has role %s", got.Role)
		}
		if err := e.svc.SetRole(e.ctx, root, u.ID, "king"); err == nil {
			t.Fatal("an unknown role was set")
		}
	})
}

func TestAdminsCannotTouchUsersOfAnotherOrganisation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		e.org(root, "other")
		_, admin := e.user(root, web.RoleAdmin, "", "admin1")
		stranger, _ := e.user(root, web.RoleMember, "other", "stranger")
		wantCode(t, e.svc.SetRole(e.ctx, admin, stranger.ID, web.RoleAdmin), apperr.NotFound, "")
		wantCode(t, e.svc.RemoveUser(e.ctx, admin, stranger.ID), apperr.NotFound, "")
		wantCode(t, e.svc.SetRole(e.ctx, admin, db.NewID(), web.RoleAdmin), apperr.NotFound, "")
		got, err := e.svc.Store().UserByID(e.ctx, stranger.ID)
		if err != nil || got.Role != web.RoleMember {
			t.Fatalf("stranger = %+v, %v", got, err)
		}
	})
}

func TestPassphraseChangeEndsOtherSessions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.bootstrap()
		here, _ := e.signIn("root", pass, false)
		there, _ := e.signIn("root", pass, true)
		p := e.auth(here.Token, false)
		const next = "a brand new passphrase"
		err := e.svc.ChangePassphrase(e.ctx, p, "not my passphrase", next)
		wantField(t, err, "old_passphrase", "account.error.passphrase_wrong")
		err = e.svc.ChangePassphrase(e.ctx, p, pass, "short")
		wantField(t, err, "new_passphrase", "account.error.passphrase_short")
		if e.auth(there.Token, true) == nil {
			t.Fatal("a refused change ended sessions")
		}
		if err := e.svc.ChangePassphrase(e.ctx, p, pass, next); err != nil {
			t.Fatal(err)
		}
		if e.auth(here.Token, false) == nil {
			t.Fatal("the session that changed the passphrase ended")
		}
		if e.auth(there.Token, true) != nil {
			t.Fatal("another session survived the passphrase change")
		}
		_, err = e.signIn("root", pass, true)
		wantCode(t, err, apperr.Unauthenticated, "")
		if _, err := e.signIn("root", next, true); err != nil {
			t.Fatalf("new passphrase: %v", err)
		}
	})
}

// totpCode is the code an authenticator app shows for secret at t.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode returns a six-digit code that is none of the codes accepted at t.
func wrongCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	valid := map[string]bool{}
	for _, skew := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		valid[totpCode(t, secret, at.Add(skew))] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if !valid[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

// enableTOTP turns on the second factor for p and returns the secret.
func (e *env) enableTOTP(p *web.Principal) string {
	e.t.Helper()
	secret, url, err := e.svc.NewTOTPKey(p)
	if err != nil {
		e.t.Fatal(err)
	}
	if url == "" {
		e.t.Fatal("no otpauth URL")
	}
	if err := e.svc.EnableTOTP(e.ctx, p, secret, totpCode(e.t, secret, e.clk.Now())); err != nil {
		e.t.Fatalf("enable totp: %v", err)
	}
	return secret
}

func TestSecondFactorCodeWorksOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		secret := e.enableTOTP(root)
		// Signing in now stops half-way, before the code.
		s, err := e.signIn("root", pass, false)
		if err != nil {
			t.Fatal(err)
		}
		if !s.SecondFactor {
			t.Fatal("sign-in did not ask for the second factor")
		}
		p := e.auth(s.Token, false)
		if !p.SecondFactorPending {
			t.Fatal("half-open session is not marked pending")
		}
		// The code used to turn the factor on is spent already.
		err = e.svc.VerifySecondFactor(e.ctx, p, totpCode(t, secret, e.clk.Now()))
		wantField(t, err, "code", "account.error.code_used")
		err = e.svc.VerifySecondFactor(e.ctx, p, wrongCode(t, secret, e.clk.Now()))
		wantField(t, err, "code", "account.error.code_wrong")
		err = e.svc.VerifySecondFactor(e.ctx, p, "")
		wantField(t, err, "code", "error.required")
		if e.auth(s.Token, false).SecondFactorPending != true {
			t.Fatal("a refused code opened the session")
		}
		e.clk.Advance(30 * time.Second)
		code := totpCode(t, secret, e.clk.Now())
		if err := e.svc.VerifySecondFactor(e.ctx, p, code[:3]+" "+code[3:]); err != nil {
			t.Fatalf("fresh code: %v", err)
		}
		if e.auth(s.Token, false).SecondFactorPending {
			t.Fatal("session still pending after the right code")
		}
		// The same code a second time, on another half-open session: refused.
		s2, _ := e.signIn("root", pass, true)
		p2 := e.auth(s2.Token, true)
		wantField(t, e.svc.VerifySecondFactor(e.ctx, p2, code), "code", "account.error.code_used")
		// An open session has nothing to verify.
		wantCode(t, e.svc.VerifySecondFactor(e.ctx, e.auth(s.Token, false), code), apperr.NotFound, "")
	})
}

func TestEnableSecondFactorRefusesWrongCode(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		secret, _, err := e.svc.NewTOTPKey(root)
		if err != nil {
			t.Fatal(err)
		}
		err = e.svc.EnableTOTP(e.ctx, root, secret, wrongCode(t, secret, e.clk.Now()))
		wantField(t, err, "code", "account.error.code_wrong")
		s, err := e.signIn("root", pass, false)
		if err != nil {
			t.Fatal(err)
		}
		if s.SecondFactor {
			t.Fatal("a wrong code turned the second factor on")
		}
	})
}

func TestWrongCodeForANewSecretKeepsTheSecondFactorOn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		e.enableTOTP(root)
		newSecret, _, err := e.svc.NewTOTPKey(root)
		if err != nil {
			t.Fatal(err)
		}
		err = e.svc.EnableTOTP(e.ctx, root, newSecret, wrongCode(t, newSecret, e.clk.Now()))
		wantField(t, err, "code", "account.error.code_wrong")
		s, err := e.signIn("root", pass, false)
		if err != nil {
			t.Fatal(err)
		}
		if !s.SecondFactor {
			t.Fatal("a wrong code switched the second factor off")
		}
	})
}

func TestSecondFactorAttemptsAreLimited(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(o *account.Options) { o.TOTPPerAccount = web.NewLimiter(time.Hour, 3) })
		_, root := e.bootstrap()
		secret := e.enableTOTP(root)
		s, _ := e.signIn("root", pass, false)
		p := e.auth(s.Token, false)
		for range 3 {
			wantCode(t, e.svc.VerifySecondFactor(e.ctx, p, wrongCode(t, secret, e.clk.Now())), apperr.Invalid, "")
		}
		e.clk.Advance(30 * time.Second)
		err := e.svc.VerifySecondFactor(e.ctx, p, totpCode(t, secret, e.clk.Now()))
		wantCode(t, err, apperr.RateLimited, "error.rate_limited")
	})
}

func TestDisableSecondFactorNeedsPassphrase(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		e.enableTOTP(root)
		wantField(t, e.svc.DisableTOTP(e.ctx, root, "wrong passphrase"), "passphrase", "account.error.passphrase_wrong")
		if s, _ := e.signIn("root", pass, false); !s.SecondFactor {
			t.Fatal("second factor off after a wrong passphrase")
		}
		if err := e.svc.DisableTOTP(e.ctx, root, pass); err != nil {
			t.Fatal(err)
		}
		if s, _ := e.signIn("root", pass, false); s.SecondFactor {
			t.Fatal("second factor still on")
		}
	})
}

func TestDeleteAccountRunsHooksAndRemovesHer(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		u, _ := e.user(root, web.RoleMember, "", "leaving")
		sess, err := e.signIn("leaving", pass, false)
		if err != nil {
			t.Fatal(err)
		}
		p := e.auth(sess.Token, false)
		var deleted []string
		e.svc.OnDelete(func(ctx context.Context, tx *sql.Tx, userID string) error {
			// The hook runs inside the deleting transaction, before the user row goes.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = $1`, userID).Scan(&n); err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("hook ran after the user was deleted")
			}
			deleted = append(deleted, userID)
			return nil
		})
		wantField(t, e.svc.DeleteAccount(e.ctx, p, "wrong passphrase"), "passphrase", "account.error.passphrase_wrong")
		if len(deleted) != 0 {
			t.Fatal("hooks ran for a refused deletion")
		}
		if err := e.svc.DeleteAccount(e.ctx, p, pass); err != nil {
			t.Fatal(err)
		}
		if len(deleted) != 1 || deleted[0] != u.ID {
			t.Fatalf("hooks ran for %v, want [%s]", deleted, u.ID)
		}
		if _, err := e.svc.Store().UserByID(e.ctx, u.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("user after deletion: %v", err)
		}
		if e.auth(sess.Token, false) != nil {
			t.Fatal("deleted user's session still works")
		}
		_, err = e.signIn("leaving", pass, false)
		wantCode(t, err, apperr.Unauthenticated, "")
	})
}

func TestDeleteAccountRollsBackWhenAHookFails(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		_, root := e.bootstrap()
		u, p := e.user(root, web.RoleModerator, "", "staying")
		e.svc.OnDelete(func(ctx context.Context, tx *sql.Tx, userID string) error {
			return errors.New("checkin: cannot delete")
		})
		if err := e.svc.DeleteAccount(e.ctx, p, pass); err == nil {
			t.Fatal("deletion succeeded although a hook failed")
		}
		if _, err := e.svc.Store().UserByID(e.ctx, u.ID); err != nil {
			t.Fatalf("user gone after a failed deletion: %v", err)
		}
		if _, err := e.signIn("staying", pass, true); err != nil {
			t.Fatalf("sign in after failed deletion: %v", err)
		}
	})
}

func TestLastAdminCannotLeaveOrBeDemoted(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		root, rootP := e.bootstrap()
		wantCode(t, e.svc.DeleteAccount(e.ctx, rootP, pass), apperr.Conflict, "account.error.last_admin")
		wantCode(t, e.svc.SetRole(e.ctx, rootP, root.ID, web.RoleMember), apperr.Conflict, "account.error.last_admin")
		wantCode(t, e.svc.RemoveUser(e.ctx, rootP, root.ID), apperr.Conflict, "account.error.last_admin")
		if _, err := e.svc.Store().UserByID(e.ctx, root.ID); err != nil {
			t.Fatalf("last admin gone: %v", err)
		}
		// With a second admin, the first may go.
		e.user(rootP, web.RoleAdmin, "", "second")
		if err := e.svc.DeleteAccount(e.ctx, rootP, pass); err != nil {
			t.Fatalf("delete with another admin left: %v", err)
		}
	})
}
