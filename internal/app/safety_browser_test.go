package app_test

// The safety loop in a real browser on a 360×640 phone, in Chinese: report,
// review with corroboration, network alert, and screening in the other
// organisation, with axe-core on every page of the loop.

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/browsertest"
	"github.com/sisterline/sisterline/internal/web"
)

// safetyMsg is a message as the server words it.
func safetyMsg(s *apptest.Server, lang, id string, args ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		data[args[i].(string)] = args[i+1]
	}
	if len(data) == 0 {
		data = nil
	}
	return s.Renderer.Catalog().Translate(lang, id, data)
}

// safetyPage checks the page the tab shows: it fits the phone, passes
// axe-core, and (when name is set) is kept as a screenshot to look at.
func safetyPage(t *testing.T, b *browsertest.Browser, tab context.Context, name string) {
	t.Helper()
	browsertest.FitsWidth(t, tab)
	b.Axe(t, tab)
	if name != "" {
		browsertest.Screenshot(t, tab, name)
	}
}

// wantText fails unless the element sel holds want.
func wantText(t *testing.T, tab context.Context, sel, want string) {
	t.Helper()
	if got := browsertest.Text(t, tab, sel); !strings.Contains(got, want) {
		t.Errorf("%s: %s says %q, want %q in it", browsertest.Location(t, tab), sel, got, want)
	}
}

