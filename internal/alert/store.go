package alert

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/seal"
)

// DomainIdentifier is the blind-index domain shared with reports, so an
// alert and a report naming the same man match.
const DomainIdentifier = "ident"

// Store is the alert capability's SQL; it seals and opens its columns.
type Store struct {
	db    *db.DB
	keys  *seal.Keyring
	tally *screenTally
	cache *alertCache
}

// NewStore returns the store over d.
func NewStore(d *db.DB, keys *seal.Keyring) *Store {
	return &Store{db: d, keys: keys, tally: &screenTally{}, cache: newAlertCache(alertCacheSize)}
}

// query runs a read on q. On SQLite, a read outside a transaction goes
// through a statement prepared once (db.Stmt): the driver keeps none of its
// own, and parsing the SQL anew took a third of a screening's time. The
// texts differ only in how many placeholders a list has, so there are few.
// (pgx keeps its own statement cache on PostgreSQL.)
func (s *Store) query(ctx context.Context, q db.Querier, query string, args ...any) (*sql.Rows, error) {
	if s.db.Dialect != db.SQLite || q != db.Querier(s.db) {
		return q.QueryContext(ctx, query, args...)
	}
	st, err := s.db.Stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func ad(table, col, row string) seal.AD { return seal.AD{Table: table, Column: col, Row: row} }

// MatchIndex is the blind index of a normalised identifier.
func (s *Store) MatchIndex(id ident.Identifier) []byte {
	return s.keys.BlindIndex(DomainIdentifier, id.MatchKey())
}

// SealedColumns are the capability's sealed columns, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "alerts", Column: "summary_enc", IDColumn: "id", ADColumn: "summary"},
		{Table: "alert_identifiers", Column: "value_enc", IDColumn: "id", ADColumn: "value"},
	}
}

func (s *Store) insert(ctx context.Context, q db.Querier, a Alert) error {
	_, err := q.ExecContext(ctx, `INSERT INTO alerts (id, org_id, scope, status, summary_enc, incident_types, occurred_on, area, published_at, updated_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		a.ID, a.OrgID, a.Scope, a.Status, s.keys.SealString(a.Summary, ad("alerts", "summary", a.ID)), strings.Join(a.IncidentTypes, ","),
		a.OccurredOn, a.Area, a.PublishedAt, a.UpdatedAt, a.ExpiresAt)
	if err != nil {
		return fmt.Errorf("alert: insert: %w", err)
	}
	return s.replaceIdentifiers(ctx, q, a)
}

// InsertIdentifiers adds identifiers to alert a in multi-row statements (the
// benchmarks load a million this way).
func (s *Store) replaceIdentifiers(ctx context.Context, q db.Querier, a Alert) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM alert_identifiers WHERE alert_id = $1`, a.ID); err != nil {
		return fmt.Errorf("alert: clear identifiers: %w", err)
	}
	for _, id := range a.Identifiers {
		iid := db.NewID()
		_, err := q.ExecContext(ctx, `INSERT INTO alert_identifiers (id, alert_id, org_id, kind, match_idx, value_enc) VALUES ($1, $2, $3, $4, $5, $6)`,
			iid, a.ID, a.OrgID, string(id.Kind), s.MatchIndex(id), s.keys.SealString(id.Value+"\x00"+id.Display, ad("alert_identifiers", "value", iid)))
		if err != nil {
			return fmt.Errorf("alert: insert identifier: %w", err)
		}
	}
	return nil
}

func (s *Store) update(ctx context.Context, q db.Querier, a Alert) error {
	_, err := q.ExecContext(ctx, `UPDATE alerts SET scope = $1, status = $2, summary_enc = $3, area = $4, expires_at = $5, updated_at = $6 WHERE id = $7`,
		a.Scope, a.Status, s.keys.SealString(a.Summary, ad("alerts", "summary", a.ID)), a.Area, a.ExpiresAt, a.UpdatedAt, a.ID)
	if err != nil {
		return fmt.Errorf("alert: update: %w", err)
	}
	return s.replaceIdentifiers(ctx, q, a)
}

