// Package backup makes and restores encrypted backups of the SQLite
// database: a consistent copy taken with VACUUM INTO while the server runs,
// encrypted with age under a passphrase (scrypt) or to age recipients. The
// key ring is not in the backup: the sealed fields inside stay sealed, so a
// stolen backup without the key ring reveals only what the threat model says
// the database reveals, and a backup plus its passphrase still needs the key
// ring to read a narrative.
package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/sisterline/sisterline/internal/db"
)

// Write writes an encrypted copy of the SQLite database d to out, for the
// given age recipients.
func Write(ctx context.Context, d *db.DB, out io.Writer, recipients ...age.Recipient) error {
	if d.Dialect != db.SQLite {
		return errors.New("backup: only the SQLite database is backed up this way; for PostgreSQL use pg_dump piped through age (see the README)")
	}
	dir, err := os.MkdirTemp("", "sisterline-backup-")
	if err != nil {
		return fmt.Errorf("backup: temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	snap := filepath.Join(dir, "snapshot.db")
	// VACUUM INTO makes a consistent, compacted copy without stopping writers.
	if _, err := d.ExecContext(ctx, `VACUUM INTO '`+strings.ReplaceAll(snap, "'", "''")+`'`); err != nil {
		return fmt.Errorf("backup: snapshot: %w", err)
	}
	f, err := os.Open(snap) // #nosec G304 -- our own temp file
	if err != nil {
		return fmt.Errorf("backup: open snapshot: %w", err)
	}
	defer f.Close()
	w, err := age.Encrypt(out, recipients...)
	if err != nil {
		return fmt.Errorf("backup: encrypt: %w", err)
	}
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("backup: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("backup: finish: %w", err)
	}
	return nil
}

// Restore decrypts a backup from in and puts it in place as the SQLite file
// at path (the server must be stopped). The old file, if any, is kept beside
// it as path + ".before-restore".
func Restore(in io.Reader, path string, identities ...age.Identity) error {
	r, err := age.Decrypt(in, identities...)
	if err != nil {
		return fmt.Errorf("backup: decrypt (wrong passphrase or key?): %w", err)
	}
	tmp := path + ".restoring"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // #nosec G304 -- configured data dir
	if err != nil {
		return fmt.Errorf("backup: create: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("backup: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: close: %w", err)
	}
	if _, err := os.Stat(path); err == nil {
		if err := os.Rename(path, path+".before-restore"); err != nil {
			return fmt.Errorf("backup: keep old file: %w", err)
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("backup: put in place: %w", err)
	}
	return nil
}

// Passphrase returns the age recipient and identity for a passphrase.
func Passphrase(pass string) (age.Recipient, age.Identity, error) {
	if len(pass) < 12 {
		return nil, nil, errors.New("backup: use a passphrase of at least 12 characters")
	}
	rcp, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, nil, fmt.Errorf("backup: passphrase: %w", err)
	}
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, nil, fmt.Errorf("backup: passphrase: %w", err)
	}
	return rcp, id, nil
}
