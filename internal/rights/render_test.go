package rights

import (
	"regexp"
	"strings"
	"testing"
)

// handler matches an event-handler attribute inside a tag.
var handler = regexp.MustCompile(`<[^>]*\son[a-z]+\s*=`)

// A body that is valid apart from what a test puts in it.
func body(lang, text string) string {
	return "## Heading\n\n" + text + "\n\n## " + disclaimers[lang] + "\n\nCall 12348.\n"
}

func TestRenderDropsScriptsHandlersAndDangerousLinks(t *testing.T) {
	rn := newRenderer()
	attacks := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`<a href="javascript:alert(1)">x</a>`,
		`[click](javascript:alert(1))`,
		`[click](JaVaScRiPt:alert(1))`,
		`[click](vbscript:msgbox(1))`,
		`[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
		`<javascript:alert(1)>`,
		"<div onclick=\"alert(1)\">\n\nhi\n\n</div>",
		`<iframe src="https://evil.example/"></iframe>`,
		`![x](https://tracker.example/pixel.png)`,
		`<svg onload=alert(1)>`,
		`**bold** <style>body{display:none}</style>`,
		`[x](https://ok.example/ "title\" onmouseover=\"alert(1)")`,
	}
	for _, a := range attacks {
		out, err := rn.render(a)
		if err != nil {
			t.Fatalf("%q: %v", a, err)
		}
		low := strings.ToLower(out.HTML)
		for _, bad := range []string{"<script", "<iframe", "<img", "<svg", "<style", "<div", `href="javascript`, `href="vbscript`, `href="data:`} {
			if strings.Contains(low, bad) {
				t.Errorf("%q rendered %q: holds %q", a, out.HTML, bad)
			}
		}
		if handler.MatchString(low) {
			t.Errorf("%q rendered %q: holds an event handler", a, out.HTML)
		}
	}
}

func TestRenderKeepsPlainMarkdownAndMarksLinksNoReferrer(t *testing.T) {
	out, err := newRenderer().render("## 先看警察证\n\n- **人民警察证**\n- call [12348](tel:12348)\n\n1. one\n2. [law](https://example.org/law)\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h2>先看警察证</h2>", "<strong>人民警察证</strong>", `href="tel:12348"`, `<ol>`,
		`href="https://example.org/law"`, `rel="nofollow noreferrer"`} {
		if !strings.Contains(out.HTML, want) {
			t.Errorf("HTML %q lacks %q", out.HTML, want)
		}
	}
	if !strings.Contains(out.Text, "先看警察证") || strings.Contains(out.Text, "<") || strings.Contains(out.Text, "**") {
		t.Errorf("plain text = %q", out.Text)
	}
}

func TestCheckRefusesRawHTMLImagesAndAMissingDisclaimer(t *testing.T) {
	rn := newRenderer()
	for _, c := range []struct {
		name, body, want string
	}{
		{"raw html", body("en", "<b onmouseover=x>hi</b>"), "rights.error.raw_html"},
		{"html block", body("en", "<script>alert(1)</script>"), "rights.error.raw_html"},
		{"image", body("en", "![x](https://example.org/a.png)"), "rights.error.image"},
		{"no disclaimer", "## Heading\n\ntext\n", "rights.error.disclaimer"},
		{"disclaimer of the other language", body("zh-CN", "text"), "rights.error.disclaimer"},
		{"disclaimer not last", "## " + disclaimers["en"] + "\n\ncall\n\n## More\n\ntext\n", "rights.error.disclaimer"},
		{"empty disclaimer section", "## Heading\n\ntext\n\n## " + disclaimers["en"] + "\n", "rights.error.disclaimer"},
	} {
		d := validDoc("x", "en")
		d.Body = c.body
		_, f := rn.check(d, packDay)
		if f["body"] != c.want {
			t.Errorf("%s: body error %q, want %q (all: %v)", c.name, f["body"], c.want, f)
		}
	}
	if _, f := rn.check(validDoc("x", "en"), packDay); len(f) != 0 {
		t.Fatalf("valid document refused: %v", f)
	}
}

func TestSearchTermsKeepAChineseRunWholeAndSplitOnSpacesAndPunctuation(t *testing.T) {
	for q, want := range map[string]string{
		"拘留":                "拘留",
		"  POLICE  stop ":   "police|stop",
		"拘留，罚款":             "拘留|罚款",
		"ＰＯＬＩＣＥ":            "police",
		"100%_off":          "100%_off",
		"a a a":             "a",
		"":                  "",
		"。，！":               "",
		"police-stop 12348": "police-stop|12348",
	} {
		if got := strings.Join(searchTerms(q), "|"); got != want {
			t.Errorf("searchTerms(%q) = %q, want %q", q, got, want)
		}
	}
	if n := len(searchTerms(strings.Repeat("a ", 50))); n != 1 {
		t.Errorf("repeated term: %d terms", n)
	}
	if n := len(searchTerms("a b c d e f g h i j k")); n != maxTerms {
		t.Errorf("many terms: %d, want %d", n, maxTerms)
	}
}

func TestLikePatternTakesWildcardsLiterally(t *testing.T) {
	if got := likePattern(`50%_\x`); got != `%50\%\_\\x%` {
		t.Fatalf("likePattern = %q", got)
	}
}
