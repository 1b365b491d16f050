package app_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/programme"
	"github.com/sisterline/sisterline/internal/web"
)

type indicatorsJSON struct {
	Indicators []struct {
		ID          string   `json:"id"`
		Value       *float64 `json:"value"`
		Numerator   *int64   `json:"numerator"`
		Denominator *int64   `json:"denominator"`
		Suppressed  bool     `json:"suppressed"`
	} `json:"indicators"`
}

func (in indicatorsJSON) value(t *testing.T, id string) *float64 {
	t.Helper()
	for _, x := range in.Indicators {
		if x.ID == id {
			return x.Value
		}
	}
	t.Fatalf("no indicator %s", id)
	return nil
}

// getAPI fetches a raw answer with a bearer token.
func getAPI(t *testing.T, s *apptest.Server, token, path string) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func TestProgrammeAPIRecordsAndCountsByCode(t *testing.T) {
	s := apptest.Start(t)
	outreach := s.Token(t, s.Login(t, 0, web.RoleOutreach))
	member := s.Token(t, s.Login(t, 0, web.RoleMember))
	otherOutreach := s.Token(t, s.Login(t, 1, web.RoleOutreach))
	today := time.Now().UTC().Format(time.DateOnly)
	month := programme.Month(time.Now().UTC())

	var before indicatorsJSON
	q := "/api/v1/indicators?from=" + month.FromDay() + "&to=" + month.ToDay()
	if st := s.JSON(t, outreach, "GET", q, nil, &before); st != http.StatusOK {
		t.Fatalf("indicators: %d", st)
	}

	var code struct{ Code string }
	if st := s.JSON(t, outreach, "POST", "/api/v1/member-codes", map[string]string{"age_band": "20-24", "gender": "female"}, &code); st != http.StatusCreated {
		t.Fatalf("issue code: %d", st)
	}
	if _, err := programme.ParseCode(code.Code); err != nil {
		t.Fatalf("issued code %q does not parse: %v", code.Code, err)
	}
	if st := s.JSON(t, member, "POST", "/api/v1/member-codes", map[string]string{}, nil); st != http.StatusNotFound {
		t.Errorf("member issued a code: %d", st)
	}

	contact := map[string]any{"kind": "contact", "on": today, "mode": "individual", "member_codes": []string{code.Code}, "services": []string{"condoms", "hiv_self_test"}}
	var made struct{ ID string }
	if st := s.JSON(t, outreach, "POST", "/api/v1/activities", contact, &made); st != http.StatusCreated || made.ID == "" {
		t.Fatalf("contact: %d", st)
	}
	// Another organisation does not know the code: 422, not a count.
	var bad struct {
		Error struct{ Code, Message string }
	}
	if st := s.JSON(t, otherOutreach, "POST", "/api/v1/activities", contact, &bad); st != http.StatusUnprocessableEntity || bad.Error.Code != "invalid" {
		t.Errorf("other org's code: %d %+v", st, bad)
	}
	typo := []byte(code.Code)
	typo[0] = map[bool]byte{true: '3', false: '2'}[typo[0] == '2']
	contact["member_codes"] = []string{string(typo)}
	if st := s.JSON(t, outreach, "POST", "/api/v1/activities", contact, &bad); st != http.StatusUnprocessableEntity || !strings.Contains(bad.Error.Message, string(typo)) {
		t.Errorf("typo code: %d %+v", st, bad)
	}

	var after indicatorsJSON
	s.JSON(t, outreach, "GET", q, nil, &after)
	if b, a := *before.value(t, "people_reached"), *after.value(t, "people_reached"); a != b+1 {
		t.Errorf("people reached %v → %v, want +1", b, a)
	}

	// Referral made now, outcome recorded; another organisation gets 404.
	var ref struct{ ID string }
	if st := s.JSON(t, outreach, "POST", "/api/v1/referrals", map[string]string{"member_code": code.Code, "on": today, "service": "pep_referral", "to": "Clinic"}, &ref); st != http.StatusCreated {
		t.Fatalf("referral: %d", st)
	}
	if st := s.JSON(t, otherOutreach, "POST", "/api/v1/referrals/"+ref.ID+"/outcome", map[string]string{"status": "linked", "on": today}, nil); st != http.StatusNotFound {
		t.Errorf("other org's referral: %d, want 404", st)
	}
	if st := s.JSON(t, outreach, "POST", "/api/v1/referrals/"+ref.ID+"/outcome", map[string]string{"status": "linked", "on": today}, nil); st != http.StatusOK {
		t.Errorf("outcome: %d", st)
	}

	// Training with participants as codes and with scores.
	tr := map[string]any{"kind": "training", "on": today, "title": "Rights", "modules": []string{"legal_information"}, "participants": []any{code.Code, map[string]any{"code": code.Code, "pre_score": 40, "post_score": 80}}}
	if st := s.JSON(t, outreach, "POST", "/api/v1/activities", tr, nil); st != http.StatusCreated {
		t.Errorf("training: %d", st)
	}
	// Members see no figures at all.
	if st := s.JSON(t, member, "GET", q, nil, nil); st != http.StatusNotFound {
		t.Errorf("member indicators: %d, want 404", st)
	}
	// Nothing of the code in the log.
	if strings.Contains(s.Log(), code.Code) || strings.Contains(s.Log(), strings.ReplaceAll(code.Code, "-", "")) {
		t.Error("a member code reached the log")
	}
}

