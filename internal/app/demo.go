package app

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/sisterline/sisterline/internal/web"
)

// Login is a demo account.
type Login struct {
	Handle, Passphrase string
	Role               web.Role
	Org                string
	NetworkAdmin       bool
}

// DemoOrg is one organisation of the demo network.
type DemoOrg struct{ Slug, Name, Suffix string }

// DemoOrgs are the demo network's two organisations.
var DemoOrgs = []DemoOrg{
	{Slug: "yunnan-sisters", Name: "云南姐妹互助 (demo)", Suffix: "1"},
	{Slug: "river-city", Name: "River City Sisters (demo)", Suffix: "2"},
}

// Seed fills an empty database with the demo network: two organisations and
// a user of every role in each (the first admin is also network admin), plus
// the sample content of every capability. It returns the logins.
func (a *App) Seed(ctx context.Context) ([]Login, error) {
	var logins []Login
	first := DemoOrgs[0]
	pass := demoPassphrase()
	root, err := a.Accounts.Bootstrap(ctx, first.Name, first.Slug, "admin"+first.Suffix, pass, "zh-CN")
	if err != nil {
		return nil, fmt.Errorf("demo: bootstrap: %w", err)
	}
	logins = append(logins, Login{Handle: root.Handle, Passphrase: pass, Role: web.RoleAdmin, Org: first.Slug, NetworkAdmin: true})
	rootP := &web.Principal{UserID: root.ID, OrgID: root.OrgID, OrgSlug: root.OrgSlug, Role: web.RoleAdmin, NetworkAdmin: true}
	for i, o := range DemoOrgs {
		if i > 0 {
			if _, err := a.Accounts.CreateOrg(ctx, rootP, o.Name, o.Slug); err != nil {
				return nil, fmt.Errorf("demo: org %s: %w", o.Slug, err)
			}
		}
		for _, role := range web.Roles() {
			if i == 0 && role == web.RoleAdmin {
				continue
			}
			code, _, err := a.Accounts.CreateInvite(ctx, rootP, role, o.Slug)
			if err != nil {
				return nil, fmt.Errorf("demo: invite: %w", err)
			}
			pass := demoPassphrase()
			lang := "zh-CN"
			if i == 1 {
				lang = "en"
			}
			u, err := a.Accounts.Register(ctx, code, string(role)+o.Suffix, pass, lang)
			if err != nil {
				return nil, fmt.Errorf("demo: register: %w", err)
			}
			logins = append(logins, Login{Handle: u.Handle, Passphrase: pass, Role: role, Org: o.Slug})
		}
	}
	// The first organisation's member and outreach worker are check-in buddies.
	if err := a.seedBuddies(ctx, "member"+first.Suffix, "outreach"+first.Suffix); err != nil {
		return nil, err
	}
	if err := a.seedProgramme(ctx); err != nil {
		return nil, fmt.Errorf("demo: programme: %w", err)
	}
	return logins, nil
}

// demoPassphrase is random, so a demo left running somewhere is not an open
// door; it is printed at start.
func demoPassphrase() string { return "demo-" + rand.Text()[:10] }
