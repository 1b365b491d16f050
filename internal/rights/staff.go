package rights

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

// Staff pages: edit an article (with a preview), its history, and the
// directory's entries.

// formFromDocument fills the edit form from a document.
func formFromDocument(d Document, version int) url.Values {
	var sources []string
	for _, s := range d.Sources {
		if s.URL != "" {
			sources = append(sources, s.Title+" | "+s.URL)
		} else {
			sources = append(sources, s.Title)
		}
	}
	v := url.Values{
		"lang": {d.Lang}, "title": {d.Title}, "jurisdiction": {d.Jurisdiction}, "summary": {d.Summary},
		"topics": d.Topics, "incident_types": d.IncidentTypes, "reviewed_on": {d.ReviewedOn},
		"reviewed_by": {d.ReviewedBy}, "uncertain": {strings.Join(d.Uncertain, "\n")},
		"sources": {strings.Join(sources, "\n")}, "body": {d.Body}, "version": {strconv.Itoa(version)},
	}
	if d.Card {
		v.Set("card", "1")
	}
	return v
}

// lines splits a text area into its non-empty lines.
func lines(s string) []string {
	out := []string{}
	for l := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// documentFromForm reads the edit form: sources one per line as
// "title | address".
func documentFromForm(slug string, f url.Values) Document {
	d := Document{
		Slug: slug, Lang: f.Get("lang"), Title: strings.TrimSpace(f.Get("title")),
		Jurisdiction: strings.ToUpper(strings.TrimSpace(f.Get("jurisdiction"))), Summary: strings.TrimSpace(f.Get("summary")),
		Topics: f["topics"], IncidentTypes: f["incident_types"], ReviewedOn: f.Get("reviewed_on"),
		ReviewedBy: strings.TrimSpace(f.Get("reviewed_by")), Card: f.Get("card") == "1",
		Uncertain: lines(f.Get("uncertain")), Body: strings.ReplaceAll(f.Get("body"), "\r\n", "\n"),
	}
	if d.Topics == nil {
		d.Topics = []string{}
	}
	if d.IncidentTypes == nil {
		d.IncidentTypes = []string{}
	}
	for _, l := range lines(f.Get("sources")) {
		s := Source{Title: l}
		if i := strings.LastIndex(l, "|"); i >= 0 {
			s = Source{Title: strings.TrimSpace(l[:i]), URL: strings.TrimSpace(l[i+1:])}
		}
		d.Sources = append(d.Sources, s)
	}
	return d
}

func (h *HTTP) editView(r *http.Request, slug, lang string, exists, packNewer bool) *web.View {
	return h.rd.NewView(r, map[string]any{
		"Slug": slug, "Lang": lang, "Exists": exists, "PackNewer": packNewer,
		"Topics": Topics, "IncidentTypes": IncidentTypes,
	})
}

func (h *HTTP) editPage(w http.ResponseWriter, r *http.Request) error {
	slug, lang := r.PathValue("slug"), h.contentLang(r)
	if !validSlug(slug) {
		return apperr.ErrNotFound
	}
	a, fallback, err := h.svc.Article(r.Context(), slug, lang)
	switch {
	case apperr.Is(err, apperr.NotFound):
		// A new article: an empty form.
		v := h.editView(r, slug, lang, false, false)
		v.WithForm(url.Values{"lang": {lang}, "version": {"0"}, "reviewed_on": {today(h.svc.now())}}, nil)
		return h.rd.Render(w, http.StatusOK, "rights/edit", v)
	case err != nil:
		return err
	}
	d, version := a.Document, a.Version
	if fallback {
		// A new translation starts from the other language's text.
		d.Lang, version = lang, 0
	}
	v := h.editView(r, slug, lang, !fallback, a.PackNewer && !fallback)
	v.WithForm(formFromDocument(d, version), nil)
	return h.rd.Render(w, http.StatusOK, "rights/edit", v)
}

// newArticle asks for a new article's address (its slug) and language,
// then opens the empty editor there; a slug already in use sends her to
// that article's editor instead, with a word of why.
func (h *HTTP) newArticle(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	slug, lang := strings.ToLower(strings.TrimSpace(q.Get("slug"))), q.Get("lang")
	if !validLang(lang) {
		lang = h.lang(r)
	}
	data := map[string]any{"Langs": langs}
	v := h.rd.NewView(r, data)
	form := url.Values{"slug": {slug}, "lang": {lang}}
	if !q.Has("slug") {
		v.WithForm(form, nil)
		return h.rd.Render(w, http.StatusOK, "rights/new", v)
	}
	field := "rights.error.slug"
	if validSlug(slug) {
		_, _, err := h.svc.Article(r.Context(), slug, lang)
		switch {
		case apperr.Is(err, apperr.NotFound):
			web.Redirect(w, r, "/rights/edit/"+slug+"?lang="+url.QueryEscape(lang))
			return nil
		case err != nil:
			return err
		}
		data["Existing"] = slug
		field = "rights.error.slug_taken"
	}
	v.WithForm(form, map[string]string{"slug": v.T(field)})
	v.Errors = []string{v.T("error.invalid_form")}
	return h.rd.Render(w, http.StatusUnprocessableEntity, "rights/new", v)
}

func (h *HTTP) edit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid_form")
	}
	slug, p := r.PathValue("slug"), web.PrincipalFrom(r.Context())
	d := documentFromForm(slug, r.PostForm)
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	v := h.editView(r, slug, d.Lang, version > 0, false)
	if r.PostForm.Get("action") == "preview" {
		html, err := h.svc.Preview(d)
		v.Data.(map[string]any)["Preview"] = template.HTML(html) // #nosec G203 -- rendered without raw HTML and sanitised (render.go)
		if err != nil {
			return h.formError(w, r, "rights/edit", v, err)
		}
		v.WithForm(r.PostForm, nil)
		return h.rd.Render(w, http.StatusOK, "rights/edit", v)
	}
	if _, err := h.svc.Save(r.Context(), p, d, version); err != nil {
		return h.formError(w, r, "rights/edit", v, err)
	}
	web.Redirect(w, r, "/rights/"+url.PathEscape(slug)+"?lang="+url.QueryEscape(d.Lang)+"&done=flash.rights_saved")
	return nil
}

