package programme

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/seal"
)

// Store is the programme capability's SQL. It seals and opens the sealed
// columns itself and turns member codes into their blind indexes, so nothing
// above it handles ciphertext or keyed hashes.
type Store struct {
	db   *db.DB
	keys *seal.Keyring
}

// NewStore returns the store over d.
func NewStore(d *db.DB, keys *seal.Keyring) *Store { return &Store{db: d, keys: keys} }

// Blind-index domains.
const (
	domainCode   = "programme.code"
	domainMember = "programme.member"
)

// SealedColumns lists the capability's sealed columns, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "member_codes", Column: "code_enc", IDColumn: "id", ADColumn: "code"},
		{Table: "member_codes", Column: "national_id_enc", IDColumn: "id", ADColumn: "national_id"},
	}
}

func codeAD(id string) seal.AD { return seal.AD{Table: "member_codes", Column: "code", Row: id} }
func natAD(id string) seal.AD  { return seal.AD{Table: "member_codes", Column: "national_id", Row: id} }

func (s *Store) codeIdx(code string) []byte { return s.keys.BlindIndex(domainCode, code) }

// ---- settings ----

// Settings returns an organisation's programme settings, with the defaults
// when it has saved none.
func (s *Store) Settings(ctx context.Context, orgID string) (Settings, error) {
	st := Settings{Threshold: DefaultThreshold}
	var mapping string
	err := s.db.QueryRowContext(ctx, `SELECT population, condoms_per_month, threshold, dhis2 FROM programme_settings WHERE org_id = $1`, orgID).
		Scan(&st.Population, &st.CondomsPerMonth, &st.Threshold, &mapping)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("programme: settings: %w", err)
	}
	if mapping != "" {
		if err := json.Unmarshal([]byte(mapping), &st.DHIS2); err != nil {
			return st, fmt.Errorf("programme: settings: dhis2 mapping: %w", err)
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT key, bit, label FROM programme_services WHERE org_id = $1 ORDER BY bit`, orgID)
	if err != nil {
		return st, fmt.Errorf("programme: services: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sv ServiceItem
		if err := rows.Scan(&sv.Key, &sv.Bit, &sv.Label); err != nil {
			return st, fmt.Errorf("programme: services: %w", err)
		}
		st.Services = append(st.Services, sv)
	}
	return st, rows.Err()
}

// saveSettings writes the figures and the DHIS2 mapping (not the services).
func (s *Store) saveSettings(ctx context.Context, orgID string, st Settings, now time.Time) error {
	mapping := ""
	if !st.DHIS2.Empty() {
		b, err := json.Marshal(st.DHIS2)
		if err != nil {
			return fmt.Errorf("programme: save settings: %w", err)
		}
		mapping = string(b)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO programme_settings (org_id, population, condoms_per_month, threshold, dhis2, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (org_id) DO UPDATE SET population = excluded.population, condoms_per_month = excluded.condoms_per_month,
			threshold = excluded.threshold, dhis2 = excluded.dhis2, updated_at = excluded.updated_at`,
		orgID, st.Population, st.CondomsPerMonth, st.Threshold, mapping, now)
	if err != nil {
		return fmt.Errorf("programme: save settings: %w", err)
	}
	return nil
}

// addService adds an organisation's own service on the next free bit.
func (s *Store) addService(ctx context.Context, orgID, key, label string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var next sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(bit) FROM programme_services WHERE org_id = $1`, orgID).Scan(&next); err != nil {
			return fmt.Errorf("programme: add service: %w", err)
		}
		bit := int64(firstOwnBit)
		if next.Valid {
			bit = next.Int64 + 1
		}
		if bit >= firstOwnBit+maxOwnServices {
			return apperr.Field("label", "programme.error.too_many_services")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO programme_services (org_id, bit, key, label) VALUES ($1, $2, $3, $4)`, orgID, bit, key, label)
		if err != nil {
			return fmt.Errorf("programme: add service: %w", db.Map(err))
		}
		return nil
	})
}

// ---- member codes ----

