package alert

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/web"
)

// The alert pages: the feed members read, one alert, correction and
// withdrawal for the moderators who published it, and screening. What she
// screens is posted, never put in a URL, and never logged or stored.

// pageRoutes registers the alert feed, alert pages, correction and
// withdrawal, and the screening page.
func (h *HTTP) pageRoutes(rt *web.Router, mod web.Access) {
	in := web.SignedIn()
	rt.Handle("GET /alerts", in, h.feedPage)
	rt.Handle("GET /alerts/{id}", in, h.alertPage)
	rt.Handle("GET /alerts/{id}/edit", mod, h.editPage)
	rt.Handle("POST /alerts/{id}/edit", mod, h.editPost)
	rt.Handle("GET /alerts/{id}/withdraw", mod, h.withdrawPage)
	rt.Handle("POST /alerts/{id}/withdraw", mod, h.withdrawPost)
	rt.Handle("GET /screen", in, h.screenPage)
	rt.Handle("POST /screen", in, h.screenPost)
}

// feedLimit is how many alerts one page of the feed shows.
const feedLimit = 100

// card is an alert as a page shows it.
type card struct {
	Alert
	Own     bool // published by the viewer's organisation
	Expired bool
	// Updated is true when the alert changed after it was published.
	Updated bool
}

func (h *HTTP) cards(p *web.Principal, alerts []Alert) []card {
	now := h.svc.clock()
	out := make([]card, len(alerts))
	for i, a := range alerts {
		out[i] = card{Alert: a, Own: a.OrgID == p.OrgID, Expired: a.Expired(now), Updated: a.UpdatedAt.After(a.PublishedAt)}
	}
	return out
}

// listPage is what alerts.html gets: the feed, or the answer to a screening.
type listPage struct {
	Cards []card
	// Feed: the areas to filter by and the one chosen.
	Areas []string
	Area  string
	// Screen: whether a screening was made (and so an answer is shown).
	Screen   bool
	Screened bool
}

// feedPage lists the alerts she sees, newest first, in one area or all.
func (h *HTTP) feedPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	area := strings.TrimSpace(r.URL.Query().Get("area"))
	all, err := h.svc.Feed(r.Context(), p, "", time.Time{}, feedLimit)
	if err != nil {
		return err
	}
	shown := all
	if area != "" {
		if shown, err = h.svc.Feed(r.Context(), p, area, time.Time{}, feedLimit); err != nil {
			return err
		}
	}
	var areas []string
	for _, a := range all {
		if a.Area != "" && !slices.ContainsFunc(areas, func(s string) bool { return strings.EqualFold(s, a.Area) }) {
			areas = append(areas, a.Area)
		}
	}
	slices.Sort(areas)
	return h.rd.RenderForm(w, r, "alert/alerts", listPage{Cards: h.cards(p, shown), Areas: areas, Area: area}, nil, nil)
}

// alertPage shows one alert; its organisation's moderators also see it
// withdrawn or expired, with the links to correct or withdraw it.
func (h *HTTP) alertPage(w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalFrom(r.Context())
	a, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	c := h.cards(p, []Alert{a})[0]
	return h.rd.RenderForm(w, r, "alert/alert", map[string]any{"Card": c, "CanEdit": c.Own && isModerator(p)}, nil, nil)
}

// editable returns an alert the viewer may correct or withdraw.
func (h *HTTP) editable(r *http.Request) (Alert, error) {
	p := web.PrincipalFrom(r.Context())
	a, err := h.svc.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return Alert{}, err
	}
	if a.OrgID != p.OrgID || !isModerator(p) {
		return Alert{}, apperr.ErrNotFound
	}
	return a, nil
}

// maxEditRows bounds the identifier rows of the correction form.
const maxEditRows = 20

func alertValues(a Alert) url.Values {
	v := url.Values{"summary": {a.Summary}, "scope": {a.Scope}, "area": {a.Area}}
	if a.ExpiresAt != nil {
		v.Set("expires_on", a.ExpiresAt.UTC().Format(time.DateOnly))
	}
	for i, id := range a.Identifiers {
		web.SetIdentifierRow(v, i, string(id.Kind), id.Display)
	}
	return v
}

