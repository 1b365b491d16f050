package rights

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/web"
)

// validDoc is a document that passes every check.
func validDoc(slug, lang string) Document {
	return Document{
		Slug: slug, Lang: lang, Title: "Title of " + slug, Jurisdiction: "CN", Summary: "A summary.",
		Topics: []string{"police"}, IncidentTypes: []string{"police_abuse"}, ReviewedOn: "2026-11-28",
		ReviewedBy: "content team", Uncertain: []string{},
		Sources: []Source{{Title: "A law", URL: "https://example.org/law"}},
		Body:    body(lang, "Some text."),
	}
}

// articleFile is a pack file for d.
func articleFile(d Document) *fstest.MapFile { return &fstest.MapFile{Data: []byte(d.File())} }

// fakeAudit records audit entries in memory; it writes nothing to tx.
type fakeAudit struct {
	mu      sync.Mutex
	entries []string
}

func (a *fakeAudit) Append(_ context.Context, _ *sql.Tx, orgID, actorID, action, objectType, objectID string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, strings.Join([]string{orgID, actorID, action, objectType, objectID}, " "))
	return nil
}

func (a *fakeAudit) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.entries...)
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fixture is a service over a database with a clock and a fake audit log.
type fixture struct {
	svc   *Service
	audit *fakeAudit
	clock *clock
	d     *db.DB
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	c := &clock{t: packDay}
	a := &fakeAudit{}
	svc := NewService(d, a, Options{HandleOf: func(_ context.Context, id string) (string, error) {
		return "handle-of-" + id, nil
	}}, c.now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &fixture{svc: svc, audit: a, clock: c, d: d}
}

// importPacks imports packs and fails on any problem.
func (f *fixture) importPacks(t *testing.T, packs ...fstest.MapFS) ImportReport {
	t.Helper()
	rep, err := f.svc.Import(context.Background(), toFS(packs)...)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func toFS(packs []fstest.MapFS) []fs.FS {
	out := make([]fs.FS, len(packs))
	for i, p := range packs {
		out[i] = p
	}
	return out
}

// moderator is a moderator of org "org-a".
func moderator() *web.Principal {
	return &web.Principal{UserID: "user-mod", OrgID: "org-a", Role: web.RoleModerator}
}

func member() *web.Principal {
	return &web.Principal{UserID: "user-member", OrgID: "org-a", Role: web.RoleMember}
}

func entryTOML(name, kind, area string) string {
	return fmt.Sprintf("[[entry]]\nname = %q\nkind = %q\narea = %q\ncontact = \"12348\"\nhours = \"\"\nlanguages = [\"zh\"]\nnotes = \"n\"\nnotes_zh = \"说明\"\nverified_on = 2026-11-28\nsource = \"https://example.org/src\"\n\n", name, kind, area)
}