// insertCode stores a new code; a clash of codes is apperr.ErrConflict.
func (s *Store) insertCode(ctx context.Context, orgID, code string, in CodeInput, now time.Time) (Code, error) {
	id := db.NewID()
	c := Code{OrgID: orgID, Code: code, AgeBand: in.AgeBand, Gender: in.Gender, Setting: in.Setting, HasNatID: in.NationalID != "", CreatedOn: now.Format(dateLayout)}
	err := s.db.QueryRowContext(ctx, `INSERT INTO member_codes (id, org_id, code_idx, code_enc, age_band, gender, setting, national_id_enc, created_on, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`,
		id, orgID, s.codeIdx(code), s.keys.SealString(code, codeAD(id)), in.AgeBand, in.Gender, in.Setting,
		s.keys.SealString(in.NationalID, natAD(id)), c.CreatedOn, now).Scan(&c.Seq)
	if err != nil {
		return Code{}, fmt.Errorf("programme: insert code: %w", db.Map(err))
	}
	return c, nil
}

// codeSeqs resolves canonical codes of an organisation to their row numbers;
// codes it does not know (or another organisation's) are left out.
func (s *Store) codeSeqs(ctx context.Context, q db.Querier, orgID string, codes []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(codes) == 0 {
		return out, nil
	}
	byIdx := map[string]string{}
	args := []any{orgID}
	ph := make([]string, 0, len(codes))
	for _, c := range codes {
		idx := s.codeIdx(c)
		byIdx[string(idx)] = c
		args = append(args, idx)
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := q.QueryContext(ctx, `SELECT code_idx, seq FROM member_codes WHERE org_id = $1 AND code_idx IN (`+strings.Join(ph, ", ")+`)`, args...) // #nosec G202 -- placeholders only
	if err != nil {
		return nil, fmt.Errorf("programme: resolve codes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx []byte
		var seq int64
		if err := rows.Scan(&idx, &seq); err != nil {
			return nil, fmt.Errorf("programme: resolve codes: %w", err)
		}
		out[byIdx[string(idx)]] = seq
	}
	return out, rows.Err()
}

// linkCode links a code to a member's account through a blind index of her
// user id. A code already linked, or a member already linked to another
// code, is a conflict.
func (s *Store) linkCode(ctx context.Context, orgID, code, userID string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE member_codes SET user_idx = $1 WHERE org_id = $2 AND code_idx = $3 AND user_idx IS NULL`,
		s.keys.BlindIndex(domainMember, userID), orgID, s.codeIdx(code))
	if err != nil {
		return fmt.Errorf("programme: link code: %w", db.Map(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}

// codeOfMember returns the code linked to a member, or "".
func (s *Store) codeOfMember(ctx context.Context, userID string) (string, error) {
	var id string
	var enc []byte
	err := s.db.QueryRowContext(ctx, `SELECT id, code_enc FROM member_codes WHERE user_idx = $1`, s.keys.BlindIndex(domainMember, userID)).Scan(&id, &enc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("programme: code of member: %w", err)
	}
	code, err := s.keys.OpenString(enc, codeAD(id))
	if err != nil {
		return "", fmt.Errorf("programme: open code: %w", err)
	}
	return code, nil
}

// ---- records ----

// putRecord writes a contact, group session or training of the
// organisation with write, in one transaction: a new record when id is "",
// else a correction of record id, which must be of the same kind. A
// correction first takes the old record out as deleteActivity does (its
// rows, and its share of the summaries), then writes the new one under the
// same id and creation time. It returns the record's id; apperr.ErrNotFound
// when the organisation has no record id of that kind.
func (s *Store) putRecord(ctx context.Context, orgID, id, kind string, now time.Time, write func(tx *sql.Tx, id string, created time.Time) error) (string, error) {
	if id == "" {
		id = db.NewID()
		if err := s.db.InTx(ctx, func(tx *sql.Tx) error { return write(tx, id, now) }); err != nil {
			return "", err
		}
		return id, nil
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		old, created, err := s.removeActivity(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if old != kind {
			return apperr.ErrNotFound
		}
		return write(tx, id, created)
	})
	if err != nil {
		return "", fmt.Errorf("programme: correct record: %w", err)
	}
	return id, nil
}

// putContact writes a contact with one reach row per code, and adds it to
// the summaries (see putRecord).
func (s *Store) putContact(ctx context.Context, orgID, id string, c Contact, seqs []int64, mask int64, now time.Time) (string, error) {
	return s.putRecord(ctx, orgID, id, KindContact, now, func(tx *sql.Tx, id string, created time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO programme_activities (id, org_id, kind, on_date, mode, services, condoms, created_at)
			VALUES ($1, $2, 'contact', $3, $4, $5, $6, $7)`, id, orgID, c.On, c.Mode, mask, c.Condoms, created); err != nil {
			return fmt.Errorf("programme: insert contact: %w", err)
		}
		if err := insertRows(ctx, tx, "programme_reach (activity_id, code_seq, org_id, on_date, mode, services)", len(seqs), func(i int) []any {
			return []any{id, seqs[i], orgID, c.On, c.Mode, mask}
		}); err != nil {
			return err
		}
		return summarise(ctx, tx, orgID, c.On, c.Mode, mask, c.Condoms, seqs)
	})
}

