package rights

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/sisterline/sisterline/internal/apperr"
)

// A content pack is a folder with rights/<slug>.<lang>.md articles and
// directory/<name>.toml service lists (content/README.md). The first pack is
// embedded in the binary; an organisation adds its own with --content-dir.

// renderVersion is part of every pack hash: bump it when rendering or
// sanitising changes, so the next start re-imports every pack file.
const renderVersion = "rights-1"

// maxPackFile is the largest pack file read.
const maxPackFile = 256 << 10

// frontMatter is the TOML head of an article file.
type frontMatter struct {
	Slug          string    `toml:"slug"`
	Lang          string    `toml:"lang"`
	Title         string    `toml:"title"`
	Jurisdiction  string    `toml:"jurisdiction"`
	Summary       string    `toml:"summary"`
	Topics        []string  `toml:"topics"`
	IncidentTypes []string  `toml:"incident_types"`
	ReviewedOn    time.Time `toml:"reviewed_on"`
	ReviewedBy    string    `toml:"reviewed_by"`
	Card          bool      `toml:"card"`
	Uncertain     []string  `toml:"uncertain"`
	Sources       []struct {
		Title string `toml:"title"`
		URL   string `toml:"url"`
	} `toml:"sources"`
}

// requiredKeys are the front-matter fields every article must set (a false
// card or an empty uncertain list too, so nothing is left out by mistake).
var requiredKeys = []string{"slug", "lang", "title", "jurisdiction", "summary", "topics",
	"incident_types", "reviewed_on", "reviewed_by", "card", "uncertain", "sources"}

const fence = "+++"

// ParseDocument reads an article file: TOML front matter between two lines
// that are exactly "+++", then the Markdown body. Unknown or missing
// front-matter fields are errors, so a typo cannot silently drop a review
// date or a source.
func ParseDocument(raw []byte) (Document, error) {
	s := strings.ReplaceAll(string(bytes.TrimPrefix(raw, []byte("\uFEFF"))), "\r\n", "\n")
	if !strings.HasPrefix(s, fence+"\n") {
		return Document{}, invalid("front matter", apperr.Fields{"front_matter": "rights.error.front_matter"})
	}
	head, body, ok := strings.Cut(s[len(fence)+1:], "\n"+fence+"\n")
	if !ok {
		if h, found := strings.CutSuffix(s[len(fence)+1:], "\n"+fence); found {
			head, body, ok = h, "", true
		}
	}
	if !ok {
		return Document{}, invalid("front matter", apperr.Fields{"front_matter": "rights.error.front_matter"})
	}
	var fm frontMatter
	md, err := toml.Decode(head, &fm)
	if err != nil {
		ae, _ := apperr.As(invalid("front matter", apperr.Fields{"front_matter": "rights.error.front_matter"}))
		ae.Err = fmt.Errorf("front matter: %w", err)
		return Document{}, ae
	}
	f := apperr.Fields{}
	if keys := md.Undecoded(); len(keys) > 0 {
		f["front_matter"] = "rights.error.unknown_field"
	}
	for _, k := range requiredKeys {
		if !md.IsDefined(k) {
			f[k] = "error.required"
		}
	}
	if err := invalid("front matter", f); err != nil {
		return Document{}, err
	}
	d := Document{
		Slug: fm.Slug, Lang: fm.Lang, Title: fm.Title, Jurisdiction: fm.Jurisdiction, Summary: fm.Summary,
		Topics: fm.Topics, IncidentTypes: fm.IncidentTypes, ReviewedOn: fm.ReviewedOn.Format(time.DateOnly),
		ReviewedBy: fm.ReviewedBy, Card: fm.Card, Uncertain: fm.Uncertain,
		Body: strings.TrimLeft(body, "\n"),
	}
	for _, src := range fm.Sources {
		d.Sources = append(d.Sources, Source{Title: src.Title, URL: src.URL})
	}
	if d.Topics == nil {
		d.Topics = []string{}
	}
	if d.IncidentTypes == nil {
		d.IncidentTypes = []string{}
	}
	if d.Uncertain == nil {
		d.Uncertain = []string{}
	}
	return d, nil
}

