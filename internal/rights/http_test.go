package rights

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sisterline/sisterline/content"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
	"github.com/sisterline/sisterline/internal/web"
)

// quoted matches a quoted attribute value.
var quoted = regexp.MustCompile(`"[^"]*"`)

// site serves the library's routes in the frame's router, with the
// principal a test names in the X-Test-Role header.
type site struct {
	*fixture
	h   http.Handler
	web *HTTP
	rd  *web.Renderer
}

func newSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	f := newFixture(t, d)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat, err := web.NewCatalog(log, web.FrameFS(), Files())
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(cat, web.Site{Name: "Notes", QuickExitURL: "https://example.org/"}, "en", assets)
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.AddPages("rights", Files()); err != nil {
		t.Fatal(err)
	}
	rt := web.NewRouter(&web.Errors{Log: log, Renderer: rd})
	h, err := NewHTTP(f.svc, rd, "en")
	if err != nil {
		t.Fatal(err)
	}
	h.Routes(rt)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Test-Role") {
		case "moderator":
			r = r.WithContext(web.WithPrincipal(r.Context(), moderator()))
		case "member":
			r = r.WithContext(web.WithPrincipal(r.Context(), member()))
		}
		rt.ServeHTTP(w, r)
	})
	return &site{fixture: f, h: handler, web: h, rd: rd}
}

// get fetches path as role ("" for a reader without an account) in lang.
func (s *site) get(t *testing.T, role, lang, path string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("X-Test-Role", role)
	r.Header.Set("Accept-Language", lang)
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

func (s *site) post(t *testing.T, role, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Test-Role", role)
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, bads ...string) {
	t.Helper()
	for _, b := range bads {
		if strings.Contains(body, b) {
			t.Errorf("%s holds %q", what, b)
		}
	}
}

// withShippedPack is a site with the first content pack loaded.
func withShippedPack(t *testing.T, d *db.DB) *site {
	s := newSite(t, d)
	rep, err := s.svc.Import(ctx, content.FS)
	if err != nil || len(rep.Problems) != 0 {
		t.Fatalf("import: %v %v", err, rep.Problems)
	}
	return s
}

func TestLibraryPagesWorkWithoutAnAccountInBothLanguages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := withShippedPack(t, d)
		w := s.get(t, "", "zh-CN", "/rights")
		if w.Code != 200 {
			t.Fatalf("index: %d", w.Code)
		}
		mustContain(t, "zh-CN index", w.Body.String(), "了解你的权利", "警察拦你、问你、查你的时候", `href="/rights/card/CN"`,
			"警察拦你的时候", `href="/rights/directory"`)
		mustContain(t, "zh-CN index", w.Body.String(), "警察要出示警察证，并告诉你为什么带你走。")
		mustNotContain(t, "reader's index", w.Body.String(), "需要重新核对", "/rights/edit/", "{police-stop")
		w = s.get(t, "", "en", "/rights")
		mustContain(t, "en index", w.Body.String(), "When police stop, question or search you", "Rights card: China")

		w = s.get(t, "", "zh-CN", "/rights?q="+url.QueryEscape("拘留"))
		mustContain(t, "search 拘留", w.Body.String(), "找到", "警察能关你多久，要不要通知家人", "警察传唤你以后，问话一般不能超过8小时")
		mustNotContain(t, "search 拘留", w.Body.String(), "{held-time-limits")
		w = s.get(t, "", "en", "/rights?q=PEP&jurisdiction=CN")
		mustContain(t, "search PEP", w.Body.String(), "After sexual assault")

		w = s.get(t, "", "zh-CN", "/rights/police-stop")
		body := w.Body.String()
		mustContain(t, "article", body, "<h1>警察拦你、问你、查你的时候</h1>", "最后核对：2026年11月28日。",
			"<h2>这不是法律意见</h2>", "12348", `rel="noreferrer"`, "<h2>来源</h2>", "还没有确认的地方",
			"谁能帮你", "12348公共法律服务热线", `href="tel:12348"`, "Read in English")
		mustNotContain(t, "reader's article", body, "需要重新核对", "修改这篇文章")

		w = s.get(t, "", "en", "/rights/directory?kind=pep_site")
		mustContain(t, "directory", w.Body.String(), "China CDC National Center", "Linyi CDC")
		mustNotContain(t, "directory", w.Body.String(), "12348 public legal")
		mustContain(t, "international directory", s.get(t, "", "zh-CN", "/rights/directory?area=INT").Body.String(), "语言：英文、中文")
		if w := s.get(t, "", "en", "/rights/no-such-article"); w.Code != 404 {
			t.Fatalf("unknown article: %d", w.Code)
		}
	})
}

