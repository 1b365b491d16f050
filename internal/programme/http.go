package programme

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

//go:embed templates locales
var files embed.FS

// Files are the capability's templates and messages.
func Files() fs.FS { return files }

// HTTP is the programme capability's pages and JSON API. Handlers decode,
// call the service and render; the rules are in service.go.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
	dir Directory
}

// Directory names the services a member can be referred to (the rights
// library's directory gives it).
type Directory interface {
	DirectoryNames(ctx context.Context, lang string) ([]string, error)
}

// SetDirectory sets where the referral form finds destinations to offer.
func (h *HTTP) SetDirectory(d Directory) { h.dir = d }

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

// Nav returns the capability's menu entries.
func Nav() []web.NavItem {
	return []web.NavItem{
		{Path: "/programme", Label: "programme.nav.dashboard", Access: web.Only(web.RoleOutreach, web.RoleModerator, web.RoleAdmin)},
		{Path: "/programme/contacts/new", Label: "programme.nav.contact", Access: web.Only(web.RoleOutreach, web.RoleAdmin)},
		{Path: "/programme/network", Label: "programme.nav.network", Access: web.NetworkAdmin()},
	}
}

// Routes registers the capability's routes.
func (h *HTTP) Routes(rt *web.Router) {
	rec := web.Only(web.RoleOutreach, web.RoleAdmin)
	staff := web.Only(web.RoleOutreach, web.RoleModerator, web.RoleAdmin)
	admin := web.Only(web.RoleAdmin)

	rt.Handle("POST /api/v1/member-codes", rec, h.apiIssueCode)
	rt.Handle("GET /api/v1/activities", rec, h.apiActivities)
	rt.Handle("POST /api/v1/activities", rec, h.apiActivity)
	rt.Handle("PUT /api/v1/activities/{id}", rec, h.apiCorrectActivity)
	rt.Handle("DELETE /api/v1/activities/{id}", rec, h.apiDeleteActivity)
	rt.Handle("POST /api/v1/referrals", rec, h.apiRefer)
	rt.Handle("POST /api/v1/referrals/{id}/outcome", rec, h.apiOutcome)
	// Staff see their organisation's figures; a network admin (whatever
	// her role) the network's: the service decides by scope.
	rt.Handle("GET /api/v1/indicators", web.SignedIn(), h.apiIndicators)
	rt.Handle("GET /api/v1/export/dhis2", admin, h.apiDHIS2)

	rt.Handle("GET /programme", staff, h.dashboard)
	rt.Handle("GET /programme/contacts/new", rec, h.contactPage)
	rt.Handle("POST /programme/contacts", rec, h.contactSave)
	rt.Handle("GET /programme/codes/new", rec, h.codePage)
	rt.Handle("POST /programme/codes", rec, h.codeSave)
	rt.Handle("POST /programme/codes/link", rec, h.codeLink)
	rt.Handle("GET /programme/referrals", staff, h.referralsPage)
	rt.Handle("POST /programme/referrals", rec, h.referralSave)
	rt.Handle("POST /programme/referrals/{id}/outcome", rec, h.outcomeSave)
	rt.Handle("GET /programme/sessions/new", rec, h.sessionPage)
	rt.Handle("POST /programme/sessions", rec, h.sessionSave)
	rt.Handle("GET /programme/trainings/new", rec, h.trainingPage)
	rt.Handle("POST /programme/trainings", rec, h.trainingSave)
	rt.Handle("GET /programme/records", rec, h.recordsPage)
	rt.Handle("GET /programme/records/{id}/delete", rec, h.recordDeletePage)
	rt.Handle("POST /programme/records/{id}/delete", rec, h.recordDelete)
	rt.Handle("GET /programme/records/{id}/edit", rec, h.recordEditPage)
	rt.Handle("POST /programme/records/{id}/edit", rec, h.recordEdit)
	rt.Handle("GET /programme/projects", staff, h.projectsPage)
	rt.Handle("POST /programme/projects", admin, h.projectSave)
	rt.Handle("POST /programme/projects/{id}/results", admin, h.resultSave)
	rt.Handle("POST /programme/projects/{id}/indicators", admin, h.planIndicatorSave)
	rt.Handle("POST /programme/indicators/{id}/targets", admin, h.targetSave)
	rt.Handle("GET /programme/settings", admin, h.settingsPage)
	rt.Handle("POST /programme/settings", admin, h.settingsSave)
	rt.Handle("POST /programme/services", admin, h.serviceSave)
	rt.Handle("POST /programme/custom", admin, h.customSave)
	rt.Handle("GET /programme/network", web.NetworkAdmin(), h.networkPage)
	rt.Handle("GET /programme/export.csv", admin, h.exportCSV)
	rt.Handle("GET /programme/export.xlsx", admin, h.exportXLSX)
}

