package rights

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/web"
)

//go:embed templates locales download
var files embed.FS

// Files are the capability's page templates and messages.
func Files() fs.FS { return files }

// HTTP is the rights library's pages and JSON API. Reading needs no account;
// editing is for moderators and admins.
type HTTP struct {
	svc      *Service
	rd       *web.Renderer
	defLang  string
	download *template.Template
}

// NewHTTP returns the handlers over svc.
func NewHTTP(svc *Service, rd *web.Renderer, defLang string) (*HTTP, error) {
	dl, err := template.ParseFS(files, "download/card.html")
	if err != nil {
		return nil, fmt.Errorf("rights: parse download: %w", err)
	}
	return &HTTP{svc: svc, rd: rd, defLang: defLang, download: dl}, nil
}

// Routes registers the capability's routes. Staff pages sit under
// /rights/edit/ and /rights/history/ rather than /rights/{slug}/edit,
// which the mux could not tell apart from /rights/card/{jurisdiction}.
func (h *HTTP) Routes(rt *web.Router) {
	editors := web.Only(web.RoleModerator, web.RoleAdmin)

	rt.Handle("GET /api/v1/articles", web.Anyone(), h.apiArticles)
	rt.Handle("GET /api/v1/articles/{slug}", web.Anyone(), h.apiArticle)
	rt.Handle("GET /api/v1/directory", web.Anyone(), h.apiDirectory)

	rt.Handle("GET /rights", web.Anyone(), h.index)
	rt.Handle("GET /rights/{slug}", web.Anyone(), h.article)
	rt.Handle("GET /rights/card/{jurisdiction}", web.Anyone(), h.card)
	rt.Handle("GET /rights/card/{jurisdiction}/download", web.Anyone(), h.cardDownload)
	rt.Handle("GET /rights/directory", web.Anyone(), h.directory)

	rt.Handle("GET /rights/new", editors, h.newArticle)
	rt.Handle("GET /rights/edit/{slug}", editors, h.editPage)
	rt.Handle("POST /rights/edit/{slug}", editors, h.edit)
	rt.Handle("GET /rights/history/{slug}", editors, h.history)
	rt.Handle("GET /rights/directory/new", editors, h.entryPage)
	rt.Handle("POST /rights/directory/new", editors, h.entrySave)
	rt.Handle("GET /rights/directory/{id}/edit", editors, h.entryPage)
	rt.Handle("POST /rights/directory/{id}/edit", editors, h.entrySave)
	rt.Handle("POST /rights/directory/{id}/remove", editors, h.entryRemove)
}

// lang is the reader's language.
func (h *HTTP) lang(r *http.Request) string { return h.rd.Catalog().Language(r, h.defLang) }

// contentLang is the language she asked to read an article in (?lang=),
// else her own.
func (h *HTTP) contentLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); validLang(l) {
		return l
	}
	return h.lang(r)
}

// formatDate writes a YYYY-MM-DD date the way a reader of lang writes it.
func formatDate(lang, day string) string {
	t, ok := parseDate(day)
	if !ok {
		return day
	}
	if lang == "zh-CN" {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	}
	return t.Format("2 January 2006")
}

// label translates id when the catalog has it, else shows fallback (an
// area code an organisation added, for instance).
func (h *HTTP) label(lang, id, fallback string) string {
	if h.rd.Catalog().Has(lang, id) {
		return h.rd.Catalog().Translate(lang, id, nil)
	}
	return fallback
}

type option struct{ Value, Label string }

// item is an article in a list.
type item struct {
	Listing
	NeedsReview bool
}

// group is a list under a heading: a topic, or the search results.
type group struct {
	Topic string
	Items []item
}