// summarise adds a contact to the summaries: the day's counts, and each
// reached code's year row (months reached, services per month). A mass
// event adds only its condoms.
func summarise(ctx context.Context, q db.Querier, orgID, on, mode string, mask, condoms int64, seqs []int64) error {
	reached := mode != ModeMass
	contacts := int64(0)
	if reached {
		contacts = int64(len(seqs))
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO programme_days (org_id, day, contacts, condoms) VALUES ($1, $2, $3, $4)
		ON CONFLICT (org_id, day) DO UPDATE SET contacts = programme_days.contacts + excluded.contacts, condoms = programme_days.condoms + excluded.condoms`,
		orgID, on, contacts, condoms); err != nil {
		return fmt.Errorf("programme: summarise day: %w", err)
	}
	if !reached {
		return nil
	}
	t, err := time.Parse(dateLayout, on)
	if err != nil {
		return fmt.Errorf("programme: summarise: %w", err)
	}
	col := monthCol(int(t.Month()))
	// The column name comes from the month number, never from input.
	query := `INSERT INTO programme_code_years (code_seq, year, org_id, age_band, gender, setting, months, ` + col + `)
		SELECT seq, $2, org_id, age_band, gender, setting, $3, $4 FROM member_codes WHERE seq = $1
		ON CONFLICT (code_seq, year) DO UPDATE SET months = programme_code_years.months | excluded.months, ` +
		col + ` = programme_code_years.` + col + ` | excluded.` + col // #nosec G202 -- month column from code
	for _, seq := range seqs {
		if _, err := q.ExecContext(ctx, query, seq, t.Year(), int64(1)<<(t.Month()-1), mask); err != nil {
			return fmt.Errorf("programme: summarise code: %w", err)
		}
	}
	return nil
}

// deleteActivity deletes a record of the organisation (a contact, group
// session or training entered by mistake), as removeActivity does. It
// returns the record's kind; apperr.ErrNotFound when the organisation has
// no such record.
func (s *Store) deleteActivity(ctx context.Context, orgID, id string) (string, error) {
	var kind string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		kind, _, err = s.removeActivity(ctx, tx, orgID, id)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("programme: delete record: %w", err)
	}
	return kind, nil
}

// removeActivity deletes a record of the organisation with its reach or
// participant rows, and takes a contact back out of the summaries: the
// day's counts lose what it added, and each code it reached has its year
// row worked out again from the contacts left (an OR cannot be undone). It
// returns the record's kind and creation time; apperr.ErrNotFound when the
// organisation has no such record.
func (s *Store) removeActivity(ctx context.Context, tx *sql.Tx, orgID, id string) (kind string, created time.Time, err error) {
	var on, mode string
	var condoms int64
	err = tx.QueryRowContext(ctx, `SELECT kind, on_date, mode, condoms, created_at FROM programme_activities WHERE id = $1 AND org_id = $2`, id, orgID).
		Scan(&kind, &on, &mode, &condoms, &created)
	if err != nil {
		return "", time.Time{}, db.Map(err)
	}
	var seqs []int64
	if kind == KindContact {
		if seqs, err = db.Column[int64](ctx, tx, `SELECT code_seq FROM programme_reach WHERE activity_id = $1`, id); err != nil {
			return "", time.Time{}, fmt.Errorf("programme: remove record: codes: %w", err)
		}
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM programme_activities WHERE id = $1`, id)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("programme: remove record: %w", err)
	}
	// On PostgreSQL another deletion or correction of the same record may
	// have read it too, and committed while this one waited for the row:
	// it is gone, and its share of the summaries with it.
	if n, err := res.RowsAffected(); err != nil {
		return "", time.Time{}, fmt.Errorf("programme: remove record: %w", err)
	} else if n != 1 {
		return "", time.Time{}, apperr.ErrNotFound
	}
	if kind == KindContact {
		if err := s.unsummarise(ctx, tx, orgID, on, mode, condoms, seqs); err != nil {
			return "", time.Time{}, err
		}
	}
	return kind, created, nil
}