// File returns the document as an article file, the form ParseDocument
// reads: what a version in the history holds and what staff can copy into
// a pack.
func (d Document) File() string {
	var b strings.Builder
	b.WriteString(fence + "\n")
	kv := func(k, v string) { b.WriteString(k + " = " + tomlString(v) + "\n") }
	list := func(k string, vs []string) {
		b.WriteString(k + " = [")
		for i, v := range vs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tomlString(v))
		}
		b.WriteString("]\n")
	}
	kv("slug", d.Slug)
	kv("lang", d.Lang)
	kv("title", d.Title)
	kv("jurisdiction", d.Jurisdiction)
	kv("summary", d.Summary)
	list("topics", d.Topics)
	list("incident_types", d.IncidentTypes)
	b.WriteString("reviewed_on = " + d.ReviewedOn + "\n")
	kv("reviewed_by", d.ReviewedBy)
	fmt.Fprintf(&b, "card = %t\n", d.Card)
	list("uncertain", d.Uncertain)
	for _, s := range d.Sources {
		b.WriteString("\n[[sources]]\n")
		kv("title", s.Title)
		if s.URL != "" {
			kv("url", s.URL)
		}
	}
	b.WriteString(fence + "\n")
	b.WriteString(d.Body)
	if !strings.HasSuffix(d.Body, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// dirEntry is one [[entry]] of a directory file.
type dirEntry struct {
	Name       string    `toml:"name" json:"name"`
	NameZh     string    `toml:"name_zh" json:"name_zh"`
	Kind       string    `toml:"kind" json:"kind"`
	Area       string    `toml:"area" json:"area"`
	Contact    string    `toml:"contact" json:"contact"`
	Hours      string    `toml:"hours" json:"hours"`
	Languages  []string  `toml:"languages" json:"languages"`
	Notes      string    `toml:"notes" json:"notes"`
	NotesZh    string    `toml:"notes_zh" json:"notes_zh"`
	VerifiedOn time.Time `toml:"verified_on" json:"verified_on"`
	Source     string    `toml:"source" json:"source"`
}

var requiredEntryKeys = []string{"name", "kind", "area", "contact", "verified_on"}

// parseDirectory reads a directory file into entries.
func parseDirectory(raw []byte) ([]Entry, error) {
	var file struct {
		Entry []dirEntry `toml:"entry"`
	}
	md, err := toml.Decode(string(raw), &file)
	if err != nil {
		return nil, fmt.Errorf("toml: %w", err)
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		return nil, fmt.Errorf("unknown field %s", keys[0])
	}
	// The decoded structs cannot tell a missing field from an empty one:
	// read the keys each entry sets.
	var keys struct {
		Entry []map[string]any `toml:"entry"`
	}
	if _, err := toml.Decode(string(raw), &keys); err != nil {
		return nil, fmt.Errorf("toml: %w", err)
	}
	out := make([]Entry, 0, len(file.Entry))
	for i, de := range file.Entry {
		for _, k := range requiredEntryKeys {
			if _, ok := keys.Entry[i][k]; !ok {
				return nil, fmt.Errorf("entry %d: %s is missing", i+1, k)
			}
		}
		canon, err := json.Marshal(de)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		langs := de.Languages
		if langs == nil {
			langs = []string{}
		}
		out = append(out, Entry{
			Name: de.Name, NameZh: de.NameZh, Kind: de.Kind, Area: de.Area, Contact: de.Contact, Hours: de.Hours,
			Languages: langs, Notes: de.Notes, NotesZh: de.NotesZh, VerifiedOn: de.VerifiedOn.Format(time.DateOnly),
			SourceURL: de.Source, Origin: "pack", packKey: de.Name, packHash: packHash(canon),
		})
	}
	return out, nil
}

// packHash is the hash a pack file or entry is recognised by on the next
// start.
func packHash(data []byte) string {
	h := sha256.New()
	h.Write([]byte(renderVersion + "\x00"))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// packFiles are the files of one or more packs, later packs replacing
// earlier ones file by file (so an organisation's own police-stop.zh-CN.md
// replaces the shipped one).
type packFiles struct {
	articles  map[string][]byte // "police-stop.zh-CN.md" → file
	directory map[string][]byte // "china.toml" → file
}

// readPacks reads and overlays packs in order.
func readPacks(packs ...fs.FS) (packFiles, error) {
	pf := packFiles{articles: map[string][]byte{}, directory: map[string][]byte{}}
	for _, fsys := range packs {
		for _, dir := range []struct {
			glob string
			into map[string][]byte
		}{{"rights/*.md", pf.articles}, {"directory/*.toml", pf.directory}} {
			names, err := fs.Glob(fsys, dir.glob)
			if err != nil {
				return pf, fmt.Errorf("rights: pack: %w", err)
			}
			for _, name := range names {
				if err := readPackFile(fsys, name, dir.into); err != nil {
					return pf, err
				}
			}
		}
	}
	return pf, nil
}

func readPackFile(fsys fs.FS, name string, into map[string][]byte) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("rights: pack %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("rights: pack %s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return nil
	}
	if st.Size() > maxPackFile {
		return fmt.Errorf("rights: pack %s: larger than %d bytes", name, maxPackFile)
	}
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("rights: pack %s: %w", name, err)
	}
	into[path.Base(name)] = raw
	return nil
}

