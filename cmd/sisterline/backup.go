package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sisterline/sisterline/internal/backup"
	"github.com/sisterline/sisterline/internal/config"
	"github.com/sisterline/sisterline/internal/db"
)

func runBackup(ctx context.Context, cfg config.Config, out string, stdin io.Reader, stdout io.Writer) error {
	if out == "" {
		return errors.New("backup needs --out FILE")
	}
	pass, err := readPassphrase(stdin)
	if err != nil {
		return err
	}
	rcp, _, err := backup.Passphrase(pass)
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DB, cfg.DataDir)
	if err != nil {
		return err
	}
	defer d.Close()
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the operator names the file
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := backup.Write(ctx, d, f, rcp); err != nil {
		_ = f.Close()
		_ = os.Remove(out)
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (the key ring is not in it: keep %s safe separately)\n", out, filepath.Join(cfg.DataDir, "keyring.json"))
	return nil
}

func runRestore(cfg config.Config, in string, stdin io.Reader, stdout io.Writer) error {
	if in == "" {
		return errors.New("restore needs --in FILE")
	}
	if cfg.DB != "" {
		return errors.New("restore puts back the SQLite file; for PostgreSQL use age -d and psql (see the README)")
	}
	pass, err := readPassphrase(stdin)
	if err != nil {
		return err
	}
	_, id, err := backup.Passphrase(pass)
	if err != nil {
		return err
	}
	f, err := os.Open(in) // #nosec G304 -- the operator names the file
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	path := filepath.Join(cfg.DataDir, db.FileName)
	if err := backup.Restore(f, path, id); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s; start the server with the key ring the backup was made with\n", path)
	return nil
}