// unsummarise takes a deleted contact out of the summaries (see summarise).
func (s *Store) unsummarise(ctx context.Context, tx *sql.Tx, orgID, on, mode string, condoms int64, seqs []int64) error {
	reached := mode != ModeMass
	contacts := int64(0)
	if reached {
		contacts = int64(len(seqs))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE programme_days SET contacts = contacts - $1, condoms = condoms - $2 WHERE org_id = $3 AND day = $4`,
		contacts, condoms, orgID, on); err != nil {
		return fmt.Errorf("programme: unsummarise day: %w", err)
	}
	if !reached {
		return nil
	}
	year, err := strconv.Atoi(on[:4])
	if err != nil {
		return fmt.Errorf("programme: unsummarise: %w", err)
	}
	for _, seq := range seqs {
		if s.db.Dialect == db.Postgres {
			// Lock the row before reading the contacts: a contact
			// committed meanwhile is then either read here, or ORs its
			// month in after this commits. (SQLite has one writer.)
			if _, err := tx.ExecContext(ctx, `SELECT 1 FROM programme_code_years WHERE code_seq = $1 AND year = $2 FOR UPDATE`, seq, year); err != nil {
				return fmt.Errorf("programme: unsummarise: lock: %w", err)
			}
		}
		if err := recomputeCodeYear(ctx, tx, seq, year); err != nil {
			return err
		}
	}
	return nil
}

// recomputeCodeYear works a code's year row out again from its individual
// and small-group contacts, or deletes it when none is left.
func recomputeCodeYear(ctx context.Context, q db.Querier, seq int64, year int) error {
	rows, err := q.QueryContext(ctx, `SELECT on_date, services FROM programme_reach
		WHERE code_seq = $1 AND on_date >= $2 AND on_date <= $3 AND mode IN ('individual', 'small_group')`,
		seq, fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year))
	if err != nil {
		return fmt.Errorf("programme: recompute code year: %w", err)
	}
	var months int64
	var services [12]int64
	for rows.Next() {
		var on string
		var mask int64
		if err := rows.Scan(&on, &mask); err != nil {
			rows.Close()
			return fmt.Errorf("programme: recompute code year: %w", err)
		}
		m, err := strconv.Atoi(on[5:7])
		if err != nil || m < 1 || m > 12 {
			rows.Close()
			return fmt.Errorf("programme: recompute code year: day %q", on)
		}
		months |= 1 << (m - 1)
		services[m-1] |= mask
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("programme: recompute code year: %w", err)
	}
	if months == 0 {
		_, err = q.ExecContext(ctx, `DELETE FROM programme_code_years WHERE code_seq = $1 AND year = $2`, seq, year)
	} else {
		args := []any{seq, year, months}
		set := []string{"months = $3"}
		for m := 1; m <= 12; m++ {
			args = append(args, services[m-1])
			set = append(set, fmt.Sprintf("%s = $%d", monthCol(m), len(args)))
		}
		// The column names come from month numbers, never from input.
		_, err = q.ExecContext(ctx, `UPDATE programme_code_years SET `+strings.Join(set, ", ")+` WHERE code_seq = $1 AND year = $2`, args...) // #nosec G202 -- month columns from code
	}
	if err != nil {
		return fmt.Errorf("programme: recompute code year: %w", err)
	}
	return nil
}

// monthCol is the services column of month m (1–12) in programme_code_years.
func monthCol(m int) string { return fmt.Sprintf("s%02d", m) }

// insertRows inserts n rows of the column list in multi-row statements of
// about 120 parameters: modernc.org/sqlite binds parameters in time that
// grows with the square of their number in one statement.
func insertRows(ctx context.Context, q db.Querier, table string, n int, row func(i int) []any) error {
	batch := max(1, 120/max(1, strings.Count(table, ",")+1))
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		var b strings.Builder
		var args []any
		b.WriteString("INSERT INTO " + table + " VALUES ")
		for i := start; i < end; i++ {
			vals := row(i)
			if i > start {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j, v := range vals {
				args = append(args, v)
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", len(args))
			}
			b.WriteByte(')')
		}
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("programme: insert into %s: %w", strings.Fields(table)[0], db.Map(err))
		}
	}
	return nil
}

// putSession writes a group session (see putRecord).
func (s *Store) putSession(ctx context.Context, orgID, id string, in Session, now time.Time) (string, error) {
	return s.putRecord(ctx, orgID, id, KindGroupSession, now, func(tx *sql.Tx, id string, created time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO programme_activities (id, org_id, kind, on_date, title, attendance, created_at)
			VALUES ($1, $2, 'group_session', $3, $4, $5, $6)`, id, orgID, in.On, in.Topic, in.Attendance, created); err != nil {
			return fmt.Errorf("programme: insert session: %w", err)
		}
		return nil
	})
}

