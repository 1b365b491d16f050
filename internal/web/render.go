package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// Site is what every page shows of the deployment: a neutral name, so a page
// title on a shared phone says nothing, and where quick exit goes.
type Site struct {
	Name         string
	QuickExitURL string
}

// Renderer renders pages: a shared layout around each capability's page
// templates, in the request's language.
type Renderer struct {
	base    *template.Template
	pages   map[string]*template.Template
	catalog *Catalog
	site    Site
	defLang string
	assets  *Assets
	nav     []NavItem
}

// NewRenderer parses the layout and partials of the frame.
func NewRenderer(catalog *Catalog, site Site, defLang string, assets *Assets) (*Renderer, error) {
	base, err := template.New("layout").Funcs(funcs()).ParseFS(frameFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	rd := &Renderer{base: base, pages: map[string]*template.Template{}, catalog: catalog, site: site, defLang: defLang, assets: assets}
	if err := rd.AddPages("frame", frameFS); err != nil {
		return nil, err
	}
	return rd, nil
}

// Catalog returns the message catalog the renderer translates with.
func (rd *Renderer) Catalog() *Catalog { return rd.catalog }

// AddPages parses each templates/*.html in fsys as a page named
// prefix + "/" + file name without extension ("account/signin"). A page
// defines the block "content". Files named templates/partial_*.html are partials:
// not pages, but parsed into every page of the capability, so two pages can
// share a block ({{template "report-details" .}}).
func (rd *Renderer) AddPages(prefix string, fsys fs.FS) error {
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return fmt.Errorf("web: pages of %s: %w", prefix, err)
	}
	partials, err := fs.Glob(fsys, "templates/partial_*.html")
	if err != nil {
		return fmt.Errorf("web: partials of %s: %w", prefix, err)
	}
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "partial_") {
			continue
		}
		t, err := rd.base.Clone()
		if err != nil {
			return fmt.Errorf("web: clone layout: %w", err)
		}
		if _, err := t.ParseFS(fsys, append(slices.Clone(partials), f)...); err != nil {
			return fmt.Errorf("web: parse %s/%s: %w", prefix, f, err)
		}
		name := prefix + "/" + strings.TrimSuffix(path.Base(f), ".html")
		if _, dup := rd.pages[name]; dup {
			return fmt.Errorf("web: page %s defined twice", name)
		}
		rd.pages[name] = t
	}
	return nil
}

// PageNames lists every page, for tests.
func (rd *Renderer) PageNames() []string {
	names := make([]string, 0, len(rd.pages))
	for n := range rd.pages {
		names = append(names, n)
	}
	return names
}

// View is the data every page template gets. Templates translate with
// {{.T "id"}} and reach the page's own data as .Data.
type View struct {
	Lang      string
	Site      Site
	Principal *Principal
	Path      string
	// Flash is a translated confirmation shown once at the top.
	Flash string
	Data  any
	Form  *Form
	// Errors are translated messages shown at the top of the page.
	Errors []string
	// endFlash: the request brought FlashCookie, which Render ends.
	endFlash bool
	catalog  *Catalog
	assets   *Assets
	nav      []NavItem
	Now      time.Time
}

// T translates a message id; args are pairs of key and value.
func (v *View) T(id string, args ...any) string {
	var data map[string]any
	if len(args) > 1 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			k, _ := args[i].(string)
			data[k] = args[i+1]
		}
	}
	return v.catalog.Translate(v.Lang, id, data)
}

// Asset returns the versioned URL of a static file.
func (v *View) Asset(name string) string { return v.assets.URL(name) }

// OtherLang is the language a switch link offers.
func (v *View) OtherLang() string {
	if v.Lang == "en" {
		return "zh-CN"
	}
	return "en"
}

// Form holds what was typed into a form and what is wrong with it, so a form
// that fails re-renders with the user's input and a message by each field.
type Form struct {
	Values url.Values
	Fields map[string]string // field → message id
	view   *View
}

// Value returns what was typed in a field.
func (f *Form) Value(name string) string {
	if f == nil || f.Values == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Has reports whether a multi-valued field (checkboxes) holds v.
func (f *Form) Has(name, v string) bool {
	if f == nil || f.Values == nil {
		return false
	}
	for _, x := range f.Values[name] {
		if x == v {
			return true
		}
	}
	return false
}

// Error returns the translated message for a field, or "".
func (f *Form) Error(name string) string {
	if f == nil || f.Fields[name] == "" {
		return ""
	}
	return f.view.T(f.Fields[name])
}

// NewView returns the view for a request with the page's data.
func (rd *Renderer) NewView(r *http.Request, data any) *View {
	v := &View{
		Lang:      rd.catalog.Language(r, rd.defLang),
		Site:      rd.site,
		Principal: PrincipalFrom(r.Context()),
		Path:      r.URL.Path,
		Data:      data,
		catalog:   rd.catalog,
		assets:    rd.assets,
		nav:       rd.nav,
		Now:       time.Now().UTC(),
	}
	if c, err := r.Cookie(FlashCookie); err == nil {
		v.endFlash = true
		if strings.HasPrefix(c.Value, "flash.") && rd.catalog.Has(v.Lang, c.Value) {
			v.Flash = v.T(c.Value)
		}
	}
	return v
}

// WithForm attaches typed values and field errors to v. Passphrase fields are
// never echoed back.
func (v *View) WithForm(values url.Values, fields map[string]string) *View {
	clean := url.Values{}
	for k, vs := range values {
		if strings.Contains(k, "passphrase") || k == "code" || k == "pin" {
			continue
		}
		clean[k] = vs
	}
	v.Form = &Form{Values: clean, Fields: fields, view: v}
	return v
}

// Render writes page name with status.
func (rd *Renderer) Render(w http.ResponseWriter, status int, name string, v *View) error {
	t := rd.pages[name]
	if t == nil {
		return fmt.Errorf("web: no page %q", name)
	}
	if v.Form == nil {
		v.Form = &Form{view: v}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	if v.endFlash {
		http.SetCookie(w, flashCookie("", -1))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang)
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// Page renders page name for the request with data and status 200.
func (rd *Renderer) Page(w http.ResponseWriter, r *http.Request, name string, data any) error {
	return rd.Render(w, http.StatusOK, name, rd.NewView(r, data))
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02")
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"join":   strings.Join,
		"eq_str": func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
	}
}

// Fragment renders the "content" block of page name with data in place of
// the view's own, for a block one capability shows on another's page (the
// home page's check-in or screening box).
func (rd *Renderer) Fragment(name string, v *View, data any) (template.HTML, error) {
	t := rd.pages[name]
	if t == nil {
		return "", fmt.Errorf("web: no page %q", name)
	}
	cp := *v
	cp.Data = data
	if cp.Form == nil {
		cp.Form = &Form{view: &cp}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "content", &cp); err != nil {
		return "", fmt.Errorf("web: render fragment %s: %w", name, err)
	}
	return template.HTML(buf.String()), nil // #nosec G203 -- output of html/template
}
