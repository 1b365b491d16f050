package checkin

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/seal"
)

// Store is the check-in capability's SQL; it seals and opens its columns.
type Store struct {
	db   *db.DB
	keys *seal.Keyring
}

// NewStore returns the store over d.
func NewStore(d *db.DB, keys *seal.Keyring) *Store { return &Store{db: d, keys: keys} }

func ad(table, col, row string) seal.AD { return seal.AD{Table: table, Column: col, Row: row} }

// SealedColumns are the capability's sealed columns, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "checkins", Column: "note_enc", IDColumn: "id", ADColumn: "note"},
		{Table: "checkin_buddies", Column: "phone_enc", IDColumn: "id", ADColumn: "phone"},
		{Table: "checkin_buddies", Column: "email_enc", IDColumn: "id", ADColumn: "email"},
	}
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: *t, Valid: true}
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

// insert writes a new check-in with its buddies; tokens are the outside
// buddies' link tokens by buddy id. Her own "I'm safe" link is made when her
// reminder is sent (see fire), so none exists before.
func (s *Store) insert(ctx context.Context, q db.Querier, c Checkin, tokens map[string]string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO checkins (id, org_id, owner_id, status, due_at, grace_ms, next_step, next_at, note_enc, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.OrgID, c.OwnerID, c.Status, c.DueAt, c.Grace.Milliseconds(), c.NextStep, nullTime(c.NextAt),
		s.keys.SealString(c.Note, ad("checkins", "note", c.ID)), c.CreatedAt)
	if err != nil {
		return fmt.Errorf("checkin: insert: %w", err)
	}
	for _, b := range c.Buddies {
		var user sql.NullString
		if b.UserID != "" {
			user = sql.NullString{String: b.UserID, Valid: true}
		}
		var ack []byte
		if tok := tokens[b.ID]; tok != "" {
			ack = tokenHash(tok)
		}
		_, err := q.ExecContext(ctx, `INSERT INTO checkin_buddies (id, checkin_id, user_id, phone_enc, email_enc, ack_hash) VALUES ($1, $2, $3, $4, $5, $6)`,
			b.ID, c.ID, user, s.keys.SealString(b.Phone, ad("checkin_buddies", "phone", b.ID)),
			s.keys.SealString(b.Email, ad("checkin_buddies", "email", b.ID)), ack)
		if err != nil {
			return fmt.Errorf("checkin: insert buddy: %w", err)
		}
	}
	return nil
}

const cols = `id, org_id, owner_id, status, due_at, grace_ms, next_step, next_at, note_enc, case_id, created_at, ended_at`

func (s *Store) scan(sc interface{ Scan(...any) error }) (Checkin, error) {
	var c Checkin
	var grace int64
	var next, ended sql.NullTime
	var note []byte
	var caseID sql.NullString
	if err := sc.Scan(&c.ID, &c.OrgID, &c.OwnerID, &c.Status, &c.DueAt, &grace, &c.NextStep, &next, &note, &caseID, &c.CreatedAt, &ended); err != nil {
		return c, err
	}
	c.Grace, c.NextAt, c.EndedAt, c.CaseID = time.Duration(grace)*time.Millisecond, timePtr(next), timePtr(ended), caseID.String
	var err error
	if c.Note, err = s.keys.OpenString(note, ad("checkins", "note", c.ID)); err != nil {
		return c, fmt.Errorf("checkin: open note: %w", err)
	}
	return c, nil
}

// get returns a check-in with its buddies and events.
func (s *Store) get(ctx context.Context, q db.Querier, id string) (Checkin, error) {
	return s.getOne(ctx, q, id, "")
}

// getForUpdate is get that also locks the check-in's row until tx ends (on
// PostgreSQL; SQLite's immediate transaction holds the write lock already),
// so a change she makes and a step the scheduler fires never interleave: the
// scheduler passes a locked row by, and she waits for a step being fired and
// then sees it.
func (s *Store) getForUpdate(ctx context.Context, tx *sql.Tx, id string) (Checkin, error) {
	return s.getOne(ctx, tx, id, s.db.ForUpdate())
}

