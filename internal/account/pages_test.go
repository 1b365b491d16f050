package account_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sisterline/sisterline/internal/account"
	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/web"
)

// browser is apptest.PageClient under the names these tests use: it keeps
// the session and flash cookies itself and does not follow redirects.
type browser struct{ *apptest.PageClient }

// answer is what a request got back.
type answer = apptest.Page

func newBrowser(t *testing.T, s *apptest.Server) *browser { return &browser{s.NewPageClient(t)} }

func (b *browser) get(path string) answer { return b.Get(path) }

func (b *browser) post(path string, form url.Values) answer { return b.Post(path, form) }

// signInAs signs l in through the sign-in form and returns her browser.
func signInAs(t *testing.T, s *apptest.Server, l app.Login) *browser {
	t.Helper()
	return &browser{s.SignInPages(t, l)}
}

var (
	wantRedirect = apptest.WantRedirect
	wantPage     = apptest.WantPage
)

// onBothEngines runs test against a seeded server on SQLite, then on
// PostgreSQL when SISTERLINE_TEST_POSTGRES is set.
func onBothEngines(t *testing.T, test func(t *testing.T, s *apptest.Server)) {
	t.Run("sqlite", func(t *testing.T) { test(t, apptest.Start(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, apptest.Start(t, apptest.Postgres(t))) })
}

// pageCatalog holds the real messages, so tests look for what a user reads
// rather than copies of it.
type pageCatalog struct{ c *web.Catalog }

func loadPageCatalog(t *testing.T) pageCatalog {
	t.Helper()
	c, err := web.NewCatalog(slog.New(slog.NewTextHandler(io.Discard, nil)), web.FrameFS(), account.Files())
	if err != nil {
		t.Fatal(err)
	}
	return pageCatalog{c}
}

// T translates id into lang, HTML-escaped as a page shows it.
func (pc pageCatalog) T(lang, id string, args ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		data[args[i].(string)] = args[i+1]
	}
	return htmlEscape(pc.c.Translate(lang, id, data))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

// demoLang is the language of the demo users of an organisation.
func demoLang(org int) string {
	if org == 0 {
		return "zh-CN"
	}
	return "en"
}

// userID finds a demo user's id.
func userID(t *testing.T, s *apptest.Server, l app.Login) string {
	t.Helper()
	ctx := context.Background()
	org, err := s.Accounts.Store().OrgBySlug(ctx, l.Org)
	if err != nil {
		t.Fatal(err)
	}
	users, err := s.Accounts.Store().UsersOf(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Handle == l.Handle {
			return u.ID
		}
	}
	t.Fatalf("no user %s", l.Handle)
	return ""
}

var (
	secretField = regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`)
	bigCode     = regexp.MustCompile(`<code class="big">([A-Z0-9-]+)</code>`)
)

// setUpSecondFactor turns on her second factor through the page and returns
// the secret.
func setUpSecondFactor(t *testing.T, b *browser) string {
	t.Helper()
	a := b.get("/settings/2fa")
	wantPage(t, a, http.StatusOK)
	m := secretField.FindStringSubmatch(a.Body)
	if m == nil {
		t.Fatal("the set-up page shows no secret")
	}
	code, err := totp.GenerateCode(m[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, b.post("/settings/2fa/enable", url.Values{"secret": {m[1]}, "code": {code}}), "/settings?done=flash.account_2fa_on")
	return m[1]
}

func TestAccountPagesRenderForTheirRolesInBothLanguages(t *testing.T) {
	cat := loadPageCatalog(t)
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		pages := []struct {
			role  web.Role
			path  string
			title string
		}{
			{web.RoleMember, "/settings", "account.settings.title"},
			{web.RoleMember, "/settings/2fa", "account.2fa.title"},
			{web.RoleOutreach, "/admin/invites", "account.invites.title"},
			{web.RoleModerator, "/settings", "account.settings.title"},
			{web.RoleAdmin, "/admin/users", "account.users.title"},
			{web.RoleAdmin, "/admin/invites", "account.invites.title"},
			{web.RoleAdmin, "/admin/audit", "account.audit.title"},
		}
		for org := range 2 {
			lang := demoLang(org)
			browsers := map[web.Role]*browser{}
			for _, p := range pages {
				b := browsers[p.role]
				if b == nil {
					b = signInAs(t, s, s.Login(t, org, p.role))
					browsers[p.role] = b
				}
				a := b.get(p.path)
				wantPage(t, a, http.StatusOK, `<html lang="`+lang+`">`, ">"+cat.T(lang, p.title)+"</h1>")
			}
			// The confirm page of removing someone.
			target := userID(t, s, s.Login(t, org, web.RoleMember))
			wantPage(t, browsers[web.RoleAdmin].get("/admin/users/"+target+"/remove"), http.StatusOK,
				cat.T(lang, "account.remove.title", "Handle", s.Login(t, org, web.RoleMember).Handle))
			// Tables scroll inside their own box on a narrow phone.
			wantPage(t, browsers[web.RoleAdmin].get("/admin/users"), http.StatusOK, `<div class="table-wrap">`)

			// Each page is for its roles only; others get the plain 404.
			member, outreach := browsers[web.RoleMember], browsers[web.RoleOutreach]
			for _, path := range []string{"/admin/users", "/admin/invites", "/admin/audit", "/network/orgs", "/admin/users/" + target + "/remove"} {
				wantPage(t, member.get(path), http.StatusNotFound)
			}
			wantPage(t, outreach.get("/admin/users"), http.StatusNotFound)
			wantPage(t, browsers[web.RoleModerator].get("/admin/invites"), http.StatusNotFound)
		}
		// The organisations page is the network admin's (admin of the first
		// organisation), not any admin's.
		wantPage(t, signInAs(t, s, s.Login(t, 1, web.RoleAdmin)).get("/network/orgs"), http.StatusNotFound)
		root := signInAs(t, s, s.Login(t, 0, web.RoleAdmin))
		wantPage(t, root.get("/network/orgs"), http.StatusOK, ">"+cat.T("zh-CN", "account.orgs.title")+"</h1>", app.DemoOrgs[1].Slug)
		// She switches to English in settings: the next page is in English.
		wantRedirect(t, root.post("/settings/lang", url.Values{"lang": {"en"}}), "/settings?done=flash.account_lang_saved")
		wantPage(t, root.get("/settings"), http.StatusOK, `<html lang="en">`,
			cat.T("en", "flash.account_lang_saved"), `value="en" checked`)
		wantPage(t, root.get("/network/orgs"), http.StatusOK, ">"+cat.T("en", "account.orgs.title")+"</h1>")

		if strings.Contains(s.Log(), "missing message") {
			t.Errorf("a page used a message id no catalog has:\n%s", s.Log())
		}
	})
}

func TestPageMessagesExistInBothLanguages(t *testing.T) {
	cat := loadPageCatalog(t)
	en, zh := cat.c.IDs("en"), cat.c.IDs("zh-CN")
	if strings.Join(en, "\n") != strings.Join(zh, "\n") {
		t.Errorf("en and zh-CN define different messages:\nen: %v\nzh-CN: %v", en, zh)
	}
	// Every literal {{.T "id"}} of the templates is defined.
	used := regexp.MustCompile(`\.T "([a-zA-Z0-9_.]+)"`)
	err := fs.WalkDir(account.Files(), "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(account.Files(), path)
		if err != nil {
			return err
		}
		for _, m := range used.FindAllStringSubmatch(string(raw), -1) {
			if !strings.HasPrefix(m[1], "account.") && !strings.HasPrefix(m[1], "flash.") {
				continue // another capability's message, checked by internal/app's catalog test
			}
			for _, lang := range []string{"en", "zh-CN"} {
				if !cat.c.Has(lang, m[1]) {
					t.Errorf("%s uses %q, which %s lacks", path, m[1], lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFailedFormsKeepWhatWasTypedAndShowTheMessage(t *testing.T) {
	cat := loadPageCatalog(t)
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		rootLogin := s.Login(t, 0, web.RoleAdmin)
		root := signInAs(t, s, rootLogin)

		a := root.post("/network/orgs", url.Values{"name": {"Kunming Rose 昆明"}, "slug": {"Not A Slug!"}})
		wantPage(t, a, http.StatusUnprocessableEntity,
			`value="Kunming Rose 昆明"`, `value="Not A Slug!"`, cat.T("zh-CN", "account.error.slug"), `aria-invalid="true"`)
		// Fixed, it is added, and the list shows it.
		wantRedirect(t, root.post("/network/orgs", url.Values{"name": {"Kunming Rose 昆明"}, "slug": {"kunming-roses"}}), "/network/orgs?done=flash.account_org_created")
		wantPage(t, root.get("/network/orgs"), http.StatusOK, "Kunming Rose 昆明", "<code>kunming-roses</code>")
		a = root.post("/network/orgs", url.Values{"name": {"Again"}, "slug": {"kunming-roses"}})
		wantPage(t, a, http.StatusUnprocessableEntity, `value="Again"`, cat.T("zh-CN", "account.error.slug_taken"))

		// Passphrases are never typed back into the page.
		l := s.Login(t, 1, web.RoleMember)
		b := signInAs(t, s, l)
		a = b.post("/settings/passphrase", url.Values{"old_passphrase": {l.Passphrase}, "new_passphrase": {"river moon lantern"}, "new_passphrase2": {"river moon lantren"}})
		wantPage(t, a, http.StatusUnprocessableEntity, cat.T("en", "account.error.passphrase_mismatch"))
		a = b.post("/settings/passphrase", url.Values{"old_passphrase": {"not-her-passphrase"}, "new_passphrase": {"river moon lantern"}, "new_passphrase2": {"river moon lantern"}})
		wantPage(t, a, http.StatusUnprocessableEntity, cat.T("en", "account.error.passphrase_wrong"), `id="old-error"`)
		for _, typed := range []string{l.Passphrase, "river moon", "not-her-passphrase"} {
			if strings.Contains(a.Body, typed) {
				t.Errorf("the page echoes a typed passphrase %q", typed)
			}
		}

		// A role that does not exist.
		admin := signInAs(t, s, s.Login(t, 1, web.RoleAdmin))
		wantPage(t, admin.post("/admin/invites", url.Values{"role": {"boss"}}), http.StatusUnprocessableEntity, cat.T("en", "account.error.role"))
	})
}

func TestPassphraseChangeEndsHerOtherSessionsOnly(t *testing.T) {
	cat := loadPageCatalog(t)
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		l := s.Login(t, 1, web.RoleOutreach)
		here, there := signInAs(t, s, l), signInAs(t, s, l)
		a := here.post("/settings/passphrase", url.Values{"old_passphrase": {l.Passphrase}, "new_passphrase": {"river moon lantern"}, "new_passphrase2": {"river moon lantern"}})
		wantRedirect(t, a, "/settings?done=flash.account_passphrase_changed")
		wantPage(t, here.get(a.Location), http.StatusOK, cat.T("en", "flash.account_passphrase_changed"))
		wantRedirect(t, there.get("/settings"), "/signin")

		l.Passphrase = "river moon lantern"
		wantPage(t, signInAs(t, s, l).get("/settings"), http.StatusOK)
	})
}

func TestSignOutEverywhereEndsEverySessionIncludingThisOne(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		l := s.Login(t, 0, web.RoleMember)
		here, there := signInAs(t, s, l), signInAs(t, s, l)
		old := here.Session
		wantRedirect(t, here.post("/settings/signout-everywhere", nil), "/signin?done=flash.account_signed_out_everywhere")
		if here.Session != "" {
			t.Error("the session cookie was not cleared")
		}
		here.Session = old // the same cookie, kept: it no longer works
		wantRedirect(t, here.get("/settings"), "/signin")
		wantRedirect(t, there.get("/settings"), "/signin")
	})
}

func TestRoleChangeEndsTheTargetsSessions(t *testing.T) {
	cat := loadPageCatalog(t)
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		modLogin := s.Login(t, 0, web.RoleModerator)
		mod := signInAs(t, s, modLogin)
		admin := signInAs(t, s, s.Login(t, 0, web.RoleAdmin))
		id := userID(t, s, modLogin)

		wantRedirect(t, admin.post("/admin/users/"+id+"/role", url.Values{"role": {"outreach"}}), "/admin/users?done=flash.account_role_changed")
		wantRedirect(t, mod.get("/settings"), "/signin")
		// Signed in again, she works with the new role.
		wantPage(t, signInAs(t, s, modLogin).get("/admin/invites"), http.StatusOK)
		// The audit log says so, in words.
		wantPage(t, admin.get("/admin/audit"), http.StatusOK,
			cat.T("zh-CN", "audit.action.user.role", "Arg", cat.c.Translate("zh-CN", "account.role.outreach", nil)),
			cat.T("zh-CN", "account.audit.chain_ok"))

		// The last admin cannot make herself something else.
		self := userID(t, s, s.Login(t, 0, web.RoleAdmin))
		wantPage(t, admin.post("/admin/users/"+self+"/role", url.Values{"role": {"member"}}), http.StatusConflict, cat.T("zh-CN", "account.error.last_admin"))
	})
}

func TestOutreachCanInviteMembersOnly(t *testing.T) {
	cat := loadPageCatalog(t)
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		l := s.Login(t, 1, web.RoleOutreach)
		b := signInAs(t, s, l)
		a := b.get("/admin/invites")
		wantPage(t, a, http.StatusOK, `<input type="hidden" name="role" value="member">`)
		if strings.Contains(a.Body, `<select id="role"`) {
			t.Error("outreach is offered a role choice")
		}
		org, err := s.Accounts.Store().OrgBySlug(context.Background(), l.Org)
		if err != nil {
			t.Fatal(err)
		}
		count := func() int {
			invs, err := s.Accounts.Store().InvitesOf(context.Background(), org.ID, 1000)
			if err != nil {
				t.Fatal(err)
			}
			return len(invs)
		}
		before := count()
		wantPage(t, b.post("/admin/invites", url.Values{"role": {"admin"}}), http.StatusUnprocessableEntity, cat.T("en", "account.error.outreach_members_only"))
		if n := count(); n != before {
			t.Fatalf("an invite was made: %d invites, was %d", n, before)
		}

		a = b.post("/admin/invites", url.Values{"role": {"member"}})
		wantPage(t, a, http.StatusCreated)
		m := bigCode.FindStringSubmatch(a.Body)
		if m == nil {
			t.Fatal("no code shown")
		}
		var out struct {
			User struct {
				Role string `json:"role"`
			} `json:"user"`
		}
		if st := s.JSON(t, "", "POST", "/api/v1/register", map[string]string{"code": m[1], "handle": "newsister", "passphrase": "river moon lantern"}, &out); st != http.StatusCreated || out.User.Role != "member" {
			t.Fatalf("register with the code: %d %+v", st, out)
		}
	})
}

func TestInviteCodeIsShownOnceAndCanBeRevoked(t *testing.T) {
	cat := loadPageCatalog(t)
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		admin := signInAs(t, s, s.Login(t, 1, web.RoleAdmin))
		a := admin.post("/admin/invites", url.Values{"role": {"moderator"}})
		wantPage(t, a, http.StatusCreated, `<code class="big">`, cat.T("en", "account.invites.code_title", "Role", "Moderator"))
		code := bigCode.FindStringSubmatch(a.Body)[1]
		wantPage(t, a, http.StatusCreated, `href="/register?code=`+code+`"`)

		list := admin.get("/admin/invites")
		wantPage(t, list, http.StatusOK, cat.T("en", "account.invites.status.open"), cat.T("en", "account.invites.status.used"))
		if strings.Contains(list.Body, code) {
			t.Fatal("the code is shown again")
		}
		revoke := regexp.MustCompile(`action="(/admin/invites/[^/"]+/revoke)"`).FindStringSubmatch(list.Body)
		if revoke == nil {
			t.Fatal("no revoke button for the open invite")
		}
		// Another organisation's admin cannot revoke it.
		other := signInAs(t, s, s.Login(t, 0, web.RoleAdmin))
		wantPage(t, other.post(revoke[1], nil), http.StatusNotFound)

		wantRedirect(t, admin.post(revoke[1], nil), "/admin/invites?done=flash.account_invite_revoked")
		if st := s.JSON(t, "", "POST", "/api/v1/register", map[string]string{"code": code, "handle": "latecomer", "passphrase": "river moon lantern"}, nil); st != http.StatusUnprocessableEntity {
			t.Fatalf("register with a revoked code: %d", st)
		}
	})
}

