package incident_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/web"
)

// onBothEngines runs test against a seeded server on SQLite, then on
// PostgreSQL when SISTERLINE_TEST_POSTGRES is set.
func onBothEngines(t *testing.T, test func(t *testing.T, s *apptest.Server)) {
	t.Run("sqlite", func(t *testing.T) { test(t, apptest.Start(t)) })
	t.Run("postgres", func(t *testing.T) { test(t, apptest.Start(t, apptest.Postgres(t))) })
}

// The demo's second organisation speaks English, the first Chinese.
const en, zh = "en", "zh-CN"

var draftPath = regexp.MustCompile(`^/reports/([A-Za-z0-9]+)/edit\?step=`)

// startReport posts the first step of the form and returns the draft's id.
func startReport(t *testing.T, c *apptest.PageClient, form url.Values) string {
	t.Helper()
	p := c.Post("/reports/new", form)
	apptest.WantRedirect(t, p, "/reports/")
	m := draftPath.FindStringSubmatch(p.Location)
	if m == nil {
		t.Fatalf("after the first step: redirect to %q", p.Location)
	}
	return m[1]
}

func daysAgo(n int) string { return time.Now().UTC().AddDate(0, 0, -n).Format("2006-01-02") }

// apiReport files a report through the API and returns its id.
func apiReport(t *testing.T, s *apptest.Server, l app.Login, body map[string]any) string {
	t.Helper()
	var out struct{ ID string }
	if st := s.JSON(t, s.Token(t, l), "POST", "/api/v1/reports", body, &out); st != http.StatusCreated {
		t.Fatalf("file report: status %d", st)
	}
	return out.ID
}

func reportBody(types []string, phone string, consent map[string]bool, support ...string) map[string]any {
	return map[string]any{
		"occurred_on": daysAgo(1), "area": "Kunming", "incident_types": types, "narrative": "what he did",
		"perpetrator": map[string]any{"description": "tall", "identifiers": []map[string]string{{"kind": "phone", "value": phone}}},
		"support":     support, "consent": consent,
	}
}

