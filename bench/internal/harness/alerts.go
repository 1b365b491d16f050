package harness

import (
	"context"
	"fmt"
	"os"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/app/apptest"
	"github.com/sisterline/sisterline/internal/config"
)

// ScreenValues are values to screen, typed as members type them, that the
// first organisation's member finds (Hits) and does not (Misses).
type ScreenValues struct {
	Hits, Misses []string
}

// Data is a data directory written for a server to serve.
type Data struct {
	Dir    string
	Logins []Login
	Values ScreenValues
}

// PrepareAlerts writes, in a new data directory, the demo network and n
// alerts with apptest.IdentifiersPerAlert identifiers each
// (apptest.LoadAlerts: sealed and indexed with the directory's own key
// ring), for `sisterline serve --data-dir` to serve. With dsn, the data go
// into that PostgreSQL database, which must be empty, and only the key ring
// into the directory. The caller removes Dir.
func PrepareAlerts(ctx context.Context, n int, dsn string) (Data, error) {
	dir, err := os.MkdirTemp("", "sisterline-alerts-")
	if err != nil {
		return Data{}, fmt.Errorf("harness: %w", err)
	}
	data := Data{Dir: dir}
	fail := func(err error) (Data, error) {
		_ = os.RemoveAll(dir)
		return Data{}, fmt.Errorf("harness: prepare alerts: %w", err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.LogLevel, cfg.DB = dir, "warn", dsn
	a, err := app.New(ctx, cfg, app.Options{LogOutput: os.Stderr})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = a.Close() }()
	logins, err := a.Seed(ctx)
	if err != nil {
		return fail(err)
	}
	var orgs []string
	for _, l := range logins {
		data.Logins = append(data.Logins, Login{Handle: l.Handle, Passphrase: l.Passphrase, Role: string(l.Role), Org: l.Org})
	}
	for _, o := range app.DemoOrgs {
		org, err := a.Accounts.Store().OrgBySlug(ctx, o.Slug)
		if err != nil {
			return fail(err)
		}
		orgs = append(orgs, org.ID)
	}
	// The member the load sends is the first organisation's (Server.Login).
	data.Values.Hits, data.Values.Misses, err = apptest.LoadAlerts(ctx, a.DB, a.Keys, orgs, 0, n)
	if err != nil {
		return fail(err)
	}
	return data, nil
}