func (h *HTTP) index(w http.ResponseWriter, r *http.Request) error {
	lang, p := h.lang(r), web.PrincipalFrom(r.Context())
	q := r.URL.Query()
	query, jurisdiction := strings.TrimSpace(q.Get("q")), q.Get("jurisdiction")
	if jurisdiction != "" && !jurisdictionRe.MatchString(jurisdiction) {
		jurisdiction = ""
	}
	list, err := h.svc.List(r.Context(), lang, jurisdiction, query)
	if err != nil {
		return err
	}
	js, err := h.svc.Jurisdictions(r.Context())
	if err != nil {
		return err
	}
	var jopts []option
	for _, j := range js {
		jopts = append(jopts, option{j, h.label(lang, "rights.jurisdiction."+j, j)})
	}
	staff, searched := IsStaff(p), searchTerms(query) != nil
	toItem := func(m Listing) item { return item{Listing: m, NeedsReview: staff && h.svc.NeedsReview(m.ReviewedOn)} }
	data := map[string]any{"Query": query, "Jurisdiction": jurisdiction, "Jurisdictions": jopts, "Searched": searched, "CanEdit": CanEdit(p)}
	var groups []group
	var cards []item
	if searched {
		g := group{}
		for _, m := range list {
			g.Items = append(g.Items, toItem(m))
		}
		groups = append(groups, g)
		data["Count"] = len(g.Items)
	} else {
		byTopic := map[string][]item{}
		for _, m := range list {
			if m.IsCard() {
				cards = append(cards, toItem(m))
				continue
			}
			topic := "general"
			if len(m.Topics) > 0 {
				topic = m.Topics[0]
			}
			byTopic[topic] = append(byTopic[topic], toItem(m))
		}
		for _, t := range Topics {
			if len(byTopic[t]) > 0 {
				groups = append(groups, group{Topic: t, Items: byTopic[t]})
			}
		}
	}
	data["Groups"], data["Cards"] = groups, cards
	return h.rd.Page(w, r, "rights/index", data)
}

// entryView is a directory entry as a page shows it.
type entryView struct {
	Entry
	Name, Notes, AreaLabel, Verified, Spoken string
	// Link is the contact as a link: checked to be a web address or built
	// from a phone number's digits.
	Link template.URL
}

func (h *HTTP) entryViews(lang string, es []Entry) []entryView {
	out := make([]entryView, 0, len(es))
	for _, e := range es {
		spoken := make([]string, len(e.Languages))
		for i, l := range e.Languages {
			spoken[i] = h.label(lang, "rights.language."+l, l)
		}
		out = append(out, entryView{Entry: e, Name: e.DisplayName(lang), Notes: e.DisplayNotes(lang),
			AreaLabel: h.label(lang, "rights.area."+e.Area, e.Area), Verified: formatDate(lang, e.VerifiedOn),
			Spoken: strings.Join(spoken, h.rd.Catalog().Translate(lang, "rights.list_sep", nil)),
			Link:   template.URL(e.ContactURL())}) // #nosec G203 -- ContactURL is an http(s) URL or tel: digits
	}
	return out
}

// entries renders directory entries for another page of the library.
func (h *HTTP) entries(v *web.View, es []Entry, canEdit bool) (template.HTML, error) {
	if len(es) == 0 {
		return "", nil
	}
	return h.rd.Fragment("rights/entries", v, map[string]any{"Items": h.entryViews(v.Lang, es), "CanEdit": canEdit})
}

// HelpBlock renders what Help returned, for the page of another capability
// (the report confirmation, the moderator's case view).
func (h *HTTP) HelpBlock(v *web.View, help Help) (template.HTML, error) {
	entries, err := h.entries(v, help.Entries, false)
	if err != nil {
		return "", err
	}
	return h.rd.Fragment("rights/help", v, map[string]any{"Articles": help.Articles, "Entries": entries})
}