// putTraining writes a training with one participant row per code (see
// putRecord).
func (s *Store) putTraining(ctx context.Context, orgID, id string, in Training, seqs []int64, now time.Time) (string, error) {
	return s.putRecord(ctx, orgID, id, KindTraining, now, func(tx *sql.Tx, id string, created time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO programme_activities (id, org_id, kind, on_date, title, modules, attendance, created_at)
			VALUES ($1, $2, 'training', $3, $4, $5, $6, $7)`, id, orgID, in.On, in.Title, strings.Join(in.Modules, ","), in.Attendance, created); err != nil {
			return fmt.Errorf("programme: insert training: %w", err)
		}
		return insertRows(ctx, tx, "programme_participants (activity_id, code_seq, org_id, on_date, pre_score, post_score)", len(seqs), func(i int) []any {
			p := in.Participants[i]
			return []any{id, seqs[i], orgID, in.On, nullInt(p.PreScore), nullInt(p.PostScore)}
		})
	})
}

func nullInt(p *int) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*p), Valid: true}
}

// Activity is a recorded contact, session or training as lists show it.
type Activity struct {
	ID         string
	Kind       string
	On         string
	Mode       string
	Services   int64
	Condoms    int64
	Title      string
	Modules    []string
	Attendance int64
	People     int64
}

const activityCols = `a.id, a.kind, a.on_date, a.mode, a.services, a.condoms, a.title, a.modules, a.attendance,
	(SELECT count(*) FROM programme_reach r WHERE r.activity_id = a.id) + (SELECT count(*) FROM programme_participants p WHERE p.activity_id = a.id)`

// activity returns one record of the organisation; apperr.ErrNotFound when
// it has none with that id.
func (s *Store) activity(ctx context.Context, orgID, id string) (Activity, error) {
	list, err := s.activities(ctx, `SELECT `+activityCols+` FROM programme_activities a WHERE a.id = $1 AND a.org_id = $2`, id, orgID)
	if err != nil {
		return Activity{}, err
	}
	if len(list) == 0 {
		return Activity{}, apperr.ErrNotFound
	}
	return list[0], nil
}

// records lists an organisation's records of a kind from one day to
// another, newest day first, limit of them after skipping offset. The page's
// ids come from the index alone; only its own rows are read and counted
// (PostgreSQL works out the select list of every row it skips).
func (s *Store) records(ctx context.Context, orgID, kind, from, to string, limit, offset int) ([]Activity, error) {
	const order = `ORDER BY a.on_date DESC, a.created_at DESC, a.id DESC`
	return s.activities(ctx, `SELECT `+activityCols+` FROM programme_activities a JOIN (
			SELECT a.id FROM programme_activities a
			WHERE a.org_id = $1 AND a.kind = $2 AND a.on_date >= $3 AND a.on_date <= $4 `+order+` LIMIT $5 OFFSET $6
		) page ON page.id = a.id `+order, orgID, kind, from, to, limit, offset)
}

// recordPeople returns who a contact reached or a training's participants
// (with their scores), codes opened, for the form that corrects the record.
func (s *Store) recordPeople(ctx context.Context, orgID, id, kind string) ([]Participant, error) {
	query := `SELECT m.id, m.code_enc, NULL, NULL FROM programme_reach r JOIN member_codes m ON m.seq = r.code_seq
		WHERE r.activity_id = $1 AND r.org_id = $2 ORDER BY m.seq`
	if kind == KindTraining {
		query = `SELECT m.id, m.code_enc, r.pre_score, r.post_score FROM programme_participants r JOIN member_codes m ON m.seq = r.code_seq
		WHERE r.activity_id = $1 AND r.org_id = $2 ORDER BY m.seq`
	}
	rows, err := s.db.QueryContext(ctx, query, id, orgID)
	if err != nil {
		return nil, fmt.Errorf("programme: record people: %w", err)
	}
	defer rows.Close()
	var out []Participant
	for rows.Next() {
		var codeID string
		var enc []byte
		var pre, post sql.NullInt64
		if err := rows.Scan(&codeID, &enc, &pre, &post); err != nil {
			return nil, fmt.Errorf("programme: record people: %w", err)
		}
		code, err := s.keys.OpenString(enc, codeAD(codeID))
		if err != nil {
			return nil, fmt.Errorf("programme: open code: %w", err)
		}
		out = append(out, Participant{Code: code, PreScore: intOf(pre), PostScore: intOf(post)})
	}
	return out, rows.Err()
}

func intOf(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

// recent lists an organisation's latest records of a kind.
func (s *Store) recent(ctx context.Context, orgID, kind string, limit int) ([]Activity, error) {
	return s.activities(ctx, `SELECT `+activityCols+`
		FROM programme_activities a WHERE a.org_id = $1 AND a.kind = $2 ORDER BY a.on_date DESC, a.created_at DESC, a.id DESC LIMIT $3`, orgID, kind, limit)
}

func (s *Store) activities(ctx context.Context, query string, args ...any) ([]Activity, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("programme: recent: %w", err)
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var a Activity
		var mods string
		if err := rows.Scan(&a.ID, &a.Kind, &a.On, &a.Mode, &a.Services, &a.Condoms, &a.Title, &mods, &a.Attendance, &a.People); err != nil {
			return nil, fmt.Errorf("programme: recent: %w", err)
		}
		if mods != "" {
			a.Modules = strings.Split(mods, ",")
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Store) insertReferral(ctx context.Context, orgID string, seq int64, in ReferralInput, now time.Time) (string, error) {
	id := db.NewID()
	_, err := s.db.ExecContext(ctx, `INSERT INTO programme_referrals (id, org_id, code_seq, on_date, service, to_name, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, orgID, seq, in.On, in.Service, in.To, now)
	if err != nil {
		return "", fmt.Errorf("programme: insert referral: %w", err)
	}
	return id, nil
}

// referralDay returns the day a referral of the organisation was made.
func (s *Store) referralDay(ctx context.Context, orgID, id string) (string, error) {
	var on string
	err := s.db.QueryRowContext(ctx, `SELECT on_date FROM programme_referrals WHERE id = $1 AND org_id = $2`, id, orgID).Scan(&on)
	if err != nil {
		return "", fmt.Errorf("programme: referral: %w", db.Map(err))
	}
	return on, nil
}

func (s *Store) setOutcome(ctx context.Context, orgID, id, outcome, on string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE programme_referrals SET outcome = $1, outcome_on = $2 WHERE id = $3 AND org_id = $4`, outcome, on, id, orgID)
	if err != nil {
		return fmt.Errorf("programme: referral outcome: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}

// referrals lists an organisation's referrals, those without an outcome
// first, with each member's code opened for the outreach worker following up.
func (s *Store) referrals(ctx context.Context, orgID string, limit int) ([]Referral, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, m.id, m.code_enc, r.on_date, r.service, r.to_name, r.outcome, r.outcome_on
		FROM programme_referrals r JOIN member_codes m ON m.seq = r.code_seq
		WHERE r.org_id = $1 ORDER BY CASE WHEN r.outcome = '' THEN 0 ELSE 1 END, r.on_date DESC, r.created_at DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("programme: referrals: %w", err)
	}
	defer rows.Close()
	var out []Referral
	for rows.Next() {
		var r Referral
		var codeID string
		var enc []byte
		if err := rows.Scan(&r.ID, &codeID, &enc, &r.On, &r.Service, &r.To, &r.Outcome, &r.OutcomeOn); err != nil {
			return nil, fmt.Errorf("programme: referrals: %w", err)
		}
		if r.Code, err = s.keys.OpenString(enc, codeAD(codeID)); err != nil {
			return nil, fmt.Errorf("programme: open code: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ---- custom indicators ----

func (s *Store) insertCustom(ctx context.Context, orgID string, c Custom, now time.Time) (string, error) {
	id := "custom_" + strings.ToLower(db.NewID()[:12])
	_, err := s.db.ExecContext(ctx, `INSERT INTO programme_custom_indicators (id, org_id, name, kind, record, mode, service, numerator, denominator, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, orgID, c.Name, c.Kind, c.Record, c.Mode, c.Service, c.Numerator, c.Denominator, now)
	if err != nil {
		return "", fmt.Errorf("programme: insert indicator: %w", err)
	}
	return id, nil
}

func (s *Store) customs(ctx context.Context, orgID string) ([]Custom, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, kind, record, mode, service, numerator, denominator FROM programme_custom_indicators WHERE org_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("programme: custom indicators: %w", err)
	}
	defer rows.Close()
	var out []Custom
	for rows.Next() {
		var c Custom
		if err := rows.Scan(&c.ID, &c.Name, &c.Kind, &c.Record, &c.Mode, &c.Service, &c.Numerator, &c.Denominator); err != nil {
			return nil, fmt.Errorf("programme: custom indicators: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ---- logframes ----

func (s *Store) insertProject(ctx context.Context, orgID string, p Project, now time.Time) (string, error) {
	id := db.NewID()
	_, err := s.db.ExecContext(ctx, `INSERT INTO programme_projects (id, org_id, title, goal, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, orgID, p.Title, p.Goal, p.StartsOn, p.EndsOn, now)
	if err != nil {
		return "", fmt.Errorf("programme: insert project: %w", err)
	}
	return id, nil
}

// projectOrg checks that a project is the organisation's.
func (s *Store) projectOrg(ctx context.Context, orgID, id string) error {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM programme_projects WHERE id = $1 AND org_id = $2`, id, orgID).Scan(&one)
	if err != nil {
		return fmt.Errorf("programme: project: %w", db.Map(err))
	}
	return nil
}

// resultLevel returns the level of a result of the project ("" for none).
func (s *Store) resultLevel(ctx context.Context, projectID, id string) (string, error) {
	var level string
	err := s.db.QueryRowContext(ctx, `SELECT level FROM programme_results WHERE id = $1 AND project_id = $2`, id, projectID).Scan(&level)
	if err != nil {
		return "", fmt.Errorf("programme: result: %w", db.Map(err))
	}
	return level, nil
}

func (s *Store) insertResult(ctx context.Context, orgID, projectID string, r Result, now time.Time) (string, error) {
	id := db.NewID()
	_, err := s.db.ExecContext(ctx, `INSERT INTO programme_results (id, project_id, org_id, parent_id, level, title, assumptions, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		id, projectID, orgID, r.ParentID, r.Level, r.Title, r.Assumptions, now)
	if err != nil {
		return "", fmt.Errorf("programme: insert result: %w", err)
	}
	return id, nil
}

func (s *Store) insertPlanIndicator(ctx context.Context, orgID string, pi PlanIndicator, now time.Time) (string, error) {
	id := db.NewID()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO programme_plan_indicators (id, project_id, org_id, result_id, source, name, definition, baseline, verification, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			id, pi.ProjectID, orgID, pi.ResultID, pi.Source, pi.Name, pi.Definition, pi.Baseline, pi.Verification, now)
		if err != nil {
			return fmt.Errorf("programme: insert plan indicator: %w", err)
		}
		for _, t := range pi.Targets {
			if err := upsertTarget(ctx, tx, id, t); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

func upsertTarget(ctx context.Context, q db.Querier, indicatorID string, t Target) error {
	var actual sql.NullFloat64
	if t.Actual != nil {
		actual = sql.NullFloat64{Float64: *t.Actual, Valid: true}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO programme_targets (indicator_id, period, target, actual) VALUES ($1, $2, $3, $4)
		ON CONFLICT (indicator_id, period) DO UPDATE SET target = excluded.target, actual = excluded.actual`, indicatorID, t.Period, t.Target, actual)
	if err != nil {
		return fmt.Errorf("programme: set target: %w", err)
	}
	return nil
}

// setTarget sets a target of an indicator of the organisation.
func (s *Store) setTarget(ctx context.Context, orgID, indicatorID string, t Target) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1 FROM programme_plan_indicators WHERE id = $1 AND org_id = $2`, indicatorID, orgID).Scan(&one); err != nil {
		return fmt.Errorf("programme: plan indicator: %w", db.Map(err))
	}
	return upsertTarget(ctx, s.db, indicatorID, t)
}

// projects returns an organisation's projects with their results,
// indicators and targets.
func (s *Store) projects(ctx context.Context, orgID string) ([]Project, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, goal, starts_on, ends_on FROM programme_projects WHERE org_id = $1 ORDER BY starts_on DESC, created_at DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("programme: projects: %w", err)
	}
	var out []Project
	byID := map[string]int{}
	for rows.Next() {
		p := Project{OrgID: orgID}
		if err := rows.Scan(&p.ID, &p.Title, &p.Goal, &p.StartsOn, &p.EndsOn); err != nil {
			rows.Close()
			return nil, fmt.Errorf("programme: projects: %w", err)
		}
		byID[p.ID] = len(out)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("programme: projects: %w", err)
	}
	rrows, err := s.db.QueryContext(ctx, `SELECT project_id, id, parent_id, level, title, assumptions FROM programme_results WHERE org_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("programme: results: %w", err)
	}
	for rrows.Next() {
		var pid string
		var r Result
		if err := rrows.Scan(&pid, &r.ID, &r.ParentID, &r.Level, &r.Title, &r.Assumptions); err != nil {
			rrows.Close()
			return nil, fmt.Errorf("programme: results: %w", err)
		}
		if i, ok := byID[pid]; ok {
			out[i].Results = append(out[i].Results, r)
		}
	}
	rrows.Close()
	irows, err := s.db.QueryContext(ctx, `SELECT id, project_id, result_id, source, name, definition, baseline, verification FROM programme_plan_indicators WHERE org_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("programme: plan indicators: %w", err)
	}
	type at struct{ p, i int }
	ind := map[string]at{}
	for irows.Next() {
		var pi PlanIndicator
		if err := irows.Scan(&pi.ID, &pi.ProjectID, &pi.ResultID, &pi.Source, &pi.Name, &pi.Definition, &pi.Baseline, &pi.Verification); err != nil {
			irows.Close()
			return nil, fmt.Errorf("programme: plan indicators: %w", err)
		}
		if i, ok := byID[pi.ProjectID]; ok {
			ind[pi.ID] = at{i, len(out[i].Indicators)}
			out[i].Indicators = append(out[i].Indicators, pi)
		}
	}
	irows.Close()
	trows, err := s.db.QueryContext(ctx, `SELECT t.indicator_id, t.period, t.target, t.actual FROM programme_targets t
		JOIN programme_plan_indicators i ON i.id = t.indicator_id WHERE i.org_id = $1 ORDER BY t.period`, orgID)
	if err != nil {
		return nil, fmt.Errorf("programme: targets: %w", err)
	}
	defer trows.Close()
	for trows.Next() {
		var id string
		var t Target
		var actual sql.NullFloat64
		if err := trows.Scan(&id, &t.Period, &t.Target, &actual); err != nil {
			return nil, fmt.Errorf("programme: targets: %w", err)
		}
		if actual.Valid {
			t.Actual = &actual.Float64
		}
		if a, ok := ind[id]; ok {
			out[a.p].Indicators[a.i].Targets = append(out[a.p].Indicators[a.i].Targets, t)
		}
	}
	return out, trows.Err()
}

// unlinkUser drops the link from a code to a deleted account. The code and
// its records stay: they never named her.
func (s *Store) unlinkUser(ctx context.Context, q db.Querier, userID string) error {
	if _, err := q.ExecContext(ctx, `UPDATE member_codes SET user_idx = NULL WHERE user_idx = $1`, s.keys.BlindIndex(domainMember, userID)); err != nil {
		return fmt.Errorf("programme: unlink user: %w", err)
	}
	return nil
}