func (s *Store) getOne(ctx context.Context, q db.Querier, id, lock string) (Checkin, error) {
	c, err := s.scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM checkins WHERE id = $1`+lock, id))
	if err != nil {
		return c, fmt.Errorf("checkin: get: %w", db.Map(err))
	}
	if c.Buddies, err = s.buddies(ctx, q, id); err != nil {
		return c, err
	}
	rows, err := q.QueryContext(ctx, `SELECT at, kind FROM checkin_events WHERE checkin_id = $1 ORDER BY at, id`, id)
	if err != nil {
		return c, fmt.Errorf("checkin: events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.Kind); err != nil {
			return c, fmt.Errorf("checkin: scan event: %w", err)
		}
		c.Events = append(c.Events, e)
	}
	return c, rows.Err()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, v := range ss {
		out[i] = v
	}
	return out
}

// getMany loads check-ins with their buddies and events in three queries,
// in the order of ids: the scheduler fires hundreds at once, and a query per
// check-in would make the last of them late.
func (s *Store) getMany(ctx context.Context, q db.Querier, ids []string) ([]Checkin, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// id IN (?, ?, …) on SQLite; one array parameter on PostgreSQL.
	in, args := ` IN (`+s.params(1, len(ids))+`)`, anys(ids)
	if s.db.Dialect == db.Postgres {
		in, args = ` = ANY($1::text[])`, []any{ids}
	}
	byID := make(map[string]*Checkin, len(ids))
	rows, err := q.QueryContext(ctx, `SELECT `+cols+` FROM checkins WHERE id`+in, args...)
	if err != nil {
		return nil, fmt.Errorf("checkin: get many: %w", err)
	}
	for rows.Next() {
		c, err := s.scan(rows)
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("checkin: get many: %w", err)
		}
		byID[c.ID] = &c
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("checkin: get many: %w", err)
	}
	buddies, err := s.buddiesWhere(ctx, q, `checkin_id`+in, args...)
	if err != nil {
		return nil, err
	}
	for _, b := range buddies {
		if c := byID[b.checkinID]; c != nil {
			c.Buddies = append(c.Buddies, b.Buddy)
		}
	}
	erows, err := q.QueryContext(ctx, `SELECT checkin_id, at, kind FROM checkin_events WHERE checkin_id`+in+` ORDER BY at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("checkin: events: %w", err)
	}
	defer erows.Close()
	for erows.Next() {
		var id string
		var e Event
		if err := erows.Scan(&id, &e.At, &e.Kind); err != nil {
			return nil, fmt.Errorf("checkin: scan event: %w", err)
		}
		if c := byID[id]; c != nil {
			c.Events = append(c.Events, e)
		}
	}
	if err := erows.Err(); err != nil {
		return nil, fmt.Errorf("checkin: events: %w", err)
	}
	out := make([]Checkin, 0, len(ids))
	for _, id := range ids {
		if c := byID[id]; c != nil {
			out = append(out, *c)
		}
	}
	return out, nil
}

func (s *Store) buddies(ctx context.Context, q db.Querier, checkinID string) ([]Buddy, error) {
	rows, err := s.buddiesWhere(ctx, q, `checkin_id = $1`, checkinID)
	out := make([]Buddy, len(rows))
	for i, r := range rows {
		out[i] = r.Buddy
	}
	return out, err
}

type buddyRow struct {
	Buddy
	checkinID string
}