func TestNetworkAdminInvitesToAnotherOrganisation(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		root := signInAs(t, s, s.Login(t, 0, web.RoleAdmin))
		wantPage(t, root.get("/admin/invites"), http.StatusOK, `<select id="org" name="org">`, `value="`+app.DemoOrgs[1].Slug+`"`)
		a := root.post("/admin/invites", url.Values{"role": {"admin"}, "org": {app.DemoOrgs[1].Slug}})
		wantPage(t, a, http.StatusCreated)
		var out struct {
			User struct{ Role, Org string } `json:"user"`
		}
		st := s.JSON(t, "", "POST", "/api/v1/register", map[string]string{"code": bigCode.FindStringSubmatch(a.Body)[1], "handle": "second-admin", "passphrase": "river moon lantern"}, &out)
		if st != http.StatusCreated || out.User.Role != "admin" || out.User.Org != app.DemoOrgs[1].Slug {
			t.Fatalf("register: %d %+v", st, out)
		}
	})
}

func TestAdminGets404ForAnotherOrganisationsUsers(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		// The network admin too: the network role gives no power over
		// another organisation's people.
		admin := signInAs(t, s, s.Login(t, 0, web.RoleAdmin))
		other := s.Login(t, 1, web.RoleModerator)
		id := userID(t, s, other)
		// Her id answers exactly like an id that does not exist.
		for _, target := range []string{id, db.NewID()} {
			wantPage(t, admin.post("/admin/users/"+target+"/role", url.Values{"role": {"member"}}), http.StatusNotFound)
			wantPage(t, admin.get("/admin/users/"+target+"/remove"), http.StatusNotFound)
			wantPage(t, admin.post("/admin/users/"+target+"/remove", nil), http.StatusNotFound)
		}
		u, err := s.Accounts.Store().UserByID(context.Background(), id)
		if err != nil {
			t.Fatalf("the other organisation's user is gone: %v", err)
		}
		if u.Role != web.RoleModerator {
			t.Fatalf("her role changed to %s", u.Role)
		}
		if strings.Contains(admin.get("/admin/users").Body, other.Handle) {
			t.Fatal("the list shows another organisation's user")
		}
	})
}

