package incident

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/web"
)

// The report form is a few short steps. Each step is a form of its own that
// saves the draft on the server before the next one shows, so a dropped
// connection or a phone put away in a hurry loses at most the step on the
// screen.
var formSteps = []string{"what", "when", "who", "needs", "consent", "review"}

// stepFields are the form fields of each step, so an error about a field of
// another step (a date saved earlier) does not hold her on this one; the
// review step shows it.
var stepFields = map[string][]string{
	"what":    {"incident_types", "narrative"},
	"when":    {"occurred_on", "area", "place"},
	"who":     {"description", "identifiers"},
	"needs":   {"support"},
	"consent": {},
}

func stepIndex(step string) int { return slices.Index(formSteps, step) }

// stepPage is what the report form's template gets.
type stepPage struct {
	ID          string
	Step        string
	StepNo      int
	Total       int
	Action      string
	Back        bool
	Types       []string
	Needs       []string
	Kinds       []ident.Kind
	Consents    []string
	Rows        []web.IdentifierRow
	MaxRows     int
	CanOnBehalf bool
	OnBehalf    bool
	Today       string
	// Report is the draft, for the review step.
	Report Report
	// Missing maps a step to the message of what is wrong on it (review).
	Missing map[string]string
}

func (h *HTTP) newStepPage(id, step string, onBehalf bool) *stepPage {
	action := "/reports/new"
	if id != "" {
		action = "/reports/" + id + "/edit"
	}
	return &stepPage{
		ID: id, Step: step, StepNo: stepIndex(step) + 1, Total: len(formSteps), Action: action, Back: stepIndex(step) > 0,
		Types: IncidentTypes(), Needs: SupportNeeds(), Kinds: ident.Kinds(), MaxRows: maxIdentifiers,
		Consents: []string{"alert", "network", "police"},
		OnBehalf: onBehalf, Today: h.svc.clock().Format("2006-01-02"),
	}
}

// draftValues are a saved draft as form values, so every step renders from
// the same values whether they come from the database or a failed post.
func draftValues(r Report) url.Values {
	v := url.Values{}
	v["incident_types"] = r.IncidentTypes
	v["support"] = r.Support
	v.Set("narrative", r.Narrative)
	v.Set("occurred_on", r.OccurredOn)
	v.Set("area", r.Area)
	v.Set("place", r.Place)
	v.Set("description", r.Description)
	for i, id := range r.Identifiers {
		web.SetIdentifierRow(v, i, string(id.Kind), id.Display)
	}
	for name, on := range map[string]bool{"consent_alert": r.Consent.Alert, "consent_network": r.Consent.Network, "consent_police": r.Consent.Police} {
		if on {
			v.Set(name, "1")
		}
	}
	return v
}

// draftOf is a saved report as a draft to save again.
func draftOf(r Report) Draft {
	d := Draft{OccurredOn: r.OccurredOn, Area: r.Area, Place: r.Place, IncidentTypes: r.IncidentTypes, Narrative: r.Narrative,
		Description: r.Description, Support: r.Support, Consent: r.Consent}
	for _, id := range r.Identifiers {
		d.Identifiers = append(d.Identifiers, RawIdentifier{Kind: string(id.Kind), Value: id.Display})
	}
	return d
}

// applyStep puts what a step's form holds into d.
func applyStep(d *Draft, step string, f url.Values) {
	switch step {
	case "what":
		d.IncidentTypes, d.Narrative = f["incident_types"], f.Get("narrative")
	case "when":
		d.OccurredOn, d.Area, d.Place = f.Get("occurred_on"), f.Get("area"), f.Get("place")
	case "who":
		d.Description, d.Identifiers = f.Get("description"), nil
		for _, row := range web.IdentifierRows(f, maxIdentifiers) {
			d.Identifiers = append(d.Identifiers, RawIdentifier{Kind: row.Kind, Value: row.Value})
		}
	case "needs":
		d.Support = f["support"]
	case "consent":
		d.Consent = Consent{Alert: f.Get("consent_alert") == "1", Network: f.Get("consent_network") == "1", Police: f.Get("consent_police") == "1"}
	}
}

// stepError keeps the errors about the fields of step.
func stepError(err error, step string) *apperr.Error {
	ae := web.UserError(err)
	if ae == nil || len(ae.Fields) == 0 {
		return ae
	}
	f := apperr.Fields{}
	for _, name := range stepFields[step] {
		if m := ae.Fields[name]; m != "" {
			f[name] = m
		}
	}
	if len(f) == 0 {
		return nil
	}
	out, _ := apperr.As(f.Err())
	return out
}

