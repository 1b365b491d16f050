package incident

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/web"
)

// queueItem is a report in the moderators' queue.
type queueItem struct {
	Report
	Waited Span
}

// queueStatuses are the queue's filter choices; "" is the default (pending
// and asked for more information).
var queueStatuses = []string{"", StatusPending, StatusInfoRequested, StatusPublished, StatusDeclined, StatusWithdrawn}

// urgency names how urgent a report is, from its priority: sexual violence
// and drugging are urgent, and so is a need for PEP or a doctor.
func urgency(priority int) string {
	switch {
	case priority >= 100:
		return "urgent"
	case priority >= 50:
		return "soon"
	}
	return ""
}

// Urgency is how urgent the report is: "urgent", "soon" or "".
func (r Report) Urgency() string { return urgency(r.Priority) }

func (h *HTTP) queuePage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	status := r.URL.Query().Get("status")
	reports, err := h.svc.Queue(r.Context(), p, status)
	if err != nil {
		return err
	}
	now := h.svc.clock()
	items := make([]queueItem, len(reports))
	for i, rep := range reports {
		items[i] = queueItem{Report: rep, Waited: span(rep.Waiting(now))}
	}
	return h.rd.RenderForm(w, r, "incident/review_queue", map[string]any{"Items": items, "Status": status, "Statuses": queueStatuses}, nil, nil)
}

// reviewData is what the review page's template gets.
type reviewData struct {
	Report        Report
	Corroboration Corroboration
	Cases         []Case
	Open          bool
	Waited        Span
	// Reviewed is how long the report waited for its first review.
	Reviewed *Span
	Kinds    []ident.Kind
	TTLDays  int
	Tomorrow string
}

// IdentValue is the value a publish checkbox carries for an identifier:
// its kind and canonical value.
func (id Identifier) IdentValue() string { return string(id.Kind) + "|" + id.Value }

// reviewValues pre-fill the forms of the review page: every identifier of
// the report ticked, the organisation scope, the report's area.
func reviewValues(rep Report) url.Values {
	v := url.Values{"scope": {"org"}, "area": {rep.Area}}
	for _, id := range rep.Identifiers {
		v.Add("ident", id.IdentValue())
	}
	return v
}

// renderReviewPage opens the report for a moderator (the read is audited) and
// shows it with its corroboration, actions and cases.
func (h *HTTP) renderReviewPage(w http.ResponseWriter, r *http.Request, values func(Report) url.Values, ae *apperr.Error) error {
	p := web.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	rep, corr, err := h.svc.Review(r.Context(), p, id)
	if err != nil {
		return err
	}
	cases, err := h.svc.Cases(r.Context(), p, id)
	if err != nil {
		return err
	}
	now := h.svc.clock()
	d := reviewData{
		Report: rep, Corroboration: corr, Cases: cases, Kinds: ident.Kinds(),
		Open:     rep.Status == StatusPending || rep.Status == StatusInfoRequested,
		Waited:   span(rep.Waiting(now)),
		TTLDays:  int(h.svc.opt.AlertTTL / (24 * time.Hour)),
		Tomorrow: now.Add(24 * time.Hour).Format("2006-01-02"),
	}
	if rep.SubmittedAt != nil && rep.FirstReviewAt != nil {
		s := span(rep.FirstReviewAt.Sub(*rep.SubmittedAt))
		d.Reviewed = &s
	}
	return h.rd.RenderForm(w, r, "incident/review", d, values(rep), ae)
}

func (h *HTTP) reviewPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderReviewPage(w, r, reviewValues, nil)
}

// reviewFailed shows the review page again with what she typed and the
// error, or passes an error that is not hers to fix to the frame.
func (h *HTTP) reviewFailed(w http.ResponseWriter, r *http.Request, err error) error {
	ae := web.UserError(err)
	if ae == nil {
		return err
	}
	return h.renderReviewPage(w, r, func(Report) url.Values { return r.PostForm }, ae)
}

// publishPost turns the report into an alert.
func (h *HTTP) publishPost(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	pub := Publication{Summary: f.Get("summary"), Scope: f.Get("scope"), Area: f.Get("area"), ExpiresOn: strings.TrimSpace(f.Get("expires_on"))}
	for _, v := range f["ident"] {
		kind, value, ok := strings.Cut(v, "|")
		if !ok {
			return h.reviewFailed(w, r, apperr.Field("identifiers", "incident.error.identifier_kind"))
		}
		pub.Identifiers = append(pub.Identifiers, RawIdentifier{Kind: kind, Value: value})
	}
	if v := strings.TrimSpace(f.Get("new_value")); v != "" {
		pub.Identifiers = append(pub.Identifiers, RawIdentifier{Kind: f.Get("new_kind"), Value: v})
	}
	alertID, err := h.svc.Publish(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), pub)
	if err != nil {
		return h.reviewFailed(w, r, err)
	}
	web.Redirect(w, r, "/alerts/"+alertID+"?done=flash.incident_published")
	return nil
}

func (h *HTTP) askPost(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := h.svc.RequestInfo(r.Context(), web.PrincipalFrom(r.Context()), id, r.PostForm.Get("question")); err != nil {
		return h.reviewFailed(w, r, err)
	}
	web.Redirect(w, r, "/review/"+id+"?done=flash.incident_asked")
	return nil
}

func (h *HTTP) declinePost(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := h.svc.Decline(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), r.PostForm.Get("reason")); err != nil {
		return h.reviewFailed(w, r, err)
	}
	web.Redirect(w, r, "/review?done=flash.incident_declined")
	return nil
}
