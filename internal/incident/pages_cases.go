package incident

import (
	"context"
	"net/http"
	"net/url"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

// caseItem is a case as the pages show it.
type caseItem struct {
	Case
	// Age is how long the case has been open (until it closed).
	Age Span
	// FirstResponse is how long the first response took; nil before it.
	FirstResponse *Span
}

func (h *HTTP) caseItem(c Case, handles map[string]string) caseItem {
	end := h.svc.clock()
	if c.ClosedAt != nil {
		end = *c.ClosedAt
	}
	it := caseItem{Case: c, Age: span(end.Sub(c.CreatedAt))}
	it.AssigneeHandle = handles[c.AssigneeID]
	if c.FirstResponseAt != nil {
		s := span(c.FirstResponseAt.Sub(c.CreatedAt))
		it.FirstResponse = &s
	}
	for i := range it.Notes {
		it.Notes[i].AuthorHandle = handles[it.Notes[i].AuthorID]
	}
	return it
}

// staffOf returns the organisation's staff and their handles by id; none
// when no staff list is wired.
func (h *HTTP) staffOf(ctx context.Context, orgID string) ([]StaffMember, map[string]string, error) {
	handles := map[string]string{}
	if h.staff == nil {
		return nil, handles, nil
	}
	staff, err := h.staff.StaffOf(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range staff {
		handles[s.ID] = s.Handle
	}
	return staff, handles, nil
}

// casesPage lists the organisation's open cases, newest first.
func (h *HTTP) casesPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	cases, err := h.svc.Cases(r.Context(), p, "")
	if err != nil {
		return err
	}
	_, handles, err := h.staffOf(r.Context(), p.OrgID)
	if err != nil {
		return err
	}
	items := make([]caseItem, len(cases))
	for i, c := range cases {
		items[i] = h.caseItem(c, handles)
	}
	return h.rd.RenderForm(w, r, "incident/cases", map[string]any{"Cases": items}, nil, nil)
}

type casePage struct {
	Case     caseItem
	Staff    []StaffMember
	Statuses []string
	Outcomes []string
}

func (h *HTTP) renderCase(w http.ResponseWriter, r *http.Request, values url.Values, ae *apperr.Error) error {
	p := web.PrincipalFrom(r.Context())
	c, err := h.svc.Case(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	staff, handles, err := h.staffOf(r.Context(), p.OrgID)
	if err != nil {
		return err
	}
	if values == nil {
		values = url.Values{"status": {c.Status}, "assignee": {c.AssigneeID}, "due_on": {c.DueOn}, "outcome": {c.Outcome}}
	}
	d := casePage{Case: h.caseItem(c, handles), Staff: staff, Statuses: []string{CaseOpen, CaseInProgress, CaseClosed}, Outcomes: CaseOutcomes()}
	return h.rd.RenderForm(w, r, "incident/case", d, values, ae)
}

func (h *HTTP) casePage(w http.ResponseWriter, r *http.Request) error {
	return h.renderCase(w, r, nil, nil)
}

func (h *HTTP) updateCasePost(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	id := r.PathValue("id")
	u := CaseUpdate{Status: f.Get("status"), AssigneeID: f.Get("assignee"), DueOn: f.Get("due_on"), Outcome: f.Get("outcome"), Note: f.Get("note")}
	if err := h.svc.UpdateCase(r.Context(), web.PrincipalFrom(r.Context()), id, u); err != nil {
		ae := web.UserError(err)
		if ae == nil {
			return err
		}
		return h.renderCase(w, r, f, ae)
	}
	web.Redirect(w, r, "/cases/"+id+"?done=flash.incident_case_saved")
	return nil
}