func (h *HTTP) article(w http.ResponseWriter, r *http.Request) error {
	slug, lang, p := r.PathValue("slug"), h.contentLang(r), web.PrincipalFrom(r.Context())
	a, fallback, err := h.svc.Article(r.Context(), slug, lang)
	if err != nil {
		return err
	}
	langs, err := h.svc.Languages(r.Context(), slug)
	if err != nil {
		return err
	}
	help, err := h.svc.Help(r.Context(), lang, a.IncidentTypes, a.Jurisdiction)
	if err != nil {
		return err
	}
	v := h.rd.NewView(r, nil)
	helpHTML, err := h.entries(v, help.Entries, false)
	if err != nil {
		return err
	}
	other := ""
	for _, l := range langs {
		if l != a.Lang {
			other = l
		}
	}
	v.Data = map[string]any{
		"A": a, "HTML": template.HTML(a.HTML), // #nosec G203 -- rendered without raw HTML and sanitised (render.go)
		"Asked": lang, "Fallback": fallback, "Checked": formatDate(v.Lang, a.ReviewedOn), "Other": other,
		"Staff": IsStaff(p), "CanEdit": CanEdit(p), "NeedsReview": h.svc.NeedsReview(a.ReviewedOn), "Help": helpHTML,
	}
	return h.rd.Render(w, http.StatusOK, "rights/article", v)
}

// cardData is a rights card as its pages show it.
func (h *HTTP) cardData(r *http.Request) (*web.View, error) {
	j, lang := strings.ToUpper(r.PathValue("jurisdiction")), h.contentLang(r)
	card, fallback, key, err := h.svc.Card(r.Context(), j, lang)
	if err != nil {
		return nil, err
	}
	v := h.rd.NewView(r, nil)
	v.Data = map[string]any{
		"A": card, "HTML": template.HTML(card.HTML), // #nosec G203 -- rendered without raw HTML and sanitised (render.go)
		"Jurisdiction": j, "Fallback": fallback, "Checked": formatDate(v.Lang, card.ReviewedOn), "Key": key, "Asked": lang,
	}
	return v, nil
}

func (h *HTTP) card(w http.ResponseWriter, r *http.Request) error {
	v, err := h.cardData(r)
	if err != nil {
		return err
	}
	return h.rd.Render(w, http.StatusOK, "rights/card", v)
}

// cardDownload sends the card as one self-contained HTML file to keep and
// read offline, under a neutral name: nothing in the file name or title
// says what it is. Nothing is stored in the browser.
func (h *HTTP) cardDownload(w http.ResponseWriter, r *http.Request) error {
	v, err := h.cardData(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := h.download.ExecuteTemplate(&buf, "card.html", v); err != nil {
		return fmt.Errorf("rights: render download: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="notes.html"`)
	_, err = w.Write(buf.Bytes())
	return err
}

func (h *HTTP) directory(w http.ResponseWriter, r *http.Request) error {
	q, p := r.URL.Query(), web.PrincipalFrom(r.Context())
	area, kind := q.Get("area"), q.Get("kind")
	list, err := h.svc.Directory(r.Context(), area, kind)
	if apperr.Is(err, apperr.Invalid) {
		// A hand-edited address: show everything rather than an error page.
		area, kind = "", ""
		list, err = h.svc.Directory(r.Context(), "", "")
	}
	if err != nil {
		return err
	}
	areas, err := h.svc.Areas(r.Context())
	if err != nil {
		return err
	}
	v := h.rd.NewView(r, nil)
	var aopts []option
	for _, a := range areas {
		aopts = append(aopts, option{a, h.label(v.Lang, "rights.area."+a, a)})
	}
	entries, err := h.entries(v, list, CanEdit(p))
	if err != nil {
		return err
	}
	v.Data = map[string]any{"Area": area, "Kind": kind, "Areas": aopts, "Kinds": Kinds, "Entries": entries,
		"Count": len(list), "CanEdit": CanEdit(p)}
	return h.rd.Render(w, http.StatusOK, "rights/directory", v)
}

// formError re-renders page name with the error's message and what was
// typed, or passes an error that is not about the form on to the frame.
func (h *HTTP) formError(w http.ResponseWriter, r *http.Request, name string, v *web.View, err error) error {
	ae, ok := apperr.As(err)
	if !ok || ae.Code == apperr.Internal || ae.Code == apperr.NotFound {
		return err
	}
	v.WithForm(r.PostForm, ae.Fields)
	v.Errors = []string{v.T(ae.Message)}
	return h.rd.Render(w, web.Status(ae.Code), name, v)
}

// today is the date a new form suggests for "checked on".
func today(t time.Time) string { return t.UTC().Format(time.DateOnly) }
