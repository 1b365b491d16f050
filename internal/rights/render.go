package rights

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"golang.org/x/text/unicode/norm"

	"github.com/sisterline/sisterline/internal/apperr"
)

// renderer turns an article's Markdown into HTML that is safe to serve as
// it is. Two locks: goldmark runs without html.WithUnsafe, so raw HTML in the
// Markdown is dropped and dangerous link schemes are emptied; bluemonday
// then keeps only the few elements plain Markdown makes, links to web, mail
// and phone addresses only, with rel="nofollow noreferrer". Images are not
// kept at all: a downloaded card read offline has no CSP, and a remote
// image would tell a third party she opened it.
type renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newRenderer() *renderer {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs()
	p.AllowURLSchemes("tel")
	p.AllowAttrs("href").OnElements("a")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AllowElements("p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em",
		"b", "i", "blockquote", "code", "pre", "hr", "del")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	return &renderer{md: goldmark.New(), policy: p}
}

// rendered is a body turned into HTML and plain text, with what a check
// needs to know about it.
type rendered struct {
	HTML string
	// Text is the body's plain text, for search.
	Text string
	// RawHTML and Image say the Markdown held raw HTML or an image, which
	// the HTML does not keep.
	RawHTML, Image bool
	// LastHeading is the text of the last "##" heading; AfterLast says
	// something follows it.
	LastHeading string
	AfterLast   bool
}

// render renders a Markdown body.
func (rn *renderer) render(body string) (rendered, error) {
	src := []byte(body)
	doc := rn.md.Parser().Parse(text.NewReader(src))
	var out rendered
	var plain strings.Builder
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.RawHTML, *ast.HTMLBlock:
			out.RawHTML = true
			return ast.WalkSkipChildren, nil
		case *ast.Image:
			out.Image = true
		case *ast.Heading:
			if entering && n.Level == 2 && n.Parent() == doc {
				out.LastHeading = strings.TrimSpace(inlineText(n, src))
				out.AfterLast = n.NextSibling() != nil
			}
		case *ast.Text:
			if entering {
				plain.Write(n.Value(src))
				if n.SoftLineBreak() || n.HardLineBreak() {
					plain.WriteByte(' ')
				}
			}
		case *ast.String:
			if entering {
				plain.Write(n.Value)
			}
		case *ast.AutoLink:
			if entering {
				plain.Write(n.Label(src))
			}
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			if entering {
				lines := n.Lines()
				for i := range lines.Len() {
					seg := lines.At(i)
					plain.Write(seg.Value(src))
				}
			}
		}
		if !entering && n.Type() == ast.TypeBlock {
			plain.WriteByte('\n')
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return out, fmt.Errorf("rights: walk markdown: %w", err)
	}
	var buf bytes.Buffer
	if err := rn.md.Renderer().Render(&buf, src, doc); err != nil {
		return out, fmt.Errorf("rights: render markdown: %w", err)
	}
	out.HTML = rn.policy.Sanitize(buf.String())
	out.Text = plain.String()
	return out, nil
}

// inlineText is the text inside an inline container such as a heading.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Value(src))
		case *ast.String:
			b.Write(c.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// check validates a document and renders its body, returning the field
// problems of both: the front matter's, raw HTML or images in the body, and
// a body that does not end with the "not legal advice" section in its own
// language.
func (rn *renderer) check(d Document, now time.Time) (rendered, apperr.Fields) {
	f := d.Validate(now)
	if f["body"] != "" {
		return rendered{}, f
	}
	out, err := rn.render(d.Body)
	switch {
	case err != nil:
		f["body"] = "rights.error.markdown"
	case out.RawHTML:
		f["body"] = "rights.error.raw_html"
	case out.Image:
		f["body"] = "rights.error.image"
	case validLang(d.Lang) && (out.LastHeading != disclaimers[d.Lang] || !out.AfterLast):
		f["body"] = "rights.error.disclaimer"
	}
	return out, f
}

// normalise is the form search compares: NFKC (full-width letters and
// digits become plain ones) and lower case.
func normalise(s string) string { return strings.ToLower(norm.NFKC.String(s)) }

// searchTerms splits a query into the substrings every match must hold: on
// spaces and punctuation. A Chinese run without spaces stays one term, so
// 拘留 is found inside a sentence. At most maxTerms terms of a query of at
// most maxQuery characters.
func searchTerms(q string) []string {
	q = normalise(q)
	if r := []rune(q); len(r) > maxQuery {
		q = string(r[:maxQuery])
	}
	terms := strings.FieldsFunc(q, func(r rune) bool {
		return unicode.IsSpace(r) || (unicode.IsPunct(r) && r != '%' && r != '_' && r != '-' && r != '.')
	})
	var out []string
	for _, t := range terms {
		if len(out) == maxTerms {
			break
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// likePattern is a LIKE pattern that finds term as a substring, with the
// wildcards % and _ (and the escape character) taken literally.
func likePattern(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(term) + "%"
}
