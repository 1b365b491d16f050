package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/config"
)

// demo runs the server on a fresh temporary data directory with the demo
// network, prints the address and one line per login, and removes the
// directory when it stops.
func demo(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
	dir, err := os.MkdirTemp("", "sisterline-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	cfg.DataDir, cfg.DB = dir, ""
	a, err := app.New(ctx, cfg, app.Options{LogOutput: stderr})
	if err != nil {
		return err
	}
	defer a.Close()
	logins, err := a.Seed(ctx)
	if err != nil {
		return err
	}
	if err := a.SeedSamples(ctx); err != nil {
		return err
	}
	addr, err := a.Listen()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Sisterline demo: http://%s\n", addr)
	for _, l := range logins {
		fmt.Fprintf(stdout, "login: %s %s %s %s\n", l.Handle, l.Passphrase, l.Role, l.Org)
	}
	return a.Serve(ctx)
}