func (s *Store) buddiesWhere(ctx context.Context, q db.Querier, where string, args ...any) ([]buddyRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, checkin_id, user_id, phone_enc, email_enc, alerted_at, acked_at FROM checkin_buddies WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("checkin: buddies: %w", err)
	}
	defer rows.Close()
	var out []buddyRow
	for rows.Next() {
		var b buddyRow
		var user sql.NullString
		var phone, email []byte
		var alerted, acked sql.NullTime
		if err := rows.Scan(&b.ID, &b.checkinID, &user, &phone, &email, &alerted, &acked); err != nil {
			return nil, fmt.Errorf("checkin: scan buddy: %w", err)
		}
		b.UserID, b.AlertedAt, b.AckedAt = user.String, timePtr(alerted), timePtr(acked)
		if b.Phone, err = s.keys.OpenString(phone, ad("checkin_buddies", "phone", b.ID)); err != nil {
			return nil, fmt.Errorf("checkin: open buddy phone: %w", err)
		}
		if b.Email, err = s.keys.OpenString(email, ad("checkin_buddies", "email", b.ID)); err != nil {
			return nil, fmt.Errorf("checkin: open buddy e-mail: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// update writes a check-in's state.
func (s *Store) update(ctx context.Context, q db.Querier, c Checkin, purgeAt *time.Time) error {
	var caseID sql.NullString
	if c.CaseID != "" {
		caseID = sql.NullString{String: c.CaseID, Valid: true}
	}
	_, err := q.ExecContext(ctx, `UPDATE checkins SET status = $1, due_at = $2, next_step = $3, next_at = $4, case_id = $5, ended_at = $6, purge_at = $7 WHERE id = $8`,
		c.Status, c.DueAt, c.NextStep, nullTime(c.NextAt), caseID, nullTime(c.EndedAt), nullTime(purgeAt), c.ID)
	if err != nil {
		return fmt.Errorf("checkin: update: %w", err)
	}
	return nil
}

func (s *Store) addEvent(ctx context.Context, q db.Querier, checkinID, kind string, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO checkin_events (id, checkin_id, at, kind) VALUES ($1, $2, $3, $4)`, db.NewID(), checkinID, at, kind)
	if err != nil {
		return fmt.Errorf("checkin: add event: %w", err)
	}
	return nil
}

// stepState is a check-in's state after the scheduler fired a step:
// safeHash, when set, is the hash of the new "I'm safe" link her reminder
// carries.
type stepState struct {
	c        Checkin
	purgeAt  *time.Time
	safeHash []byte
}

type eventRow struct {
	checkinID, kind string
	at              time.Time
}

// param is placeholder n of a statement with many parameters. On
// PostgreSQL it is $n, cast to typ when typ is set (a parameter in a VALUES
// list has no type of its own). On SQLite it is a plain "?": SQLite looks
// numbered names up one by one, which makes a statement with thousands of
// them slow to prepare and bind.
func (s *Store) param(n int, typ string) string {
	if s.db.Dialect == db.Postgres {
		if typ == "" {
			return "$" + strconv.Itoa(n)
		}
		return "$" + strconv.Itoa(n) + "::" + typ
	}
	return "?"
}

// params returns n parameters from number from, separated by commas.
func (s *Store) params(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.param(from+i, ""))
	}
	return b.String()
}

// maxRowsPerStatement keeps a multi-row statement well under both engines'
// limits on parameters (SQLite 32766, PostgreSQL 65535).
const maxRowsPerStatement = 1000

// updateStates writes the states of a batch of fired steps in one statement
// per thousand check-ins (on SQLite, UPDATE … FROM a VALUES list, which it
// has since 3.33).
func (s *Store) updateStates(ctx context.Context, q db.Querier, states []stepState) error {
	if s.db.Dialect == db.Postgres {
		return s.updateStatesPG(ctx, q, states)
	}
	for len(states) > 0 {
		chunk := states[:min(len(states), maxRowsPerStatement)]
		states = states[len(chunk):]
		var b strings.Builder
		b.WriteString(`WITH v (id, status, next_step, next_at, case_id, purge_at, safe_hash) AS (VALUES `)
		args := make([]any, 0, 7*len(chunk))
		for i, st := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "(%s, %s, %s, %s, %s, %s, %s)", s.param(n+1, "text"), s.param(n+2, "text"), s.param(n+3, "text"),
				s.param(n+4, "timestamptz"), s.param(n+5, "text"), s.param(n+6, "timestamptz"), s.param(n+7, "bytea"))
			var caseID sql.NullString
			if st.c.CaseID != "" {
				caseID = sql.NullString{String: st.c.CaseID, Valid: true}
			}
			args = append(args, st.c.ID, st.c.Status, st.c.NextStep, nullTime(st.c.NextAt), caseID, nullTime(st.purgeAt), st.safeHash)
		}
		b.WriteString(`) UPDATE checkins SET status = v.status, next_step = v.next_step, next_at = v.next_at,
			case_id = coalesce(v.case_id, checkins.case_id), purge_at = coalesce(v.purge_at, checkins.purge_at),
			safe_hash = coalesce(v.safe_hash, checkins.safe_hash) FROM v WHERE checkins.id = v.id`)
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("checkin: update fired steps: %w", err)
		}
	}
	return nil
}

// updateStatesPG is updateStates on PostgreSQL: one statement with seven
// array parameters, which PostgreSQL parses and binds far faster than
// thousands of single ones.
func (s *Store) updateStatesPG(ctx context.Context, q db.Querier, states []stepState) error {
	if len(states) == 0 {
		return nil
	}
	n := len(states)
	ids, status, steps, caseIDs := make([]string, n), make([]string, n), make([]string, n), make([]*string, n)
	nextAt, purgeAt, hashes := make([]*time.Time, n), make([]*time.Time, n), make([][]byte, n)
	for i, st := range states {
		ids[i], status[i], steps[i], nextAt[i], purgeAt[i], hashes[i] = st.c.ID, st.c.Status, st.c.NextStep, st.c.NextAt, st.purgeAt, st.safeHash
		if st.c.CaseID != "" {
			caseIDs[i] = &st.c.CaseID
		}
	}
	_, err := q.ExecContext(ctx, `UPDATE checkins SET status = v.status, next_step = v.next_step, next_at = v.next_at,
		case_id = coalesce(v.case_id, checkins.case_id), purge_at = coalesce(v.purge_at, checkins.purge_at),
		safe_hash = coalesce(v.safe_hash, checkins.safe_hash)
		FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::timestamptz[], $7::bytea[])
			AS v (id, status, next_step, next_at, case_id, purge_at, safe_hash)
		WHERE checkins.id = v.id`, ids, status, steps, nextAt, caseIDs, purgeAt, hashes)
	if err != nil {
		return fmt.Errorf("checkin: update fired steps: %w", err)
	}
	return nil
}

// addEvents writes many events in one statement per thousand (on
// PostgreSQL, one statement with array parameters).
func (s *Store) addEvents(ctx context.Context, q db.Querier, events []eventRow) error {
	if s.db.Dialect == db.Postgres && len(events) > 0 {
		n := len(events)
		ids, checkins, kinds, at := make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
		for i, e := range events {
			ids[i], checkins[i], kinds[i], at[i] = db.NewID(), e.checkinID, e.kind, e.at
		}
		_, err := q.ExecContext(ctx, `INSERT INTO checkin_events (id, checkin_id, kind, at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])`, ids, checkins, kinds, at)
		if err != nil {
			return fmt.Errorf("checkin: add events: %w", err)
		}
		return nil
	}
	for len(events) > 0 {
		chunk := events[:min(len(events), maxRowsPerStatement)]
		events = events[len(chunk):]
		var b strings.Builder
		b.WriteString(`INSERT INTO checkin_events (id, checkin_id, at, kind) VALUES `)
		args := make([]any, 0, 4*len(chunk))
		for i, e := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + s.params(len(args)+1, 4) + ")")
			args = append(args, db.NewID(), e.checkinID, e.at, e.kind)
		}
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("checkin: add events: %w", err)
		}
	}
	return nil
}

func (s *Store) markAlerted(ctx context.Context, q db.Querier, checkinID string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE checkin_buddies SET alerted_at = $1 WHERE checkin_id = $2 AND alerted_at IS NULL`, at, checkinID)
	if err != nil {
		return fmt.Errorf("checkin: mark buddies alerted: %w", err)
	}
	return nil
}

