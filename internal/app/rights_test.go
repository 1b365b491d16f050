package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// pageBudget is what an article page and its CSS may weigh, gzip-compressed,
// on a 2G connection.
const pageBudget = 15 << 10

func gzipSize(t *testing.T, b []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

func fetch(t *testing.T, rawURL, lang string) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", rawURL, resp.StatusCode)
	}
	return b
}

func TestArticlePageWithItsCSSWeighsUnder15KBCompressed(t *testing.T) {
	s := apptest.Start(t)
	stylesheet := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)"`)
	// The longest articles of the first pack, in both languages, as a reader
	// without an account sees them.
	for _, c := range []struct{ slug, lang string }{
		{"police-stop", "zh-CN"}, {"police-stop", "en"}, {"penalties", "zh-CN"}, {"penalties", "en"},
	} {
		page := fetch(t, s.URL+"/rights/"+c.slug, c.lang)
		m := stylesheet.FindSubmatch(page)
		if m == nil {
			t.Fatalf("%s: no stylesheet link", c.slug)
		}
		css := fetch(t, s.URL+string(m[1]), "")
		p, cs := gzipSize(t, page), gzipSize(t, css)
		t.Logf("%s (%s): page %d B (%d B gzip), CSS %d B (%d B gzip), total %d B gzip",
			c.slug, c.lang, len(page), p, len(css), cs, p+cs)
		if p+cs > pageBudget {
			t.Errorf("%s (%s) weighs %d B compressed with its CSS, over the %d B budget", c.slug, c.lang, p+cs, pageBudget)
		}
	}
}

func TestRightsLibraryIsServedFromThePackWithoutAnAccount(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { checkRightsServed(t, apptest.Start(t)) })
	t.Run("postgres", func(t *testing.T) { checkRightsServed(t, apptest.Start(t, apptest.Postgres(t))) })
}

// checkRightsServed checks a fresh server answers the library from the
// built-in pack, to readers without an account, as the API document says.
func checkRightsServed(t *testing.T, s *apptest.Server) {
	var list struct {
		Articles []struct{ Slug, Lang, Title string } `json:"articles"`
	}
	if st := s.JSON(t, "", "GET", "/api/v1/articles?lang=zh-CN&q="+url.QueryEscape("拘留"), nil, &list); st != 200 || len(list.Articles) == 0 {
		t.Fatalf("search 拘留: %d %v", st, list)
	}
	doc := loadOpenAPI(t)
	for _, c := range []struct{ path, documented string }{
		{"/api/v1/articles?lang=en", "/api/v1/articles"},
		{"/api/v1/articles?lang=fr", "/api/v1/articles"},
		{"/api/v1/articles/police-stop?lang=en", "/api/v1/articles/{slug}"},
		{"/api/v1/articles/nope", "/api/v1/articles/{slug}"},
		{"/api/v1/directory?area=CN", "/api/v1/directory"},
		{"/api/v1/directory?kind=nope", "/api/v1/directory"},
	} {
		var out any
		st := s.JSON(t, "", "GET", c.path, nil, &out)
		checkAgainstDoc(t, doc, "GET", c.documented, st, out)
	}
	c := s.NewPageClient(t)
	p := c.Get("/")
	apptest.WantPage(t, p, 200, `href="/rights"`)
	apptest.WantPage(t, c.Get("/rights/card/CN"), 200, `class="rcard"`)
}

func TestStaffEditOfAnArticleIsAuditedAndKeptAcrossRestart(t *testing.T) {
	s := apptest.Start(t)
	l := s.Login(t, 1, web.RoleModerator)
	c := s.SignInPages(t, l)
	form := c.Get("/rights/edit/police-stop?lang=en")
	apptest.WantPage(t, form, 200, `name="version" value="1"`)
	ctx := context.Background()
	a, _, err := s.Rights.Article(ctx, "police-stop", "en")
	if err != nil {
		t.Fatal(err)
	}
	values := url.Values{"lang": {"en"}, "version": {"1"}, "title": {"Stopped by police: what to do"}, "summary": {a.Summary},
		"jurisdiction": {"CN"}, "topics": a.Topics, "incident_types": a.IncidentTypes, "reviewed_on": {a.ReviewedOn},
		"reviewed_by": {"Our lawyer"}, "card": {"1"}, "uncertain": {strings.Join(a.Uncertain, "\n")},
		"sources": {"A law | https://example.org/law"}, "body": {a.Body}, "action": {"save"}}
	apptest.WantRedirect(t, c.Post("/rights/edit/police-stop", values), "/rights/police-stop?lang=en")
	apptest.WantPage(t, c.Get("/rights/police-stop?lang=en"), 200, "Stopped by police: what to do")

	org, err := s.Accounts.Store().OrgBySlug(ctx, l.Org)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := s.Accounts.Audit().List(ctx, org.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[0].Action != "rights.article.save" || entries[0].ObjectID != "police-stop/en" {
		t.Fatalf("audit log: %+v", entries)
	}

	// A second start over the same database imports the same pack again,
	// and keeps the edit.
	hp := seal.TestHashParams
	again, err := app.New(ctx, s.Config, app.Options{Hash: &hp})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	b, _, err := again.Rights.Article(ctx, "police-stop", "en")
	if err != nil || b.Title != "Stopped by police: what to do" || b.Origin != "staff" {
		t.Fatalf("after restart: %q %s %v", b.Title, b.Origin, err)
	}
}

func TestContentDirAddsAnOrganisationsOwnArticles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "rights"), 0o750); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "content", "rights", "hiv-rights.en.md"))
	if err != nil {
		t.Fatal(err)
	}
	own := strings.Replace(strings.Replace(string(raw), `slug = "hiv-rights"`, `slug = "our-clinic-hours"`, 1),
		`title = "HIV and your rights"`, `title = "Our clinic's hours"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "rights", "our-clinic-hours.en.md"), []byte(own), 0o600); err != nil {
		t.Fatal(err)
	}
	s := apptest.Start(t, func(c *config.Config) { c.ContentDir = dir })
	c := s.NewPageClient(t)
	apptest.WantPage(t, c.Get("/rights/our-clinic-hours"), 200, "Our clinic&#39;s hours")
	apptest.WantPage(t, c.Get("/rights/police-stop"), 200)
}
