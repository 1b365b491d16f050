// Package db opens Sisterline's database — an embedded SQLite file by default,
// PostgreSQL when the DSN says so — applies the embedded per-dialect migrations,
// and holds the few helpers every store shares: transactions, error mapping and
// the small SQL differences between the two engines.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sisterline/sisterline/internal/apperr"
)

// Dialect is the SQL engine behind a DB.
type Dialect string

// The two engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrations embed.FS

// DB is a database handle that knows its dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
	// Path is the SQLite file, empty on PostgreSQL.
	Path string
	// writer is held by the one transaction of this process that writes,
	// on SQLite (nil on PostgreSQL); see InTx.
	writer chan struct{}
	// stmts caches the prepared statements of hot queries (see Stmt).
	stmts sync.Map // query → *sql.Stmt
}

// Stmt returns a prepared statement for query, prepared once and reused: for
// the few queries every request runs (the session look-up), where compiling
// the SQL each time is a quarter of the request's cost on SQLite.
func (d *DB) Stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := d.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := d.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("db: prepare: %w", err)
	}
	if prev, loaded := d.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Querier is what stores run SQL on: a *sql.DB or a *sql.Tx.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// FileName is the SQLite database file inside the data directory.
const FileName = "sisterline.db"

// Open opens the database named by dsn; an empty dsn means the SQLite file in
// dataDir. It does not migrate: call Migrate.
func Open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	path := dsn
	if path == "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("db: create data dir: %w", err)
		}
		path = filepath.Join(dataDir, FileName)
	}
	path = strings.TrimPrefix(path, "sqlite://")
	return openSQLite(ctx, path)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	// Pragmas per connection: WAL with synchronous=FULL so a committed check-in
	// deadline survives power loss; secure_delete so purged rows are overwritten.
	//
	// mmap_size: connections read the file's pages through one shared memory
	// map rather than each through its own page cache (2 MB by default) and a
	// pread(2) per page it misses. Under load, with a million alert
	// identifiers indexed, screening spent a fifth of its time in pread and
	// page look-ups (docs/PERFORMANCE.md, "Safety loop"). Only reads use the
	// map; writes still go through write(2) and fsync. The cost: an I/O error
	// on a mapped page stops the process (SIGBUS) instead of failing one
	// query; systemd starts it again, and everything committed, check-in
	// deadlines included, is in the file.
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "secure_delete(1)", "mmap_size(1073741824)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	// Create the file owner-only before the driver does.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // #nosec G304 -- path comes from configuration
	if err != nil {
		return nil, fmt.Errorf("db: create sqlite file: %w", err)
	}
	_ = f.Close()
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	// Several readers, and writers that wait their turn (busy_timeout).
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(8)
	sdb.SetConnMaxIdleTime(0)
	if err := sdb.PingContext(ctx); err != nil {
		_ = sdb.Close()
		return nil, fmt.Errorf("db: ping sqlite: %w", err)
	}
	return &DB{DB: sdb, Dialect: SQLite, Path: path, writer: make(chan struct{}, 1)}, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	pdb, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	pdb.SetMaxOpenConns(32)
	pdb.SetMaxIdleConns(16)
	pdb.SetConnMaxIdleTime(5 * time.Minute)
	if err := pdb.PingContext(ctx); err != nil {
		_ = pdb.Close()
		return nil, fmt.Errorf("db: ping postgres: %w", err)
	}
	return &DB{DB: pdb, Dialect: Postgres}, nil
}

// Migrate applies every pending embedded migration of the dialect.
func (d *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(d.Dialect))
	if err != nil {
		return fmt.Errorf("db: migrations: %w", err)
	}
	gd := goose.DialectSQLite3
	if d.Dialect == Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, d.DB, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("db: migration provider: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	return nil
}

// Migrated reports whether the database answers and has no pending migration.
func (d *DB) Migrated(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(d.Dialect))
	if err != nil {
		return err
	}
	gd := goose.DialectSQLite3
	if d.Dialect == Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, d.DB, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return err
	}
	if pending {
		return errors.New("db: migrations pending")
	}
	return nil
}

// writerWait is how long InTx waits for SQLite's one writer, like busy_timeout.
const writerWait = 10 * time.Second

// InTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise. On SQLite the transaction takes the write lock at once
// (_txlock=immediate), so read-then-write inside fn cannot deadlock.
//
// On SQLite, transactions of this process also wait for each other here,
// before they take a connection: a transaction waiting inside SQLite holds
// a pooled connection while it sleeps in the busy handler (up to 100 ms a
// try), so a few of them could take every connection and leave none for a
// read the running transaction makes through the pool — which then waits
// for them while they wait for it, until busy_timeout. Waiting here hands
// the lock over at once and keeps connections free for readers.
func (d *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if d.writer != nil {
		t := time.NewTimer(writerWait)
		select {
		case d.writer <- struct{}{}:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("db: begin: %w", ctx.Err())
		case <-t.C:
			return errors.New("db: begin: the database stayed busy")
		}
		defer func() { <-d.writer }()
	}
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", Map(err))
	}
	return nil
}

// Map turns engine errors a user may cause into coded errors: a unique
// violation becomes apperr.ErrConflict, no rows apperr.ErrNotFound.
func Map(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", apperr.ErrConflict, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %v", apperr.ErrConflict, err)
	}
	return err
}

// SkipLocked is the locking clause for claiming due work: on PostgreSQL rows
// another instance holds are passed over; SQLite has one writer anyway.
func (d *DB) SkipLocked() string {
	if d.Dialect == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ForUpdate is the row-lock clause on PostgreSQL and nothing on SQLite, whose
// immediate transactions already hold the write lock.
func (d *DB) ForUpdate() string {
	if d.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Column runs query on q and returns its single column, row by row: ids,
// names, blind indexes. Callers wrap the error with what they asked for.
func Column[T any](ctx context.Context, q Querier, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