func TestBrowserSafetyLoopInChineseOnAPhone(t *testing.T) {
	s := apptest.Start(t)
	b := browsertest.New(t)
	const zh = "zh-CN"
	next := `button[name=go][value=next]`

	// An outreach worker filed an earlier report naming the number written
	// another way.
	earlier := map[string]any{
		"area": "昆明", "incident_types": []string{"robbery"},
		"perpetrator": map[string]any{"identifiers": []map[string]string{{"kind": "phone", "value": "138-0013-8000"}}},
		"consent":     map[string]bool{"alert": true},
	}
	if st := s.JSON(t, s.Token(t, s.Login(t, 0, web.RoleOutreach)), "POST", "/api/v1/reports", earlier, nil); st != http.StatusCreated {
		t.Fatalf("earlier report: %d", st)
	}

	// A member of the first organisation (her account is in Chinese) files
	// a report, step by step.
	member := s.Login(t, 0, web.RoleMember)
	tab := b.Tab(t, true)
	browsertest.SignIn(t, tab, s.URL, member.Handle, member.Passphrase)
	safetyPage(t, b, tab, "safety-home-member-zh")
	browsertest.Submit(t, tab, `a.button[href="/reports/new"]`)
	wantText(t, tab, "h1", safetyMsg(s, zh, "incident.form.title"))
	safetyPage(t, b, tab, "report-1-what-zh")
	browsertest.Click(t, tab, `input[value=physical_violence]`)
	browsertest.Click(t, tab, `input[value=sexual_violence]`)
	browsertest.Fill(t, tab, "#narrative", "他打了我，还拿走了钱。")
	browsertest.Submit(t, tab, next)
	browsertest.Fill(t, tab, "#area", "昆明")
	browsertest.Fill(t, tab, "#place", "春天酒店")
	safetyPage(t, b, tab, "report-2-when-zh")
	browsertest.Submit(t, tab, next)
	browsertest.Fill(t, tab, "#description", "四十岁左右，开灰色的车")
	browsertest.Fill(t, tab, "#value_0", "+86 138 0013 8000")
	safetyPage(t, b, tab, "report-3-who-zh")
	browsertest.Submit(t, tab, next)
	browsertest.Click(t, tab, `input[value=pep]`)
	safetyPage(t, b, tab, "report-4-needs-zh")
	browsertest.Submit(t, tab, next)
	browsertest.Click(t, tab, `input[name=consent_alert]`)
	browsertest.Click(t, tab, `input[name=consent_network]`)
	safetyPage(t, b, tab, "report-5-consent-zh")
	browsertest.Submit(t, tab, next)
	wantText(t, tab, "dl.summary", "+86 138 0013 8000")
	safetyPage(t, b, tab, "report-6-review-zh")
	if st := browsertest.Submit(t, tab, `form[action$="/submit"] button`); st != http.StatusOK {
		t.Fatalf("send: status %d", st)
	}
	wantText(t, tab, "h1", safetyMsg(s, zh, "incident.sent.title"))
	reportID := regexp.MustCompile(`/reports/([A-Za-z0-9]+)/sent$`).FindStringSubmatch(browsertest.Location(t, tab))
	if reportID == nil {
		t.Fatalf("after sending: %s", browsertest.Location(t, tab))
	}
	safetyPage(t, b, tab, "report-7-sent-zh")
	browsertest.Open(t, tab, s.URL+"/reports")
	safetyPage(t, b, tab, "")
	browsertest.Submit(t, tab, `article h2 a`)
	wantText(t, tab, ".tag", safetyMsg(s, zh, "incident.mine_status.pending"))
	safetyPage(t, b, tab, "")

	// Her moderator sees it first in the queue, urgent, named before.
	mod := s.Login(t, 0, web.RoleModerator)
	modTab := b.Tab(t, true)
	browsertest.SignIn(t, modTab, s.URL, mod.Handle, mod.Passphrase)
	wantText(t, modTab, "main", safetyMsg(s, zh, "incident.home.waiting", "Count", 2))
	browsertest.Open(t, modTab, s.URL+"/review")
	wantText(t, modTab, "article", safetyMsg(s, zh, "incident.urgency.urgent"))
	wantText(t, modTab, "article", safetyMsg(s, zh, "incident.queue.corroborations", "Count", 1))
	safetyPage(t, b, modTab, "review-queue-zh")
	browsertest.Submit(t, modTab, `article h2 a`)
	wantText(t, modTab, ".corr-panel", safetyMsg(s, zh, "incident.corr.total", "Count", 1))
	wantText(t, modTab, ".corr-panel", safetyMsg(s, zh, "incident.corr.own", "Count", 1))
	safetyPage(t, b, modTab, "review-report-zh")
	browsertest.Fill(t, modTab, "#summary", "四十岁左右，开灰色的车。会打人，抢钱。")
	browsertest.Click(t, modTab, `input[name=scope][value=network]`)
	browsertest.Submit(t, modTab, `form[action$="/publish"] button[type=submit]`)
	wantText(t, modTab, ".flash", safetyMsg(s, zh, "flash.incident_published"))
	safetyPage(t, b, modTab, "alert-published-zh")
	alertURL := browsertest.Location(t, modTab)
	alertID := regexp.MustCompile(`/alerts/([A-Za-z0-9]+)`).FindStringSubmatch(alertURL)
	if alertID == nil {
		t.Fatalf("after publishing: %s", alertURL)
	}
	browsertest.Open(t, modTab, s.URL+"/alerts/"+alertID[1]+"/edit")
	safetyPage(t, b, modTab, "alert-edit-zh")
	browsertest.Open(t, modTab, s.URL+"/alerts/"+alertID[1]+"/withdraw")
	safetyPage(t, b, modTab, "")
	browsertest.Open(t, modTab, s.URL+"/cases")
	safetyPage(t, b, modTab, "cases-zh")
	browsertest.Submit(t, modTab, `article h2 a`)
	safetyPage(t, b, modTab, "case-zh")

	// A member of the other organisation, reading Chinese, sees the
	// network alert and finds it by screening the number written a third
	// way.
	other := s.Login(t, 1, web.RoleMember)
	otherTab := b.Tab(t, true)
	browsertest.SignIn(t, otherTab, s.URL, other.Handle, other.Passphrase)
	// Her account is in English: the longer English words fit too.
	browsertest.Open(t, otherTab, s.URL+"/reports/new")
	safetyPage(t, b, otherTab, "report-1-what-en")
	browsertest.Open(t, otherTab, s.URL+"/review/"+reportID[1])
	if got := browsertest.Text(t, otherTab, "h1"); got != safetyMsg(s, "en", "error.title") {
		t.Errorf("another organisation's member opened the report: %q", got)
	}
	browsertest.Open(t, otherTab, s.URL+"/")
	browsertest.Submit(t, otherTab, `form[action="/lang"] button[type=submit]`)
	browsertest.Open(t, otherTab, s.URL+"/alerts")
	wantText(t, otherTab, "article", "会打人，抢钱")
	safetyPage(t, b, otherTab, "alerts-other-org-zh")
	browsertest.Open(t, otherTab, s.URL+"/")
	browsertest.Fill(t, otherTab, "#home-screen-value", "0086 138.0013.8000")
	browsertest.Submit(t, otherTab, `.screen-box button[type=submit]`)
	if loc := browsertest.Location(t, otherTab); loc != s.URL+"/screen" {
		t.Errorf("after screening the tab is at %s", loc)
	}
	wantText(t, otherTab, ".answer", safetyMsg(s, zh, "alert.screen.found", "Count", 1))
	wantText(t, otherTab, "article", "会打人，抢钱")
	safetyPage(t, b, otherTab, "screen-found-zh")
	browsertest.Fill(t, otherTab, "#screen-value", "139 0000 0000")
	browsertest.Submit(t, otherTab, `.screen-form button[type=submit]`)
	wantText(t, otherTab, ".answer", safetyMsg(s, zh, "alert.screen.none"))
	safetyPage(t, b, otherTab, "screen-none-zh")
	for _, marker := range []string{"13800138000", "0013", "139 0000"} {
		if strings.Contains(s.Log(), marker) {
			t.Fatalf("the log holds %q from a report or a screening", marker)
		}
	}
}