func TestStaffSeeNeedsReviewWhileReadersSeeOnlyTheDate(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := withShippedPack(t, d)
		s.clock.set(packDay.Add(400 * 24 * time.Hour))
		reader := s.get(t, "", "en", "/rights/police-stop").Body.String()
		mustContain(t, "reader", reader, "Last checked on 28 November 2026.")
		mustNotContain(t, "reader", reader, "Needs review")
		staff := s.get(t, "moderator", "en", "/rights/police-stop").Body.String()
		mustContain(t, "staff", staff, "Needs review", "Edit this article", "/rights/history/police-stop?lang=en")
		mustContain(t, "staff index", s.get(t, "moderator", "en", "/rights").Body.String(), `<span class="badge">Needs review</span>`)
		s.clock.set(packDay)
		mustNotContain(t, "staff, fresh", s.get(t, "moderator", "en", "/rights/police-stop").Body.String(), "Needs review")
	})
}

func TestArticlePageSaysWhenItFallsBackToTheOtherLanguage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		s.importPacks(t, pack([]Document{validDoc("only-en", "en")}, nil))
		body := s.get(t, "", "zh-CN", "/rights/only-en").Body.String()
		mustContain(t, "fallback", body, "这篇文章还没有中文版。下面是英文版。", `<div lang="en">`)
	})
}

func TestScriptInFrontMatterIsShownAsText(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		evil := validDoc("evil", "en")
		evil.Title = `<script>alert("t")</script>`
		evil.Summary = `"><img src=x onerror=alert(1)>`
		evil.ReviewedBy = `<b onmouseover=alert(1)>x</b>`
		evil.Uncertain = []string{`<iframe src=//evil.example>`}
		evil.Sources = []Source{{Title: `</a><script>alert(2)</script>`, URL: `https://example.org/"onmouseover="alert(1)`}}
		evil.Topics = []string{"police"}
		rep := s.importPacks(t, pack([]Document{evil}, nil))
		if rep.Added != 1 {
			t.Fatalf("import: %+v", rep)
		}
		for _, path := range []string{"/rights/evil", "/rights", "/rights?q=script", "/rights/edit/evil"} {
			body := s.get(t, "moderator", "en", path).Body.String()
			mustNotContain(t, path, body, "<script>alert", "<img src=x", "<iframe", "<b onmouseover", `"onmouseover="`)
			// Attribute values are escaped text: look at the tags without them.
			if handler.MatchString(quoted.ReplaceAllString(strings.ToLower(body), `""`)) {
				t.Errorf("%s holds an event handler", path)
			}
		}
		mustContain(t, "article", s.get(t, "", "en", "/rights/evil").Body.String(), "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;")
		api := s.get(t, "", "en", "/api/v1/articles/evil").Body.String()
		mustNotContain(t, "API", api, "<script>")
	})
}