// claimDue returns the ids of check-ins whose next step is due at now, at
// most limit, locking them on PostgreSQL so another instance passes them by.
func (s *Store) claimDue(ctx context.Context, tx *sql.Tx, now time.Time, limit int) ([]string, error) {
	return s.claim(ctx, tx, `SELECT id FROM checkins WHERE next_step <> 'done' AND next_at <= $1 ORDER BY next_at LIMIT $2`+s.db.SkipLocked(), now, limit)
}

// claimOne claims one check-in if its step is still due.
func (s *Store) claimOne(ctx context.Context, tx *sql.Tx, now time.Time, id string) ([]string, error) {
	return s.claim(ctx, tx, `SELECT id FROM checkins WHERE next_step <> 'done' AND next_at <= $1 AND id = $2`+s.db.SkipLocked(), now, id)
}

// dueIDs lists the ids of up to limit due steps, without claiming them.
func (s *Store) dueIDs(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var ids []string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = s.claimDue(ctx, tx, now, limit)
		return err
	})
	return ids, err
}

// postpone moves a step that failed to fire to later, unless it changed
// meanwhile, so the steps behind it are not held up.
func (s *Store) postpone(ctx context.Context, id string, due, to time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE checkins SET next_at = $1 WHERE id = $2 AND next_at = $3 AND next_step <> 'done'`, to, id, due)
	if err != nil {
		return fmt.Errorf("checkin: postpone: %w", err)
	}
	return nil
}

func (s *Store) claim(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	ids, err := db.Column[string](ctx, tx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("checkin: claim due: %w", err)
	}
	return ids, nil
}

// nextDue returns when the earliest pending step is due, if any. (Not
// min(next_at): SQLite gives an aggregate no column type, so its driver
// hands back text, not a time.)
func (s *Store) nextDue(ctx context.Context) (*time.Time, error) {
	var t time.Time
	err := s.db.QueryRowContext(ctx, `SELECT next_at FROM checkins WHERE next_step <> 'done' ORDER BY next_at LIMIT 1`).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkin: next due: %w", err)
	}
	return &t, nil
}

// ofOwner lists her check-ins, newest first.
func (s *Store) ofOwner(ctx context.Context, ownerID string, limit int) ([]Checkin, error) {
	return s.list(ctx, `SELECT `+cols+` FROM checkins WHERE owner_id = $1 ORDER BY created_at DESC LIMIT $2`, ownerID, limit)
}

// forBuddy lists the escalated check-ins where userID is a buddy who was alerted.
func (s *Store) forBuddy(ctx context.Context, userID string) ([]Checkin, error) {
	return s.list(ctx, `SELECT `+cols+` FROM checkins WHERE id IN (SELECT checkin_id FROM checkin_buddies WHERE user_id = $1 AND alerted_at IS NOT NULL)
		ORDER BY created_at DESC LIMIT 50`, userID)
}

// escalatedIn lists an organisation's check-ins that reached staff or whose
// buddies were alerted, newest first.
func (s *Store) escalatedIn(ctx context.Context, orgID string) ([]Checkin, error) {
	return s.list(ctx, `SELECT `+cols+` FROM checkins WHERE org_id = $1 AND status = 'escalated' ORDER BY created_at DESC LIMIT 100`, orgID)
}

func (s *Store) list(ctx context.Context, query string, args ...any) ([]Checkin, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("checkin: list: %w", err)
	}
	defer rows.Close()
	var out []Checkin
	for rows.Next() {
		c, err := s.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("checkin: scan: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// bySafeToken finds a check-in by the token of its owner's "I'm safe" link.
func (s *Store) bySafeToken(ctx context.Context, token string) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM checkins WHERE safe_hash = $1`, tokenHash(token)).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("checkin: by safe token: %w", db.Map(err))
	}
	return id, nil
}