func (h *HTTP) newPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	sp := h.newStepPage("", "what", false)
	sp.CanOnBehalf = p.Role.IsStaff()
	return h.rd.RenderForm(w, r, "incident/report_edit", sp, nil, nil)
}

// create saves the first step as a new draft.
func (h *HTTP) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	var d Draft
	applyStep(&d, "what", r.PostForm)
	onBehalf := p.Role.IsStaff() && r.PostForm.Get("on_behalf") == "1"
	id, err := h.svc.SaveDraft(r.Context(), p, "", d, "what", onBehalf)
	if id == "" {
		return fmt.Errorf("incident: create draft: %w", err)
	}
	return h.afterSave(w, r, id, "what", onBehalf, err)
}

// saveStep saves one step of her draft.
func (h *HTTP) saveStep(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	id, step := r.PathValue("id"), r.PostForm.Get("step")
	if _, ok := stepFields[step]; !ok {
		return apperr.Field("step", "incident.error.unknown_choice")
	}
	cur, err := h.svc.Draft(r.Context(), p, id)
	if err != nil {
		return err
	}
	if cur.Status != StatusDraft {
		web.Redirect(w, r, "/reports/"+id)
		return nil
	}
	d := draftOf(cur)
	applyStep(&d, step, r.PostForm)
	_, err = h.svc.SaveDraft(r.Context(), p, id, d, step, false)
	return h.afterSave(w, r, id, step, cur.OnBehalf, err)
}

// afterSave re-renders the step when something on it needs fixing, and
// otherwise goes where she asked: on, back, one more identifier row, or
// away to finish later.
func (h *HTTP) afterSave(w http.ResponseWriter, r *http.Request, id, step string, onBehalf bool, err error) error {
	f := r.PostForm
	ae := stepError(err, step)
	if err != nil && ae == nil && web.UserError(err) == nil {
		return err
	}
	move := f.Get("go")
	if ae == nil && step == "what" && len(f["incident_types"]) == 0 && move != "later" {
		// Only what happened is needed; she learns it here, not at the end.
		ae = apperr.Field("incident_types", "incident.error.type_required")
	}
	if ae != nil {
		sp := h.newStepPage(id, step, onBehalf)
		sp.Rows = web.PadIdentifierRows(web.IdentifierRows(f, maxIdentifiers), 1, maxIdentifiers, "")
		return h.rd.RenderForm(w, r, "incident/report_edit", sp, f, ae)
	}
	base := "/reports/" + id + "/edit?step="
	i := stepIndex(step)
	switch move {
	case "back":
		web.Redirect(w, r, base+formSteps[max(i-1, 0)])
	case "add":
		web.Redirect(w, r, base+"who&rows="+strconv.Itoa(len(web.IdentifierRows(f, maxIdentifiers))+1))
	case "later":
		web.Redirect(w, r, "/reports?done=flash.incident_draft_saved")
	default:
		web.Redirect(w, r, base+formSteps[i+1])
	}
	return nil
}

func (h *HTTP) editPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	rep, err := h.svc.Draft(r.Context(), p, id)
	if err != nil {
		return err
	}
	if rep.Status != StatusDraft {
		web.Redirect(w, r, "/reports/"+id)
		return nil
	}
	step := r.URL.Query().Get("step")
	if stepIndex(step) < 0 {
		// Resume after the last step she saved.
		step = formSteps[min(stepIndex(rep.Step)+1, len(formSteps)-1)]
	}
	sp := h.newStepPage(id, step, rep.OnBehalf)
	if step == "review" {
		return h.renderSendStep(w, r, sp, rep, nil)
	}
	rows, _ := strconv.Atoi(r.URL.Query().Get("rows"))
	sp.Rows = web.PadIdentifierRows(web.IdentifierRows(draftValues(rep), maxIdentifiers), max(len(rep.Identifiers)+1, rows), maxIdentifiers, "")
	return h.rd.RenderForm(w, r, "incident/report_edit", sp, draftValues(rep), nil)
}

