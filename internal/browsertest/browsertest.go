// Package browsertest drives Debian's Chromium through chromedp for
// end-to-end tests of the real server: one headless browser per test, a
// phone-sized tab per visitor (each with its own cookies), helpers to fill
// forms, click, read the page and sign in, screenshots a person can look at,
// and an axe-core accessibility check.
//
// A missing Chromium or axe-core skips the tests on a developer's machine and
// fails them in CI (CI=true), so a CI run can never pass by testing nothing.
//
// Configuration comes from the environment:
//
//	SISTERLINE_CHROMIUM     the browser (default /usr/bin/chromium)
//	SISTERLINE_AXE_JS       axe.min.js (default: node_modules under /tmp/axe or the repo's .ci/node)
//	SISTERLINE_SCREENSHOTS  a directory that keeps the screenshots (default: the test's temporary directory)
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// The phone every tab emulates: the small, cheap Android phones members use.
const (
	Width  = 360
	Height = 640
)

// stepTimeout bounds one helper call, so a missing element or a page that
// never loads fails the test instead of hanging it until the global timeout.
// It is generous: CI runs the tests with -race on two shared cores.
const stepTimeout = 20 * time.Second

// Browser is one headless Chromium shared by the tabs of a test.
type Browser struct {
	ctx context.Context

	axeOnce sync.Once
	axeJS   string
	axeErr  error
}

// ciRun reports whether the tests run in CI, where a missing tool is a
// failure, not a reason to skip.
func ciRun() bool { return os.Getenv("CI") == "true" }

// missing skips the test locally and fails it in CI.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if ciRun() {
		t.Fatalf("browsertest: "+format+" (CI=true: required)", args...)
	}
	t.Skipf("browsertest: "+format+" (skipped; CI fails here)", args...)
}

// chromiumPath finds the browser.
func chromiumPath() string {
	if p := os.Getenv("SISTERLINE_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// New starts a headless Chromium for the test and stops it when the test
// ends. Without a browser the test is skipped locally and fails in CI.
func New(t testing.TB) *Browser {
	t.Helper()
	path := chromiumPath()
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		missing(t, "no Chromium at %s (set SISTERLINE_CHROMIUM)", path)
	}
	// A fresh profile for every test: no cookies, cache or history carried
	// over from another run.
	profile, err := os.MkdirTemp("", "sisterline-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // CI runs as root, where the sandbox refuses to start
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(Width, Height),
		// Nothing but the server under test on the wire.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("lang", "en-US"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// chromedp reports protocol hiccups through these; they go to the test
	// log while the test runs, and nowhere after.
	var done atomic.Bool
	logf := func(format string, args ...any) {
		if !done.Load() {
			t.Logf("chromium: "+format, args...)
		}
	}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf))
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for the browser process to exit
		done.Store(true)
		// Child processes can write into the profile for a moment after
		// the browser exits.
		for range 50 {
			if err := os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	// Start the browser with no deadline: a deadline on the first Run would
	// bind the browser's life to it.
	if err := chromedp.Do(ctx); err != nil {
		missing(t, "start Chromium at %s: %v", path, err)
	}
	return &Browser{ctx: ctx}
}

// Tab opens a new tab in a browser context of its own (its own cookies and
// storage, like a different phone) with the 360×640 phone viewport, and
// JavaScript on or off. The tab closes when the test ends.
func (b *Browser) Tab(t testing.TB, jsEnabled bool) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.EmulateViewport(Width, Height, chromedp.EmulateMobile, chromedp.EmulatePortrait),
	}
	if !jsEnabled {
		steps = append(steps, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browsertest: open tab: %v", err)
	}
	return ctx
}

// step derives a context with the per-step deadline from a tab's context.
func step(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, stepTimeout)
}