// buddyByToken finds an outside buddy by the token of her link.
func (s *Store) buddyByToken(ctx context.Context, token string) (checkinID, buddyID string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT checkin_id, id FROM checkin_buddies WHERE ack_hash = $1`, tokenHash(token)).Scan(&checkinID, &buddyID)
	if err != nil {
		return "", "", fmt.Errorf("checkin: buddy by token: %w", db.Map(err))
	}
	return checkinID, buddyID, nil
}

func (s *Store) ack(ctx context.Context, q db.Querier, buddyID string, at time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE checkin_buddies SET acked_at = $1 WHERE id = $2 AND acked_at IS NULL`, at, buddyID)
	if err != nil {
		return false, fmt.Errorf("checkin: acknowledge: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Buddy list.

func (s *Store) links(ctx context.Context, userID string) ([]Link, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT buddy_id, status, FALSE FROM buddy_links WHERE user_id = $1
		UNION ALL SELECT user_id, status, TRUE FROM buddy_links WHERE buddy_id = $1 AND status = 'pending'`, userID)
	if err != nil {
		return nil, fmt.Errorf("checkin: buddy list: %w", err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.UserID, &l.Status, &l.Incoming); err != nil {
			return nil, fmt.Errorf("checkin: buddy list: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s *Store) putLink(ctx context.Context, q db.Querier, userID, buddyID, status string, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO buddy_links (user_id, buddy_id, status, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, buddy_id) DO UPDATE SET status = excluded.status`, userID, buddyID, status, at)
	if err != nil {
		return fmt.Errorf("checkin: put buddy link: %w", err)
	}
	return nil
}

func (s *Store) deleteLink(ctx context.Context, q db.Querier, userID, buddyID string) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM buddy_links WHERE (user_id = $1 AND buddy_id = $2) OR (user_id = $2 AND buddy_id = $1)`, userID, buddyID)
	if err != nil {
		return false, fmt.Errorf("checkin: delete buddy link: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

func (s *Store) linkStatus(ctx context.Context, userID, buddyID string) (string, error) {
	var st string
	err := s.db.QueryRowContext(ctx, `SELECT status FROM buddy_links WHERE user_id = $1 AND buddy_id = $2`, userID, buddyID).Scan(&st)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("checkin: buddy link: %w", err)
	}
	return st, nil
}

// PINs and settings.

func (s *Store) pins(ctx context.Context, userID string) (pin, duress string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT pin_hash, duress_hash FROM checkin_pins WHERE user_id = $1`, userID).Scan(&pin, &duress)
	if err == sql.ErrNoRows {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("checkin: pins: %w", err)
	}
	return pin, duress, nil
}

