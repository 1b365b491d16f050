// Package dbtest gives each test a fresh, migrated database on every engine:
// SQLite always, PostgreSQL when SISTERLINE_TEST_POSTGRES holds a DSN. With
// CI=true a missing PostgreSQL fails the test instead of skipping it.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/db"
)

// PostgresDSN returns the DSN of the test PostgreSQL server, or "" when none is
// set; in CI a missing one fails t.
func PostgresDSN(t testing.TB) string {
	dsn := os.Getenv("SISTERLINE_TEST_POSTGRES")
	if dsn == "" && os.Getenv("CI") == "true" {
		t.Fatal("CI=true but SISTERLINE_TEST_POSTGRES is not set: PostgreSQL tests must run in CI")
	}
	return dsn
}

// Run runs fn once per available engine, each in a subtest named after the
// engine with its own fresh, migrated database.
func Run(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		if PostgresDSN(t) == "" {
			t.Skip("SISTERLINE_TEST_POSTGRES not set")
		}
		fn(t, Postgres(t))
	})
}

// SQLite returns a fresh migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, "", filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// Postgres returns a fresh migrated PostgreSQL database: a schema of its own on
// the test server, dropped when the test ends.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	dsn := PostgresDSN(t)
	if dsn == "" {
		t.Skip("SISTERLINE_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, Schema(t, dsn), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// Schema makes a fresh schema on the PostgreSQL server of dsn, dropped when
// the test ends, and returns dsn with its search_path set to it: a test's
// own empty database, for a server the test starts as well as for a store.
func Schema(t testing.TB, dsn string) string {
	t.Helper()
	schema := "t_" + strings.ToLower(db.NewID())
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", dsn)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	return WithSchema(dsn, schema)
}

// WithSchema returns dsn with its search_path set to schema.
func WithSchema(dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		panic(fmt.Sprintf("dbtest: bad DSN: %v", err))
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
