package alert

import (
	"context"
	"net/http"
	"time"

	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/web"
)

type identifierJSON struct {
	Kind       string `json:"kind"`
	Value      string `json:"value"`
	Normalized string `json:"normalized"`
}

// alertJSON is an alert as the API shows it (API.md).
type alertJSON struct {
	ID            string           `json:"id"`
	Summary       string           `json:"summary"`
	IncidentTypes []string         `json:"incident_types"`
	OccurredOn    string           `json:"occurred_on,omitempty"`
	Area          string           `json:"area,omitempty"`
	Scope         string           `json:"scope"`
	Org           string           `json:"org"`
	Status        string           `json:"status"`
	PublishedAt   string           `json:"published_at"`
	UpdatedAt     string           `json:"updated_at"`
	ExpiresAt     string           `json:"expires_at,omitempty"`
	Identifiers   []identifierJSON `json:"identifiers"`
}

func toJSON(a Alert) alertJSON {
	out := alertJSON{
		ID: a.ID, Summary: a.Summary, IncidentTypes: a.IncidentTypes, OccurredOn: a.OccurredOn, Area: a.Area, Scope: a.Scope,
		Org: a.OrgSlug, Status: a.Status, PublishedAt: a.PublishedAt.UTC().Format(time.RFC3339), UpdatedAt: a.UpdatedAt.UTC().Format(time.RFC3339),
		Identifiers: []identifierJSON{},
	}
	if out.IncidentTypes == nil {
		out.IncidentTypes = []string{}
	}
	if a.ExpiresAt != nil {
		out.ExpiresAt = a.ExpiresAt.UTC().Format(time.RFC3339)
	}
	for _, id := range a.Identifiers {
		out.Identifiers = append(out.Identifiers, identifierJSON{Kind: string(id.Kind), Value: id.Display, Normalized: id.Value})
	}
	return out
}

// AlertJSON returns an alert she may see in its API form.
func (s *Service) AlertJSON(ctx context.Context, p *web.Principal, id string) (any, error) {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return toJSON(a), nil
}

func listJSON(alerts []Alert) []alertJSON {
	out := make([]alertJSON, 0, len(alerts))
	for _, a := range alerts {
		out = append(out, toJSON(a))
	}
	return out
}

func (h *HTTP) apiFeed(w http.ResponseWriter, r *http.Request) error {
	alerts, err := h.svc.Feed(r.Context(), web.PrincipalFrom(r.Context()), r.URL.Query().Get("area"), time.Time{}, 100)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, map[string]any{"alerts": listJSON(alerts)})
	return nil
}

func (h *HTTP) apiGet(w http.ResponseWriter, r *http.Request) error {
	a, err := h.svc.Get(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, toJSON(a))
	return nil
}

func (h *HTTP) apiScreen(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Value string `json:"value"`
		Kind  string `json:"kind"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	matches, err := h.svc.Screen(r.Context(), web.PrincipalFrom(r.Context()), in.Value, in.Kind)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, struct {
		Matches []alertJSON `json:"matches"`
	}{listJSON(matches)})
	return nil
}

func (h *HTTP) apiCorrect(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Summary     string `json:"summary"`
		Scope       string `json:"scope"`
		Area        string `json:"area"`
		ExpiresAt   string `json:"expires_at"`
		Identifiers []struct {
			Kind  string `json:"kind"`
			Value string `json:"value"`
		} `json:"identifiers"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	input := Input{Summary: in.Summary, Scope: in.Scope, Area: in.Area}
	if in.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, in.ExpiresAt)
		if err != nil {
			return fieldErr("expires_at", "alert.error.expiry")
		}
		input.ExpiresAt = &t
	}
	for _, raw := range in.Identifiers {
		id, err := h.svc.parse(raw.Kind, raw.Value)
		if err != nil {
			return err
		}
		input.Identifiers = append(input.Identifiers, id)
	}
	a, err := h.svc.Correct(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"), input)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, toJSON(a))
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

// parse normalises one identifier a moderator typed.
func (s *Service) parse(kind, value string) (ident.Identifier, error) {
	k := ident.KindOther
	if kind != "" {
		var ok bool
		if k, ok = ident.ParseKind(kind); !ok {
			return ident.Identifier{}, fieldErr("identifiers", "alert.error.kind")
		}
	}
	id, err := ident.Normalize(k, value, s.opt.PhoneRegion)
	if err != nil {
		return ident.Identifier{}, fieldErr("identifiers", "alert.error.value")
	}
	return id, nil
}