// AcceptLanguage makes the tab send lang (for example "zh-CN") as its
// Accept-Language header, like a phone set to that language. Call it before
// navigating.
func AcceptLanguage(t testing.TB, ctx context.Context, lang string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	err := chromedp.Do(sctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: v.UserAgent, AcceptLanguage: lang})
		return err
	}))
	if err != nil {
		t.Fatalf("browsertest: accept-language %s: %v", lang, err)
	}
}

// Open navigates to url, waits for the page to load and returns the HTTP
// status of the document.
func Open(t testing.TB, ctx context.Context, url string) int {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	resp, err := chromedp.Run(sctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("browsertest: open %s: %v", url, err)
	}
	return int(resp.Status)
}

// Fill types value into the form field sel (a CSS selector) after clearing
// it, with real key events, so it works with JavaScript off.
func Fill(t testing.TB, ctx context.Context, sel, value string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	err := chromedp.Do(sctx,
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Focus(chromedp.CSS(sel)),
		selectAll,
		chromedp.KeyEvent("\b"),
		chromedp.SendKeys(chromedp.CSS(sel), value),
	)
	if err != nil {
		t.Fatalf("browsertest: fill %s: %v", sel, err)
	}
}

// selectAll selects the focused field's text (Ctrl+A) without running page
// script, so Fill also works in a tab with JavaScript off.
var selectAll = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		_, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "a", Code: "KeyA", WindowsVirtualKeyCode: 65, NativeVirtualKeyCode: 65,
			Modifiers: int64(chromedp.ModifierCtrl), Commands: []string{"selectAll"},
		})
		if err != nil {
			return err
		}
	}
	return nil
})

// Click clicks the element sel and returns without waiting for anything.
func Click(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		t.Fatalf("browsertest: click %s: %v", sel, err)
	}
}

// Submit clicks sel (a submit button or a link), waits for the page it leads
// to (after any redirects) and returns that page's HTTP status.
func Submit(t testing.TB, ctx context.Context, sel string) int {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("browsertest: submit %s: %v", sel, err)
	}
	if resp == nil {
		t.Fatalf("browsertest: submit %s: no page loaded", sel)
	}
	return int(resp.Status)
}

// Text returns the visible text of the first element matching sel.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browsertest: text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// Value returns the current value of the form field sel.
func Value(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browsertest: value of %s: %v", sel, err)
	}
	return s
}

// Attr returns an attribute of the first element matching sel ("" when the
// element has no such attribute).
func Attr(t testing.TB, ctx context.Context, sel, name string) string {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	nodes, err := chromedp.Run(sctx, chromedp.Nodes(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browsertest: attribute %s of %s: %v", name, sel, err)
	}
	return nodes[0].AttributeValue(name)
}

// Exists reports whether an element matches sel right now, without waiting.
func Exists(t testing.TB, ctx context.Context, sel string) bool {
	t.Helper()
	b, err := json.Marshal(sel)
	if err != nil {
		t.Fatal(err)
	}
	return Eval[bool](t, ctx, "document.querySelector("+string(b)+") !== null")
}

// Eval evaluates a JavaScript expression in the page (it needs a tab with
// JavaScript on) and returns its value; a promise is awaited.
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browsertest: eval %q: %v", js, err)
	}
	return v
}

// Location returns the URL of the tab's current history entry. It reads the
// browser's history, not the page, so it works with JavaScript off and while
// a page is blank or being left.
func Location(t testing.TB, ctx context.Context) string {
	t.Helper()
	loc, err := location(ctx)
	if err != nil {
		t.Fatalf("browsertest: location: %v", err)
	}
	return loc
}

func location(ctx context.Context) (string, error) {
	sctx, cancel := step(ctx)
	defer cancel()
	h, err := chromedp.Run(sctx, chromedp.NavigationEntries())
	if err != nil {
		return "", err
	}
	if len(h.Entries) == 0 {
		return "", nil
	}
	return h.Entries[h.CurrentIndex].URL, nil
}

