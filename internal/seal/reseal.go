package seal

import (
	"context"
	"database/sql"
	"fmt"
)

// Column names a sealed column: its table, the column, and the column that
// holds the row id bound into the associated data (AD.Row).
type Column struct {
	Table, Column, IDColumn string
	// ADColumn is the column name bound into the AD when it differs from
	// Column (e.g. "handle" for users.handle_enc).
	ADColumn string
}

func (c Column) ad(row string) AD {
	name := c.ADColumn
	if name == "" {
		name = c.Column
	}
	return AD{Table: c.Table, Column: name, Row: row}
}

// Reseal re-encrypts, under the active key, every value of the columns that
// an older key sealed, in batches, and returns how many it rewrote. It is
// safe to run while the server serves: a value is only replaced if it is
// still the one that was read.
func (k *Keyring) Reseal(ctx context.Context, d *sql.DB, cols []Column) (int, error) {
	active := k.Active()
	if len(k.KeyIDs()) == 1 {
		// One key has only ever sealed anything: nothing is stale, and
		// there is no need to read every sealed value at every start.
		return 0, nil
	}
	total := 0
	for _, c := range cols {
		// Identifiers come from code, never from input.
		q := fmt.Sprintf(`SELECT %s, %s FROM %s WHERE %s IS NOT NULL`, c.IDColumn, c.Column, c.Table, c.Column) // #nosec G201 -- table and column names come from code, never from input
		rows, err := d.QueryContext(ctx, q)
		if err != nil {
			return total, fmt.Errorf("seal: reseal %s.%s: %w", c.Table, c.Column, err)
		}
		type item struct {
			id  string
			val []byte
		}
		var stale []item
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.id, &it.val); err != nil {
				rows.Close()
				return total, fmt.Errorf("seal: reseal scan: %w", err)
			}
			if id, ok := KeyID(it.val); ok && id != active {
				stale = append(stale, it)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, fmt.Errorf("seal: reseal %s.%s: %w", c.Table, c.Column, err)
		}
		upd := fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE %s = $2 AND %s = $3`, c.Table, c.Column, c.IDColumn, c.Column) // #nosec G201 -- table and column names come from code, never from input
		for _, it := range stale {
			plain, err := k.Open(it.val, c.ad(it.id))
			if err != nil {
				return total, fmt.Errorf("seal: reseal %s.%s row: %w", c.Table, c.Column, err)
			}
			if _, err := d.ExecContext(ctx, upd, k.Seal(plain, c.ad(it.id)), it.id, it.val); err != nil {
				return total, fmt.Errorf("seal: reseal update: %w", err)
			}
			total++
			if ctx.Err() != nil {
				return total, ctx.Err()
			}
		}
	}
	return total, nil
}