func (h *HTTP) history(w http.ResponseWriter, r *http.Request) error {
	slug, lang, p := r.PathValue("slug"), h.contentLang(r), web.PrincipalFrom(r.Context())
	versions, err := h.svc.History(r.Context(), p, slug, lang)
	if err != nil {
		return err
	}
	data := map[string]any{"Slug": slug, "Lang": lang, "Versions": versions}
	if n, err := strconv.Atoi(r.URL.Query().Get("v")); err == nil {
		shown, err := h.svc.Version(r.Context(), p, slug, lang, n)
		if err != nil {
			return err
		}
		data["Shown"] = shown
	}
	return h.rd.Page(w, r, "rights/history", data)
}

// formFromEntry fills the entry form.
func formFromEntry(e Entry) url.Values {
	return url.Values{
		"name": {e.Name}, "name_zh": {e.NameZh}, "kind": {e.Kind}, "area": {e.Area}, "contact": {e.Contact},
		"hours": {e.Hours}, "languages": {strings.Join(e.Languages, ", ")}, "notes": {e.Notes},
		"notes_zh": {e.NotesZh}, "verified_on": {e.VerifiedOn}, "source_url": {e.SourceURL},
	}
}

func entryFromForm(id string, f url.Values) Entry {
	e := Entry{
		ID: id, Name: strings.TrimSpace(f.Get("name")), NameZh: strings.TrimSpace(f.Get("name_zh")),
		Kind: f.Get("kind"), Area: strings.TrimSpace(f.Get("area")), Contact: strings.TrimSpace(f.Get("contact")),
		Hours: strings.TrimSpace(f.Get("hours")), Notes: strings.TrimSpace(f.Get("notes")),
		NotesZh: strings.TrimSpace(f.Get("notes_zh")), VerifiedOn: f.Get("verified_on"),
		SourceURL: strings.TrimSpace(f.Get("source_url")), Languages: []string{},
	}
	e.Languages = append(e.Languages, strings.FieldsFunc(f.Get("languages"), func(r rune) bool { return r == ',' || r == ' ' || r == '，' })...)
	return e
}

func (h *HTTP) entryView(r *http.Request, id string) *web.View {
	return h.rd.NewView(r, map[string]any{"ID": id, "Kinds": Kinds})
}

func (h *HTTP) entryPage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	v := h.entryView(r, id)
	if id == "" {
		v.WithForm(url.Values{"verified_on": {today(h.svc.now())}}, nil)
		return h.rd.Render(w, http.StatusOK, "rights/entry", v)
	}
	e, err := h.svc.Entry(r.Context(), id)
	if err != nil {
		return err
	}
	v.WithForm(formFromEntry(e), nil)
	return h.rd.Render(w, http.StatusOK, "rights/entry", v)
}

func (h *HTTP) entryRemove(w http.ResponseWriter, r *http.Request) error {
	e, err := h.svc.RemoveEntry(r.Context(), web.PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.Redirect(w, r, "/rights/directory?area="+url.QueryEscape(e.Area)+"&done=flash.rights_entry_removed")
	return nil
}

func (h *HTTP) entrySave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid_form")
	}
	id := r.PathValue("id")
	e, err := h.svc.SaveEntry(r.Context(), web.PrincipalFrom(r.Context()), entryFromForm(id, r.PostForm))
	if err != nil {
		return h.formError(w, r, "rights/entry", h.entryView(r, id), err)
	}
	web.Redirect(w, r, "/rights/directory?area="+url.QueryEscape(e.Area)+"&done=flash.rights_entry_saved")
	return nil
}