// History returns the tab's session history.
func History(t testing.TB, ctx context.Context) page.GetNavigationHistoryResult {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	h, err := chromedp.Run(sctx, chromedp.NavigationEntries())
	if err != nil {
		t.Fatalf("browsertest: history: %v", err)
	}
	return h
}

// WaitLocation waits until the tab's location is url, and fails the test
// when it does not get there in time. While the tab moves to another page
// the browser may briefly answer that no page is attached; that is retried.
func WaitLocation(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		loc, err := location(ctx)
		if err == nil && loc == url {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("browsertest: location is %q (%v), want %s", loc, err, url)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Blank reports whether the tab shows nothing: every pixel of the viewport
// the same colour. It reads the screen, not the page, so it also works while
// the tab is busy leaving the page.
func Blank(t testing.TB, ctx context.Context) bool {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	buf, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("browsertest: screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("browsertest: decode screenshot: %v", err)
	}
	r := img.Bounds()
	first := img.At(r.Min.X, r.Min.Y)
	r0, g0, b0, a0 := first.RGBA()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := img.At(x, y).RGBA()
			if r1 != r0 || g1 != g0 || b1 != b0 || a1 != a0 {
				return false
			}
		}
	}
	return true
}

// TabTitle returns the title the browser shows for the tab (what a task
// switcher or the tab strip would show), read from the browser, not the page.
func TabTitle(t testing.TB, ctx context.Context) string {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	title, err := chromedp.Run(sctx, func(ctx context.Context, tg *chromedp.Target) (string, error) {
		res, err := chromedp.CallBrowser(ctx, target.GetTargetInfo, target.GetTargetInfoParams{TargetID: tg.TargetID})
		return res.TargetInfo.Title, err
	})
	if err != nil {
		t.Fatalf("browsertest: tab title: %v", err)
	}
	return title
}

// PressKey presses and releases a key (a DOM key name such as "Shift" or
// "Enter") as the keyboard would, on whatever has the focus.
func PressKey(t testing.TB, ctx context.Context, key string) {
	t.Helper()
	code, vk := key, int64(0)
	switch key {
	case "Shift":
		code, vk = "ShiftLeft", 16
	case "Enter":
		vk = 13
	case "Escape":
		vk = 27
	}
	sctx, cancel := step(ctx)
	defer cancel()
	err := chromedp.Do(sctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			p := input.DispatchKeyEventParams{Type: typ, Key: key, Code: code, WindowsVirtualKeyCode: vk, NativeVirtualKeyCode: vk}
			if key == "Shift" && typ == input.DispatchKeyEventTypeRawKeyDown {
				p.Modifiers = int64(chromedp.ModifierShift)
			}
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		t.Fatalf("browsertest: press %s: %v", key, err)
	}
}