func TestRightsCardPrintViewAndOfflineFile(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := withShippedPack(t, d)
		w := s.get(t, "", "zh-CN", "/rights/card/CN")
		if w.Code != 200 {
			t.Fatalf("card: %d", w.Code)
		}
		mustContain(t, "card", w.Body.String(), `class="rcard"`, "权利卡：中国", "人民警察证", "<ol>", "12338",
			`class="no-print`, `href="/rights/card/CN/download?lang=zh-CN"`)
		mustContain(t, "general card", s.get(t, "", "en", "/rights/card/int").Body.String(), "Rights card: most countries")
		if w := s.get(t, "", "en", "/rights/card/TH"); w.Code != 404 {
			t.Fatalf("card of a place without one: %d", w.Code)
		}

		w = s.get(t, "", "en", "/rights/card/CN/download?lang=zh-CN")
		if w.Code != 200 {
			t.Fatalf("download: %d", w.Code)
		}
		if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="notes.html"` {
			t.Fatalf("Content-Disposition %q", cd)
		}
		body := w.Body.String()
		mustContain(t, "offline file", body, "<!doctype html>", `<html lang="zh-CN">`, "<title>Notes</title>", "<style>", "人民警察证")
		// Self-contained and quiet: nothing fetched when opened offline.
		mustNotContain(t, "offline file", body, "<script", "<link", "src=", "<img", "权利卡</title>")
	})
}

func TestAPIAnswersInTheContractsShape(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := withShippedPack(t, d)
		var list struct {
			Articles []map[string]any `json:"articles"`
		}
		w := s.get(t, "", "", "/api/v1/articles?lang=zh-CN&q="+url.QueryEscape("拘留"))
		if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || w.Code != 200 {
			t.Fatalf("list: %d %v", w.Code, err)
		}
		if len(list.Articles) == 0 {
			t.Fatal("no article found for 拘留")
		}
		for _, k := range []string{"slug", "lang", "title", "jurisdiction", "reviewed_on"} {
			if _, ok := list.Articles[0][k]; !ok {
				t.Errorf("list item lacks %s: %v", k, list.Articles[0])
			}
		}
		if list.Articles[0]["lang"] != "zh-CN" || list.Articles[0]["reviewed_on"] != "2026-11-28" {
			t.Errorf("list item: %v", list.Articles[0])
		}

		var one struct {
			Slug, Lang, Title, Jurisdiction, HTML, ReviewedOn string
			Sources                                           []struct{ Title, URL string }
		}
		w = s.get(t, "", "", "/api/v1/articles/police-stop?lang=en")
		raw := w.Body.String()
		if err := json.Unmarshal(w.Body.Bytes(), &one); err != nil || w.Code != 200 {
			t.Fatalf("article: %d %v", w.Code, err)
		}
		mustContain(t, "article JSON", raw, `"reviewed_on":"2026-11-28"`, `"html":`, `"sources":[{"title":`)
		if one.Slug != "police-stop" || one.Lang != "en" || one.Jurisdiction != "CN" || !strings.Contains(one.HTML, "\\u003ch2") && !strings.Contains(one.HTML, "<h2>") || len(one.Sources) < 5 {
			t.Errorf("article: %+v", one)
		}

		var dir struct {
			Entries []map[string]any `json:"entries"`
		}
		w = s.get(t, "", "", "/api/v1/directory?area=CN&kind=legal_aid")
		if err := json.Unmarshal(w.Body.Bytes(), &dir); err != nil || w.Code != 200 || len(dir.Entries) != 1 {
			t.Fatalf("directory: %d %v %v", w.Code, err, dir)
		}
		for _, k := range []string{"name", "kind", "area", "contact", "hours", "notes"} {
			if _, ok := dir.Entries[0][k]; !ok {
				t.Errorf("entry lacks %s", k)
			}
		}
		if dir.Entries[0]["contact"] != "12348" {
			t.Errorf("entry: %v", dir.Entries[0])
		}

		for path, want := range map[string]int{
			"/api/v1/articles/no-such-slug":   404,
			"/api/v1/articles?lang=fr":        422,
			"/api/v1/directory?kind=brothel":  422,
			"/api/v1/articles/police-stop?x=": 200,
		} {
			w := s.get(t, "", "", path)
			if w.Code != want {
				t.Errorf("%s: %d, want %d", path, w.Code, want)
			}
			if want >= 400 && !strings.Contains(w.Body.String(), `{"error":{"code":`) {
				t.Errorf("%s: error body %s", path, w.Body.String())
			}
		}
	})
}

func TestStaffEditPreviewsRefusesBadInputKeepingItAndSaves(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		s.importPacks(t, pack(bothLangs("police-stop", nil), nil))
		if w := s.get(t, "member", "en", "/rights/edit/police-stop"); w.Code != 404 {
			t.Fatalf("member opens the editor: %d", w.Code)
		}
		if w := s.get(t, "", "en", "/rights/edit/police-stop"); w.Code != http.StatusSeeOther {
			t.Fatalf("reader opens the editor: %d", w.Code)
		}
		w := s.get(t, "moderator", "en", "/rights/edit/police-stop?lang=en")
		mustContain(t, "edit form", w.Body.String(), `value="Title of police-stop"`, `name="version" value="1"`,
			"A law | https://example.org/law", `value="police" checked`)

		form := formFromDocument(validDoc("police-stop", "en"), 1)
		form.Set("body", "## New\n\n**Strong** words.\n\n## This is not legal advice\n\nCall 12348.")
		form.Set("action", "preview")
		w = s.post(t, "moderator", "/rights/edit/police-stop", form)
		mustContain(t, "preview", w.Body.String(), "<strong>Strong</strong>", "**Strong** words.")

		form.Set("action", "save")
		form.Set("title", "My new title")
		form.Set("sources", "A book without an address")
		w = s.post(t, "moderator", "/rights/edit/police-stop", form)
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("invalid save: %d", w.Code)
		}
		mustContain(t, "refused form", w.Body.String(), "Give at least one source with a web address.",
			`value="My new title"`, "**Strong** words.", `aria-invalid="true"`)

		form.Set("sources", "A law | https://example.org/law")
		w = s.post(t, "moderator", "/rights/edit/police-stop", form)
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/rights/police-stop?lang=en") {
			t.Fatalf("save: %d %s", w.Code, w.Header().Get("Location"))
		}
		mustContain(t, "saved article", s.get(t, "", "en", "/rights/police-stop").Body.String(), "My new title", "<strong>Strong</strong>")
		// Saving again from version 1 would overwrite version 2.
		w = s.post(t, "moderator", "/rights/edit/police-stop", form)
		if w.Code != http.StatusConflict {
			t.Fatalf("stale save: %d", w.Code)
		}
		mustContain(t, "stale save", w.Body.String(), "Someone saved this article", "My new title")

		hist := s.get(t, "moderator", "en", "/rights/history/police-stop?lang=en&v=1").Body.String()
		mustContain(t, "history", hist, "Content pack", "handle-of-user-mod", "Version 1", "title = &#34;Title of police-stop&#34;")
		if w := s.get(t, "member", "en", "/rights/history/police-stop"); w.Code != 404 {
			t.Fatalf("member reads history: %d", w.Code)
		}
	})
}

func TestStaffAddAndEditDirectoryEntries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		form := url.Values{"name": {"Our clinic"}, "kind": {"clinic"}, "area": {"CN-YN-Kunming"}, "contact": {"0871 1234 567"},
			"verified_on": {"2030-01-01"}, "notes_zh": {"周一到周五"}}
		w := s.post(t, "moderator", "/rights/directory/new", form)
		if w.Code != 422 {
			t.Fatalf("future date: %d", w.Code)
		}
		mustContain(t, "refused entry", w.Body.String(), "This date is in the future.", `value="Our clinic"`, "周一到周五")
		form.Set("verified_on", "2026-11-28")
		if w := s.post(t, "member", "/rights/directory/new", form); w.Code != 404 {
			t.Fatalf("member adds: %d", w.Code)
		}
		w = s.post(t, "moderator", "/rights/directory/new", form)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("add: %d %s", w.Code, w.Body.String())
		}
		list, _ := s.svc.Directory(ctx, "", "")
		if len(list) != 1 {
			t.Fatalf("entries: %v", list)
		}
		page := s.get(t, "moderator", "zh-CN", "/rights/directory").Body.String()
		mustContain(t, "directory", page, "Our clinic", `href="tel:08711234567"`, "周一到周五", "/rights/directory/"+list[0].ID+"/edit")
		mustContain(t, "edit page", s.get(t, "moderator", "en", "/rights/directory/"+list[0].ID+"/edit").Body.String(), `value="0871 1234 567"`)
		if w := s.get(t, "moderator", "en", "/rights/directory/nope/edit"); w.Code != 404 {
			t.Fatalf("unknown entry: %d", w.Code)
		}

		// Removing it, from the button on its edit page.
		mustContain(t, "edit page", s.get(t, "moderator", "zh-CN", "/rights/directory/"+list[0].ID+"/edit").Body.String(),
			`action="/rights/directory/`+list[0].ID+`/remove"`, "从名录里删除")
		if w := s.post(t, "member", "/rights/directory/"+list[0].ID+"/remove", nil); w.Code != 404 {
			t.Fatalf("member removes: %d", w.Code)
		}
		w = s.post(t, "moderator", "/rights/directory/"+list[0].ID+"/remove", nil)
		if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Set-Cookie"), web.FlashCookie+"=flash.rights_entry_removed") {
			t.Fatalf("remove: %d %s %s", w.Code, w.Header().Get("Location"), w.Header().Get("Set-Cookie"))
		}
		if list, _ := s.svc.Directory(ctx, "", ""); len(list) != 0 {
			t.Fatalf("entries after removal: %v", list)
		}
		if w := s.post(t, "moderator", "/rights/directory/"+list[0].ID+"/remove", nil); w.Code != 404 {
			t.Fatalf("removing again: %d", w.Code)
		}
	})
}

func TestHelpBlockShowsArticlesAndServicesOnAnotherPage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		s.importPacks(t, pack(bothLangs("after-sexual-assault", func(d *Document) {
			d.IncidentTypes = []string{"sexual_violence"}
			if d.Lang == "zh-CN" {
				d.Title = "被性侵以后"
			}
		}), map[string]string{"d.toml": helpDirectory}))
		help, err := s.svc.Help(ctx, "zh-CN", []string{"sexual_violence"}, "CN-YN-Kunming")
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/reports/sent", nil)
		r.Header.Set("Accept-Language", "zh-CN")
		block, err := s.web.HelpBlock(s.rd.NewView(r, nil), help)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "help block", string(block), "求助和你的权利", `href="/rights/after-sexual-assault"`, "被性侵以后",
			"Kunming PEP clinic", "阻断药", `href="tel:12348"`, `href="/rights/directory"`)
	})
}

// TestStaffStartANewArticleFromItsAddress: the library's index links staff
// to the new-article page, which checks the address and opens the editor;
// an address in use points to that article's editor; members cannot.
func TestStaffStartANewArticleFromItsAddress(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		s.importPacks(t, pack(bothLangs("police-stop", nil), nil))
		mustContain(t, "index", s.get(t, "moderator", "zh-CN", "/rights").Body.String(), `href="/rights/new"`, "写一篇新文章")
		if strings.Contains(s.get(t, "member", "zh-CN", "/rights").Body.String(), `href="/rights/new"`) {
			t.Error("a member is offered to write an article")
		}
		if w := s.get(t, "member", "en", "/rights/new"); w.Code != 404 {
			t.Fatalf("member: %d", w.Code)
		}
		mustContain(t, "new page", s.get(t, "moderator", "zh-CN", "/rights/new").Body.String(), `id="slug"`, `value="zh-CN" checked`)
		w := s.get(t, "moderator", "en", "/rights/new?slug=Police-Stop-Yunnan&lang=en")
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/rights/edit/police-stop-yunnan?lang=en" {
			t.Fatalf("new slug: %d %q", w.Code, w.Header().Get("Location"))
		}
		w = s.get(t, "moderator", "en", "/rights/new?slug=police-stop&lang=zh-CN")
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("slug in use: %d", w.Code)
		}
		mustContain(t, "slug in use", w.Body.String(), "An article already has this address.", `href="/rights/edit/police-stop?lang=zh-CN"`, `aria-invalid="true"`)
		for _, bad := range []string{"", "new", "two--hyphens", "空格 slug", strings.Repeat("a", 81)} {
			w := s.get(t, "moderator", "en", "/rights/new?lang=en&slug="+url.QueryEscape(bad))
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Use lower-case letters, digits and dashes") {
				t.Errorf("slug %q: %d", bad, w.Code)
			}
		}
	})
}