func TestReportFormKeepsEveryStepOnTheServerWhenSheStopsMidway(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		member := s.Login(t, 1, web.RoleMember)
		c := s.SignInPages(t, member)

		first := c.Get("/reports/new")
		apptest.WantPage(t, first, http.StatusOK, s.Text(en, "incident.type.sexual_violence"), `name="incident_types"`, `<svg class="icon"`)
		if strings.Contains(first.Body, `name="on_behalf"`) {
			t.Error("a member is offered to file on someone's behalf")
		}
		id := startReport(t, c, url.Values{"step": {"what"}, "incident_types": {"robbery", "physical_violence"}, "narrative": {"He took my phone"}, "go": {"next"}})
		edit := "/reports/" + id + "/edit"
		apptest.WantRedirect(t, c.Post(edit, url.Values{"step": {"when"}, "occurred_on": {daysAgo(2)}, "area": {"Kunming"}, "place": {"Hotel Spring"}, "go": {"next"}}), edit+"?step=who")
		apptest.WantRedirect(t, c.Post(edit, url.Values{"step": {"who"}, "description": {"tall, grey car"}, "kind_0": {"phone"}, "value_0": {"138 0013 8000"}, "go": {"next"}}), edit+"?step=needs")

		// Her connection drops here. Later, on a new sign-in, everything
		// she typed is on the server and the form resumes where she was.
		c = s.SignInPages(t, member)
		apptest.WantPage(t, c.Get("/reports"), http.StatusOK, s.Text(en, "incident.mine_status.draft"), "/reports/"+id+"/edit")
		apptest.WantPage(t, c.Get(edit), http.StatusOK, s.Text(en, "incident.needs.legend"))
		apptest.WantPage(t, c.Get(edit+"?step=what"), http.StatusOK, `value="robbery" checked`, `value="physical_violence" checked`, "He took my phone")
		apptest.WantPage(t, c.Get(edit+"?step=when"), http.StatusOK, `value="`+daysAgo(2)+`"`, `value="Kunming"`, `value="Hotel Spring"`)
		apptest.WantPage(t, c.Get(edit+"?step=who"), http.StatusOK, "tall, grey car", `value="&#43;86 138 0013 8000"`)
		var mine struct {
			Reports []struct {
				ID, Status    string
				IncidentTypes []string `json:"incident_types"`
			}
		}
		if st := s.JSON(t, s.Token(t, member), "GET", "/api/v1/reports/mine", nil, &mine); st != http.StatusOK || len(mine.Reports) != 1 ||
			mine.Reports[0].Status != "draft" || len(mine.Reports[0].IncidentTypes) != 2 {
			t.Fatalf("her reports: %d %+v", st, mine)
		}

		// She goes on and sends it.
		apptest.WantRedirect(t, c.Post(edit, url.Values{"step": {"needs"}, "support": {"pep", "legal"}, "go": {"next"}}), edit+"?step=consent")
		consent := c.Get(edit + "?step=consent")
		apptest.WantPage(t, consent, http.StatusOK, s.Text(en, "incident.consent.network_hint"))
		if strings.Contains(consent.Body, "checked") {
			t.Error("a consent box is ticked before she ticked it")
		}
		apptest.WantRedirect(t, c.Post(edit, url.Values{"step": {"consent"}, "consent_alert": {"1"}, "go": {"next"}}), edit+"?step=review")
		review := c.Get(edit + "?step=review")
		apptest.WantPage(t, review, http.StatusOK, s.Text(en, "incident.type.robbery"), "Hotel Spring", "&#43;86 138 0013 8000", s.Text(en, "incident.need.pep"),
			`action="/reports/`+id+`/submit"`, edit+"?step=who")
		apptest.WantRedirect(t, c.Post("/reports/"+id+"/submit", nil), "/reports/"+id+"/sent")
		apptest.WantPage(t, c.Get("/reports/"+id+"/sent"), http.StatusOK, s.Text(en, "incident.sent.next_read"), s.Text(en, "incident.sent.pep_title"), `href="/rights`)
		apptest.WantPage(t, c.Get("/reports/"+id), http.StatusOK, s.Text(en, "incident.mine_status.pending"), "He took my phone")
		// A sent report is no longer a draft: the form sends her to it.
		apptest.WantRedirect(t, c.Get(edit+"?step=what"), "/reports/"+id)
		apptest.WantRedirect(t, c.Post(edit, url.Values{"step": {"what"}, "incident_types": {"theft"}}), "/reports/"+id)
	})
}

func TestReportStepThatFailsShowsTheMessageAndWhatSheTyped(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		c := s.SignInPages(t, s.Login(t, 0, web.RoleMember))

		// Nothing chosen: she is told at once, and her words stay.
		p := c.Post("/reports/new", url.Values{"step": {"what"}, "narrative": {"他打了我"}, "go": {"next"}})
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(zh, "incident.error.type_required"), "他打了我")
		m := regexp.MustCompile(`action="/reports/([A-Za-z0-9]+)/edit"`).FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatal("the failed first step does not post to the saved draft")
		}
		edit := "/reports/" + m[1] + "/edit"

		p = c.Post(edit, url.Values{"step": {"when"}, "occurred_on": {"2026-13-45"}, "area": {"昆明"}, "place": {"春天酒店"}, "go": {"next"}})
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(zh, "incident.error.date"), `value="2026-13-45"`, `value="昆明"`, `value="春天酒店"`, `aria-invalid="true"`)
		p = c.Post(edit, url.Values{"step": {"when"}, "occurred_on": {time.Now().UTC().AddDate(0, 0, 3).Format("2006-01-02")}, "area": {"昆明"}, "go": {"next"}})
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(zh, "incident.error.date_future"))
		// What was valid was kept even so.
		apptest.WantPage(t, c.Get(edit+"?step=when"), http.StatusOK, `value="昆明"`)

		// "Add another" saves and shows one more empty row.
		p = c.Post(edit, url.Values{"step": {"who"}, "kind_0": {""}, "value_0": {"wxid_abc123"}, "go": {"add"}})
		apptest.WantRedirect(t, p, edit+"?step=who&rows=2")
		apptest.WantPage(t, c.Get(p.Location), http.StatusOK, `value="wxid_abc123"`, `name="value_1"`, `for="value_1"`)

		// The review step names what is still missing, and Send refuses.
		apptest.WantRedirect(t, c.Post(edit, url.Values{"step": {"what"}, "go": {"later"}}), "/reports?done=flash.incident_draft_saved")
		apptest.WantPage(t, c.Post("/reports/"+m[1]+"/submit", nil), http.StatusUnprocessableEntity, s.Text(zh, "incident.error.type_required"))

		// Another member cannot open her draft.
		other := s.SignInPages(t, s.Login(t, 1, web.RoleMember))
		apptest.WantPage(t, other.Get(edit+"?step=who"), http.StatusNotFound)
		apptest.WantPage(t, other.Post(edit, url.Values{"step": {"what"}, "incident_types": {"theft"}}), http.StatusNotFound)
	})
}