func (h *HTTP) renderEdit(w http.ResponseWriter, r *http.Request, a Alert, values url.Values, ae *apperr.Error) error {
	rows := web.IdentifierRows(values, maxEditRows)
	rows = web.PadIdentifierRows(rows, len(rows)+1, maxEditRows, string(ident.KindPhone))
	data := map[string]any{"Alert": a, "Rows": rows, "Kinds": ident.Kinds()}
	return h.rd.RenderForm(w, r, "alert/alert_edit", data, values, ae)
}

func (h *HTTP) editPage(w http.ResponseWriter, r *http.Request) error {
	a, err := h.editable(r)
	if err != nil {
		return err
	}
	return h.renderEdit(w, r, a, alertValues(a), nil)
}

// editPost corrects the alert: summary, scope (narrower only), area, last
// day and identifiers.
func (h *HTTP) editPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid_form")
	}
	a, err := h.editable(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	in := Input{Summary: f.Get("summary"), Scope: f.Get("scope"), Area: f.Get("area")}
	err = func() error {
		if day := strings.TrimSpace(f.Get("expires_on")); day != "" {
			t, err := time.Parse(time.DateOnly, day)
			if err != nil {
				return fieldErr("expires_on", "alert.error.expiry")
			}
			// The alert shows through the whole of its last day.
			t = t.Add(24*time.Hour - time.Microsecond)
			in.ExpiresAt = &t
		}
		for _, row := range web.IdentifierRows(f, maxEditRows) {
			if strings.TrimSpace(row.Value) == "" {
				continue
			}
			id, err := h.svc.parse(row.Kind, row.Value)
			if err != nil {
				return err
			}
			in.Identifiers = append(in.Identifiers, id)
		}
		_, err := h.svc.Correct(r.Context(), web.PrincipalFrom(r.Context()), a.ID, in)
		return err
	}()
	if err != nil {
		ae := web.UserError(err)
		if ae == nil {
			return err
		}
		return h.renderEdit(w, r, a, f, ae)
	}
	web.Redirect(w, r, "/alerts/"+a.ID+"?done=flash.alert_corrected")
	return nil
}

// withdrawPage asks the moderator to confirm.
func (h *HTTP) withdrawPage(w http.ResponseWriter, r *http.Request) error {
	a, err := h.editable(r)
	if err != nil {
		return err
	}
	return h.rd.RenderForm(w, r, "alert/alert_withdraw", a, nil, nil)
}

func (h *HTTP) withdrawPost(w http.ResponseWriter, r *http.Request) error {
	a, err := h.editable(r)
	if err != nil {
		return err
	}
	if err := h.svc.Withdraw(r.Context(), web.PrincipalFrom(r.Context()), a.ID); err != nil {
		return err
	}
	web.Redirect(w, r, "/alerts?done=flash.alert_withdrawn")
	return nil
}

func (h *HTTP) screenPage(w http.ResponseWriter, r *http.Request) error {
	return h.rd.RenderForm(w, r, "alert/alerts", listPage{Screen: true}, nil, nil)
}

// screenPost answers "is this number known?": the matching alerts, or the
// plain sentence that nothing was found — which does not make him safe.
func (h *HTTP) screenPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid_form")
	}
	p := web.PrincipalFrom(r.Context())
	matches, err := h.svc.Screen(r.Context(), p, r.PostForm.Get("value"), "")
	if err != nil {
		ae := web.UserError(err)
		if ae == nil {
			return err
		}
		if ae.Code == apperr.RateLimited {
			w.Header().Set("Retry-After", "60")
		}
		return h.rd.RenderForm(w, r, "alert/alerts", listPage{Screen: true}, r.PostForm, ae)
	}
	return h.rd.RenderForm(w, r, "alert/alerts", listPage{Screen: true, Screened: true, Cards: h.cards(p, matches)}, r.PostForm, nil)
}

// ScreenHome is the home page block "check a number": one field and one big
// button, for every signed-in role.
func (h *HTTP) ScreenHome(r *http.Request, v *web.View) (template.HTML, error) {
	return h.rd.Fragment("alert/home_screen", v, nil)
}
