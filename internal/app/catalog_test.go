package app_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/web"
)

// repoRoot is the module's root directory (this package is internal/app).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// walkSources calls fn for each file under the repository whose name
// matches keep, skipping VCS, tool and test-data directories.
func walkSources(t *testing.T, keep func(path string) bool, fn func(path string, body string)) {
	t.Helper()
	root := repoRoot(t)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".ci", "node_modules", "testdata", "tools":
				return filepath.SkipDir
			}
			return nil
		}
		if !keep(p) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fn(rel, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCatalogsHaveTheSameMessagesInBothLanguages(t *testing.T) {
	s := apptest.Start(t)
	cat := s.Renderer.Catalog()
	en, zh := cat.IDs("en"), cat.IDs("zh-CN")
	if len(en) < 20 {
		t.Fatalf("only %d English messages: the catalog is not the app's", len(en))
	}
	for _, id := range en {
		if !cat.Has("zh-CN", id) {
			t.Errorf("%q has no zh-CN message", id)
		}
	}
	for _, id := range zh {
		if !cat.Has("en", id) {
			t.Errorf("%q has no English message", id)
		}
	}
	for _, lang := range web.LangTags() {
		if len(cat.IDs(lang)) == 0 {
			t.Errorf("no messages for UI language %s", lang)
		}
	}
}

// A template asks for a message with {{.T "id"}} or {{$.T "id" ...}}.
var templateMessage = regexp.MustCompile(`\.T\s+"([^"]+)"`)

func TestEveryTemplateMessageExists(t *testing.T) {
	s := apptest.Start(t)
	cat := s.Renderer.Catalog()
	n := 0
	walkSources(t, func(p string) bool {
		return strings.HasSuffix(p, ".html") && filepath.Base(filepath.Dir(p)) == "templates"
	}, func(path, body string) {
		for _, m := range templateMessage.FindAllStringSubmatch(body, -1) {
			n++
			for _, lang := range web.LangTags() {
				if !cat.Has(lang, m[1]) {
					t.Errorf("%s uses %q, which the app's %s catalog does not have (is the capability's locales/ wired in app.go?)", path, m[1], lang)
				}
			}
		}
	})
	if n < 20 {
		t.Fatalf("found only %d template messages: the search is broken", n)
	}
}

// Message ids in Go code: coded errors, their Message field, menu labels and
// the flash after a redirect.
var codeMessages = []*regexp.Regexp{
	regexp.MustCompile(`apperr\.New\([^,()]+,\s*"([^"]+)"\)`),
	regexp.MustCompile(`apperr\.Field\("[^"]*",\s*"([^"]+)"\)`),
	regexp.MustCompile(`Message:\s*"([^"]+)"`),
	regexp.MustCompile(`Label:\s*"([^"]+)"`),
	regexp.MustCompile(`done=(flash\.[a-z0-9_.]+)`),
}

func TestEveryMessageInCodeExists(t *testing.T) {
	s := apptest.Start(t)
	cat := s.Renderer.Catalog()
	var seen []string
	walkSources(t, func(p string) bool {
		return strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") && strings.Contains(p, "internal"+string(filepath.Separator))
	}, func(path, body string) {
		for _, re := range codeMessages {
			for _, m := range re.FindAllStringSubmatch(body, -1) {
				seen = append(seen, m[1])
				for _, lang := range web.LangTags() {
					if !cat.Has(lang, m[1]) {
						t.Errorf("%s uses message %q, which the app's %s catalog does not have", path, m[1], lang)
					}
				}
			}
		}
	})
	if !slices.Contains(seen, "account.error.signin") || !slices.Contains(seen, "error.rate_limited") {
		t.Fatalf("the search missed known messages; found %d", len(seen))
	}
}
