package incident

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/seal"
)

// Store is the incident capability's SQL; it seals and opens its columns.
type Store struct {
	db   *db.DB
	keys *seal.Keyring
}

// NewStore returns the store over d.
func NewStore(d *db.DB, keys *seal.Keyring) *Store { return &Store{db: d, keys: keys} }

// Blind-index domains.
const (
	domainReporter = "report.reporter"
	// DomainIdentifier is the blind-index domain of identifiers; alerts use
	// the same one, so reports and alerts match each other.
	DomainIdentifier = "ident"
)

func (s *Store) reporterIdx(userID string) []byte { return s.keys.BlindIndex(domainReporter, userID) }

// MatchIndex is the blind index of a normalised identifier.
func MatchIndex(keys *seal.Keyring, id ident.Identifier) []byte {
	return keys.BlindIndex(DomainIdentifier, id.MatchKey())
}

func ad(table, col, row string) seal.AD { return seal.AD{Table: table, Column: col, Row: row} }

// SealedColumns are the capability's sealed columns, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "reports", Column: "place_enc", IDColumn: "id", ADColumn: "place"},
		{Table: "reports", Column: "narrative_enc", IDColumn: "id", ADColumn: "narrative"},
		{Table: "reports", Column: "perp_desc_enc", IDColumn: "id", ADColumn: "perp_desc"},
		{Table: "reports", Column: "note_enc", IDColumn: "id", ADColumn: "note"},
		{Table: "report_identifiers", Column: "value_enc", IDColumn: "id", ADColumn: "value"},
		{Table: "report_messages", Column: "text_enc", IDColumn: "id", ADColumn: "text"},
		{Table: "case_notes", Column: "text_enc", IDColumn: "id", ADColumn: "text"},
	}
}

