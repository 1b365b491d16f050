package incident

import (
	"context"
	"html/template"
	"net/http"
	"time"

	"github.com/sisterline/sisterline/internal/web"
)

// The pages of the safety loop's first half: the step-by-step report form,
// her reports, the moderators' queue and review page, and the cases. Each
// handler decodes the form, calls the service and renders; the rules are in
// service.go.

// HelpLink is an article to read or a service to call.
type HelpLink struct {
	Title string
	URL   string
	// Contact and ContactURL are a service's phone or address and its link,
	// when it has one. The helper vouches for ContactURL (https: or tel:,
	// which html/template would otherwise refuse).
	Contact    string
	ContactURL template.URL
	Note       string
}

// Help is what fits what happened to her: rights articles and services.
type Help struct {
	Articles []HelpLink
	Services []HelpLink
}

// Helper finds the help that fits a report (the rights capability gives it).
type Helper interface {
	HelpFor(ctx context.Context, lang string, incidentTypes []string, area string) (Help, error)
}

// StaffMember is a staff member a case can be assigned to.
type StaffMember struct {
	ID     string
	Handle string
}

// Staff lists an organisation's staff (the account capability gives it).
type Staff interface {
	StaffOf(ctx context.Context, orgID string) ([]StaffMember, error)
}

// SetHelper sets where the page after sending finds the help that fits; nil
// shows a link to the rights library.
func (h *HTTP) SetHelper(hp Helper) { h.helper = hp }

// SetStaff sets where the case pages find the staff to assign.
func (h *HTTP) SetStaff(s Staff) { h.staff = s }

// pageRoutes registers the report form, her reports, the moderation queue,
// the review page and the cases.
func (h *HTTP) pageRoutes(rt *web.Router, mod web.Access) {
	in := web.SignedIn()
	rt.Handle("GET /reports", in, h.minePage)
	rt.Handle("GET /reports/new", in, h.newPage)
	rt.Handle("POST /reports/new", in, h.create)
	rt.Handle("GET /reports/{id}", in, h.reportPage)
	rt.Handle("GET /reports/{id}/edit", in, h.editPage)
	rt.Handle("POST /reports/{id}/edit", in, h.saveStep)
	rt.Handle("POST /reports/{id}/submit", in, h.submitPage)
	rt.Handle("GET /reports/{id}/sent", in, h.sentPage)
	rt.Handle("POST /reports/{id}/messages", in, h.addMessagePage)
	rt.Handle("GET /reports/{id}/withdraw", in, h.withdrawPage)
	rt.Handle("POST /reports/{id}/withdraw", in, h.withdrawPost)

	rt.Handle("GET /review", mod, h.queuePage)
	rt.Handle("GET /review/{id}", mod, h.reviewPage)
	rt.Handle("POST /review/{id}/publish", mod, h.publishPost)
	rt.Handle("POST /review/{id}/ask", mod, h.askPost)
	rt.Handle("POST /review/{id}/decline", mod, h.declinePost)

	rt.Handle("GET /cases", mod, h.casesPage)
	rt.Handle("GET /cases/{id}", mod, h.casePage)
	rt.Handle("POST /cases/{id}", mod, h.updateCasePost)
}

// Span is a duration as a page says it: a number and a unit (min, h, d).
type Span struct {
	N    int
	Unit string
}

// span rounds d down to minutes, hours or days, whichever reads best.
func span(d time.Duration) Span {
	switch {
	case d < time.Hour:
		return Span{N: max(int(d/time.Minute), 0), Unit: "min"}
	case d < 48*time.Hour:
		return Span{N: int(d / time.Hour), Unit: "h"}
	default:
		return Span{N: int(d / (24 * time.Hour)), Unit: "d"}
	}
}

// Home blocks: the account capability shows them on the signed-in home page.

// ReportHome is the home page block with the big "report what happened"
// button and her reports, for every signed-in role.
func (h *HTTP) ReportHome(r *http.Request, v *web.View) (template.HTML, error) {
	return h.rd.Fragment("incident/home_report", v, nil)
}

// ReviewHome is the moderators' home page block: how many reports wait.
func (h *HTTP) ReviewHome(r *http.Request, v *web.View) (template.HTML, error) {
	n, err := h.svc.Waiting(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return "", err
	}
	return h.rd.Fragment("incident/home_review", v, map[string]int{"Waiting": n})
}
