package rights

import (
	"net/http"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

// apiLang is the language an API call asks for (?lang=), else the caller's.
func (h *HTTP) apiLang(r *http.Request) (string, error) {
	l := r.URL.Query().Get("lang")
	if l == "" {
		return h.lang(r), nil
	}
	if !validLang(l) {
		return "", errLang
	}
	return l, nil
}

type articleListJSON struct {
	Slug         string `json:"slug"`
	Lang         string `json:"lang"`
	Title        string `json:"title"`
	Jurisdiction string `json:"jurisdiction"`
	ReviewedOn   string `json:"reviewed_on"`
	Summary      string `json:"summary"`
	Fallback     bool   `json:"fallback"`
}

// apiArticles answers GET /api/v1/articles?lang=&q=&jurisdiction=.
func (h *HTTP) apiArticles(w http.ResponseWriter, r *http.Request) error {
	lang, err := h.apiLang(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := h.svc.List(r.Context(), lang, q.Get("jurisdiction"), q.Get("q"))
	if err != nil {
		return err
	}
	out := make([]articleListJSON, 0, len(list))
	for _, m := range list {
		out = append(out, articleListJSON{Slug: m.Slug, Lang: m.Lang, Title: m.Title, Jurisdiction: m.Jurisdiction,
			ReviewedOn: m.ReviewedOn, Summary: m.Summary, Fallback: m.Fallback})
	}
	web.JSON(w, http.StatusOK, map[string]any{"articles": out})
	return nil
}

// apiArticle answers GET /api/v1/articles/{slug}?lang=.
func (h *HTTP) apiArticle(w http.ResponseWriter, r *http.Request) error {
	lang, err := h.apiLang(r)
	if err != nil {
		return err
	}
	slug := r.PathValue("slug")
	if !validSlug(slug) {
		return apperr.ErrNotFound
	}
	a, fallback, err := h.svc.Article(r.Context(), slug, lang)
	if err != nil {
		return err
	}
	web.JSON(w, http.StatusOK, map[string]any{
		"slug": a.Slug, "lang": a.Lang, "title": a.Title, "jurisdiction": a.Jurisdiction, "html": a.HTML,
		"sources": a.Sources, "reviewed_on": a.ReviewedOn, "reviewed_by": a.ReviewedBy, "summary": a.Summary,
		"uncertain": a.Uncertain, "topics": a.Topics, "incident_types": a.IncidentTypes, "fallback": fallback,
	})
	return nil
}

type entryJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Area       string   `json:"area"`
	Contact    string   `json:"contact"`
	Hours      string   `json:"hours"`
	Notes      string   `json:"notes"`
	Languages  []string `json:"languages"`
	VerifiedOn string   `json:"verified_on"`
}

// apiDirectory answers GET /api/v1/directory?area=&kind=&lang=; names and
// notes come in lang where the entry has them.
func (h *HTTP) apiDirectory(w http.ResponseWriter, r *http.Request) error {
	lang, err := h.apiLang(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := h.svc.Directory(r.Context(), q.Get("area"), q.Get("kind"))
	if err != nil {
		return err
	}
	out := make([]entryJSON, 0, len(list))
	for _, e := range list {
		out = append(out, entryJSON{ID: e.ID, Name: e.DisplayName(lang), Kind: e.Kind, Area: e.Area, Contact: e.Contact,
			Hours: e.Hours, Notes: e.DisplayNotes(lang), Languages: e.Languages, VerifiedOn: e.VerifiedOn})
	}
	web.JSON(w, http.StatusOK, map[string]any{"entries": out})
	return nil
}
