package app_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/browsertest"
	"github.com/sisterline/sisterline/internal/programme"
	"github.com/sisterline/sisterline/internal/web"
)

// peopleReached reads the dashboard's people-reached figure.
func peopleReached(t *testing.T, tab context.Context, s *apptest.Server) int {
	t.Helper()
	browsertest.Open(t, tab, s.URL+"/programme")
	txt := browsertest.Text(t, tab, `section[aria-labelledby="ind-people_reached"] .figure`)
	n, err := strconv.Atoi(strings.TrimSpace(txt))
	if err != nil {
		t.Fatalf("people reached reads %q", txt)
	}
	return n
}

// TestBrowserOutreachIssuesACodeLogsAContactAndTheDashboardMoves is an
// outreach worker on a 360×640 phone: she issues a code, logs a contact
// with two services for it on the one-screen form, and sees people reached
// go up by one; every programme page passes the every-page checks.
func TestBrowserOutreachIssuesACodeLogsAContactAndTheDashboardMoves(t *testing.T) {
	s := apptest.Start(t)
	b := browsertest.New(t)
	l := s.Login(t, 0, web.RoleOutreach)
	tab := b.Tab(t, true)
	browsertest.SignIn(t, tab, s.URL, l.Handle, l.Passphrase)

	before := peopleReached(t, tab, s)
	browsertest.Screenshot(t, tab, "programme-dashboard-before")

	browsertest.Open(t, tab, s.URL+"/programme/codes/new")
	if st := browsertest.Submit(t, tab, `form[action="/programme/codes"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("issue code: status %d", st)
	}
	code := strings.TrimSpace(browsertest.Text(t, tab, "#member-code"))
	if _, err := programme.ParseCode(code); err != nil {
		t.Fatalf("card shows %q: %v", code, err)
	}
	if strings.Contains(browsertest.Location(t, tab), strings.ReplaceAll(code, "-", "")) {
		t.Error("the code is in the address")
	}
	checkCurrent(t, b, tab, s)
	browsertest.Screenshot(t, tab, "programme-card")

	browsertest.Open(t, tab, s.URL+"/programme/contacts/new")
	checkCurrent(t, b, tab, s)
	browsertest.Fill(t, tab, "#member_codes", code)
	browsertest.Click(t, tab, `input[name=services][value=condoms]`)
	browsertest.Click(t, tab, `input[name=services][value=hiv_self_test]`)
	browsertest.Screenshot(t, tab, "programme-contact-form")
	if st := browsertest.Submit(t, tab, `form[action="/programme/contacts"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("save contact: status %d", st)
	}
	if flash := browsertest.Text(t, tab, ".flash"); flash != s.Text("zh-CN", "flash.programme.contact_saved") {
		t.Errorf("after saving: %q", flash)
	}

	if after := peopleReached(t, tab, s); after != before+1 {
		t.Errorf("people reached %d → %d, want +1", before, after)
	}
	browsertest.Screenshot(t, tab, "programme-dashboard-after")

	for _, p := range []page{
		{path: "/programme"}, {path: "/programme?period=" + programme.Year(s.Programme.Today()).ID},
		{path: "/programme/contacts/new"}, {path: "/programme/codes/new"}, {path: "/programme/referrals"},
		{path: "/programme/sessions/new"}, {path: "/programme/trainings/new"}, {path: "/programme/projects"},
		{path: "/programme/records"}, {path: "/programme/records?kind=training"},
	} {
		checkPage(t, b, tab, s, p)
	}
	browsertest.Open(t, tab, s.URL+"/programme/records")
	browsertest.Screenshot(t, tab, "programme-records")
	// A bad code re-renders the form with each code's reason.
	browsertest.Open(t, tab, s.URL+"/programme/contacts/new")
	browsertest.Fill(t, tab, "#member_codes", code+" ABCD-EF2")
	if st := browsertest.Submit(t, tab, `form[action="/programme/contacts"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("bad code: status %d", st)
	}
	if got := browsertest.Value(t, tab, "#member_codes"); got != code+" ABCD-EF2" {
		t.Errorf("codes after the failed save: %q", got)
	}
	checkCurrent(t, b, tab, s)

	// A detail of the saved contact was wrong: corrected from the "latest
	// saved" list, in its own form, filled in.
	browsertest.Open(t, tab, s.URL+"/programme/contacts/new")
	if st := browsertest.Submit(t, tab, `a[href^="/programme/records/"][href$="/edit"]`); st != http.StatusOK {
		t.Fatalf("open the contact to correct it: status %d", st)
	}
	checkCurrent(t, b, tab, s)
	if got := browsertest.Value(t, tab, "#member_codes"); got != code {
		t.Errorf("codes in the correction form: %q, want %q", got, code)
	}
	browsertest.Click(t, tab, `input[name=services][value=hiv_self_test]`)
	browsertest.Click(t, tab, `input[name=services][value=lubricant]`)
	browsertest.Screenshot(t, tab, "programme-contact-correct")
	if st := browsertest.Submit(t, tab, `form[action$="/edit"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("save the correction: status %d", st)
	}
	if flash := browsertest.Text(t, tab, ".flash"); flash != s.Text("zh-CN", "flash.programme.record_corrected") {
		t.Errorf("after correcting: %q", flash)
	}
	if after := peopleReached(t, tab, s); after != before+1 {
		t.Errorf("people reached after the correction: %d, want %d", after, before+1)
	}

	// The saved contact was a mistake: deleted from the "latest saved"
	// list, after a page that asks.
	browsertest.Open(t, tab, s.URL+"/programme/contacts/new")
	if st := browsertest.Submit(t, tab, `a[href^="/programme/records/"][href$="/delete"]`); st != http.StatusOK {
		t.Fatalf("ask to delete the contact: status %d", st)
	}
	checkCurrent(t, b, tab, s)
	if st := browsertest.Submit(t, tab, `form[action^="/programme/records/"] button`); st != http.StatusOK {
		t.Fatalf("delete the contact: status %d", st)
	}
	if flash := browsertest.Text(t, tab, ".flash"); flash != s.Text("zh-CN", "flash.programme.record_deleted") {
		t.Errorf("after deleting: %q", flash)
	}
	checkCurrent(t, b, tab, s)
	if after := peopleReached(t, tab, s); after != before {
		t.Errorf("people reached after the deletion: %d, want %d", after, before)
	}

	t.Run("admin-and-network-en", func(t *testing.T) {
		admin := s.Login(t, 0, web.RoleAdmin) // also the network admin
		tab := b.Tab(t, true)
		browsertest.SignIn(t, tab, s.URL, admin.Handle, admin.Passphrase)
		for _, p := range []page{{path: "/programme/settings"}, {path: "/programme/network"}, {path: "/programme?period=" + programme.Quarter(s.Programme.Today()).ID}} {
			checkPage(t, b, tab, s, p)
		}
		browsertest.Screenshot(t, tab, "programme-dashboard-quarter")
	})
}
