package app

import (
	"context"
	"fmt"
	"io/fs"
	"os"

	"github.com/sisterline/sisterline/content"
	"github.com/sisterline/sisterline/internal/rights"
	"github.com/sisterline/sisterline/internal/web"
)

// wireRights builds the rights library: its service, its pages and API, and
// a menu entry for everyone.
func (a *App) wireRights(rt *web.Router, rd *web.Renderer) error {
	cfg := a.Config
	a.Rights = rights.NewService(a.DB, a.Accounts.Audit(), rights.Options{
		ReviewPeriod: cfg.RightsReviewPeriod, DefaultArea: cfg.PhoneRegion, Lang: cfg.Lang,
		HandleOf: func(ctx context.Context, userID string) (string, error) {
			u, err := a.Accounts.Store().UserByID(ctx, userID)
			return u.Handle, err
		},
	}, a.now, a.Log)
	h, err := rights.NewHTTP(a.Rights, rd, cfg.Lang)
	if err != nil {
		return err
	}
	h.Routes(rt)
	rd.AddNav(web.NavItem{Path: "/rights", Label: "rights.nav", Access: web.Anyone()})
	return nil
}

// loadRights imports the built-in content pack, then the organisation's own
// from --content-dir (read through os.Root, so no link leads outside it),
// into the database the library serves from.
func (a *App) loadRights(ctx context.Context) error {
	packs := []fs.FS{content.FS}
	if dir := a.Config.ContentDir; dir != "" {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return fmt.Errorf("app: --content-dir: %w", err)
		}
		defer root.Close()
		packs = append(packs, root.FS())
	}
	return a.Rights.Load(ctx, packs...)
}