func (s *Store) setStatus(ctx context.Context, q db.Querier, id, status string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE alerts SET status = $1, updated_at = $2 WHERE id = $3`, status, now, id)
	if err != nil {
		return fmt.Errorf("alert: set status: %w", err)
	}
	return nil
}

const alertCols = `a.id, a.org_id, o.slug, a.scope, a.status, a.summary_enc, a.incident_types, a.occurred_on, a.area, a.published_at, a.updated_at, a.expires_at`

// scan reads an alert's columns (alertCols) and, after them, extra ones.
func (s *Store) scan(sc interface{ Scan(...any) error }, extra ...any) (Alert, error) {
	a, summary, err := scanSealed(sc, extra...)
	if err != nil {
		return a, err
	}
	return a, s.openSummary(&a, summary)
}

// scanSealed is scan without opening the summary, which it returns sealed.
func scanSealed(sc interface{ Scan(...any) error }, extra ...any) (Alert, []byte, error) {
	var a Alert
	var summary []byte
	var types string
	var exp sql.NullTime
	if err := sc.Scan(append([]any{&a.ID, &a.OrgID, &a.OrgSlug, &a.Scope, &a.Status, &summary, &types, &a.OccurredOn, &a.Area, &a.PublishedAt, &a.UpdatedAt, &exp}, extra...)...); err != nil {
		return a, nil, err
	}
	if types != "" {
		a.IncidentTypes = strings.Split(types, ",")
	}
	if exp.Valid {
		t := exp.Time
		a.ExpiresAt = &t
	}
	return a, summary, nil
}

func (s *Store) openSummary(a *Alert, sealed []byte) error {
	var err error
	if a.Summary, err = s.keys.OpenString(sealed, ad("alerts", "summary", a.ID)); err != nil {
		return fmt.Errorf("alert: open summary: %w", err)
	}
	return nil
}

// openIdentifier opens the sealed value of identifier row iid.
func (s *Store) openIdentifier(iid, kind string, sealed []byte) (ident.Identifier, error) {
	v, err := s.keys.OpenString(sealed, ad("alert_identifiers", "value", iid))
	if err != nil {
		return ident.Identifier{}, fmt.Errorf("alert: open identifier: %w", err)
	}
	val, display, _ := strings.Cut(v, "\x00")
	return ident.Identifier{Kind: ident.Kind(kind), Value: val, Display: display}, nil
}

func (s *Store) byID(ctx context.Context, q db.Querier, id string) (Alert, error) {
	a, err := s.scan(q.QueryRowContext(ctx, `SELECT `+alertCols+` FROM alerts a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1`, id))
	if err != nil {
		return a, fmt.Errorf("alert: by id: %w", db.Map(err))
	}
	list := []Alert{a}
	if err := s.withIdentifiers(ctx, q, list); err != nil {
		return a, err
	}
	return list[0], nil
}

// visible is the condition of alerts a member of org $1 sees at $2.
const visible = `a.status = 'active' AND (a.expires_at IS NULL OR a.expires_at > $2) AND (a.scope = 'network' OR a.org_id = $1)`

// feed returns the alerts a member of orgID sees at now, newest first,
// optionally in one area, published before the cursor.
func (s *Store) feed(ctx context.Context, orgID string, now time.Time, area string, before time.Time, limit int) ([]Alert, error) {
	query := `SELECT ` + alertCols + ` FROM alerts a JOIN orgs o ON o.id = a.org_id WHERE ` + visible + ` AND a.published_at < $3`
	args := []any{orgID, now, before}
	if area != "" {
		query += ` AND lower(a.area) = lower($5)`
	}
	query += ` ORDER BY a.published_at DESC LIMIT $4`
	args = append(args, limit)
	if area != "" {
		args = append(args, area)
	}
	return s.list(ctx, s.db, query, args...)
}

func (s *Store) list(ctx context.Context, q db.Querier, query string, args ...any) ([]Alert, error) {
	rows, err := s.query(ctx, q, query, args...)
	if err != nil {
		return nil, fmt.Errorf("alert: list: %w", err)
	}
	var out []Alert
	for rows.Next() {
		a, err := s.scan(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("alert: scan: %w", err)
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alert: list: %w", err)
	}
	return out, s.withIdentifiers(ctx, q, out)
}

// withIdentifiers loads the identifiers of alerts in one query.
func (s *Store) withIdentifiers(ctx context.Context, q db.Querier, alerts []Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	pos := map[string]int{}
	args := make([]any, len(alerts))
	ph := make([]string, len(alerts))
	for i, a := range alerts {
		pos[a.ID] = i
		args[i] = a.ID
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := s.query(ctx, q, `SELECT id, alert_id, kind, value_enc FROM alert_identifiers WHERE alert_id IN (`+strings.Join(ph, ",")+`) ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("alert: identifiers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var iid, aid, kind string
		var enc []byte
		if err := rows.Scan(&iid, &aid, &kind, &enc); err != nil {
			return fmt.Errorf("alert: scan identifier: %w", err)
		}
		id, err := s.openIdentifier(iid, kind, enc)
		if err != nil {
			return err
		}
		i := pos[aid]
		alerts[i].Identifiers = append(alerts[i].Identifiers, id)
	}
	return rows.Err()
}

