package programme

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/db/dbtest"
)

// TestIndicatorQueriesUseTheirIndexes reads the query plans of the queries
// behind a year's figures on both engines: each must reach its rows through
// an index on (org_id, …), never by scanning a whole table. (PostgreSQL is
// told to avoid sequential scans, which it prefers on tables this small.)
func TestIndicatorQueriesUseTheirIndexes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := db.NewID()
		queries := map[string][]any{
			`SELECT age_band, gender, setting, sum(CASE WHEN (months & 4095) <> 0 THEN 1 ELSE 0 END) FROM programme_code_years WHERE org_id = $1 AND year = $2 GROUP BY age_band, gender, setting`: {org, 2026},
			`SELECT coalesce(sum(contacts), 0), coalesce(sum(condoms), 0) FROM programme_days WHERE org_id = $1 AND day >= $2 AND day <= $3`:                                                       {org, "2026-01-01", "2026-12-31"},
			`SELECT count(DISTINCT code_seq) FROM programme_reach WHERE ` + reachWhere:                                                                                                             {org, "2026-01-01", "2026-12-31"},
			`SELECT count(*), coalesce(sum(CASE WHEN outcome = 'linked' THEN 1 ELSE 0 END), 0) FROM programme_referrals WHERE org_id = $1 AND on_date >= $2 AND on_date <= $3`:                     {org, "2026-01-01", "2026-12-31"},
			`SELECT count(DISTINCT code_seq) FROM programme_participants WHERE org_id = $1 AND on_date >= $2 AND on_date <= $3`:                                                                    {org, "2026-01-01", "2026-12-31"},
		}
		for q, args := range queries {
			var plan []string
			err := d.InTx(ctx, func(tx *sql.Tx) error {
				prefix := "EXPLAIN QUERY PLAN "
				if d.Dialect == db.Postgres {
					prefix = "EXPLAIN "
					if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
						return err
					}
				}
				rows, err := tx.QueryContext(ctx, prefix+q, args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						return err
					}
					for _, v := range vals {
						if s, ok := v.(string); ok {
							plan = append(plan, s)
						}
						if b, ok := v.([]byte); ok {
							plan = append(plan, string(b))
						}
					}
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatalf("explain %s: %v", q, err)
			}
			p := strings.Join(plan, "\n")
			uses := strings.Contains(p, "USING INDEX") || strings.Contains(p, "USING COVERING INDEX") || strings.Contains(p, "USING PRIMARY KEY") ||
				strings.Contains(p, "Index Scan") || strings.Contains(p, "Index Only Scan") || strings.Contains(p, "Bitmap Index Scan")
			if !uses || strings.Contains(p, "Seq Scan") || (strings.Contains(p, "SCAN ") && !strings.Contains(p, "INDEX")) {
				t.Errorf("%s\nplan without an index:\n%s", q, p)
			}
		}
	})
}