// pageData builds a page's data; it gets the view to translate labels.
type pageData func(v *web.View) (any, error)

// page renders a page with status 200.
func (h *HTTP) page(w http.ResponseWriter, r *http.Request, name string, data pageData) error {
	v := h.rd.NewView(r, nil)
	d, err := data(v)
	if err != nil {
		return err
	}
	v.Data = d
	return h.rd.Render(w, http.StatusOK, name, v)
}

// formError re-renders a form page with the error's message and everything
// that was typed, or passes a non-form error on to the frame.
func (h *HTTP) formError(w http.ResponseWriter, r *http.Request, name string, data pageData, err error) error {
	ae, ok := apperr.As(err)
	if !ok || ae.Code == apperr.Internal || ae.Code == apperr.NotFound {
		return err
	}
	v := h.rd.NewView(r, nil).WithForm(r.PostForm, ae.Fields)
	v.Errors = []string{v.T(ae.Message, dataArgs(ae.Data)...)}
	d, derr := data(v)
	if derr != nil {
		return derr
	}
	var ce *CodeErrors
	if errors.As(err, &ce) {
		if m, ok := d.(map[string]any); ok {
			m["BadCodes"] = ce.Problems
		}
	}
	v.Data = d
	return h.rd.Render(w, web.Status(ae.Code), name, v)
}

func dataArgs(m map[string]any) []any {
	var out []any
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}

func (h *HTTP) parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid_form")
	}
	return nil
}

// choice is an option of a select, radio group or checkbox list.
type choice struct {
	Value, Label string
}

func (h *HTTP) serviceChoices(r *http.Request, v *web.View) ([]choice, error) {
	svcs, err := h.svc.Services(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return nil, err
	}
	out := make([]choice, len(svcs))
	for i, s := range svcs {
		out[i] = choice{Value: s.Key, Label: serviceLabel(v, s)}
	}
	return out, nil
}

func serviceLabel(v *web.View, s ServiceItem) string {
	if s.Label != "" {
		return s.Label
	}
	return v.T("programme.service." + s.Key)
}

func choices(v *web.View, prefix string, keys []string) []choice {
	out := make([]choice, len(keys))
	for i, k := range keys {
		out[i] = choice{Value: k, Label: v.T(prefix + k)}
	}
	return out
}