func TestOutreachWorkerFilesForAMember(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		c := s.SignInPages(t, s.Login(t, 1, web.RoleOutreach))
		apptest.WantPage(t, c.Get("/reports/new"), http.StatusOK, `name="on_behalf"`, s.Text(en, "incident.what.on_behalf"))
		id := startReport(t, c, url.Values{"step": {"what"}, "incident_types": {"theft"}, "on_behalf": {"1"}, "go": {"next"}})
		apptest.WantPage(t, c.Get("/reports/"+id+"/edit?step=consent"), http.StatusOK, s.Text(en, "incident.consent.hint_on_behalf"), s.Text(en, "incident.form.on_behalf_note"))
		apptest.WantRedirect(t, c.Post("/reports/"+id+"/submit", nil), "/reports/"+id+"/sent")

		mod := s.SignInPages(t, s.Login(t, 1, web.RoleModerator))
		apptest.WantPage(t, mod.Get("/review"), http.StatusOK, "/review/"+id, s.Text(en, "incident.on_behalf_short"))
		// The member it was filed for has no account link to it; the
		// outreach worker follows it up.
		apptest.WantPage(t, c.Get("/reports"), http.StatusOK, "/reports/"+id)
		apptest.WantPage(t, s.SignInPages(t, s.Login(t, 1, web.RoleMember)).Get("/reports/"+id), http.StatusNotFound)
	})
}

func TestReviewQueuePutsSexualViolenceFirstAndShowsTheWait(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		member := s.Login(t, 1, web.RoleMember)
		older := apiReport(t, s, member, reportBody([]string{"robbery"}, "13911112222", map[string]bool{"alert": true}))
		urgent := apiReport(t, s, member, reportBody([]string{"sexual_violence"}, "13933334444", map[string]bool{"alert": true}))

		mod := s.SignInPages(t, s.Login(t, 1, web.RoleModerator))
		q := mod.Get("/review")
		apptest.WantPage(t, q, http.StatusOK, s.Text(en, "incident.urgency.urgent"),
			s.Text(en, "incident.queue.waiting", "Time", s.Text(en, "incident.span.min", "Count", 0)))
		iu, io := strings.Index(q.Body, "/review/"+urgent), strings.Index(q.Body, "/review/"+older)
		if iu < 0 || io < 0 || iu > io {
			t.Fatalf("queue order: sexual violence at %d, the older robbery at %d", iu, io)
		}
		// Filtered by status, and for moderators only.
		apptest.WantPage(t, mod.Get("/review?status=published"), http.StatusOK, s.Text(en, "incident.queue.empty"))
		apptest.WantPage(t, s.SignInPages(t, member).Get("/review"), http.StatusNotFound)
		apptest.WantPage(t, s.SignInPages(t, s.Login(t, 1, web.RoleOutreach)).Get("/review/"+urgent), http.StatusNotFound)
		// The moderator's home page says how many wait.
		apptest.WantPage(t, mod.Get("/"), http.StatusOK, s.Text(en, "incident.home.waiting", "Count", 2))
	})
}