func TestNetworkIndicatorsAreSuppressed(t *testing.T) {
	s := apptest.Start(t)
	netAdmin := s.Token(t, s.Login(t, 0, web.RoleAdmin))
	admin2 := s.Token(t, s.Login(t, 1, web.RoleAdmin))
	month := programme.Month(time.Now().UTC())
	q := "/api/v1/indicators?from=" + month.FromDay() + "&to=" + month.ToDay() + "&scope=network"
	var net indicatorsJSON
	if st := s.JSON(t, netAdmin, "GET", q, nil, &net); st != http.StatusOK {
		t.Fatalf("network indicators: %d", st)
	}
	for _, x := range net.Indicators {
		if x.Suppressed != (x.Value == nil && x.Numerator == nil) && x.Suppressed {
			t.Errorf("%s suppressed but shows a value", x.ID)
		}
		if x.Value != nil && (x.ID == "people_reached" || x.ID == "contacts" || x.ID == "people_trained") && *x.Value < programme.DefaultThreshold {
			t.Errorf("%s = %v published across the network", x.ID, *x.Value)
		}
		if x.Numerator != nil && *x.Numerator < programme.DefaultThreshold {
			t.Errorf("%s numerator %d published", x.ID, *x.Numerator)
		}
	}
	// Not a network admin: 404; a custom range: 422.
	if st := s.JSON(t, admin2, "GET", q, nil, nil); st != http.StatusNotFound {
		t.Errorf("org admin on network scope: %d, want 404", st)
	}
	if st := s.JSON(t, netAdmin, "GET", "/api/v1/indicators?from="+month.FromDay()+"&to="+month.From.AddDate(0, 0, 9).Format(time.DateOnly)+"&scope=network", nil, nil); st != http.StatusUnprocessableEntity {
		t.Errorf("custom range on network scope: %d, want 422", st)
	}
}

