package backup_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/sisterline/sisterline/internal/backup"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
)

func TestBackupRestoresTheSameRowsAndIsUnreadableWithoutThePassphrase(t *testing.T) {
	ctx := context.Background()
	d := dbtest.SQLite(t)
	if _, err := d.ExecContext(ctx, `INSERT INTO orgs (id, slug, name, created_at) VALUES ('o1', 'canary-org-slug', 'Org', $1)`, db.Now()); err != nil {
		t.Fatal(err)
	}
	rcp, id, err := backup.Passphrase("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := backup.Write(ctx, d, &buf, rcp); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("canary-org-slug")) || bytes.Contains(buf.Bytes(), []byte("SQLite format")) {
		t.Fatal("the backup is not encrypted")
	}
	_, wrong, _ := backup.Passphrase("another long passphrase")
	dir := t.TempDir()
	if err := backup.Restore(bytes.NewReader(buf.Bytes()), filepath.Join(dir, "x.db"), wrong); err == nil {
		t.Fatal("restored with the wrong passphrase")
	}
	path := filepath.Join(dir, db.FileName)
	if err := backup.Restore(bytes.NewReader(buf.Bytes()), path, id); err != nil {
		t.Fatal(err)
	}
	r, err := db.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var slug string
	if err := r.QueryRowContext(ctx, `SELECT slug FROM orgs WHERE id = 'o1'`).Scan(&slug); err != nil || slug != "canary-org-slug" {
		t.Fatalf("restored slug %q, %v", slug, err)
	}
	if err := r.Migrated(ctx); err != nil {
		t.Fatalf("restored database is not migrated: %v", err)
	}
}

func TestShortBackupPassphraseIsRefused(t *testing.T) {
	if _, _, err := backup.Passphrase("short"); err == nil {
		t.Fatal("accepted a short passphrase")
	}
}