func auditReads(t *testing.T, s *apptest.Server, reportID string) int {
	t.Helper()
	var n int
	err := s.DB.QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'report.read' AND object_id = $1`, reportID).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpeningAReportForReviewWritesAnAuditRow(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		id := apiReport(t, s, s.Login(t, 1, web.RoleMember), reportBody([]string{"threats"}, "13955556666", map[string]bool{"alert": true}))
		if n := auditReads(t, s, id); n != 0 {
			t.Fatalf("%d reads before anyone opened it", n)
		}
		// The queue shows what a report is about without opening it.
		s.SignInPages(t, s.Login(t, 1, web.RoleModerator)).Get("/review")
		if n := auditReads(t, s, id); n != 0 {
			t.Fatalf("listing the queue wrote %d reads", n)
		}
		mod := s.SignInPages(t, s.Login(t, 1, web.RoleModerator))
		apptest.WantPage(t, mod.Get("/review/"+id), http.StatusOK, "what he did", "&#43;86 139 5555 6666")
		if n := auditReads(t, s, id); n != 1 {
			t.Fatalf("after one opening: %d audit rows", n)
		}
		// Another organisation's moderator gets the plain 404 and no read.
		apptest.WantPage(t, s.SignInPages(t, s.Login(t, 0, web.RoleModerator)).Get("/review/"+id), http.StatusNotFound)
		if n := auditReads(t, s, id); n != 1 {
			t.Fatalf("after another organisation's try: %d audit rows", n)
		}
	})
}

func TestReviewShowsCorroborationAndRefusesNetworkAlertWithoutConsent(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		member := s.Login(t, 1, web.RoleMember)
		earlier := apiReport(t, s, s.Login(t, 1, web.RoleOutreach), reportBody([]string{"robbery"}, "138-0013-8000", map[string]bool{"alert": true}))
		apiReport(t, s, s.Login(t, 0, web.RoleMember), reportBody([]string{"robbery"}, "+86 13800138000", map[string]bool{"alert": true, "network": true}))
		id := apiReport(t, s, member, reportBody([]string{"physical_violence"}, "13800138000", map[string]bool{"alert": true}))

		mod := s.SignInPages(t, s.Login(t, 1, web.RoleModerator))
		p := mod.Get("/review/" + id)
		apptest.WantPage(t, p, http.StatusOK,
			s.Text(en, "incident.corr.total", "Count", 2), `href="/review/`+earlier+`"`, s.Text(en, "incident.corr.other_orgs", "Count", 1),
			`value="network" disabled`, s.Text(en, "incident.publish.no_network"), `name="ident" value="phone|&#43;8613800138000" checked`)

		form := url.Values{"summary": {"Hits women, grey car"}, "scope": {"network"}, "ident": {"phone|+8613800138000"}, "area": {"Kunming"}}
		p = mod.Post("/review/"+id+"/publish", form)
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(en, "incident.error.no_network_consent"), "Hits women, grey car")
		form.Set("scope", "org")
		form.Set("expires_on", "2020-01-01")
		apptest.WantPage(t, mod.Post("/review/"+id+"/publish", form), http.StatusUnprocessableEntity, s.Text(en, "incident.error.expiry"), `value="2020-01-01"`)
		form.Del("expires_on")
		p = mod.Post("/review/"+id+"/publish", form)
		apptest.WantRedirect(t, p, "/alerts/")
		apptest.WantPage(t, mod.Get(p.Location), http.StatusOK, "Hits women, grey car", s.Text(en, "flash.incident_published"), "&#43;86 138 0013 8000")
		// Decided: no more actions, and her page says so.
		p = mod.Get("/review/" + id)
		apptest.WantPage(t, p, http.StatusOK, s.Text(en, "incident.review.decided_published"))
		if strings.Contains(p.Body, `action="/review/`+id+`/publish"`) {
			t.Error("a published report still offers to publish")
		}
		apptest.WantPage(t, s.SignInPages(t, member).Get("/reports/"+id), http.StatusOK, s.Text(en, "incident.mine_status.published"))
	})
}

func TestModeratorAsksSheAnswersAndADeclineShowsHerTheReason(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		member := s.Login(t, 1, web.RoleMember)
		id := apiReport(t, s, member, reportBody([]string{"non_payment"}, "13977778888", map[string]bool{}))
		mod := s.SignInPages(t, s.Login(t, 1, web.RoleModerator))
		// No consent to any alert: the publish form is not offered.
		apptest.WantPage(t, mod.Get("/review/"+id), http.StatusOK, s.Text(en, "incident.error.no_alert_consent"))

		apptest.WantPage(t, mod.Post("/review/"+id+"/ask", url.Values{"question": {"  "}}), http.StatusUnprocessableEntity, s.Text(en, "error.required"))
		apptest.WantRedirect(t, mod.Post("/review/"+id+"/ask", url.Values{"question": {"Which hotel was it?"}}), "/review/"+id+"?done=flash.incident_asked")

		her := s.SignInPages(t, member)
		apptest.WantPage(t, her.Get("/reports"), http.StatusOK, s.Text(en, "incident.mine_status.info_requested"))
		apptest.WantPage(t, her.Get("/reports/"+id), http.StatusOK, "Which hotel was it?", s.Text(en, "incident.view.answer_title"))
		apptest.WantPage(t, her.Post("/reports/"+id+"/messages", url.Values{"text": {""}}), http.StatusUnprocessableEntity, s.Text(en, "error.required"))
		apptest.WantRedirect(t, her.Post("/reports/"+id+"/messages", url.Values{"text": {"The Spring hotel"}}), "/reports/"+id+"?done=flash.incident_added")
		apptest.WantPage(t, mod.Get("/review/"+id), http.StatusOK, "The Spring hotel", s.Text(en, "incident.queue.status_pending"))

		apptest.WantRedirect(t, mod.Post("/review/"+id+"/decline", url.Values{"reason": {"We could not confirm the number."}}), "/review?done=flash.incident_declined")
		apptest.WantPage(t, her.Get("/reports/"+id), http.StatusOK, s.Text(en, "incident.mine_status.declined"), "We could not confirm the number.")
		// A second moderator's late decision is refused in words.
		apptest.WantPage(t, mod.Post("/review/"+id+"/ask", url.Values{"question": {"?"}}), http.StatusConflict, s.Text(en, "incident.error.already_decided"))
	})
}

func TestSheWithdrawsAReportAfterConfirming(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		member := s.Login(t, 0, web.RoleMember)
		id := apiReport(t, s, member, reportBody([]string{"stalking"}, "13912121212", map[string]bool{"alert": true}, "counselling"))
		her := s.SignInPages(t, member)
		apptest.WantPage(t, her.Get("/reports/"+id), http.StatusOK, `href="/reports/`+id+`/withdraw"`)
		apptest.WantPage(t, her.Get("/reports/"+id+"/withdraw"), http.StatusOK, s.Text(zh, "incident.withdraw.lead"), `action="/reports/`+id+`/withdraw"`)
		apptest.WantRedirect(t, her.Post("/reports/"+id+"/withdraw", nil), "/reports?done=flash.incident_withdrawn")
		p := her.Get("/reports/" + id)
		apptest.WantPage(t, p, http.StatusOK, s.Text(zh, "incident.mine_status.withdrawn"))
		if strings.Contains(p.Body, "/withdraw") || strings.Contains(p.Body, `action="/reports/`+id+`/messages"`) {
			t.Error("a withdrawn report still offers to withdraw or add")
		}
		apptest.WantRedirect(t, her.Get("/reports/"+id+"/withdraw"), "/reports/"+id)
		// Its support case closed with it.
		apptest.WantPage(t, s.SignInPages(t, s.Login(t, 0, web.RoleModerator)).Get("/cases"), http.StatusOK, s.Text(zh, "incident.cases.empty"))
	})
}

func TestCaseIsAssignedNotedAndClosedWithAnOutcome(t *testing.T) {
	onBothEngines(t, func(t *testing.T, s *apptest.Server) {
		id := apiReport(t, s, s.Login(t, 1, web.RoleMember), reportBody([]string{"physical_violence"}, "13934343434", map[string]bool{}, "medical"))
		modLogin := s.Login(t, 1, web.RoleModerator)
		mod := s.SignInPages(t, modLogin)
		list := mod.Get("/cases")
		apptest.WantPage(t, list, http.StatusOK, s.Text(en, "incident.need.medical"), s.Text(en, "incident.cases.not_yet"), s.Text(en, "incident.cases.nobody"))
		m := regexp.MustCompile(`href="/cases/([A-Za-z0-9]+)"`).FindStringSubmatch(list.Body)
		if m == nil {
			t.Fatal("no case on the cases page")
		}
		casePath := "/cases/" + m[1]
		page := mod.Get(casePath)
		apptest.WantPage(t, page, http.StatusOK, `href="/review/`+id+`"`, ">"+modLogin.Handle+"</option>")
		if strings.Contains(page.Body, ">"+s.Login(t, 1, web.RoleMember).Handle+"</option>") {
			t.Error("a member is offered as assignee")
		}
		assignee := regexp.MustCompile(`<option value="([A-Za-z0-9]+)">` + regexp.QuoteMeta(modLogin.Handle) + `</option>`).FindStringSubmatch(page.Body)
		if assignee == nil {
			t.Fatal("no option for the moderator")
		}
		note := "Went with her to the clinic"
		p := mod.Post(casePath, url.Values{"status": {"closed"}, "assignee": {assignee[1]}, "note": {note}})
		apptest.WantPage(t, p, http.StatusUnprocessableEntity, s.Text(en, "incident.error.outcome_required"), note)
		apptest.WantRedirect(t, mod.Post(casePath, url.Values{"status": {"closed"}, "assignee": {assignee[1]}, "outcome": {"supported"}, "note": {note}, "due_on": {daysAgo(0)}}), casePath+"?done=flash.incident_case_saved")
		apptest.WantPage(t, mod.Get(casePath), http.StatusOK, note, s.Text(en, "incident.case_status.closed"), s.Text(en, "incident.outcome.supported"), "<dd>"+modLogin.Handle+"</dd>",
			s.Text(en, "incident.cases.after", "Time", s.Text(en, "incident.span.min", "Count", 0)))
		// The note is sealed in the database.
		var n int
		if err := s.DB.QueryRowContext(context.Background(), `SELECT count(*) FROM case_notes WHERE case_id = $1`, m[1]).Scan(&n); err != nil || n != 1 {
			t.Fatalf("notes: %d, %v", n, err)
		}
		var enc []byte
		if err := s.DB.QueryRowContext(context.Background(), `SELECT text_enc FROM case_notes WHERE case_id = $1`, m[1]).Scan(&enc); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(enc), "clinic") {
			t.Error("the case note is stored in clear")
		}
		// Closed cases leave the open list; another organisation sees none.
		apptest.WantPage(t, mod.Get("/cases"), http.StatusOK, s.Text(en, "incident.cases.empty"))
		apptest.WantPage(t, s.SignInPages(t, s.Login(t, 0, web.RoleModerator)).Get(casePath), http.StatusNotFound)
	})
}

func TestHomePageOffersReportAndMyReports(t *testing.T) {
	s := apptest.Start(t)
	p := s.SignInPages(t, s.Login(t, 1, web.RoleMember)).Get("/")
	apptest.WantPage(t, p, http.StatusOK, `href="/reports/new"`, s.Text(en, "incident.home.report"), `href="/reports"`)
	if strings.Contains(p.Body, `href="/review"`) {
		t.Error("a member's home page links to the review queue")
	}
	apptest.WantPage(t, s.SignInPages(t, s.Login(t, 1, web.RoleAdmin)).Get("/"), http.StatusOK, `href="/review"`, s.Text(en, "incident.home.waiting", "Count", 0))
}
