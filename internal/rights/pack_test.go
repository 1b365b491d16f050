package rights

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sisterline/sisterline/content"
)

// packDay is a clock for pack checks: the day after the first pack was
// compiled.
var packDay = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func TestShippedPackHasEveryArticleValidInBothLanguages(t *testing.T) {
	errs := CheckPack(packDay, content.FS)
	for _, err := range errs {
		t.Error(err)
	}
	pf, err := readPacks(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(pf.articles) < 10 || len(pf.directory) < 2 {
		t.Fatalf("pack has %d articles and %d directory files", len(pf.articles), len(pf.directory))
	}
}

// fileWithout removes a front-matter line (and the [[sources]] blocks when
// key is "sources") from a document's file.
func fileWithout(d Document, key string) string {
	var out []string
	skipping := false
	for _, l := range strings.Split(d.File(), "\n") {
		switch {
		case key == "sources" && l == "[[sources]]":
			skipping = true
			continue
		case skipping && (strings.HasPrefix(l, "title =") || strings.HasPrefix(l, "url =") || l == ""):
			continue
		case strings.HasPrefix(l, key+" = "):
			continue
		}
		skipping = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func TestCheckPackFindsEveryKindOfDefect(t *testing.T) {
	good := func(slug string) fstest.MapFS {
		return fstest.MapFS{
			"rights/" + slug + ".en.md":    articleFile(validDoc(slug, "en")),
			"rights/" + slug + ".zh-CN.md": articleFile(validDoc(slug, "zh-CN")),
		}
	}
	if errs := CheckPack(packDay, good("fine")); len(errs) != 0 {
		t.Fatalf("a good pack has problems: %v", errs)
	}
	noURL := validDoc("a", "en")
	noURL.Sources = []Source{{Title: "A book without an address"}}
	badURL := validDoc("a", "en")
	badURL.Sources = []Source{{Title: "x", URL: "javascript:alert(1)"}}
	future := validDoc("a", "en")
	future.ReviewedOn = "2027-01-01"
	for _, c := range []struct {
		name, file, text, want string
	}{
		{"missing review date", "a.en.md", fileWithout(validDoc("a", "en"), "reviewed_on"), "reviewed_on: error.required"},
		{"missing reviewer", "a.en.md", fileWithout(validDoc("a", "en"), "reviewed_by"), "reviewed_by: error.required"},
		{"missing sources", "a.en.md", fileWithout(validDoc("a", "en"), "sources"), "sources: error.required"},
		{"missing card flag", "a.en.md", fileWithout(validDoc("a", "en"), "card"), "card: error.required"},
		{"source without address", "a.en.md", noURL.File(), "sources: rights.error.sources"},
		{"script address", "a.en.md", badURL.File(), "sources: rights.error.source_url"},
		{"review date in the future", "a.en.md", future.File(), "reviewed_on: rights.error.future"},
		{"review date as a string", "a.en.md", strings.Replace(validDoc("a", "en").File(), "reviewed_on = 2026-11-28", `reviewed_on = "last year"`, 1), "front matter: toml"},
		{"misspelt field", "a.en.md", strings.Replace(validDoc("a", "en").File(), "reviewed_by =", "reviewd_by =", 1), "rights.error.unknown_field"},
		{"no front matter", "a.en.md", "# Just text\n", "rights.error.front_matter"},
		{"file name not the slug", "b.en.md", validDoc("a", "en").File(), "rights.error.file_name"},
		{"raw HTML", "a.en.md", strings.Replace(validDoc("a", "en").File(), "Some text.", "<script>alert(1)</script>", 1), "rights.error.raw_html"},
		{"no disclaimer", "a.en.md", strings.Replace(validDoc("a", "en").File(), "## This is not legal advice", "## Contacts", 1), "rights.error.disclaimer"},
	} {
		pack := good("fine")
		pack["rights/"+c.file] = &fstest.MapFile{Data: []byte(c.text)}
		other := strings.Replace(c.file, ".en.md", ".zh-CN.md", 1)
		slug := strings.TrimSuffix(c.file, ".en.md")
		pack["rights/"+other] = articleFile(validDoc(slug, "zh-CN"))
		errs := CheckPack(packDay, pack)
		if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), c.want) {
			t.Errorf("%s: problems %v, want one with %q", c.name, errs, c.want)
		}
	}

	missingLang := good("fine")
	missingLang["rights/solo.en.md"] = articleFile(validDoc("solo", "en"))
	if errs := CheckPack(packDay, missingLang); !strings.Contains(fmt.Sprint(errs), "solo: no zh-CN version") {
		t.Errorf("missing translation: %v", errs)
	}

	dir := good("fine")
	dir["directory/x.toml"] = &fstest.MapFile{Data: []byte(strings.Replace(entryTOML("Line", "hotline", "CN"), "verified_on = 2026-11-28\n", "", 1))}
	if errs := CheckPack(packDay, dir); !strings.Contains(fmt.Sprint(errs), "verified_on is missing") {
		t.Errorf("entry without a check date: %v", errs)
	}
	dir["directory/x.toml"] = &fstest.MapFile{Data: []byte(entryTOML("Line", "hotline", "cn yunnan"))}
	if errs := CheckPack(packDay, dir); !strings.Contains(fmt.Sprint(errs), "area: rights.error.area") {
		t.Errorf("entry with a bad area: %v", errs)
	}
}

func TestDocumentFileRoundTrips(t *testing.T) {
	d := validDoc("round-trip", "zh-CN")
	d.Title = `引号 "quoted" 和 \ 反斜线`
	d.Uncertain = []string{"一行\t有制表符", "two"}
	d.Sources = append(d.Sources, Source{Title: "No address"})
	d.Card = true
	got, err := ParseDocument([]byte(d.File()))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(d) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, d)
	}
}

func TestShippedPackArticlesParseWithTheirFields(t *testing.T) {
	raw, err := fs.ReadFile(content.FS, "rights/police-stop.zh-CN.md")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.Slug != "police-stop" || d.Lang != "zh-CN" || d.ReviewedOn != "2026-11-28" || !d.Card ||
		len(d.Sources) < 5 || len(d.Uncertain) == 0 || !slices.Contains(d.IncidentTypes, "police_abuse") {
		t.Fatalf("parsed %+v", d)
	}
}
