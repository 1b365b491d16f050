package programme

import (
	"context"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// env is a programme service over a fresh database with two organisations.
type env struct {
	t    *testing.T
	d    *db.DB
	svc  *Service
	now  time.Time
	orgA string
	orgB string
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	keys, err := seal.New()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, now: time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)}
	e.svc = NewService(d, keys, Sources{}, nil, func() time.Time { return e.now })
	e.orgA = e.org("org-a")
	e.orgB = e.org("org-b")
	return e
}

func (e *env) org(slug string) string {
	e.t.Helper()
	id := db.NewID()
	if _, err := e.d.ExecContext(context.Background(), `INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, $3, $4)`, id, slug, slug, db.Now()); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// as returns a principal of a role in an organisation.
func as(orgID string, role web.Role) *web.Principal {
	return &web.Principal{UserID: db.NewID(), OrgID: orgID, Role: role}
}

func (e *env) outreach(orgID string) *web.Principal { return as(orgID, web.RoleOutreach) }
func (e *env) admin(orgID string) *web.Principal    { return as(orgID, web.RoleAdmin) }

// codes issues n codes in an organisation.
func (e *env) codes(orgID string, n int, in CodeInput) []string {
	e.t.Helper()
	out := make([]string, n)
	for i := range out {
		c, err := e.svc.IssueCode(context.Background(), e.outreach(orgID), in)
		if err != nil {
			e.t.Fatal(err)
		}
		out[i] = c.Code
	}
	return out
}

// contact records a contact or fails the test.
func (e *env) contact(orgID, on, mode string, codes []string, services ...string) {
	e.t.Helper()
	if _, err := e.svc.RecordContact(context.Background(), e.outreach(orgID), Contact{On: on, Mode: mode, Codes: codes, Services: services}); err != nil {
		e.t.Fatalf("contact on %s: %v", on, err)
	}
}

// figure returns an organisation's exact figure for a range.
func (e *env) figure(orgID, from, to, id string) Figure {
	e.t.Helper()
	p, err := Range(from, to)
	if err != nil {
		e.t.Fatal(err)
	}
	rep, err := e.svc.Figures(context.Background(), e.admin(orgID), p)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range rep.Figures {
		if f.ID == id {
			return f
		}
	}
	e.t.Fatalf("no figure %s", id)
	return Figure{}
}

func (e *env) settings(orgID string, st Settings) {
	e.t.Helper()
	if st.Threshold == 0 {
		st.Threshold = DefaultThreshold
	}
	if err := e.svc.SaveSettings(context.Background(), e.admin(orgID), st); err != nil {
		e.t.Fatal(err)
	}
}