// Cookie returns the tab's cookie of that name for url, or nil. It reads the
// browser's cookie jar, so it sees HttpOnly cookies too.
func Cookie(t testing.TB, ctx context.Context, url, name string) *network.Cookie {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	res, err := chromedp.Call(sctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		t.Fatalf("browsertest: cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// SignIn signs in through the sign-in form at baseURL and fails the test
// unless the server lets her in (she leaves the sign-in page).
func SignIn(t testing.TB, ctx context.Context, baseURL, handle, pass string) {
	t.Helper()
	if st := Open(t, ctx, baseURL+"/signin"); st != 200 {
		t.Fatalf("browsertest: GET /signin: status %d", st)
	}
	Fill(t, ctx, "#handle", handle)
	Fill(t, ctx, "#passphrase", pass)
	st := Submit(t, ctx, `form[action="/signin"] button[type=submit]`)
	if loc := Location(t, ctx); st != 200 || strings.HasPrefix(loc, baseURL+"/signin?") || loc == baseURL+"/signin" {
		t.Fatalf("browsertest: sign in as %s: status %d, still at %s", handle, st, loc)
	}
}

// Screenshot saves a PNG of the whole page as name.png in
// $SISTERLINE_SCREENSHOTS, or in the test's temporary directory, logs where,
// and returns the path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot: %v", err)
	}
	dir := os.Getenv("SISTERLINE_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
	return path
}

// FitsWidth fails the test when the page scrolls sideways on the 360 px
// phone, naming the elements that stick out.
func FitsWidth(t testing.TB, ctx context.Context) {
	t.Helper()
	type report struct {
		Width int      `json:"width"`
		Wide  []string `json:"wide"`
	}
	r := Eval[report](t, ctx, `(() => {
		const w = document.documentElement.scrollWidth;
		const wide = [];
		if (w > `+fmt.Sprint(Width)+`) {
			for (const el of document.body.querySelectorAll("*")) {
				const r = el.getBoundingClientRect();
				if (r.right > `+fmt.Sprint(Width)+` + 0.5) {
					wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).trim().replace(/\s+/g, ".") : "") + " right=" + Math.round(r.right));
				}
			}
		}
		return {width: w, wide: wide.slice(0, 10)};
	})()`)
	if r.Width > Width {
		t.Errorf("%s scrolls sideways at %d px: content is %d px wide; too wide: %s", Location(t, ctx), Width, r.Width, strings.Join(r.Wide, ", "))
	}
}

// axePath finds axe.min.js.
func axePath() (string, error) {
	if p := os.Getenv("SISTERLINE_AXE_JS"); p != "" {
		return p, nil
	}
	candidates := []string{"/tmp/axe/node_modules/axe-core/axe.min.js"}
	if root, ok := repoRoot(); ok {
		candidates = append(candidates, filepath.Join(root, ".ci", "node", "node_modules", "axe-core", "axe.min.js"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("axe.min.js not in %s (set SISTERLINE_AXE_JS, or npm install --prefix /tmp/axe axe-core@4.14.1)", strings.Join(candidates, ", "))
}

// repoRoot walks up from the working directory (a package directory under
// go test) to the directory holding go.mod.
func repoRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func (b *Browser) axeSource(t testing.TB) string {
	t.Helper()
	b.axeOnce.Do(func() {
		p, err := axePath()
		if err != nil {
			b.axeErr = err
			return
		}
		src, err := os.ReadFile(p)
		if err != nil {
			b.axeErr = err
			return
		}
		b.axeJS = string(src)
	})
	if b.axeErr != nil {
		missing(t, "axe-core: %v", b.axeErr)
	}
	return b.axeJS
}

// Violation is one axe-core rule a page breaks.
type Violation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []any  `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeRun runs every axe-core rule on the document and returns the violations
// in a shape small enough to pass back as JSON.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary || ""}))
})))`

// Axe runs axe-core on the tab's current page (JavaScript must be on) and
// fails the test on any serious or critical violation, printing the rule, its
// help and the selectors of the elements. Minor and moderate ones are logged.
// It returns every violation found.
func (b *Browser) Axe(t testing.TB, ctx context.Context) []Violation {
	t.Helper()
	src := b.axeSource(t)
	sctx, cancel := step(ctx)
	defer cancel()
	// The page's strict CSP does not apply to DevTools evaluation, so axe is
	// injected without weakening the policy the page runs under.
	if _, err := chromedp.Run(sctx, chromedp.Evaluate[chromedp.Void](src+"\n;undefined")); err != nil {
		t.Fatalf("browsertest: inject axe-core: %v", err)
	}
	vs := Eval[[]Violation](t, ctx, axeRun)
	loc := Location(t, ctx)
	for _, v := range vs {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, fmt.Sprint(n.Target...))
		}
		msg := fmt.Sprintf("axe %s on %s: %s — %s (%s); elements: %s", v.Impact, loc, v.ID, v.Help, v.HelpURL, strings.Join(targets, " | "))
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
	return vs
}