func atoi64(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// ---- contacts ----

func (h *HTTP) contactData(r *http.Request) pageData {
	return func(v *web.View) (any, error) {
		svcs, err := h.serviceChoices(r, v)
		if err != nil {
			return nil, err
		}
		recent, err := h.svc.Recent(r.Context(), v.Principal, KindContact, 5)
		if err != nil {
			return nil, err
		}
		return map[string]any{"Today": h.svc.Today().Format(dateLayout), "Modes": choices(v, "programme.mode.", Modes()), "Services": svcs, "Recent": recent}, nil
	}
}

func (h *HTTP) contactPage(w http.ResponseWriter, r *http.Request) error {
	return h.page(w, r, "programme/contact", h.contactData(r))
}

func (h *HTTP) contactSave(w http.ResponseWriter, r *http.Request) error {
	return h.saveRecord(w, r, KindContact, "")
}

func (h *HTTP) saveContact(r *http.Request, id string) error {
	f := r.PostForm
	condoms, ok := atoi64(f.Get("condoms"))
	if !ok {
		return apperr.Field("condoms", "programme.error.number")
	}
	c := Contact{On: f.Get("on"), Mode: f.Get("mode"), Codes: SplitCodes(f.Get("member_codes")), Services: f["services"], Condoms: condoms}
	_, err := h.svc.SaveContact(r.Context(), web.PrincipalFrom(r.Context()), id, c)
	return err
}

func contactValues(rf RecordForm) url.Values {
	codes := make([]string, len(rf.People))
	for i, pt := range rf.People {
		codes[i] = FormatCode(pt.Code)
	}
	v := url.Values{"on": {rf.On}, "mode": {rf.Mode}, "member_codes": {strings.Join(codes, " ")}, "services": rf.Services}
	if rf.Condoms != 0 {
		v.Set("condoms", strconv.FormatInt(rf.Condoms, 10))
	}
	return v
}

// ---- codes ----

func (h *HTTP) codeData(r *http.Request) pageData {
	return func(v *web.View) (any, error) {
		return map[string]any{
			"AgeBands": AgeBands(), "Genders": choices(v, "programme.cat.", Genders()), "Settings": choices(v, "programme.cat.", WorkSettings()),
		}, nil
	}
}

func (h *HTTP) codePage(w http.ResponseWriter, r *http.Request) error {
	return h.page(w, r, "programme/code", h.codeData(r))
}

func (h *HTTP) codeSave(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	c, err := h.svc.IssueCode(r.Context(), web.PrincipalFrom(r.Context()), CodeInput{AgeBand: f.Get("age_band"), Gender: f.Get("gender"), Setting: f.Get("setting"), NationalID: f.Get("national_id")})
	if err != nil {
		return h.formError(w, r, "programme/code", h.codeData(r), err)
	}
	// The card is shown once, in the answer to the post: the code is in no
	// address, no history entry and no log.
	return h.page(w, r, "programme/card", func(v *web.View) (any, error) {
		return map[string]any{"Code": FormatCode(c.Code)}, nil
	})
}

func (h *HTTP) codeLink(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	if err := h.svc.LinkCode(r.Context(), web.PrincipalFrom(r.Context()), f.Get("member_code"), f.Get("handle")); err != nil {
		return h.formError(w, r, "programme/code", h.codeData(r), err)
	}
	web.Redirect(w, r, "/programme/codes/new?done=flash.programme.code_linked")
	return nil
}

// ---- referrals ----

func (h *HTTP) referralData(r *http.Request) pageData {
	return func(v *web.View) (any, error) {
		p := v.Principal
		list, err := h.svc.Referrals(r.Context(), p)
		if err != nil {
			return nil, err
		}
		svcs, err := h.serviceChoices(r, v)
		if err != nil {
			return nil, err
		}
		labels := map[string]string{}
		for _, s := range svcs {
			labels[s.Value] = s.Label
		}
		type row struct {
			Referral
			Code, ServiceLabel string
		}
		rows := make([]row, len(list))
		for i, x := range list {
			rows[i] = row{Referral: x, Code: FormatCode(x.Code), ServiceLabel: labels[x.Service]}
		}
		var dest []string
		if h.dir != nil {
			if dest, err = h.dir.DirectoryNames(r.Context(), v.Lang); err != nil {
				return nil, err
			}
		}
		return map[string]any{"Today": h.svc.Today().Format(dateLayout), "Services": svcs, "Referrals": rows, "CanRecord": isRecorder(p), "Destinations": dest}, nil
	}
}

func (h *HTTP) referralsPage(w http.ResponseWriter, r *http.Request) error {
	return h.page(w, r, "programme/referrals", h.referralData(r))
}

func (h *HTTP) referralSave(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	if _, err := h.svc.Refer(r.Context(), web.PrincipalFrom(r.Context()), ReferralInput{Code: f.Get("member_code"), On: f.Get("on"), Service: f.Get("service"), To: f.Get("to")}); err != nil {
		return h.formError(w, r, "programme/referrals", h.referralData(r), err)
	}
	web.Redirect(w, r, "/programme/referrals?done=flash.programme.referral_saved")
	return nil
}

func (h *HTTP) outcomeSave(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	if err := h.svc.RecordOutcome(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), f.Get("status"), f.Get("on")); err != nil {
		return h.formError(w, r, "programme/referrals", h.referralData(r), err)
	}
	web.Redirect(w, r, "/programme/referrals?done=flash.programme.outcome_saved")
	return nil
}

// ---- sessions and trainings ----