func (s *Store) setPins(ctx context.Context, userID, pin, duress string) error {
	if pin == "" {
		_, err := s.db.ExecContext(ctx, `DELETE FROM checkin_pins WHERE user_id = $1`, userID)
		if err != nil {
			return fmt.Errorf("checkin: clear pins: %w", err)
		}
		return nil
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO checkin_pins (user_id, pin_hash, duress_hash) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET pin_hash = excluded.pin_hash, duress_hash = excluded.duress_hash`, userID, pin, duress)
	if err != nil {
		return fmt.Errorf("checkin: set pins: %w", err)
	}
	return nil
}

// OrgSettings are an organisation's check-in settings.
type OrgSettings struct {
	Grace         time.Duration
	DuressEnabled bool
}

func (s *Store) orgSettings(ctx context.Context, q db.Querier, orgID string, def time.Duration) (OrgSettings, error) {
	var grace int64
	var o OrgSettings
	err := q.QueryRowContext(ctx, `SELECT grace_ms, duress_enabled FROM checkin_org_settings WHERE org_id = $1`, orgID).Scan(&grace, &o.DuressEnabled)
	if err == sql.ErrNoRows {
		return OrgSettings{Grace: def}, nil
	}
	if err != nil {
		return o, fmt.Errorf("checkin: org settings: %w", err)
	}
	o.Grace = time.Duration(grace) * time.Millisecond
	return o, nil
}

func (s *Store) setOrgSettings(ctx context.Context, orgID string, o OrgSettings) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO checkin_org_settings (org_id, grace_ms, duress_enabled) VALUES ($1, $2, $3)
		ON CONFLICT (org_id) DO UPDATE SET grace_ms = excluded.grace_ms, duress_enabled = excluded.duress_enabled`, orgID, o.Grace.Milliseconds(), o.DuressEnabled)
	if err != nil {
		return fmt.Errorf("checkin: set org settings: %w", err)
	}
	return nil
}

