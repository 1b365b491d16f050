package account

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/sisterline/sisterline/internal/db"
)

// Audit appends to and reads the audit log: who did what to which object,
// when — never the content. Rows are chained per organisation: each hash
// covers the previous one, so a changed or removed row breaks the chain.
// The tables also refuse UPDATE and DELETE by trigger.
type Audit struct {
	db  *db.DB
	now func() time.Time
}

// NewAudit returns the audit log over d.
func NewAudit(d *db.DB, now func() time.Time) *Audit { return &Audit{db: d, now: now} }

// Record appends an entry in its own transaction.
func (a *Audit) Record(ctx context.Context, orgID, actorID, action, objectType, objectID string) error {
	return a.db.InTx(ctx, func(tx *sql.Tx) error {
		return a.Append(ctx, tx, orgID, actorID, action, objectType, objectID)
	})
}

// Append adds an entry inside the caller's transaction tx, so the entry
// commits with the action it records.
func (a *Audit) Append(ctx context.Context, tx *sql.Tx, orgID, actorID, action, objectType, objectID string) error {
	if a.db.Dialect == db.Postgres {
		// Serialise appends per organisation so two never chain to one parent.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "audit:"+orgID); err != nil {
			return fmt.Errorf("account: lock audit chain: %w", err)
		}
	}
	var prev []byte
	err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE org_id = $1 ORDER BY seq DESC LIMIT 1`, orgID).Scan(&prev)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("account: audit chain head: %w", err)
	}
	if prev == nil {
		prev = []byte{}
	}
	e := AuditEntry{OrgID: orgID, At: db.Time(a.now()), ActorID: actorID, Action: action, ObjectType: objectType, ObjectID: objectID}
	h := chainHash(prev, e)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (org_id, at, actor_id, action, object_type, object_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.OrgID, e.At, e.ActorID, e.Action, e.ObjectType, e.ObjectID, prev, h)
	if err != nil {
		return fmt.Errorf("account: append audit: %w", err)
	}
	return nil
}

func chainHash(prev []byte, e AuditEntry) []byte {
	h := sha256.New()
	h.Write(prev)
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(e.At.UnixMicro())) // #nosec G115 -- times after 1970
	h.Write(ts[:])
	for _, f := range []string{e.OrgID, e.ActorID, e.Action, e.ObjectType, e.ObjectID} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// List returns an organisation's entries, newest first, with seq below
// before (0: from the newest).
func (a *Audit) List(ctx context.Context, orgID string, before int64, limit int) ([]AuditEntry, error) {
	if before <= 0 {
		before = 1<<62 - 1
	}
	rows, err := a.db.QueryContext(ctx, `SELECT seq, org_id, at, actor_id, action, object_type, object_id FROM audit_log
		WHERE org_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, orgID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("account: list audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.OrgID, &e.At, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID); err != nil {
			return nil, fmt.Errorf("account: scan audit: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Verify walks an organisation's chain and returns the seq of the first row
// that does not follow from its predecessor, or 0 when the chain is whole.
func (a *Audit) Verify(ctx context.Context, orgID string) (int64, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT seq, at, actor_id, action, object_type, object_id, prev_hash, hash FROM audit_log WHERE org_id = $1 ORDER BY seq`, orgID)
	if err != nil {
		return 0, fmt.Errorf("account: verify audit: %w", err)
	}
	defer rows.Close()
	prev := []byte{}
	for rows.Next() {
		e := AuditEntry{OrgID: orgID}
		var p, h []byte
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID, &p, &h); err != nil {
			return 0, fmt.Errorf("account: scan audit: %w", err)
		}
		if !bytes.Equal(p, prev) || !bytes.Equal(h, chainHash(prev, e)) {
			return e.Seq, nil
		}
		prev = h
	}
	return 0, rows.Err()
}