func TestExportsReadBackAndHoldNoCode(t *testing.T) {
	s := apptest.Start(t)
	admin := s.Login(t, 0, web.RoleAdmin)
	token := s.Token(t, admin)
	period := programme.Month(time.Now().UTC()).ID

	// DHIS2 needs a mapping first.
	if st, _, _ := getAPI(t, s, token, "/api/v1/export/dhis2?period="+period); st != http.StatusUnprocessableEntity {
		t.Errorf("dhis2 without mapping: %d, want 422", st)
	}
	c := s.SignInPages(t, admin)
	mapping := `{"org_unit": "ImspTQPwCqd", "elements": {"people_reached": {"data_element": "fbfJHSPpUQD", "category_option_combo": "HllvX50cXC0"}, "contacts": {"data_element": "cYeuwXTCPkU"}, "people_reached/gender/female": {"data_element": "fbfJHSPpUQD", "category_option_combo": "rQLFnNXXIL0"}}}`
	p := c.Post("/programme/settings", url.Values{"population": {"200"}, "condoms_per_month": {"20"}, "threshold": {"5"}, "dhis2": {mapping}})
	apptest.WantRedirect(t, p, "/programme/settings")
	bad := c.Post("/programme/settings", url.Values{"population": {"200"}, "condoms_per_month": {"20"}, "threshold": {"2"}, "dhis2": {`{"org_unit": "x"}`}})
	apptest.WantPage(t, bad, http.StatusUnprocessableEntity, s.Text("zh-CN", "programme.error.threshold"), `{&#34;org_unit&#34;: &#34;x&#34;}`)

	st, body, _ := getAPI(t, s, token, "/api/v1/export/dhis2?period="+period)
	if st != http.StatusOK {
		t.Fatalf("dhis2: %d %s", st, body)
	}
	if err := programme.ValidateDataValueSet(body); err != nil {
		t.Fatalf("dhis2 document invalid: %v\n%s", err, body)
	}
	var doc programme.DataValueSet
	if err := json.Unmarshal(body, &doc); err != nil || doc.Period != period || doc.OrgUnit != "ImspTQPwCqd" || len(doc.DataValues) == 0 {
		t.Fatalf("dhis2 document: %+v %v", doc, err)
	}

	// CSV and XLSX carry the same figures.
	csvPage := c.Get("/programme/export.csv?period=" + period)
	xlsxPage := c.Get("/programme/export.xlsx?period=" + period)
	if csvPage.Status != http.StatusOK || xlsxPage.Status != http.StatusOK {
		t.Fatalf("exports: %d %d", csvPage.Status, xlsxPage.Status)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(xlsxPage.Body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvPage.Body, "\ufeff")))
	cr.FieldsPerRecord = -1
	csvRows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(csvRows) || len(rows) < 10 {
		t.Fatalf("XLSX has %d rows, CSV %d", len(rows), len(csvRows))
	}
	for i, row := range rows {
		for j, cell := range row {
			if j >= len(csvRows[i]) || cell == csvRows[i][j] {
				continue
			}
			a, errA := strconv.ParseFloat(cell, 64)
			b, errB := strconv.ParseFloat(csvRows[i][j], 64)
			if errA != nil || errB != nil || math.Abs(a-b) > 1e-9 {
				t.Errorf("row %d col %d: XLSX %q, CSV %q", i, j, cell, csvRows[i][j])
			}
		}
	}
	for _, body := range []string{csvPage.Body, xlsxPage.Body, string(body)} {
		if strings.Contains(body, "member_code") {
			t.Error("an export names member codes")
		}
	}
	// Custom ranges do not leave the organisation.
	if st, _, _ := getAPI(t, s, token, "/programme/export.csv?period=2026-11"); st != http.StatusUnprocessableEntity && st != http.StatusNotFound {
		t.Errorf("export of a bad period: %d", st)
	}
}

func TestContactFormKeepsWhatWasTypedAndNamesEachBadCode(t *testing.T) {
	s := apptest.Start(t)
	c := s.SignInPages(t, s.Login(t, 0, web.RoleOutreach))
	apptest.WantPage(t, c.Get("/programme/contacts/new"), http.StatusOK, s.Text("zh-CN", "programme.contact.title"))
	p := c.Post("/programme/contacts", url.Values{"on": {time.Now().UTC().Format(time.DateOnly)}, "mode": {"small_group"},
		"member_codes": {"ABCD-EF2, 2222-222"}, "services": {"condoms", "legal_info"}, "condoms": {"12"}})
	apptest.WantPage(t, p, http.StatusUnprocessableEntity, "ABCD-EF2, 2222-222", `value="small_group" checked`, `value="legal_info" checked`, `value="12"`,
		s.Text("zh-CN", "programme.error.code_check"))
	// A good code saves and lands back on the form.
	code, err := s.Programme.IssueCode(t.Context(), &web.Principal{OrgID: orgID(t, s, 0), Role: web.RoleOutreach}, programme.CodeInput{})
	if err != nil {
		t.Fatal(err)
	}
	apptest.WantRedirect(t, c.Post("/programme/contacts", url.Values{"on": {time.Now().UTC().Format(time.DateOnly)}, "mode": {"individual"}, "member_codes": {programme.FormatCode(code.Code)}, "services": {"condoms"}}), "/programme/contacts/new")
	// The card page shows a fresh code, which is in no address.
	card := c.Post("/programme/codes", url.Values{"age_band": {"25-29"}})
	apptest.WantPage(t, card, http.StatusOK, s.Text("zh-CN", "programme.card.title"))
	// The dashboard and projects render for staff; members get 404.
	apptest.WantPage(t, c.Get("/programme"), http.StatusOK, s.Text("zh-CN", "programme.ind.people_reached"), "<svg")
	apptest.WantPage(t, c.Get("/programme/projects"), http.StatusOK, "Safer work, better health")
	m := s.SignInPages(t, s.Login(t, 0, web.RoleMember))
	if p := m.Get("/programme"); p.Status != http.StatusNotFound {
		t.Errorf("member dashboard: %d", p.Status)
	}
}