func TestAdminRemovesSomeoneAfterConfirming(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		admin := signInAs(t, s, s.Login(t, 1, web.RoleAdmin))
		l := s.Login(t, 1, web.RoleMember)
		member := signInAs(t, s, l)
		id := userID(t, s, l)
		wantPage(t, admin.get("/admin/users/"+id+"/remove"), http.StatusOK, `action="/admin/users/`+id+`/remove"`)
		wantRedirect(t, admin.post("/admin/users/"+id+"/remove", nil), "/admin/users?done=flash.account_user_removed")
		wantRedirect(t, member.get("/settings"), "/signin")
		if strings.Contains(admin.get("/admin/users").Body, ">"+l.Handle+"<") {
			t.Fatal("she is still listed")
		}
	})
}

func TestLastAdminCannotDeleteHerself(t *testing.T) {
	cat := loadPageCatalog(t)
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		l := s.Login(t, 1, web.RoleAdmin)
		b := signInAs(t, s, l)
		wantPage(t, b.post("/settings/delete", url.Values{"passphrase": {l.Passphrase}}), http.StatusConflict, cat.T("en", "account.error.last_admin"))
		wantPage(t, b.get("/settings"), http.StatusOK)
		signInAs(t, s, l)

		// A member can, with her passphrase, and is gone.
		m := s.Login(t, 1, web.RoleMember)
		mb := signInAs(t, s, m)
		wantPage(t, mb.post("/settings/delete", url.Values{"passphrase": {"not-hers"}}), http.StatusUnprocessableEntity, cat.T("en", "account.error.passphrase_wrong"))
		wantRedirect(t, mb.post("/settings/delete", url.Values{"passphrase": {m.Passphrase}}), "/signin?done=flash.account_deleted")
		a := newBrowser(t, s).post("/signin", url.Values{"handle": {m.Handle}, "passphrase": {m.Passphrase}})
		if a.Status == http.StatusSeeOther {
			t.Fatal("a deleted account can still sign in")
		}
	})
}