func (h *HTTP) sessionData(r *http.Request) pageData {
	return func(v *web.View) (any, error) {
		recent, err := h.svc.Recent(r.Context(), v.Principal, KindGroupSession, 5)
		if err != nil {
			return nil, err
		}
		return map[string]any{"Today": h.svc.Today().Format(dateLayout), "Recent": recent}, nil
	}
}

func (h *HTTP) sessionPage(w http.ResponseWriter, r *http.Request) error {
	return h.page(w, r, "programme/session", h.sessionData(r))
}

func (h *HTTP) sessionSave(w http.ResponseWriter, r *http.Request) error {
	return h.saveRecord(w, r, KindGroupSession, "")
}

func (h *HTTP) saveSession(r *http.Request, id string) error {
	f := r.PostForm
	n, ok := atoi64(f.Get("attendance"))
	if !ok {
		return apperr.Field("attendance", "programme.error.number")
	}
	in := Session{On: f.Get("on"), Topic: f.Get("topic"), Attendance: n}
	_, err := h.svc.SaveSession(r.Context(), web.PrincipalFrom(r.Context()), id, in)
	return err
}

func sessionValues(rf RecordForm) url.Values {
	return url.Values{"on": {rf.On}, "topic": {rf.Title}, "attendance": {strconv.FormatInt(rf.Attendance, 10)}}
}

func (h *HTTP) trainingData(r *http.Request) pageData {
	return func(v *web.View) (any, error) {
		recent, err := h.svc.Recent(r.Context(), v.Principal, KindTraining, 5)
		if err != nil {
			return nil, err
		}
		return map[string]any{"Today": h.svc.Today().Format(dateLayout), "Modules": choices(v, "programme.module.", Modules()), "Recent": recent}, nil
	}
}

func (h *HTTP) trainingPage(w http.ResponseWriter, r *http.Request) error {
	return h.page(w, r, "programme/training", h.trainingData(r))
}

// parseParticipants reads one participant a line: a code, then optionally
// the scores before and after ("K7M4-XP2 40 80"); "-" stands for a score
// not given ("K7M4-XP2 - 80").
func parseParticipants(s string) ([]Participant, error) {
	var out []Participant
	for _, line := range strings.Split(s, "\n") {
		fields := SplitCodes(line)
		if len(fields) == 0 {
			continue
		}
		p := Participant{Code: fields[0]}
		for i, dst := range []**int{&p.PreScore, &p.PostScore} {
			if len(fields) > i+1 && fields[i+1] != "-" {
				n, err := strconv.Atoi(fields[i+1])
				if err != nil {
					return nil, apperr.Field("participants", "programme.error.score")
				}
				*dst = &n
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func (h *HTTP) trainingSave(w http.ResponseWriter, r *http.Request) error {
	return h.saveRecord(w, r, KindTraining, "")
}

func (h *HTTP) saveTraining(r *http.Request, id string) error {
	f := r.PostForm
	parts, err := parseParticipants(f.Get("participants"))
	if err != nil {
		return err
	}
	n, ok := atoi64(f.Get("attendance"))
	if !ok {
		return apperr.Field("attendance", "programme.error.number")
	}
	in := Training{On: f.Get("on"), Title: f.Get("title"), Modules: f["modules"], Participants: parts, Attendance: n}
	_, err = h.svc.SaveTraining(r.Context(), web.PrincipalFrom(r.Context()), id, in)
	return err
}

// trainingValues writes the participants a line each, as parseParticipants
// reads them: the code, then the scores, "-" for one not given.
func trainingValues(rf RecordForm) url.Values {
	lines := make([]string, len(rf.People))
	for i, pt := range rf.People {
		line := FormatCode(pt.Code)
		if pt.PreScore != nil || pt.PostScore != nil {
			line += " " + score(pt.PreScore)
		}
		if pt.PostScore != nil {
			line += " " + score(pt.PostScore)
		}
		lines[i] = line
	}
	return url.Values{"on": {rf.On}, "title": {rf.Title}, "modules": rf.Modules, "participants": {strings.Join(lines, "\n")},
		"attendance": {strconv.FormatInt(rf.Attendance, 10)}}
}

func score(n *int) string {
	if n == nil {
		return "-"
	}
	return strconv.Itoa(*n)
}