func joinList(l []string) string { return strings.Join(l, ",") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// insertReport creates a report row (a draft, or a submitted report).
func (s *Store) insertReport(ctx context.Context, q db.Querier, r Report, reporterID, filedByID string) error {
	var filed []byte
	if filedByID != "" {
		filed = s.reporterIdx(filedByID)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO reports (id, org_id, reporter_idx, filed_by_idx, on_behalf, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		r.ID, r.OrgID, s.reporterIdx(reporterID), filed, r.OnBehalf, r.Status, r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return fmt.Errorf("incident: insert report: %w", err)
	}
	return nil
}

// saveContent writes a report's content and replaces its identifiers.
func (s *Store) saveContent(ctx context.Context, q db.Querier, r Report, ids []ident.Identifier) error {
	_, err := q.ExecContext(ctx, `UPDATE reports SET step = $1, incident_types = $2, support = $3, occurred_on = $4, area = $5,
		place_enc = $6, narrative_enc = $7, perp_desc_enc = $8, consent_alert = $9, consent_network = $10, consent_police = $11,
		priority = $12, updated_at = $13 WHERE id = $14`,
		r.Step, joinList(r.IncidentTypes), joinList(r.Support), r.OccurredOn, r.Area,
		s.keys.SealString(r.Place, ad("reports", "place", r.ID)),
		s.keys.SealString(r.Narrative, ad("reports", "narrative", r.ID)),
		s.keys.SealString(r.Description, ad("reports", "perp_desc", r.ID)),
		r.Consent.Alert, r.Consent.Network, r.Consent.Police, r.Priority, r.UpdatedAt, r.ID)
	if err != nil {
		return fmt.Errorf("incident: save report: %w", err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM report_identifiers WHERE report_id = $1`, r.ID); err != nil {
		return fmt.Errorf("incident: clear identifiers: %w", err)
	}
	for _, id := range ids {
		rid := db.NewID()
		_, err := q.ExecContext(ctx, `INSERT INTO report_identifiers (id, report_id, org_id, kind, match_idx, value_enc) VALUES ($1, $2, $3, $4, $5, $6)`,
			rid, r.ID, r.OrgID, string(id.Kind), MatchIndex(s.keys, id), s.keys.SealString(id.Value+"\x00"+id.Display, ad("report_identifiers", "value", rid)))
		if err != nil {
			return fmt.Errorf("incident: insert identifier: %w", err)
		}
	}
	return nil
}

func (s *Store) setStatus(ctx context.Context, q db.Querier, id, status string, now time.Time, note string) error {
	closed := sql.NullTime{}
	if status == StatusPublished || status == StatusDeclined || status == StatusWithdrawn {
		closed = sql.NullTime{Time: now, Valid: true}
	}
	res, err := q.ExecContext(ctx, `UPDATE reports SET status = $1, updated_at = $2, closed_at = $3, note_enc = $4 WHERE id = $5`,
		status, now, closed, s.keys.SealString(note, ad("reports", "note", id)), id)
	if err != nil {
		return fmt.Errorf("incident: set status: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}

func (s *Store) submit(ctx context.Context, q db.Querier, id string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE reports SET status = $1, submitted_at = $2, updated_at = $2 WHERE id = $3`, StatusPending, now, id)
	if err != nil {
		return fmt.Errorf("incident: submit: %w", err)
	}
	return nil
}

func (s *Store) markReviewed(ctx context.Context, q db.Querier, id string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE reports SET first_review_at = $1 WHERE id = $2 AND first_review_at IS NULL`, now, id)
	if err != nil {
		return fmt.Errorf("incident: mark reviewed: %w", err)
	}
	return nil
}

const reportCols = `id, org_id, status, step, on_behalf, incident_types, support, occurred_on, area, place_enc, narrative_enc, perp_desc_enc,
	consent_alert, consent_network, consent_police, priority, note_enc, created_at, submitted_at, updated_at, first_review_at`

func (s *Store) scanReport(sc interface{ Scan(...any) error }) (Report, error) {
	var r Report
	var types, support string
	var place, narr, desc, note []byte
	var submitted, reviewed sql.NullTime
	err := sc.Scan(&r.ID, &r.OrgID, &r.Status, &r.Step, &r.OnBehalf, &types, &support, &r.OccurredOn, &r.Area, &place, &narr, &desc,
		&r.Consent.Alert, &r.Consent.Network, &r.Consent.Police, &r.Priority, &note, &r.CreatedAt, &submitted, &r.UpdatedAt, &reviewed)
	if err != nil {
		return r, err
	}
	r.IncidentTypes, r.Support = splitList(types), splitList(support)
	if submitted.Valid {
		t := submitted.Time
		r.SubmittedAt = &t
	}
	if reviewed.Valid {
		t := reviewed.Time
		r.FirstReviewAt = &t
	}
	for _, f := range []struct {
		dst *string
		val []byte
		col string
	}{{&r.Place, place, "place"}, {&r.Narrative, narr, "narrative"}, {&r.Description, desc, "perp_desc"}, {&r.Note, note, "note"}} {
		v, err := s.keys.OpenString(f.val, ad("reports", f.col, r.ID))
		if err != nil {
			return r, fmt.Errorf("incident: open %s: %w", f.col, err)
		}
		*f.dst = v
	}
	return r, nil
}

// report returns a report with its identifiers and messages.
func (s *Store) report(ctx context.Context, q db.Querier, id string) (Report, error) {
	r, err := s.scanReport(q.QueryRowContext(ctx, `SELECT `+reportCols+` FROM reports WHERE id = $1`, id))
	if err != nil {
		return r, fmt.Errorf("incident: report: %w", db.Map(err))
	}
	if r.Identifiers, err = s.identifiers(ctx, q, id); err != nil {
		return r, err
	}
	if r.Messages, err = s.messages(ctx, q, id); err != nil {
		return r, err
	}
	return r, nil
}

func (s *Store) identifiers(ctx context.Context, q db.Querier, reportID string) ([]Identifier, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, value_enc FROM report_identifiers WHERE report_id = $1 ORDER BY id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("incident: identifiers: %w", err)
	}
	defer rows.Close()
	var out []Identifier
	for rows.Next() {
		var id Identifier
		var kind string
		var enc []byte
		if err := rows.Scan(&id.ID, &kind, &enc); err != nil {
			return nil, fmt.Errorf("incident: scan identifier: %w", err)
		}
		v, err := s.keys.OpenString(enc, ad("report_identifiers", "value", id.ID))
		if err != nil {
			return nil, fmt.Errorf("incident: open identifier: %w", err)
		}
		id.Kind = ident.Kind(kind)
		id.Value, id.Display, _ = strings.Cut(v, "\x00")
		out = append(out, id)
	}
	return out, rows.Err()
}

func (s *Store) messages(ctx context.Context, q db.Querier, reportID string) ([]Message, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, from_staff, text_enc, created_at FROM report_messages WHERE report_id = $1 ORDER BY created_at, id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("incident: messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var enc []byte
		if err := rows.Scan(&m.ID, &m.FromStaff, &enc, &m.CreatedAt); err != nil {
			return nil, fmt.Errorf("incident: scan message: %w", err)
		}
		if m.Text, err = s.keys.OpenString(enc, ad("report_messages", "text", m.ID)); err != nil {
			return nil, fmt.Errorf("incident: open message: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) addMessage(ctx context.Context, q db.Querier, reportID string, fromStaff bool, text string, now time.Time) error {
	id := db.NewID()
	_, err := q.ExecContext(ctx, `INSERT INTO report_messages (id, report_id, from_staff, text_enc, created_at) VALUES ($1, $2, $3, $4, $5)`,
		id, reportID, fromStaff, s.keys.SealString(text, ad("report_messages", "text", id)), now)
	if err != nil {
		return fmt.Errorf("incident: add message: %w", err)
	}
	return nil
}

// isReporter reports whether userID is the reporter (or the outreach worker
// who filed it) of report id.
func (s *Store) isReporter(ctx context.Context, id, userID string) (bool, error) {
	idx := s.reporterIdx(userID)
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM reports WHERE id = $1 AND (reporter_idx = $2 OR filed_by_idx = $2)`, id, idx).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("incident: reporter check: %w", err)
	}
	return n == 1, nil
}

// mine lists the reports a user made or filed, newest first.
func (s *Store) mine(ctx context.Context, userID string) ([]Report, error) {
	idx := s.reporterIdx(userID)
	return s.list(ctx, `SELECT `+reportCols+` FROM reports WHERE reporter_idx = $1 OR filed_by_idx = $1 ORDER BY created_at DESC LIMIT 200`, idx)
}

// queue lists an organisation's reports with one of statuses, most urgent
// first, then oldest first.
func (s *Store) queue(ctx context.Context, orgID string, statuses []string, limit int) ([]Report, error) {
	args := []any{orgID, limit}
	ph := make([]string, len(statuses))
	for i, st := range statuses {
		args = append(args, st)
		ph[i] = fmt.Sprintf("$%d", i+3)
	}
	return s.list(ctx, `SELECT `+reportCols+` FROM reports WHERE org_id = $1 AND status IN (`+strings.Join(ph, ",")+`)
		ORDER BY priority DESC, submitted_at ASC, created_at ASC LIMIT $2`, args...)
}

// countStatus counts an organisation's reports with a status.
func (s *Store) countStatus(ctx context.Context, orgID, status string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM reports WHERE org_id = $1 AND status = $2`, orgID, status).Scan(&n); err != nil {
		return 0, fmt.Errorf("incident: count reports: %w", err)
	}
	return n, nil
}

func (s *Store) list(ctx context.Context, query string, args ...any) ([]Report, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("incident: list reports: %w", err)
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		r, err := s.scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("incident: scan report: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// matchIndexes returns the blind indexes of a report's identifiers.
func (s *Store) matchIndexes(ctx context.Context, reportID string) ([][]byte, error) {
	idx, err := db.Column[[]byte](ctx, s.db, `SELECT match_idx FROM report_identifiers WHERE report_id = $1`, reportID)
	if err != nil {
		return nil, fmt.Errorf("incident: match indexes: %w", err)
	}
	return idx, nil
}

// ReportMatch is another report that shares an identifier.
type ReportMatch struct {
	ReportID string
	OrgID    string
	Kind     string
}

// matchingReports returns the submitted reports, other than exclude, in any
// organisation, that share one of the blind indexes.
func (s *Store) matchingReports(ctx context.Context, idx [][]byte, exclude string) ([]ReportMatch, error) {
	if len(idx) == 0 {
		return nil, nil
	}
	args := []any{exclude}
	ph := make([]string, len(idx))
	for i, b := range idx {
		args = append(args, b)
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT r.id, r.org_id, ri.kind FROM report_identifiers ri JOIN reports r ON r.id = ri.report_id
		WHERE ri.match_idx IN (`+strings.Join(ph, ",")+`) AND r.id <> $1 AND r.status NOT IN ('draft', 'withdrawn') ORDER BY r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("incident: matching reports: %w", err)
	}
	defer rows.Close()
	var out []ReportMatch
	seen := map[string]bool{}
	for rows.Next() {
		var m ReportMatch
		if err := rows.Scan(&m.ReportID, &m.OrgID, &m.Kind); err != nil {
			return nil, fmt.Errorf("incident: matching reports: %w", err)
		}
		if !seen[m.ReportID] {
			seen[m.ReportID] = true
			out = append(out, m)
		}
	}
	return out, rows.Err()
}

// Cases.

func (s *Store) insertCase(ctx context.Context, q db.Querier, c Case) error {
	var report sql.NullString
	if c.ReportID != "" {
		report = sql.NullString{String: c.ReportID, Valid: true}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO cases (id, org_id, report_id, need, status, due_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.OrgID, report, c.Need, c.Status, c.DueOn, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("incident: insert case: %w", err)
	}
	return nil
}

const caseCols = `id, org_id, report_id, need, status, assignee_id, due_on, outcome, created_at, first_response_at, closed_at`

func scanCase(sc interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var report, assignee sql.NullString
	var first, closed sql.NullTime
	if err := sc.Scan(&c.ID, &c.OrgID, &report, &c.Need, &c.Status, &assignee, &c.DueOn, &c.Outcome, &c.CreatedAt, &first, &closed); err != nil {
		return c, err
	}
	c.ReportID, c.AssigneeID = report.String, assignee.String
	if first.Valid {
		t := first.Time
		c.FirstResponseAt = &t
	}
	if closed.Valid {
		t := closed.Time
		c.ClosedAt = &t
	}
	return c, nil
}

func (s *Store) caseByID(ctx context.Context, q db.Querier, id string) (Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = $1`, id))
	if err != nil {
		return c, fmt.Errorf("incident: case: %w", db.Map(err))
	}
	rows, err := q.QueryContext(ctx, `SELECT id, author_id, text_enc, created_at FROM case_notes WHERE case_id = $1 ORDER BY created_at, id`, id)
	if err != nil {
		return c, fmt.Errorf("incident: case notes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n Note
		var author sql.NullString
		var enc []byte
		if err := rows.Scan(&n.ID, &author, &enc, &n.CreatedAt); err != nil {
			return c, fmt.Errorf("incident: scan note: %w", err)
		}
		n.AuthorID = author.String
		if n.Text, err = s.keys.OpenString(enc, ad("case_notes", "text", n.ID)); err != nil {
			return c, fmt.Errorf("incident: open note: %w", err)
		}
		c.Notes = append(c.Notes, n)
	}
	return c, rows.Err()
}

