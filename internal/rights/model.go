package rights

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sisterline/sisterline/internal/apperr"
)

// Languages an article may be written in: the UI's languages.
var langs = []string{"zh-CN", "en"}

// Topics group articles on the library's index page, in this order.
var Topics = []string{"police", "detention", "penalties", "appeal", "victim", "sexual-assault", "health", "hiv", "general"}

// IncidentTypes are the report types of the incident capability (API.md);
// an article says which of them it helps with.
var IncidentTypes = []string{"physical_violence", "sexual_violence", "robbery", "theft", "non_payment",
	"threats", "stalking", "condom_refusal", "drugging", "police_abuse", "blackmail", "other"}

// Kinds of directory entries, in the order the directory lists them.
var Kinds = []string{"legal_aid", "clinic", "pep_site", "hotline", "shelter", "sex_worker_org", "network", "other"}

// disclaimers are the headings every article's last section must have.
var disclaimers = map[string]string{
	"en":    "This is not legal advice",
	"zh-CN": "这不是法律意见",
}

// Source is where a fact in an article comes from.
type Source struct {
	Title string `json:"title"`
	URL   string `json:"url,omitempty"`
}

// Document is an article in one language as a file or the edit form holds
// it: the front matter and the Markdown body.
type Document struct {
	Slug          string
	Lang          string
	Title         string
	Jurisdiction  string
	Summary       string
	Topics        []string
	IncidentTypes []string
	// ReviewedOn is the date the content was last checked, YYYY-MM-DD.
	ReviewedOn string
	ReviewedBy string
	// Card says the article's key points belong on its jurisdiction's card.
	Card bool
	// Uncertain lists, one line each, what the sources could not confirm.
	Uncertain []string
	Sources   []Source
	Body      string
}

// Article is a document as served: rendered, with where it came from.
type Article struct {
	Document
	// HTML is the sanitised rendering of Body.
	HTML string
	// Origin is "pack" or "staff": who wrote the served text.
	Origin string
	// Version is the number of the served version.
	Version int
	// PackNewer says a content pack brought a newer text after staff edited
	// this one; staff decide whether to take it.
	PackNewer bool
	UpdatedAt time.Time
}

// Listing is an article as a list shows it.
type Listing struct {
	Slug          string
	Lang          string
	Title         string
	Jurisdiction  string
	Summary       string
	Topics        []string
	IncidentTypes []string
	ReviewedOn    string
	Card          bool
	// Fallback is true when the article is shown in another language than
	// the reader's, because hers does not exist yet.
	Fallback bool
	// titleHits counts the search terms found in the title (for ranking).
	titleHits int
}

// IsCard reports whether the article is a jurisdiction's rights card (slug
// "card-<code>").
func (s Listing) IsCard() bool { return strings.HasPrefix(s.Slug, "card-") }

// Version is one version of an article in its history.
type Version struct {
	Slug    string
	Lang    string
	Number  int
	Origin  string
	At      time.Time
	ByID    string
	ByOrgID string
	// By is the editor's handle, filled in only for the viewer's own
	// organisation.
	By string
	// Document is the whole file text (empty in history lists).
	Document string
}

// Entry is a service in the directory.
type Entry struct {
	ID         string
	Name       string
	NameZh     string
	Kind       string
	Area       string
	Contact    string
	Hours      string
	Languages  []string
	Notes      string
	NotesZh    string
	VerifiedOn string
	SourceURL  string
	// Origin is "pack" or "staff".
	Origin    string
	UpdatedAt time.Time
	// packKey names an entry that came from a pack; packHash is the hash of
	// its pack text.
	packKey, packHash string
}

// DisplayName is the entry's name in lang.
func (e Entry) DisplayName(lang string) string {
	if lang == "zh-CN" && e.NameZh != "" {
		return e.NameZh
	}
	return e.Name
}

// DisplayNotes are the entry's notes in lang.
func (e Entry) DisplayNotes(lang string) string {
	if lang == "zh-CN" && e.NotesZh != "" {
		return e.NotesZh
	}
	return e.Notes
}

// ContactURL is a link for the contact: the web address itself, tel: for a
// phone number, or "" when it is neither.
func (e Entry) ContactURL() string {
	c := strings.TrimSpace(e.Contact)
	if isWebURL(c) {
		return c
	}
	if phoneRe.MatchString(c) {
		return "tel:" + strings.NewReplacer(" ", "", "-", "").Replace(c)
	}
	return ""
}

// Help is what the library offers for an incident: articles to read and
// services to call, nearest first.
type Help struct {
	Articles []Listing
	Entries  []Entry
}

// Limits on what a document or an entry may hold.
const (
	maxTitle   = 200
	maxSummary = 600
	maxBody    = 64 << 10
	maxLine    = 1000
	maxList    = 60
	maxQuery   = 100
	maxTerms   = 8
)

var (
	slugRe         = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	jurisdictionRe = regexp.MustCompile(`^(INT|[A-Z]{2}(-[A-Z0-9]{1,3})?)$`)
	areaRe         = regexp.MustCompile(`^(INT|[A-Z]{2}(-[A-Za-z0-9]+){0,2})$`)
	phoneRe        = regexp.MustCompile(`^\+?[0-9][0-9 -]{1,24}$`)
	langTagRe      = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
	// reservedSlugs are path words of the library's own pages.
	reservedSlugs = []string{"card", "directory", "edit", "history", "new", "search"}
)