// renderSendStep shows the whole draft with a link to change each part, what
// still needs fixing, and the button that sends it.
func (h *HTTP) renderSendStep(w http.ResponseWriter, r *http.Request, sp *stepPage, rep Report, ae *apperr.Error) error {
	sp.Report = rep
	sp.Missing = map[string]string{}
	if ae != nil {
		for field, msg := range ae.Fields {
			for step, names := range stepFields {
				if slices.Contains(names, field) {
					sp.Missing[step] = msg
				}
			}
		}
	}
	if len(rep.IncidentTypes) == 0 && sp.Missing["what"] == "" {
		sp.Missing["what"] = "incident.error.type_required"
	}
	return h.rd.RenderForm(w, r, "incident/report_edit", sp, nil, ae)
}

func (h *HTTP) submitPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	err := h.svc.Submit(r.Context(), p, id)
	if err == nil {
		web.Redirect(w, r, "/reports/"+id+"/sent")
		return nil
	}
	ae := web.UserError(err)
	if ae == nil {
		return err
	}
	if ae.Code == apperr.Conflict {
		// Sent already (a second tap on Send).
		web.Redirect(w, r, "/reports/"+id)
		return nil
	}
	rep, derr := h.svc.Draft(r.Context(), p, id)
	if derr != nil {
		return derr
	}
	return h.renderSendStep(w, r, h.newStepPage(id, "review", rep.OnBehalf), rep, ae)
}

// sentPage tells her what happens next, and the help that fits.
func (h *HTTP) sentPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	rep, err := h.svc.Draft(r.Context(), p, id)
	if err != nil {
		return err
	}
	if rep.Status == StatusDraft {
		web.Redirect(w, r, "/reports/"+id+"/edit")
		return nil
	}
	v := h.rd.NewView(r, nil)
	data := map[string]any{"Report": rep, "PEP": pepFits(rep)}
	if h.helper != nil {
		// The confirmation that her report arrived matters more than the
		// extra links: when the library fails, she gets the link to it.
		if help, err := h.helper.HelpFor(r.Context(), v.Lang, rep.IncidentTypes, rep.Area); err == nil {
			data["Help"] = help
		}
	}
	v.Data = data
	return h.rd.Render(w, http.StatusOK, "incident/report_sent", v)
}

// pepFits reports whether PEP may help after what happened: it must start
// within 72 hours.
func pepFits(r Report) bool {
	for _, t := range r.IncidentTypes {
		if t == "sexual_violence" || t == "condom_refusal" || t == "drugging" {
			return true
		}
	}
	return slices.Contains(r.Support, "pep")
}

// minePage lists her reports and drafts.
func (h *HTTP) minePage(w http.ResponseWriter, r *http.Request) error {
	reports, err := h.svc.Mine(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	return h.rd.RenderForm(w, r, "incident/reports_mine", map[string]any{"Reports": reports}, nil, nil)
}

type reportView struct {
	Report      Report
	CanAdd      bool
	CanWithdraw bool
}

func viewOf(rep Report) reportView {
	return reportView{
		Report:      rep,
		CanAdd:      rep.Status != StatusWithdrawn,
		CanWithdraw: rep.Status != StatusPublished && rep.Status != StatusWithdrawn,
	}
}

// reportPage is her own view of a report she sent.
func (h *HTTP) reportPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	rep, err := h.svc.Draft(r.Context(), web.PrincipalFrom(r.Context()), id)
	if err != nil {
		return err
	}
	if rep.Status == StatusDraft {
		web.Redirect(w, r, "/reports/"+id+"/edit")
		return nil
	}
	return h.rd.RenderForm(w, r, "incident/report_view", viewOf(rep), nil, nil)
}

func (h *HTTP) addMessagePage(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	err := h.svc.AddMessage(r.Context(), p, id, r.PostForm.Get("text"))
	if err == nil {
		web.Redirect(w, r, "/reports/"+id+"?done=flash.incident_added")
		return nil
	}
	ae := web.UserError(err)
	if ae == nil {
		return err
	}
	rep, derr := h.svc.Draft(r.Context(), p, id)
	if derr != nil {
		return derr
	}
	return h.rd.RenderForm(w, r, "incident/report_view", viewOf(rep), r.PostForm, ae)
}

// withdrawPage asks her to confirm.
func (h *HTTP) withdrawPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	rep, err := h.svc.Draft(r.Context(), web.PrincipalFrom(r.Context()), id)
	if err != nil {
		return err
	}
	if !viewOf(rep).CanWithdraw {
		web.Redirect(w, r, "/reports/"+id)
		return nil
	}
	return h.rd.RenderForm(w, r, "incident/report_withdraw", rep, nil, nil)
}

func (h *HTTP) withdrawPost(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.Withdraw(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	web.Redirect(w, r, "/reports?done=flash.incident_withdrawn")
	return nil
}