func placeholders(from, n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(ph, ",")
}

// matching returns the alerts a member of orgID sees at now that carry one
// of the blind indexes, with their identifiers, newest first (at most
// maxMatches).
//
// It is one statement that returns only each alert's id and dates: the
// identifiers' index leads to the few alerts that carry them, by id. (Written
// as "a.id IN (subquery)", SQLite chose to walk every active alert through
// alerts_feed and test each one against the list: a full scan per
// screening; "+a.status" keeps it off that index.) Most screenings find
// nothing and stop there. The alerts found come from s.cache when it holds
// them as of their updated_at, and from the database otherwise (load):
// reading an alert's columns and identifiers and opening them cost more than
// the look-up itself.
func (s *Store) matching(ctx context.Context, idx [][]byte, orgID string, now time.Time) ([]Alert, error) {
	if len(idx) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 2+len(idx))
	args = append(args, orgID, now)
	for _, b := range idx {
		args = append(args, b)
	}
	vis := visible
	if s.db.Dialect == db.SQLite {
		vis = strings.Replace(visible, "a.status", "+a.status", 1)
	}
	rows, err := s.query(ctx, s.db, `SELECT a.id, a.published_at, a.updated_at FROM alert_identifiers ai JOIN alerts a ON a.id = ai.alert_id
		WHERE ai.match_idx IN (`+placeholders(3, len(idx))+`) AND `+vis, args...)
	if err != nil {
		return nil, fmt.Errorf("alert: matching: %w", err)
	}
	var hits []Alert // id and dates only
	var seen map[string]bool
	for rows.Next() {
		var h Alert
		if err := rows.Scan(&h.ID, &h.PublishedAt, &h.UpdatedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("alert: matching scan: %w", err)
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		if !seen[h.ID] { // it may carry two of the indexes
			seen[h.ID] = true
			hits = append(hits, h)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alert: matching: %w", err)
	}
	newestFirst(hits)
	hits = hits[:min(len(hits), maxMatches)]

	out := make([]Alert, 0, len(hits))
	var missing []any
	for _, h := range hits {
		if a, ok := s.cache.get(h.ID, h.UpdatedAt); ok {
			out = append(out, a)
		} else {
			missing = append(missing, h.ID)
		}
	}
	if len(missing) > 0 {
		loaded, err := s.load(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, a := range loaded {
			s.cache.put(a)
		}
		out = append(out, loaded...)
		newestFirst(out)
	}
	return out, nil
}

func newestFirst(alerts []Alert) {
	slices.SortFunc(alerts, func(a, b Alert) int {
		return cmp.Or(b.PublishedAt.Compare(a.PublishedAt), strings.Compare(a.ID, b.ID))
	})
}

// load reads the alerts with the given ids and their identifiers. SQLite
// reads them in two statements, since every column it reads costs time;
// PostgreSQL in one, since every statement costs a round trip, with each
// alert's columns repeated for each of its identifiers.
func (s *Store) load(ctx context.Context, ids []any) ([]Alert, error) {
	if s.db.Dialect == db.SQLite {
		return s.list(ctx, s.db, `SELECT `+alertCols+` FROM alerts a JOIN orgs o ON o.id = a.org_id WHERE a.id IN (`+placeholders(1, len(ids))+`)`, ids...)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertCols+`, i.id, i.kind, i.value_enc FROM alerts a JOIN orgs o ON o.id = a.org_id
		LEFT JOIN alert_identifiers i ON i.alert_id = a.id WHERE a.id IN (`+placeholders(1, len(ids))+`) ORDER BY a.id, i.id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("alert: load: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var iid, kind sql.NullString
		var enc []byte
		a, summary, err := scanSealed(rows, &iid, &kind, &enc)
		if err != nil {
			return nil, fmt.Errorf("alert: load scan: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != a.ID {
			if err := s.openSummary(&a, summary); err != nil {
				return nil, err
			}
			out = append(out, a)
		}
		if iid.Valid {
			id, err := s.openIdentifier(iid.String, kind.String, enc)
			if err != nil {
				return nil, err
			}
			last := &out[len(out)-1]
			last.Identifiers = append(last.Identifiers, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alert: load: %w", err)
	}
	return out, nil
}

// maxMatches is the most alerts a screening returns.
const maxMatches = 50

// countMatching counts the active alerts of any organisation and scope that
// carry one of the blind indexes.
func (s *Store) countMatching(ctx context.Context, idx [][]byte) (int, error) {
	if len(idx) == 0 {
		return 0, nil
	}
	args := make([]any, len(idx))
	for i, b := range idx {
		args[i] = b
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(DISTINCT ai.alert_id) FROM alert_identifiers ai JOIN alerts a ON a.id = ai.alert_id
		WHERE a.status = 'active' AND ai.match_idx IN (`+placeholders(1, len(idx))+`)`, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("alert: count matching: %w", err)
	}
	return n, nil
}

// countScreen adds one screening (and a hit, when it found something) to
// the organisation's count for the day, in memory: FlushScreenCounts writes
// the counts to the database. A write per screening would make every
// look-up wait for a commit, on SQLite for the one writer, and on
// PostgreSQL for the lock on the day's row, which every screening of the
// organisation takes.
func (s *Store) countScreen(orgID, day string, hit bool) {
	s.tally.add(tallyKey{org: orgID, day: day}, hit)
}

// FlushScreenCounts adds the screenings counted in memory since the last
// flush to the database, in one transaction. When it fails, the counts stay
// in memory for the next flush.
func (s *Store) FlushScreenCounts(ctx context.Context) error {
	pending := s.tally.take()
	if len(pending) == 0 {
		return nil
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		for k, c := range pending {
			_, err := tx.ExecContext(ctx, `INSERT INTO screen_counts (org_id, day, checks, hits) VALUES ($1, $2, $3, $4)
				ON CONFLICT (org_id, day) DO UPDATE SET checks = screen_counts.checks + excluded.checks, hits = screen_counts.hits + excluded.hits`,
				k.org, k.day, c.checks, c.hits)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.tally.putBack(pending)
		return fmt.Errorf("alert: flush screen counts: %w", err)
	}
	return nil
}

// ScreenCounts returns an organisation's screenings and hits between two days
// (inclusive, YYYY-MM-DD): those written to the database, and those of this
// process not flushed yet.
func (s *Store) ScreenCounts(ctx context.Context, orgID, from, to string) (checks, hits int64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT coalesce(sum(checks), 0), coalesce(sum(hits), 0) FROM screen_counts WHERE org_id = $1 AND day >= $2 AND day <= $3`,
		orgID, from, to).Scan(&checks, &hits)
	if err != nil {
		return 0, 0, fmt.Errorf("alert: screen counts: %w", err)
	}
	c, h := s.tally.sum(orgID, from, to)
	return checks + c, hits + h, nil
}

// screenTally is the screenings counted in memory since the last flush.
type screenTally struct {
	mu sync.Mutex
	m  map[tallyKey]tally
}

type tallyKey struct{ org, day string }

type tally struct{ checks, hits int64 }

func (t *screenTally) add(k tallyKey, hit bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[tallyKey]tally{}
	}
	c := t.m[k]
	c.checks++
	if hit {
		c.hits++
	}
	t.m[k] = c
}

// take returns the counts and starts afresh.
func (t *screenTally) take() map[tallyKey]tally {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.m
	t.m = nil
	return m
}

// putBack adds counts that could not be written back to those in memory.
func (t *screenTally) putBack(m map[tallyKey]tally) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[tallyKey]tally{}
	}
	for k, c := range m {
		cur := t.m[k]
		cur.checks += c.checks
		cur.hits += c.hits
		t.m[k] = cur
	}
}

func (t *screenTally) sum(org, from, to string) (checks, hits int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, c := range t.m {
		if k.org == org && k.day >= from && k.day <= to {
			checks += c.checks
			hits += c.hits
		}
	}
	return checks, hits
}