// validLang reports whether an article may be written in lang.
func validLang(lang string) bool { return slices.Contains(langs, lang) }

// otherLang is the language an article falls back to.
func otherLang(lang string) string {
	if lang == "en" {
		return "zh-CN"
	}
	return "en"
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// parseDate checks a YYYY-MM-DD date.
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// validSlug checks an article slug.
func validSlug(s string) bool {
	return len(s) <= 80 && slugRe.MatchString(s) && !slices.Contains(reservedSlugs, s)
}

// Validate checks a document's front matter, field by field, and that the
// body is plain Markdown ending with the "not legal advice" section. It
// does not render: render reports what the body holds.
func (d Document) Validate(now time.Time) apperr.Fields {
	f := apperr.Fields{}
	switch {
	case d.Slug == "":
		f["slug"] = "error.required"
	case !validSlug(d.Slug):
		f["slug"] = "rights.error.slug"
	}
	if !validLang(d.Lang) {
		f["lang"] = "rights.error.lang"
	}
	text := func(field, v string, max int) {
		switch n := utf8.RuneCountInString(strings.TrimSpace(v)); {
		case n == 0:
			f[field] = "error.required"
		case n > max:
			f[field] = "rights.error.too_long"
		}
	}
	text("title", d.Title, maxTitle)
	text("summary", d.Summary, maxSummary)
	text("reviewed_by", d.ReviewedBy, maxTitle)
	switch {
	case d.Jurisdiction == "":
		f["jurisdiction"] = "error.required"
	case !jurisdictionRe.MatchString(d.Jurisdiction):
		f["jurisdiction"] = "rights.error.jurisdiction"
	}
	if len(d.Topics) == 0 {
		f["topics"] = "rights.error.topics"
	}
	for _, t := range d.Topics {
		if !slices.Contains(Topics, t) {
			f["topics"] = "rights.error.topics"
		}
	}
	for _, t := range d.IncidentTypes {
		if !slices.Contains(IncidentTypes, t) {
			f["incident_types"] = "rights.error.incident_types"
		}
	}
	if day, ok := parseDate(d.ReviewedOn); !ok {
		f["reviewed_on"] = "rights.error.reviewed_on"
	} else if day.After(now) {
		f["reviewed_on"] = "rights.error.future"
	}
	if len(d.Uncertain) > maxList {
		f["uncertain"] = "rights.error.too_long"
	}
	for _, u := range d.Uncertain {
		if strings.TrimSpace(u) == "" || utf8.RuneCountInString(u) > maxLine {
			f["uncertain"] = "rights.error.uncertain"
		}
	}
	if m := checkSources(d.Sources); m != "" {
		f["sources"] = m
	}
	switch n := len(d.Body); {
	case strings.TrimSpace(d.Body) == "":
		f["body"] = "error.required"
	case n > maxBody:
		f["body"] = "rights.error.too_long"
	}
	return f
}

func checkSources(ss []Source) string {
	if len(ss) == 0 || len(ss) > maxList {
		return "rights.error.sources"
	}
	withURL := false
	for _, s := range ss {
		if strings.TrimSpace(s.Title) == "" || utf8.RuneCountInString(s.Title) > maxLine {
			return "rights.error.source_title"
		}
		if s.URL != "" {
			if !isWebURL(s.URL) || len(s.URL) > 2000 {
				return "rights.error.source_url"
			}
			withURL = true
		}
	}
	if !withURL {
		return "rights.error.sources"
	}
	return ""
}

// Validate checks a directory entry, field by field.
func (e Entry) Validate(now time.Time) apperr.Fields {
	f := apperr.Fields{}
	text := func(field, v string, max int, required bool) {
		switch n := utf8.RuneCountInString(strings.TrimSpace(v)); {
		case n == 0 && required:
			f[field] = "error.required"
		case n > max:
			f[field] = "rights.error.too_long"
		}
	}
	text("name", e.Name, maxTitle, true)
	text("name_zh", e.NameZh, maxTitle, false)
	text("contact", e.Contact, 300, true)
	text("hours", e.Hours, maxTitle, false)
	text("notes", e.Notes, maxLine, false)
	text("notes_zh", e.NotesZh, maxLine, false)
	if !slices.Contains(Kinds, e.Kind) {
		f["kind"] = "rights.error.kind"
	}
	switch {
	case e.Area == "":
		f["area"] = "error.required"
	case !areaRe.MatchString(e.Area):
		f["area"] = "rights.error.area"
	}
	for _, l := range e.Languages {
		if !langTagRe.MatchString(l) {
			f["languages"] = "rights.error.languages"
		}
	}
	if day, ok := parseDate(e.VerifiedOn); !ok {
		f["verified_on"] = "rights.error.reviewed_on"
	} else if day.After(now) {
		f["verified_on"] = "rights.error.future"
	}
	if e.SourceURL != "" && !isWebURL(e.SourceURL) {
		f["source_url"] = "rights.error.source_url"
	}
	return f
}

// describe lists field problems for a log line or a pack check: field
// names and message ids only, never content.
func describe(f apperr.Fields) string {
	parts := make([]string, 0, len(f))
	for k, v := range f {
		parts = append(parts, k+": "+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// invalid is a document or entry that failed its checks.
func invalid(what string, f apperr.Fields) error {
	if len(f) == 0 {
		return nil
	}
	ae, _ := apperr.As(f.Err())
	ae.Err = fmt.Errorf("%s: %s", what, describe(f))
	return ae
}