func (s *Store) cases(ctx context.Context, orgID string, open bool, reportID string) ([]Case, error) {
	query := `SELECT ` + caseCols + ` FROM cases WHERE org_id = $1`
	args := []any{orgID}
	if reportID != "" {
		query += ` AND report_id = $2`
		args = append(args, reportID)
	} else if open {
		query += ` AND status <> 'closed'`
	}
	rows, err := s.db.QueryContext(ctx, query+` ORDER BY created_at DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("incident: cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("incident: scan case: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Store) updateCase(ctx context.Context, q db.Querier, c Case) error {
	var assignee sql.NullString
	if c.AssigneeID != "" {
		assignee = sql.NullString{String: c.AssigneeID, Valid: true}
	}
	_, err := q.ExecContext(ctx, `UPDATE cases SET status = $1, assignee_id = $2, due_on = $3, outcome = $4, first_response_at = $5, closed_at = $6 WHERE id = $7`,
		c.Status, assignee, c.DueOn, c.Outcome, c.FirstResponseAt, c.ClosedAt, c.ID)
	if err != nil {
		return fmt.Errorf("incident: update case: %w", err)
	}
	return nil
}

func (s *Store) addNote(ctx context.Context, q db.Querier, caseID, authorID, text string, now time.Time) error {
	id := db.NewID()
	_, err := q.ExecContext(ctx, `INSERT INTO case_notes (id, case_id, author_id, text_enc, created_at) VALUES ($1, $2, $3, $4, $5)`,
		id, caseID, authorID, s.keys.SealString(text, ad("case_notes", "text", id)), now)
	if err != nil {
		return fmt.Errorf("incident: add note: %w", err)
	}
	return nil
}

// Purge deletes, for real, declined and withdrawn reports closed before
// reportsBefore and closed cases closed before casesBefore.
func (s *Store) Purge(ctx context.Context, reportsBefore, casesBefore time.Time) (reports, cases int64, err error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM cases WHERE status = 'closed' AND closed_at < $1`, casesBefore)
	if err != nil {
		return 0, 0, fmt.Errorf("incident: purge cases: %w", err)
	}
	cases, _ = res.RowsAffected()
	res, err = s.db.ExecContext(ctx, `DELETE FROM reports WHERE status IN ('declined', 'withdrawn') AND closed_at < $1`, reportsBefore)
	if err != nil {
		return 0, cases, fmt.Errorf("incident: purge reports: %w", err)
	}
	reports, _ = res.RowsAffected()
	return reports, cases, nil
}