func TestSecondFactorSetUpThenSignInAsksForTheCode(t *testing.T) {
	cat := loadPageCatalog(t)
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		l := s.Login(t, 1, web.RoleModerator)
		b := signInAs(t, s, l)

		a := b.get("/settings/2fa")
		wantPage(t, a, http.StatusOK, `href="otpauth://totp/`, `<svg class="qr"`)
		secret := secretField.FindStringSubmatch(a.Body)[1]
		// The key is drawn inline: no URL carries it.
		if strings.Contains(a.Body, "?secret=") && !strings.Contains(a.Body, "otpauth://") {
			t.Fatal("a URL carries the key")
		}

		// A wrong code: the same key again, so the app entry still works.
		wrong, err := totp.GenerateCode(secret, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		a = b.post("/settings/2fa/enable", url.Values{"secret": {secret}, "code": {wrong}})
		wantPage(t, a, http.StatusUnprocessableEntity, `name="secret" value="`+secret+`"`, cat.T("en", "account.error.code_wrong"))

		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, b.post("/settings/2fa/enable", url.Values{"secret": {secret}, "code": {code}}), "/settings?done=flash.account_2fa_on")
		wantPage(t, b.get("/settings"), http.StatusOK, cat.T("en", "account.settings.2fa_on"))

		// Signing in now asks for the code.
		p := newBrowser(t, s)
		wantRedirect(t, p.post("/signin", url.Values{"handle": {l.Handle}, "passphrase": {l.Passphrase}, "next": {"/"}}), "/signin/code")
		// Half signed in, she can neither turn it off nor replace it.
		wantRedirect(t, p.get("/settings/2fa"), "/signin/code")
		wantRedirect(t, p.post("/settings/2fa/disable", url.Values{"passphrase": {l.Passphrase}}), "/signin/code")
		wantRedirect(t, p.post("/settings/2fa/enable", url.Values{"secret": {"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}, "code": {"123456"}}), "/signin/code")
		wantRedirect(t, p.get("/settings"), "/signin/code")

		next, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, p.post("/signin/code", url.Values{"code": {next}, "next": {"/settings"}}), "/settings")
		wantPage(t, p.get("/settings"), http.StatusOK, cat.T("en", "account.settings.2fa_on"))

		// Fully signed in, posting a new key with a good code for it neither
		// replaces her key nor turns it off: that takes her passphrase.
		other := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		otherCode, err := totp.GenerateCode(other, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, p.post("/settings/2fa/enable", url.Values{"secret": {other}, "code": {otherCode}}), "/settings/2fa")
		q := newBrowser(t, s)
		wantRedirect(t, q.post("/signin", url.Values{"handle": {l.Handle}, "passphrase": {l.Passphrase}, "next": {"/"}}), "/signin/code")
		otherNext, err := totp.GenerateCode(other, time.Now().Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, q.post("/signin/code", url.Values{"code": {otherNext}, "next": {"/"}}), http.StatusUnprocessableEntity, cat.T("en", "account.error.code_wrong"))

		// Turning it off takes her passphrase.
		wantPage(t, p.post("/settings/2fa/disable", url.Values{"passphrase": {"not-hers"}}), http.StatusUnprocessableEntity, cat.T("en", "account.error.passphrase_wrong"))
		wantRedirect(t, p.post("/settings/2fa/disable", url.Values{"passphrase": {l.Passphrase}}), "/settings/2fa?done=flash.account_2fa_off")
		if a := newBrowser(t, s).post("/signin", url.Values{"handle": {l.Handle}, "passphrase": {l.Passphrase}, "next": {"/"}}); a.Location != "/" {
			t.Fatalf("with the second factor off, sign-in leads to %q", a.Location)
		}
	})
}

func TestOrgRequiringSecondFactorSendsStaffToSetItUp(t *testing.T) {
	cat := loadPageCatalog(t)
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		adminLogin := s.Login(t, 1, web.RoleAdmin)
		admin := signInAs(t, s, adminLogin)
		wantRedirect(t, admin.post("/admin/org/2fa", url.Values{"require": {"1"}}), "/admin/users?done=flash.account_org_2fa_saved")
		// She has none herself, so she is the first one sent to set it up.
		wantRedirect(t, admin.get("/admin/users"), "/settings/2fa")

		l := s.Login(t, 1, web.RoleModerator)
		b := signInAs(t, s, l)
		for _, path := range []string{"/", "/settings", "/admin/audit"} {
			wantRedirect(t, b.get(path), "/settings/2fa")
		}
		tok := s.Token(t, l)
		if st := s.JSON(t, tok, "GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized {
			t.Fatalf("API without the required second factor: %d", st)
		}
		a := b.get("/settings/2fa")
		wantPage(t, a, http.StatusOK, cat.T("en", "account.2fa.required"))
		if strings.Contains(a.Body, "<nav") {
			t.Error("the menu leads away from the set-up she must finish")
		}
		setUpSecondFactor(t, b)
		wantPage(t, b.get("/"), http.StatusOK)
		wantPage(t, b.get("/settings"), http.StatusOK, cat.T("en", "account.settings.2fa_on"))

		// Members are not asked.
		wantPage(t, signInAs(t, s, s.Login(t, 1, web.RoleMember)).get("/"), http.StatusOK)
		// The admin sets hers up and is back at work.
		setUpSecondFactor(t, admin)
		wantPage(t, admin.get("/admin/users"), http.StatusOK, `name="require" value="1" aria-describedby="org-2fa-hint" checked`)
	})
}