// count adds to an organisation's daily counts.
func (s *Store) count(ctx context.Context, q db.Querier, orgID, day, column string) error {
	// column is one of three constants, never input.
	_, err := q.ExecContext(ctx, `INSERT INTO checkin_counts (org_id, day, `+column+`) VALUES ($1, $2, 1)
		ON CONFLICT (org_id, day) DO UPDATE SET `+column+` = checkin_counts.`+column+` + 1`, orgID, day) // #nosec G202 -- column is one of three constants, never input
	if err != nil {
		return fmt.Errorf("checkin: count: %w", err)
	}
	return nil
}

// Counts returns an organisation's check-ins started, marked safe and
// escalated between two days (inclusive, YYYY-MM-DD).
func (s *Store) Counts(ctx context.Context, orgID, from, to string) (started, safe, escalated int64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT coalesce(sum(started), 0), coalesce(sum(safe), 0), coalesce(sum(escalated), 0) FROM checkin_counts
		WHERE org_id = $1 AND day >= $2 AND day <= $3`, orgID, from, to).Scan(&started, &safe, &escalated)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("checkin: counts: %w", err)
	}
	return started, safe, escalated, nil
}

// purge deletes check-ins — note, buddies' addresses, history — whose
// keeping time has passed. Only the daily counts remain.
func (s *Store) purge(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM checkins WHERE purge_at IS NOT NULL AND purge_at < $1`, now)
	if err != nil {
		return 0, fmt.Errorf("checkin: purge: %w", err)
	}
	return res.RowsAffected()
}

func (s *Store) deleteUser(ctx context.Context, q db.Querier, userID string) error {
	for _, stmt := range []string{
		`DELETE FROM checkins WHERE owner_id = $1`,
		`DELETE FROM checkin_buddies WHERE user_id = $1`,
		`DELETE FROM buddy_links WHERE user_id = $1 OR buddy_id = $1`,
		`DELETE FROM checkin_pins WHERE user_id = $1`,
	} {
		if _, err := q.ExecContext(ctx, stmt, userID); err != nil {
			return fmt.Errorf("checkin: delete user: %w", err)
		}
	}
	return nil
}

func (s *Store) heartbeat(ctx context.Context, name string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO scheduler_heartbeat (name, beat_at) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET beat_at = excluded.beat_at`, name, at)
	if err != nil {
		return fmt.Errorf("checkin: heartbeat: %w", err)
	}
	return nil
}

// Heartbeat returns when the scheduler last completed a round.
func (s *Store) Heartbeat(ctx context.Context, name string) (time.Time, error) {
	var t time.Time
	err := s.db.QueryRowContext(ctx, `SELECT beat_at FROM scheduler_heartbeat WHERE name = $1`, name).Scan(&t)
	if err == sql.ErrNoRows {
		return time.Time{}, nil
	}
	if err != nil {
		return t, fmt.Errorf("checkin: heartbeat: %w", err)
	}
	return t, nil
}