// sortedKeys returns a map's keys in order, so imports and checks run the
// same way every time.
func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// packArticle parses and checks one article file of a pack: its front
// matter, its body, and that its name is <slug>.<lang>.md.
func (rn *renderer) packArticle(name string, raw []byte, now time.Time) (Document, rendered, error) {
	d, err := ParseDocument(raw)
	if err != nil {
		return d, rendered{}, err
	}
	if name != d.Slug+"."+d.Lang+".md" {
		return d, rendered{}, invalid("file name", apperr.Fields{"slug": "rights.error.file_name"})
	}
	out, f := rn.check(d, now)
	if err := invalid("article", f); err != nil {
		return d, rendered{}, err
	}
	return d, out, nil
}

// CheckPack reads the packs (later ones overriding earlier ones, as the
// server loads them) and returns every problem found: a file that does not
// parse, a missing field, source or review date, raw HTML or an image in a
// body, a body without the closing "not legal advice" section, a slug not
// written in every language, an invalid or duplicate directory entry.
func CheckPack(now time.Time, packs ...fs.FS) []error {
	pf, err := readPacks(packs...)
	if err != nil {
		return []error{err}
	}
	rn := newRenderer()
	var errs []error
	seen := map[string][]string{}
	for _, name := range sortedKeys(pf.articles) {
		d, _, err := rn.packArticle(name, pf.articles[name], now)
		if err != nil {
			errs = append(errs, fmt.Errorf("rights/%s: %w", name, packError(err)))
			continue
		}
		seen[d.Slug] = append(seen[d.Slug], d.Lang)
	}
	slugs := make([]string, 0, len(seen))
	for s := range seen {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	for _, s := range slugs {
		for _, l := range langs {
			if !slices.Contains(seen[s], l) {
				errs = append(errs, fmt.Errorf("rights/%s: no %s version", s, l))
			}
		}
	}
	names := map[string]string{}
	for _, file := range sortedKeys(pf.directory) {
		entries, err := parseDirectory(pf.directory[file])
		if err != nil {
			errs = append(errs, fmt.Errorf("directory/%s: %w", file, err))
			continue
		}
		for i, e := range entries {
			if f := e.Validate(now); len(f) > 0 {
				errs = append(errs, fmt.Errorf("directory/%s: entry %d: %s", file, i+1, describe(f)))
			}
			if e.SourceURL == "" {
				errs = append(errs, fmt.Errorf("directory/%s: entry %d: no source", file, i+1))
			}
			if prev, dup := names[e.Name]; dup {
				errs = append(errs, fmt.Errorf("directory/%s: entry %d: name also in %s", file, i+1, prev))
			}
			names[e.Name] = file
		}
	}
	return errs
}

// packError says what is wrong with a pack file in field names and message
// ids, which is what an operator can act on.
func packError(err error) error {
	if ae, ok := apperr.As(err); ok && ae.Err != nil {
		return ae.Err
	}
	return err
}
