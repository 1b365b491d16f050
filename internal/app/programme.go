package app

import (
	"context"

	"github.com/sisterline/sisterline/internal/programme"
	"github.com/sisterline/sisterline/internal/web"
)

// wireProgramme builds the programme capability: its service, which reads
// the safety loop's, the screening's and the check-ins' counts where those
// capabilities are wired, its pages and API, and its menu entries.
func (a *App) wireProgramme(rt *web.Router, rd *web.Renderer) {
	src := programme.Sources{Safety: programme.NewSafetyTables(a.DB)}
	if a.Alerts != nil {
		src.Screens = a.Alerts.Store()
	}
	if a.Checkins != nil {
		src.Checkins = a.Checkins.Store()
	}
	a.Programme = programme.NewService(a.DB, a.Keys, src, a.Accounts.Store(), a.now)
	a.Accounts.OnDelete(a.Programme.DeleteUser)
	h := programme.NewHTTP(a.Programme, rd)
	if a.Rights != nil {
		h.SetDirectory(rightsDirectory{a})
	}
	h.Routes(rt)
	rd.AddNav(programme.Nav()...)
	a.sealed = append(a.sealed, programme.SealedColumns()...)
}

// rightsDirectory offers the rights library's directory as referral
// destinations.
type rightsDirectory struct{ a *App }

func (d rightsDirectory) DirectoryNames(ctx context.Context, lang string) ([]string, error) {
	list, err := d.a.Rights.Directory(ctx, "", "")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list))
	for _, e := range list {
		n := e.Name
		if lang == "zh-CN" && e.NameZh != "" {
			n = e.NameZh
		}
		names = append(names, n)
	}
	return names, nil
}

// seedProgramme fills each demo organisation with programme data.
func (a *App) seedProgramme(ctx context.Context) error {
	for i, o := range DemoOrgs {
		org, err := a.Accounts.Store().OrgBySlug(ctx, o.Slug)
		if err != nil {
			return err
		}
		p := &web.Principal{OrgID: org.ID, OrgSlug: org.Slug, Role: web.RoleAdmin}
		if err := a.Programme.SeedDemo(ctx, p, []int{16, 8}[i%2]); err != nil {
			return err
		}
	}
	return nil
}
