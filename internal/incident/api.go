package incident

import (
	"net/http"
	"time"

	"github.com/sisterline/sisterline/internal/web"
)

// reportIn is the API's report body (API.md).
type reportIn struct {
	OccurredOn    string   `json:"occurred_on"`
	Area          string   `json:"area"`
	Place         string   `json:"place"`
	IncidentTypes []string `json:"incident_types"`
	Narrative     string   `json:"narrative"`
	Perpetrator   struct {
		Description string          `json:"description"`
		Identifiers []RawIdentifier `json:"identifiers"`
	} `json:"perpetrator"`
	Support  []string `json:"support"`
	Consent  Consent  `json:"consent"`
	OnBehalf bool     `json:"on_behalf"`
}

type identifierJSON struct {
	Kind       string `json:"kind"`
	Value      string `json:"value"`
	Normalized string `json:"normalized"`
}

type reportJSON struct {
	ID            string   `json:"id"`
	Status        string   `json:"status"`
	CreatedAt     string   `json:"created_at"`
	SubmittedAt   string   `json:"submitted_at,omitempty"`
	OccurredOn    string   `json:"occurred_on,omitempty"`
	Area          string   `json:"area,omitempty"`
	Place         string   `json:"place,omitempty"`
	IncidentTypes []string `json:"incident_types"`
	Narrative     string   `json:"narrative,omitempty"`
	Perpetrator   *struct {
		Description string           `json:"description"`
		Identifiers []identifierJSON `json:"identifiers"`
	} `json:"perpetrator,omitempty"`
	Support        []string `json:"support,omitempty"`
	Consent        *Consent `json:"consent,omitempty"`
	OnBehalf       bool     `json:"on_behalf,omitempty"`
	Corroborations *int     `json:"corroborations,omitempty"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// staffJSON is a report as a moderator sees it: everything but the reporter.
func staffJSON(r Report) reportJSON {
	out := reportJSON{
		ID: r.ID, Status: r.Status, CreatedAt: rfc3339(r.CreatedAt), OccurredOn: r.OccurredOn, Area: r.Area, Place: r.Place,
		IncidentTypes: nonNil(r.IncidentTypes), Narrative: r.Narrative, Support: nonNil(r.Support), OnBehalf: r.OnBehalf,
	}
	if r.SubmittedAt != nil {
		out.SubmittedAt = rfc3339(*r.SubmittedAt)
	}
	c := r.Consent
	out.Consent = &c
	n := r.Corroborations
	out.Corroborations = &n
	out.Perpetrator = &struct {
		Description string           `json:"description"`
		Identifiers []identifierJSON `json:"identifiers"`
	}{Description: r.Description, Identifiers: []identifierJSON{}}
	for _, id := range r.Identifiers {
		out.Perpetrator.Identifiers = append(out.Perpetrator.Identifiers, identifierJSON{Kind: string(id.Kind), Value: id.Display, Normalized: id.Value})
	}
	return out
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (h *HTTP) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var in reportIn
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	d := Draft{OccurredOn: in.OccurredOn, Area: in.Area, Place: in.Place, IncidentTypes: in.IncidentTypes, Narrative: in.Narrative,
		Description: in.Perpetrator.Description, Identifiers: in.Perpetrator.Identifiers, Support: in.Support, Consent: in.Consent}
	rep, err := h.svc.Create(r.Context(), web.PrincipalFrom(r.Context()), d, in.OnBehalf)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusCreated, map[string]string{"id": rep.ID, "status": rep.Status})
	return nil
}

func (h *HTTP) apiQueue(w http.ResponseWriter, r *http.Request) error {
	reports, err := h.svc.Queue(r.Context(), web.PrincipalFrom(r.Context()), r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	out := make([]reportJSON, 0, len(reports))
	for _, rep := range reports {
		out = append(out, staffJSON(rep))
	}
	web.JSON(w, http.StatusOK, map[string]any{"reports": out})
	return nil
}

func (h *HTTP) apiGet(w http.ResponseWriter, r *http.Request) error {
	rep, _, err := h.svc.Review(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, staffJSON(rep))
	return nil
}

func (h *HTTP) apiMine(w http.ResponseWriter, r *http.Request) error {
	reports, err := h.svc.Mine(r.Context(), web.PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	out := make([]reportJSON, 0, len(reports))
	for _, rep := range reports {
		out = append(out, reportJSON{ID: rep.ID, Status: rep.Status, CreatedAt: rfc3339(rep.CreatedAt), IncidentTypes: nonNil(rep.IncidentTypes)})
	}
	web.JSON(w, http.StatusOK, map[string]any{"reports": out})
	return nil
}

func (h *HTTP) apiPublish(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Summary     string          `json:"summary"`
		Scope       string          `json:"scope"`
		Identifiers []RawIdentifier `json:"identifiers"`
		Area        string          `json:"area"`
		ExpiresOn   string          `json:"expires_on"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p := web.PrincipalFrom(r.Context())
	id, err := h.svc.Publish(r.Context(), p, r.PathValue("id"), Publication{Summary: in.Summary, Scope: in.Scope, Identifiers: in.Identifiers, Area: in.Area, ExpiresOn: in.ExpiresOn})
	if err != nil {
		return err
	}
	a, err := h.alerts.AlertJSON(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusCreated, map[string]any{"alert": a})
	return nil
}

func (h *HTTP) apiDecline(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := h.svc.Decline(r.Context(), web.PrincipalFrom(r.Context()), id, in.Reason); err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, map[string]string{"id": id, "status": StatusDeclined})
	return nil
}

func (h *HTTP) apiRequestInfo(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Question string `json:"question"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := h.svc.RequestInfo(r.Context(), web.PrincipalFrom(r.Context()), id, in.Question); err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, map[string]string{"id": id, "status": StatusInfoRequested})
	return nil
}

func (h *HTTP) apiAddMessage(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Text string `json:"text"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.svc.AddMessage(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), in.Text); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *HTTP) apiWithdraw(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := h.svc.Withdraw(r.Context(), web.PrincipalFrom(r.Context()), id); err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, map[string]string{"id": id, "status": StatusWithdrawn})
	return nil
}
