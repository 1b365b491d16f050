package db_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
)

// Many transactions at once, each reading through the pool (not its own
// transaction) while it holds the write lock, as a report's transaction
// reads the on-call list: none may wait for busy_timeout, none may fail.
func TestConcurrentWritersThatReadThroughThePoolNeitherDeadlockNorFail(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, 'o', 'O', $2)`, db.NewID(), db.Now()); err != nil {
			t.Fatal(err)
		}
		const writers, each = 24, 5
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		start := time.Now()
		for range writers {
			wg.Go(func() {
				for range each {
					errs <- d.InTx(ctx, func(tx *sql.Tx) error {
						var n int
						if err := d.QueryRowContext(ctx, `SELECT count(*) FROM orgs`).Scan(&n); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, `INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, 'O', $3)`, db.NewID(), db.NewID(), db.Now())
						return err
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("%d transactions took %v: writers waited for busy_timeout", writers*each, took)
		}
	})
}

// Every pooled SQLite connection has the pragmas Open sets, the memory map
// for reads among them, and keeps them (they are set per connection).
func TestSQLiteConnectionsHaveTheirPragmas(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range 3 { // three connections at once: three of the pool's
		c, err := d.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for pragma, want := range map[string]string{"mmap_size": "1073741824", "journal_mode": "wal", "synchronous": "2", "secure_delete": "1", "foreign_keys": "1"} {
			var got string
			if err := c.QueryRowContext(ctx, `PRAGMA `+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
			}
		}
	}
}

// Column reads one column of every row, of any type the driver scans into,
// and passes a bad query's error on.
func TestColumnReadsOneColumnOfEveryRow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, slug := range []string{"b", "a"} {
			if _, err := d.ExecContext(ctx, `INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, 'O', $3)`, db.NewID(), slug, db.Now()); err != nil {
				t.Fatal(err)
			}
		}
		slugs, err := db.Column[string](ctx, d, `SELECT slug FROM orgs ORDER BY slug`)
		if err != nil || len(slugs) != 2 || slugs[0] != "a" || slugs[1] != "b" {
			t.Fatalf("slugs %q, %v", slugs, err)
		}
		none, err := db.Column[int64](ctx, d, `SELECT 1 FROM orgs WHERE slug = $1`, "none")
		if err != nil || len(none) != 0 {
			t.Fatalf("no rows: %v, %v", none, err)
		}
		if _, err := db.Column[string](ctx, d, `SELECT no_such_column FROM orgs`); err == nil {
			t.Fatal("a bad query gave no error")
		}
	})
}