// TestAMistakenRecordIsDeletedFromItsPage: each "latest saved" list has a
// delete button; deleting takes the record out of the figures; another
// organisation's staff and members cannot delete it.
func TestAMistakenRecordIsDeletedFromItsPage(t *testing.T) {
	s := apptest.Start(t)
	ctx := t.Context()
	worker := &web.Principal{OrgID: orgID(t, s, 0), Role: web.RoleOutreach}
	code := issueCode(t, s, worker)
	today := time.Now().UTC().Format(time.DateOnly)
	reached := func() float64 { t.Helper(); return yearFigure(t, s, worker.OrgID, "people_reached") }
	before := reached()
	id, err := s.Programme.RecordContact(ctx, worker, programme.Contact{On: today, Mode: programme.ModeIndividual, Codes: []string{code}, Services: []string{"condoms"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := reached(); got != before+1 {
		t.Fatalf("people reached after the contact: %v, before %v", got, before)
	}
	c := s.SignInPages(t, s.Login(t, 0, web.RoleOutreach))
	apptest.WantPage(t, c.Get("/programme/contacts/new"), http.StatusOK, `href="/programme/records/`+id+`/delete"`, s.Text("zh-CN", "programme.record.delete"))
	// The link asks first, showing what would go.
	apptest.WantPage(t, c.Get("/programme/records/"+id+"/delete"), http.StatusOK, s.Text("zh-CN", "programme.record.delete_title"), today,
		s.Text("zh-CN", "programme.mode.individual"), `action="/programme/records/`+id+`/delete"`, `href="/programme/contacts/new"`)
	if got := reached(); got != before+1 {
		t.Fatalf("people reached after only asking: %v", got)
	}
	for _, other := range []*apptest.PageClient{s.SignInPages(t, s.Login(t, 1, web.RoleOutreach)), s.SignInPages(t, s.Login(t, 1, web.RoleAdmin)), s.SignInPages(t, s.Login(t, 0, web.RoleMember))} {
		if p := other.Get("/programme/records/" + id + "/delete"); p.Status != http.StatusNotFound {
			t.Fatalf("someone else asked to delete: %d", p.Status)
		}
		if p := other.Post("/programme/records/"+id+"/delete", nil); p.Status != http.StatusNotFound {
			t.Fatalf("deleted by someone else: %d", p.Status)
		}
	}
	apptest.WantRedirect(t, c.Post("/programme/records/"+id+"/delete", nil), "/programme/contacts/new")
	if got := reached(); got != before {
		t.Fatalf("people reached after the deletion: %v, want %v", got, before)
	}
	if p := c.Post("/programme/records/"+id+"/delete", nil); p.Status != http.StatusNotFound {
		t.Fatalf("deleted twice: %d", p.Status)
	}
}

// TestAWrongRecordIsCorrectedInPlace: each "latest saved" list has a
// Correct link that opens the record in its form, filled in; saving
// replaces it under the same id and the figures count the new one; a
// mistake in the correction shows the form again and changes nothing;
// another organisation's staff and members can neither open nor correct
// it; the JSON API corrects and deletes the same way.
func TestAWrongRecordIsCorrectedInPlace(t *testing.T) {
	s := apptest.Start(t)
	ctx := t.Context()
	worker := &web.Principal{OrgID: orgID(t, s, 0), Role: web.RoleOutreach}
	codes := []string{programme.FormatCode(issueCode(t, s, worker)), programme.FormatCode(issueCode(t, s, worker))}
	today := time.Now().UTC().Format(time.DateOnly)
	figure := func(name string) float64 { t.Helper(); return yearFigure(t, s, worker.OrgID, name) }
	reached, condoms := figure("people_reached"), figure("condoms_distributed")
	id, err := s.Programme.RecordContact(ctx, worker, programme.Contact{On: today, Mode: programme.ModeIndividual, Codes: codes[:1], Services: []string{"condoms"}, Condoms: 2})
	if err != nil {
		t.Fatal(err)
	}

	c := s.SignInPages(t, s.Login(t, 0, web.RoleOutreach))
	apptest.WantPage(t, c.Get("/programme/contacts/new"), http.StatusOK, `href="/programme/records/`+id+`/edit"`, s.Text("zh-CN", "programme.record.edit"))
	edit := "/programme/records/" + id + "/edit"
	page := c.Get(edit)
	apptest.WantPage(t, page, http.StatusOK, s.Text("zh-CN", "programme.record.edit_title"), `action="`+edit+`"`, codes[0],
		`value="condoms" checked`, `id="condoms" name="condoms" min="0" inputmode="numeric" value="2"`, `value="`+today+`"`, `href="/programme/contacts/new"`)
	if strings.Contains(page.Body, s.Text("zh-CN", "programme.contact.recent")) {
		t.Error("the correction form lists the latest records")
	}

	// A code of another organisation: the form again, as typed, and the
	// record as it was.
	form := url.Values{"on": {today}, "mode": {"small_group"}, "member_codes": {codes[0] + " " + codes[1] + " 2222-222"}, "services": {"condoms", "lubricant"}, "condoms": {"5"}}
	apptest.WantPage(t, c.Post(edit, form), http.StatusUnprocessableEntity, codes[1]+" 2222-222", `value="lubricant" checked`, `action="`+edit+`"`)
	if r, n := figure("people_reached"), figure("condoms_distributed"); r != reached+1 || n != condoms+2 {
		t.Fatalf("after a refused correction: reached %v, condoms %v; want %v, %v", r, n, reached+1, condoms+2)
	}
	for _, other := range []*apptest.PageClient{s.SignInPages(t, s.Login(t, 1, web.RoleOutreach)), s.SignInPages(t, s.Login(t, 1, web.RoleAdmin)), s.SignInPages(t, s.Login(t, 0, web.RoleMember))} {
		if p := other.Get(edit); p.Status != http.StatusNotFound {
			t.Fatalf("someone else opened the record: %d", p.Status)
		}
		if p := other.Post(edit, form); p.Status != http.StatusNotFound {
			t.Fatalf("someone else corrected the record: %d", p.Status)
		}
	}

	form.Set("member_codes", codes[0]+"\n"+codes[1])
	apptest.WantRedirect(t, c.Post(edit, form), "/programme/contacts/new?done=flash.programme.record_corrected")
	if r, n := figure("people_reached"), figure("condoms_distributed"); r != reached+2 || n != condoms+5 {
		t.Fatalf("after the correction: reached %v, condoms %v; want %v, %v", r, n, reached+2, condoms+5)
	}
	apptest.WantPage(t, c.Get(edit), http.StatusOK, codes[0]+" "+codes[1], `value="small_group" checked`, `value="lubricant" checked`)

	// The JSON API: the same record, corrected and deleted.
	token := s.Token(t, s.Login(t, 0, web.RoleOutreach))
	otherToken := s.Token(t, s.Login(t, 1, web.RoleOutreach))
	api := "/api/v1/activities/" + id
	contact := map[string]any{"kind": "contact", "on": today, "mode": "individual", "member_codes": codes[1:], "services": []string{"condoms"}}
	var got struct{ ID string }
	if st := s.JSON(t, token, "PUT", api, contact, &got); st != http.StatusOK || got.ID != id {
		t.Fatalf("correct by API: %d %+v", st, got)
	}
	if r, n := figure("people_reached"), figure("condoms_distributed"); r != reached+1 || n != condoms {
		t.Fatalf("after the API correction: reached %v, condoms %v; want %v, %v", r, n, reached+1, condoms)
	}
	if st := s.JSON(t, token, "PUT", api, map[string]any{"kind": "group_session", "on": today, "topic": "Rights", "attendance": 3}, nil); st != http.StatusNotFound {
		t.Errorf("a contact corrected into a group session: %d", st)
	}
	if st := s.JSON(t, otherToken, "PUT", api, contact, nil); st != http.StatusNotFound {
		t.Errorf("another organisation corrected it: %d", st)
	}
	if st := s.JSON(t, otherToken, "DELETE", api, nil, nil); st != http.StatusNotFound {
		t.Errorf("another organisation deleted it: %d", st)
	}
	if st := s.JSON(t, token, "DELETE", api, nil, nil); st != http.StatusNoContent {
		t.Fatalf("delete by API: %d", st)
	}
	if r := figure("people_reached"); r != reached {
		t.Fatalf("after the deletion: reached %v, want %v", r, reached)
	}
	if st := s.JSON(t, token, "DELETE", api, nil, nil); st != http.StatusNotFound {
		t.Errorf("deleted twice: %d", st)
	}

	// A training's participants and scores come back as typed, and a
	// correction that changes nothing keeps them.
	pre, post := 40, 80
	tid, err := s.Programme.RecordTraining(ctx, worker, programme.Training{On: today, Title: "Know your rights", Modules: []string{"legal_information"},
		Participants: []programme.Participant{{Code: codes[0], PreScore: &pre, PostScore: &post}, {Code: codes[1], PostScore: &post}}})
	if err != nil {
		t.Fatal(err)
	}
	tedit := "/programme/records/" + tid + "/edit"
	lines := codes[0] + " 40 80\n" + codes[1] + " - 80"
	apptest.WantPage(t, c.Get(tedit), http.StatusOK, lines, `value="legal_information" checked`, `value="Know your rights"`, `href="/programme/trainings/new"`)
	apptest.WantRedirect(t, c.Post(tedit, url.Values{"on": {today}, "title": {"Know your rights"}, "modules": {"legal_information"}, "participants": {lines}, "attendance": {"2"}}),
		"/programme/trainings/new?done=flash.programme.record_corrected")
	rf, err := s.Programme.RecordForm(ctx, worker, tid)
	if err != nil {
		t.Fatal(err)
	}
	if len(rf.People) != 2 || rf.ID != tid {
		t.Fatalf("training after the correction: %+v", rf)
	}
	for _, pt := range rf.People {
		if pt.PostScore == nil || *pt.PostScore != 80 || (programme.FormatCode(pt.Code) == codes[0]) != (pt.PreScore != nil && *pt.PreScore == 40) {
			t.Errorf("participant %s: scores %v %v", pt.Code, pt.PreScore, pt.PostScore)
		}
	}

	// A group session's topic, corrected.
	sid, err := s.Programme.RecordSession(ctx, worker, programme.Session{On: today, Topic: "Condoms", Attendance: 12})
	if err != nil {
		t.Fatal(err)
	}
	sedit := "/programme/records/" + sid + "/edit"
	apptest.WantPage(t, c.Get(sedit), http.StatusOK, `value="Condoms"`, `value="12"`)
	apptest.WantRedirect(t, c.Post(sedit, url.Values{"on": {today}, "topic": {"Condoms and lubricant"}, "attendance": {"14"}}), "/programme/sessions/new?done=")
	apptest.WantPage(t, c.Get("/programme/sessions/new"), http.StatusOK, "Condoms and lubricant", "<td>14</td>")
}

// TestOlderRecordsAreFoundMonthByMonth: the records list shows one kind of
// the organisation's records in a month, fifty a page, each with links to
// correct and delete it that come back to the same page; a month that is
// not one is said so; another organisation sees none of them.
func TestOlderRecordsAreFoundMonthByMonth(t *testing.T) {
	s := apptest.Start(t)
	ctx := t.Context()
	worker := &web.Principal{OrgID: orgID(t, s, 0), Role: web.RoleOutreach}
	code := issueCode(t, s, worker)
	// Two months ago: the demo's four weeks of contacts never reach it.
	month := programme.Month(programme.Month(s.Programme.Today()).From.AddDate(0, -2, 0))
	var ids []string
	for i := range programme.RecordsPerPage + 3 {
		on := month.From.AddDate(0, 0, i%28).Format(time.DateOnly)
		id, err := s.Programme.RecordContact(ctx, worker, programme.Contact{On: on, Mode: programme.ModeIndividual, Codes: []string{code}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	m := month.From.Format("2006-01")
	list := "/programme/records?kind=contact&month=" + m
	c := s.SignInPages(t, s.Login(t, 0, web.RoleOutreach))
	rows := func(p apptest.Page) int { return strings.Count(p.Body, `/edit?back=`) }

	apptest.WantPage(t, c.Get("/programme"), http.StatusOK, `href="/programme/records"`)
	first := c.Get(list)
	apptest.WantPage(t, first, http.StatusOK, s.Text("zh-CN", "programme.records.title"), `value="`+m+`"`, `rel="next"`, `page=2`)
	if n := rows(first); n != programme.RecordsPerPage {
		t.Errorf("first page: %d records, want %d", n, programme.RecordsPerPage)
	}
	second := c.Get(list + "&page=2")
	apptest.WantPage(t, second, http.StatusOK, `rel="prev"`)
	if n := rows(second); n != 3 {
		t.Errorf("second page: %d records, want 3", n)
	}
	seen := 0
	for _, id := range ids {
		if strings.Contains(first.Body+second.Body, "/programme/records/"+id+"/edit") {
			seen++
		}
	}
	if seen != len(ids) {
		t.Errorf("the two pages show %d of the %d records", seen, len(ids))
	}
	apptest.WantPage(t, c.Get("/programme/records?kind=training&month="+m), http.StatusOK, s.Text("zh-CN", "programme.records.none"))
	apptest.WantPage(t, c.Get("/programme/records?kind=contact&month=2026-13"), http.StatusUnprocessableEntity, s.Text("zh-CN", "programme.error.month"), `value="2026-13"`)
	if p := c.Get("/programme/records?kind=referral"); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("a kind that is not one: %d", p.Status)
	}
	other := s.SignInPages(t, s.Login(t, 1, web.RoleOutreach))
	if p := other.Get(list); p.Status != http.StatusOK || rows(p) != 0 {
		t.Errorf("another organisation's list: %d, %d records", p.Status, rows(p))
	}
	if p := s.SignInPages(t, s.Login(t, 0, web.RoleMember)).Get(list); p.Status != http.StatusNotFound {
		t.Errorf("a member's list: %d", p.Status)
	}

	// The same list in the API, as its document says.
	doc := loadOpenAPI(t)
	token := s.Token(t, s.Login(t, 0, web.RoleOutreach))
	var page struct {
		More       bool
		Page       int
		Activities []struct{ ID, Kind, On, Mode string }
	}
	for _, want := range []struct {
		page, n int
		more    bool
	}{{1, programme.RecordsPerPage, true}, {2, 3, false}} {
		var raw any
		path := "/api/v1/activities?kind=contact&month=" + m + "&page=" + strconv.Itoa(want.page)
		if st := s.JSON(t, token, "GET", path, nil, &raw); st != http.StatusOK {
			t.Fatalf("%s: %d", path, st)
		}
		checkAgainstDoc(t, doc, "GET", "/api/v1/activities", http.StatusOK, raw)
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Activities) != want.n || page.More != want.more || page.Page != want.page || page.Activities[0].Kind != "contact" || page.Activities[0].Mode != "individual" {
			t.Errorf("%s: %d activities, more %v, page %d; want %d, %v: %+v", path, len(page.Activities), page.More, page.Page, want.n, want.more, page.Activities[0])
		}
	}
	var bad any
	if st := s.JSON(t, token, "GET", "/api/v1/activities?month=November", nil, &bad); st != http.StatusUnprocessableEntity {
		t.Errorf("a month that is not one: %d", st)
	} else {
		checkAgainstDoc(t, doc, "GET", "/api/v1/activities", st, bad)
	}
	if st := s.JSON(t, s.Token(t, s.Login(t, 1, web.RoleOutreach)), "GET", "/api/v1/activities?month="+m, nil, &page); st != http.StatusOK || len(page.Activities) != 0 {
		t.Errorf("another organisation's API list: %d, %d records", st, len(page.Activities))
	}
	if st := s.JSON(t, s.Token(t, s.Login(t, 0, web.RoleMember)), "GET", "/api/v1/activities", nil, nil); st != http.StatusNotFound {
		t.Errorf("a member's API list: %d", st)
	}

	// Corrected and deleted from the second page, back to it.
	here := list + "&page=2"
	back := url.QueryEscape(here)
	id := ids[0] // the first day: on the second page
	apptest.WantPage(t, c.Get("/programme/records/"+id+"/edit?back="+back), http.StatusOK, `name="back" value="`+htmlAttr(here)+`"`, `href="`+htmlAttr(here)+`"`)
	form := url.Values{"on": {month.FromDay()}, "mode": {"small_group"}, "member_codes": {code}, "back": {here}}
	apptest.WantRedirect(t, c.Post("/programme/records/"+id+"/edit", form), here+"&done=flash.programme.record_corrected")
	apptest.WantPage(t, c.Get("/programme/records/"+id+"/delete?back="+back), http.StatusOK, `href="`+htmlAttr(here)+`"`)
	apptest.WantRedirect(t, c.Post("/programme/records/"+id+"/delete", url.Values{"back": {here}}), here+"&done=flash.programme.record_deleted")
	// Anywhere else is the record's own page.
	for _, bad := range []string{"https://elsewhere.example/programme/records", "//elsewhere.example/programme/records", "/settings", "/programme/records?month=x"} {
		apptest.WantPage(t, c.Get("/programme/records/"+ids[1]+"/edit?back="+url.QueryEscape(bad)), http.StatusOK, `name="back" value="/programme/contacts/new"`)
	}
}

// htmlAttr is s as html/template writes it in an attribute.
func htmlAttr(s string) string { return strings.ReplaceAll(s, "&", "&amp;") }

// programmeWildcards fill the ids of the routes of a programme record with
// a contact of the other organisation.
func programmeWildcards() map[string]wildcard {
	out := map[string]wildcard{}
	for _, p := range []string{
		"GET /programme/records/{id}/delete", "POST /programme/records/{id}/delete", "GET /programme/records/{id}/edit",
		"POST /programme/records/{id}/edit", "PUT /api/v1/activities/{id}", "DELETE /api/v1/activities/{id}",
	} {
		out[p+" {id}"] = wildcard{make: contactOfOtherOrg}
	}
	return out
}

func contactOfOtherOrg(t *testing.T, s *apptest.Server, org int) string {
	t.Helper()
	worker := &web.Principal{OrgID: otherOrg(t, s, org).ID, Role: web.RoleOutreach}
	id, err := s.Programme.RecordContact(t.Context(), worker, programme.Contact{On: s.Programme.Today().Format(time.DateOnly), Mode: programme.ModeIndividual, Codes: []string{issueCode(t, s, worker)}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// issueCode issues a member code in the worker's organisation.
func issueCode(t *testing.T, s *apptest.Server, worker *web.Principal) string {
	t.Helper()
	c, err := s.Programme.IssueCode(t.Context(), worker, programme.CodeInput{})
	if err != nil {
		t.Fatal(err)
	}
	return c.Code
}

// yearFigure is one of an organisation's figures for this year, as its
// admin sees them.
func yearFigure(t *testing.T, s *apptest.Server, orgID, name string) float64 {
	t.Helper()
	p := programme.Year(s.Programme.Today())
	r, err := s.Programme.Figures(t.Context(), &web.Principal{OrgID: orgID, Role: web.RoleAdmin}, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Figures {
		if f.ID == name {
			return f.Value
		}
	}
	t.Fatalf("no %s figure", name)
	return 0
}

func orgID(t *testing.T, s *apptest.Server, i int) string {
	t.Helper()
	o, err := s.Accounts.Store().OrgBySlug(t.Context(), s.Login(t, i, web.RoleAdmin).Org)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}
