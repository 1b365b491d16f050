package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/browsertest"
	"github.com/sisterline/sisterline/internal/web"
)

// TestBrowserRightsLibraryWithoutJavaScript is a reader on a 360×640 phone
// with JavaScript off and no account: from the start page to the library,
// a search in Chinese, an article, its rights card.
func TestBrowserRightsLibraryWithoutJavaScript(t *testing.T) {
	s := apptest.Start(t)
	b := browsertest.New(t)
	tab := b.Tab(t, false)
	browsertest.AcceptLanguage(t, tab, "zh-CN")

	browsertest.Open(t, tab, s.URL+"/")
	if st := browsertest.Submit(t, tab, `main a[href="/rights"]`); st != http.StatusOK {
		t.Fatalf("library: status %d", st)
	}
	browsertest.Fill(t, tab, "#q", "拘留")
	if st := browsertest.Submit(t, tab, `form[action="/rights"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("search: status %d", st)
	}
	if loc := browsertest.Location(t, tab); loc != s.URL+"/rights?q="+url.QueryEscape("拘留")+"&jurisdiction=" {
		t.Errorf("search went to %s", loc)
	}
	results := browsertest.Text(t, tab, "main")
	for _, want := range []string{"警察能关你多久，要不要通知家人", "现在的处罚是什么"} {
		if !strings.Contains(results, want) {
			t.Errorf("search results lack %q:\n%s", want, results)
		}
	}
	browsertest.Screenshot(t, tab, "rights-search-zh")
	if st := browsertest.Submit(t, tab, `main a[href="/rights/held-time-limits"]`); st != http.StatusOK {
		t.Fatalf("article: status %d", st)
	}
	if got := browsertest.Text(t, tab, "h1"); got != "警察能关你多久，要不要通知家人" {
		t.Errorf("article title %q", got)
	}
	if body := browsertest.Text(t, tab, "main"); !strings.Contains(body, "这不是法律意见") || !strings.Contains(body, "最后核对：2026年11月28日") {
		t.Errorf("article lacks the disclaimer or its check date")
	}
	if st := browsertest.Submit(t, tab, `main a[href="/rights/card/CN"]`); st != http.StatusOK {
		t.Fatalf("card: status %d", st)
	}
	if got := browsertest.Text(t, tab, ".rcard h1"); got != "权利卡：中国" {
		t.Errorf("card title %q", got)
	}
	browsertest.Screenshot(t, tab, "rights-card-zh")
}

// pdfPages counts the pages of a PDF Chromium printed.
var pdfPages = regexp.MustCompile(`/Type\s*/Page\b[^s]`)

// TestBrowserRightsPagesAreAccessibleFitAPhoneAndTheCardPrintsOnOnePage
// runs the every-page checks (quick exit, 360 px, axe-core) on the library's
// pages in both languages, and prints each card to PDF: one page.
func TestBrowserRightsPagesAreAccessibleFitAPhoneAndTheCardPrintsOnOnePage(t *testing.T) {
	s := apptest.Start(t)
	b := browsertest.New(t)
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			tab := b.Tab(t, true)
			browsertest.AcceptLanguage(t, tab, lang)
			for _, p := range []page{
				{path: "/rights"}, {path: "/rights?q=" + url.QueryEscape("拘留")}, {path: "/rights?q=police&jurisdiction=CN"},
				{path: "/rights/police-stop"}, {path: "/rights/after-sexual-assault"}, {path: "/rights/card/CN"},
				{path: "/rights/card/INT"}, {path: "/rights/directory"}, {path: "/rights/directory?area=CN&kind=pep_site"},
				{path: "/rights/no-such-article", status: http.StatusNotFound},
			} {
				checkPage(t, b, tab, s, p)
			}
			for _, j := range []string{"CN", "INT"} {
				browsertest.Open(t, tab, s.URL+"/rights/card/"+j)
				pdf, err := chromedp.Run(tab, chromedp.PrintToPDF(func(p *cdppage.PrintToPDFParams) {
					// The card's own @page size, as a browser's print dialog uses it.
					prefer := true
					p.PreferCSSPageSize = &prefer
				}))
				if err != nil {
					t.Fatalf("print card %s: %v", j, err)
				}
				if n := len(pdfPages.FindAll(pdf, -1)); n != 1 {
					t.Errorf("card %s (%s) prints on %d pages, want 1", j, lang, n)
				}
			}
		})
	}
	t.Run("moderator-zh-CN", func(t *testing.T) {
		l := s.Login(t, 0, web.RoleModerator)
		tab := b.Tab(t, true)
		browsertest.SignIn(t, tab, s.URL, l.Handle, l.Passphrase)
		for _, p := range []page{
			{path: "/rights/police-stop"}, {path: "/rights/edit/police-stop"}, {path: "/rights/history/police-stop?v=1"},
			{path: "/rights/directory"}, {path: "/rights/directory/new"},
			{path: "/rights/new"}, {path: "/rights/new?slug=police-stop&lang=zh-CN", status: http.StatusUnprocessableEntity},
		} {
			checkPage(t, b, tab, s, p)
		}
		// A form that failed, with its messages and what she typed.
		browsertest.Open(t, tab, s.URL+"/rights/edit/police-stop")
		browsertest.Fill(t, tab, "#sources", "一本书")
		if st := browsertest.Submit(t, tab, `button[value=save]`); st != http.StatusUnprocessableEntity {
			t.Fatalf("save without a source address: status %d", st)
		}
		checkCurrent(t, b, tab, s)
		if got := browsertest.Value(t, tab, "#sources"); got != "一本书" {
			t.Errorf("sources after the failed save: %q", got)
		}
		browsertest.Open(t, tab, s.URL+"/rights/directory/new")
		browsertest.Fill(t, tab, "#name", "我们的诊所")
		if st := browsertest.Submit(t, tab, `main form button[type=submit]`); st != http.StatusUnprocessableEntity {
			t.Fatalf("entry without contact: status %d", st)
		}
		checkCurrent(t, b, tab, s)

		// An entry of the pack: its edit page, then removed from it.
		entries, err := s.Rights.Directory(context.Background(), "", "")
		if err != nil || len(entries) == 0 {
			t.Fatalf("directory: %d entries, %v", len(entries), err)
		}
		checkPage(t, b, tab, s, page{path: "/rights/directory/" + entries[0].ID + "/edit"})
		if st := browsertest.Submit(t, tab, `button.danger`); st != http.StatusOK {
			t.Fatalf("remove: status %d", st)
		}
		checkCurrent(t, b, tab, s)
		if after, _ := s.Rights.Directory(context.Background(), "", ""); len(after) != len(entries)-1 {
			t.Fatalf("entries after removing one: %d, before %d", len(after), len(entries))
		}
	})
}
