package apptest

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/alert"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/seal"
)

// IdentifiersPerAlert is how many identifiers each alert LoadAlerts writes
// carries.
const IdentifiersPerAlert = 10

// LoadAlerts writes n active alerts with IdentifiersPerAlert identifiers
// each straight into the tables, as the alert store writes them (summaries
// and values sealed with their row in the associated data, match indexes
// from the real key ring), in statements of many rows, for the screening
// benchmarks (TestSafetyLoopBenchmark and bench/). Even alerts are network
// alerts, odd ones their organisation's; both kinds alternate between orgs.
//
// It returns values that a member of orgs[viewer] finds, typed as members
// type them ("138 1234 5678", "微信：WX…"), and values she does not: numbers
// nobody reported, and identifiers of other organisations' own alerts.
func LoadAlerts(ctx context.Context, d *db.DB, keys *seal.Keyring, orgs []string, viewer, n int) (hits, misses []string, err error) {
	orgOf := func(i int) (string, string) {
		if i%2 == 0 {
			return orgs[(i/2)%len(orgs)], alert.ScopeNetwork
		}
		return orgs[(i/2)%len(orgs)], alert.ScopeOrg
	}
	lit := BlobLiteral(d.Dialect)
	const per = 500
	base := db.Now().Add(-time.Hour)
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		var alerts, idents strings.Builder
		nA, nI := 0, 0
		flush := func(sb *strings.Builder, n *int, head string, args ...any) error {
			if *n == 0 {
				return nil
			}
			_, err := tx.ExecContext(ctx, head+sb.String(), args...)
			sb.Reset()
			*n = 0
			return err
		}
		alertHead := `INSERT INTO alerts (id, org_id, scope, status, summary_enc, incident_types, occurred_on, area, published_at, updated_at) VALUES `
		identHead := `INSERT INTO alert_identifiers (id, alert_id, org_id, kind, match_idx, value_enc) VALUES `
		for i := range n {
			id := db.NewID()
			org, scope := orgOf(i)
			if nA > 0 {
				alerts.WriteString(", ")
			}
			fmt.Fprintf(&alerts, "('%s', '%s', '%s', 'active', %s, 'physical_violence,robbery', '2026-11-20', 'Kunming', $1, $1)",
				id, org, scope, lit(keys.SealString(fmt.Sprintf("Alert %d: a man who hits, grey car", i), seal.AD{Table: "alerts", Column: "summary", Row: id})))
			nA++
			for j := range IdentifiersPerAlert {
				v := benchIdentifier(i*IdentifiersPerAlert + j)
				iid := db.NewID()
				if nI > 0 {
					idents.WriteString(", ")
				}
				fmt.Fprintf(&idents, "('%s', '%s', '%s', '%s', %s, %s)", iid, id, org, v.Kind,
					lit(keys.BlindIndex(alert.DomainIdentifier, v.MatchKey())),
					lit(keys.SealString(v.Value+"\x00"+v.Display, seal.AD{Table: "alert_identifiers", Column: "value", Row: iid})))
				nI++
				if nI == per {
					// The identifiers' alerts must exist first.
					if err := flush(&alerts, &nA, alertHead, base); err != nil {
						return err
					}
					if err := flush(&idents, &nI, identHead); err != nil {
						return err
					}
				}
			}
			if nA == per {
				if err := flush(&alerts, &nA, alertHead, base); err != nil {
					return err
				}
			}
		}
		if err := flush(&alerts, &nA, alertHead, base); err != nil {
			return err
		}
		return flush(&idents, &nI, identHead)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("apptest: load alerts: %w", err)
	}
	if err := Settle(ctx, d, "alerts", "alert_identifiers"); err != nil {
		return nil, nil, err
	}

	for i := range n {
		for _, j := range []int{0, 3, 7} { // a phone, another phone, a WeChat id
			v := benchIdentifier(i*IdentifiersPerAlert + j)
			typed := "微信：" + strings.ToUpper(v.Value)
			if v.Kind == ident.KindPhone {
				n := strings.TrimPrefix(v.Value, "+86")
				typed = n[:3] + " " + n[3:7] + " " + n[7:]
			}
			if org, scope := orgOf(i); scope == alert.ScopeNetwork || org == orgs[viewer] {
				hits = append(hits, typed)
			} else {
				misses = append(misses, typed)
			}
		}
		if len(hits) > 3000 && len(misses) > 1000 {
			break
		}
	}
	for i := range 2000 {
		misses = append(misses, fmt.Sprintf("139 %04d %04d", (i*7)%10000, (i*7919)%10000))
	}
	return hits, misses, nil
}

// benchIdentifier is the k-th identifier LoadAlerts writes: seven in ten a
// Chinese mobile number (138…), two a WeChat id, one a QQ number, all
// distinct, already in their normal form.
func benchIdentifier(k int) ident.Identifier {
	switch k % IdentifiersPerAlert {
	case 7, 8:
		id := "wx" + strconv.FormatInt(int64(k)*7919+1_000_000, 36)
		return ident.Identifier{Kind: ident.KindWeChat, Value: id, Display: id}
	case 9:
		q := fmt.Sprintf("9%08d", k%100_000_000)
		return ident.Identifier{Kind: ident.KindQQ, Value: q, Display: q}
	}
	n := fmt.Sprintf("%08d", (k*37)%100_000_000)
	return ident.Identifier{Kind: ident.KindPhone, Value: "+86138" + n, Display: "+86 138 " + n[:4] + " " + n[4:]}
}

// Settle brings the database after a bulk load to where it soon is by
// itself: PostgreSQL's autovacuum analyses the tables; SQLite's WAL is
// checkpointed into the database file (reads then come from the file, not
// from a write-ahead log of hundreds of megabytes).
func Settle(ctx context.Context, d *db.DB, tables ...string) error {
	if d.Dialect == db.Postgres {
		for _, tb := range tables {
			if _, err := d.ExecContext(ctx, `ANALYZE `+tb); err != nil { // #nosec G202 -- table names from the caller's code
				return fmt.Errorf("apptest: analyse %s: %w", tb, err)
			}
		}
		return nil
	}
	if _, err := d.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("apptest: checkpoint: %w", err)
	}
	return nil
}

// BlobLiteral returns how the engine spells a byte string in SQL text: the
// bulk loads bind no parameter per row (SQLite binds parameters in time that
// grows with the square of their number in a statement).
func BlobLiteral(d db.Dialect) func([]byte) string {
	return func(b []byte) string {
		if len(b) == 0 {
			return "NULL"
		}
		if d == db.Postgres {
			return `'\x` + hex.EncodeToString(b) + `'::bytea`
		}
		return "X'" + hex.EncodeToString(b) + "'"
	}
}