func TestAuditLogPagesBackAndSaysWhetherTheChainIsWhole(t *testing.T) {
	cat := loadPageCatalog(t)
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		l := s.Login(t, 0, web.RoleAdmin)
		org, err := s.Accounts.Store().OrgBySlug(ctx, l.Org)
		if err != nil {
			t.Fatal(err)
		}
		me := userID(t, s, l)
		for i := range 120 {
			if err := s.Accounts.Audit().Record(ctx, org.ID, me, "invite.revoke", "invite", fmt.Sprintf("inv%05d-extra", i)); err != nil {
				t.Fatal(err)
			}
		}
		b := signInAs(t, s, l)
		first := b.get("/admin/audit")
		bootstrap := cat.T("zh-CN", "audit.action.user.bootstrap")
		wantPage(t, first, http.StatusOK, cat.T("zh-CN", "account.audit.chain_ok"), cat.T("zh-CN", "audit.action.invite.revoke"), `<code title="inv00119-extra">inv00119…</code>`)
		if strings.Contains(first.Body, bootstrap) {
			t.Fatal("the first page reaches the oldest entry")
		}
		older := regexp.MustCompile(`href="(/admin/audit\?before=\d+)"`).FindStringSubmatch(first.Body)
		if older == nil {
			t.Fatal("no link to older entries")
		}
		second := b.get(older[1])
		wantPage(t, second, http.StatusOK, bootstrap, cat.T("zh-CN", "audit.action.invite.create"), `href="/admin/audit"`)
		if strings.Contains(second.Body, "inv00119") {
			t.Fatal("the older page repeats the newest entries")
		}
		// An action without a message shows as its id rather than breaking.
		if err := s.Accounts.Audit().Record(ctx, org.ID, me, "test.unnamed_action", "test_thing", "r1"); err != nil {
			t.Fatal(err)
		}
		wantPage(t, b.get("/admin/audit"), http.StatusOK, "<td>test.unnamed_action</td>", "<td>test_thing</td>")

		// A row slipped in behind the log's back does not follow from the
		// one before it: the page says where the chain breaks.
		if _, err := s.DB.ExecContext(ctx, `INSERT INTO audit_log (org_id, at, actor_id, action, object_type, object_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			org.ID, db.Now(), me, "invite.create", "invite", "forged", []byte("not the head"), []byte("made up")); err != nil {
			t.Fatal(err)
		}
		var forged int64
		if err := s.DB.QueryRowContext(ctx, `SELECT max(seq) FROM audit_log WHERE org_id = $1`, org.ID).Scan(&forged); err != nil {
			t.Fatal(err)
		}
		wantPage(t, b.get("/admin/audit"), http.StatusOK, cat.T("zh-CN", "account.audit.chain_broken", "Seq", forged))
	})
}
