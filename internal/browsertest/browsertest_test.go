package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorder stands in for a test so the checks that report failures (Axe,
// FitsWidth) can be seen to fail.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Error(args ...any) { r.add(fmt.Sprint(args...)) }

func (r *recorder) Errorf(format string, args ...any) { r.add(fmt.Sprintf(format, args...)) }

func (r *recorder) Log(args ...any) {}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, s)
}

const phoneHead = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>t</title></head><body><main>`

// pages serves small fixed pages by path.
func pages(t *testing.T, byPath map[string]string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if c := r.URL.Query().Get("set"); c != "" {
			http.SetCookie(w, &http.Cookie{Name: "c", Value: c, Path: "/"})
		}
		if c, err := r.Cookie("c"); err == nil {
			body = strings.ReplaceAll(body, "{cookie}", c.Value)
		}
		body = strings.ReplaceAll(body, "{cookie}", "none")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHarness(t *testing.T) {
	b := New(t)
	srv := pages(t, map[string]string{
		"/clean":   phoneHead + `<h1>Hello</h1><form><label for="n">Name</label><input id="n" value="old"></form></main></body></html>`,
		"/broken":  phoneHead + `<h1>Hello</h1><img src="/x.png"><input id="n"></main></body></html>`,
		"/wide":    phoneHead + `<h1>Hello</h1><div id="banner" style="width:500px">wide</div></main></body></html>`,
		"/desktop": `<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>Hello</h1><p>no viewport meta</p></main></body></html>`,
		"/cookie":  phoneHead + `<h1 id="c">{cookie}</h1></main></body></html>`,
		"/script":  phoneHead + `<h1 id="s">static</h1><script>document.getElementById("s").textContent = "scripted"</script></main></body></html>`,
	})

	t.Run("AxePassesACleanPage", func(t *testing.T) {
		tab := b.Tab(t, true)
		Open(t, tab, srv.URL+"/clean")
		r := &recorder{TB: t}
		b.Axe(r, tab)
		if len(r.errors) != 0 {
			t.Errorf("clean page failed axe: %q", r.errors)
		}
	})

	t.Run("AxeFailsOnCriticalViolationsAndNamesThem", func(t *testing.T) {
		tab := b.Tab(t, true)
		Open(t, tab, srv.URL+"/broken")
		r := &recorder{TB: t}
		b.Axe(r, tab)
		all := strings.Join(r.errors, "\n")
		for _, want := range []string{"image-alt", "label", "img", "#n"} {
			if !strings.Contains(all, want) {
				t.Errorf("axe report does not name %q:\n%s", want, all)
			}
		}
	})

	t.Run("FitsWidthFailsOnAWidePageAndNamesTheElement", func(t *testing.T) {
		tab := b.Tab(t, true)
		Open(t, tab, srv.URL+"/wide")
		r := &recorder{TB: t}
		FitsWidth(r, tab)
		if len(r.errors) != 1 || !strings.Contains(r.errors[0], "div#banner") {
			t.Errorf("FitsWidth on a 500 px element: %q", r.errors)
		}
		Open(t, tab, srv.URL+"/clean")
		r = &recorder{TB: t}
		FitsWidth(r, tab)
		if len(r.errors) != 0 {
			t.Errorf("FitsWidth on a page that fits: %q", r.errors)
		}
	})

	t.Run("TabIsAPhoneViewport", func(t *testing.T) {
		// Without a viewport meta a phone lays the page out like a desktop:
		// the check must see that, not just the window size.
		tab := b.Tab(t, true)
		Open(t, tab, srv.URL+"/clean")
		if w := Eval[int](t, tab, "window.innerWidth"); w != Width {
			t.Errorf("innerWidth = %d, want %d", w, Width)
		}
		Open(t, tab, srv.URL+"/desktop")
		r := &recorder{TB: t}
		FitsWidth(r, tab)
		if len(r.errors) != 1 {
			t.Errorf("a page without a viewport meta passed the phone check")
		}
	})

	t.Run("TabsKeepTheirOwnCookies", func(t *testing.T) {
		one, two := b.Tab(t, true), b.Tab(t, true)
		Open(t, one, srv.URL+"/cookie?set=one")
		Open(t, one, srv.URL+"/cookie")
		if got := Text(t, one, "#c"); got != "one" {
			t.Fatalf("tab one cookie = %q", got)
		}
		Open(t, two, srv.URL+"/cookie")
		if got := Text(t, two, "#c"); got != "none" {
			t.Errorf("tab two sees tab one's cookie: %q", got)
		}
	})

	t.Run("TabWithoutJavaScriptRunsNoScript", func(t *testing.T) {
		on, off := b.Tab(t, true), b.Tab(t, false)
		Open(t, on, srv.URL+"/script")
		Open(t, off, srv.URL+"/script")
		if got := Text(t, on, "#s"); got != "scripted" {
			t.Errorf("with JavaScript: %q", got)
		}
		if got := Text(t, off, "#s"); got != "static" {
			t.Errorf("without JavaScript the script ran: %q", got)
		}
	})

	t.Run("FillReplacesWhatIsThere", func(t *testing.T) {
		for _, js := range []bool{true, false} {
			tab := b.Tab(t, js)
			Open(t, tab, srv.URL+"/clean")
			Fill(t, tab, "#n", "new 名字")
			if got := Value(t, tab, "#n"); got != "new 名字" {
				t.Errorf("js=%v: value = %q", js, got)
			}
		}
	})

	t.Run("LocationAndTitleComeFromTheBrowser", func(t *testing.T) {
		tab := b.Tab(t, false)
		Open(t, tab, srv.URL+"/clean")
		if got := Location(t, tab); got != srv.URL+"/clean" {
			t.Errorf("location = %q", got)
		}
		if got := TabTitle(t, tab); got != "t" {
			t.Errorf("tab title = %q", got)
		}
		if Blank(t, tab) {
			t.Error("a page with text counts as blank")
		}
	})
}
