package rights

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/db"
)

// Store is the rights library's SQL. Nothing in these tables is personal or
// secret, so nothing is sealed: they hold what anyone may read, and the ids
// of the staff who edited it.
type Store struct {
	db *db.DB
}

// NewStore returns the store over d.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

type scanner interface{ Scan(...any) error }

// stored is an article row with what only the store and the service need.
type stored struct {
	Article
	SearchTitle, SearchText string
	PackHash                string
	UpdatedBy               string
}

// packState is what the last import left of an article.
type packState struct {
	Hash    string
	Origin  string
	Version int
}

type langKey struct{ Slug, Lang string }

func (s *Store) packStates(ctx context.Context, q db.Querier) (map[langKey]packState, error) {
	rows, err := q.QueryContext(ctx, `SELECT slug, lang, pack_hash, source, version FROM articles`)
	if err != nil {
		return nil, fmt.Errorf("rights: pack states: %w", err)
	}
	defer rows.Close()
	out := map[langKey]packState{}
	for rows.Next() {
		var k langKey
		var ps packState
		if err := rows.Scan(&k.Slug, &k.Lang, &ps.Hash, &ps.Origin, &ps.Version); err != nil {
			return nil, fmt.Errorf("rights: scan pack state: %w", err)
		}
		out[k] = ps
	}
	return out, rows.Err()
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only string slices and sources are stored: they always marshal.
		panic(fmt.Sprintf("rights: marshal %T: %v", v, err))
	}
	return string(b)
}

func fromJSON[T any](raw string, what string) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return v, fmt.Errorf("rights: %s: %w", what, err)
	}
	return v, nil
}

// putArticle writes the served text of an article, inserting or replacing it.
func (s *Store) putArticle(ctx context.Context, q db.Querier, a stored) error {
	_, err := q.ExecContext(ctx, `INSERT INTO articles (slug, lang, jurisdiction, title, summary, body_md, html,
		search_title, search_text, sources, topics, incident_types, uncertain, reviewed_on, reviewed_by, card,
		source, pack_hash, pack_newer, version, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
		ON CONFLICT (slug, lang) DO UPDATE SET jurisdiction = excluded.jurisdiction, title = excluded.title,
		summary = excluded.summary, body_md = excluded.body_md, html = excluded.html,
		search_title = excluded.search_title, search_text = excluded.search_text, sources = excluded.sources,
		topics = excluded.topics, incident_types = excluded.incident_types, uncertain = excluded.uncertain,
		reviewed_on = excluded.reviewed_on, reviewed_by = excluded.reviewed_by, card = excluded.card,
		source = excluded.source, pack_hash = excluded.pack_hash, pack_newer = excluded.pack_newer,
		version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		a.Slug, a.Lang, a.Jurisdiction, a.Title, a.Summary, a.Body, a.HTML,
		a.SearchTitle, a.SearchText, jsonText(a.Sources), jsonText(a.Topics), jsonText(a.IncidentTypes),
		jsonText(a.Uncertain), a.ReviewedOn, a.ReviewedBy, a.Card,
		a.Origin, a.PackHash, a.PackNewer, a.Version, a.UpdatedAt, a.UpdatedBy)
	if err != nil {
		return fmt.Errorf("rights: put article %s.%s: %w", a.Slug, a.Lang, db.Map(err))
	}
	return nil
}

// markPackNewer records that the pack holds a newer text (hash) of an
// article staff have edited, without touching the staff text.
func (s *Store) markPackNewer(ctx context.Context, q db.Querier, slug, lang, hash string) error {
	_, err := q.ExecContext(ctx, `UPDATE articles SET pack_hash = $1, pack_newer = $2 WHERE slug = $3 AND lang = $4`,
		hash, true, slug, lang)
	if err != nil {
		return fmt.Errorf("rights: mark pack newer %s.%s: %w", slug, lang, err)
	}
	return nil
}

// nextVersion is the number the next version of an article gets.
func (s *Store) nextVersion(ctx context.Context, q db.Querier, slug, lang string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM article_versions WHERE slug = $1 AND lang = $2`,
		slug, lang).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("rights: next version %s.%s: %w", slug, lang, err)
	}
	return n, nil
}

func (s *Store) insertVersion(ctx context.Context, q db.Querier, v Version) error {
	_, err := q.ExecContext(ctx, `INSERT INTO article_versions (slug, lang, version, source, document, created_at, created_by, created_org)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, v.Slug, v.Lang, v.Number, v.Origin, v.Document, v.At, v.ByID, v.ByOrgID)
	if err != nil {
		return fmt.Errorf("rights: insert version %s.%s: %w", v.Slug, v.Lang, db.Map(err))
	}
	return nil
}

const articleCols = `slug, lang, jurisdiction, title, summary, body_md, html, sources, topics, incident_types,
	uncertain, reviewed_on, reviewed_by, card, source, pack_newer, version, updated_at, pack_hash, updated_by`

func scanArticle(sc scanner) (stored, error) {
	var a stored
	var sources, topics, types, uncertain string
	err := sc.Scan(&a.Slug, &a.Lang, &a.Jurisdiction, &a.Title, &a.Summary, &a.Body, &a.HTML, &sources, &topics, &types,
		&uncertain, &a.ReviewedOn, &a.ReviewedBy, &a.Card, &a.Origin, &a.PackNewer, &a.Version, &a.UpdatedAt,
		&a.PackHash, &a.UpdatedBy)
	if err != nil {
		return a, db.Map(err)
	}
	if a.Sources, err = fromJSON[[]Source](sources, "sources"); err != nil {
		return a, err
	}
	if a.Topics, err = fromJSON[[]string](topics, "topics"); err != nil {
		return a, err
	}
	if a.IncidentTypes, err = fromJSON[[]string](types, "incident types"); err != nil {
		return a, err
	}
	if a.Uncertain, err = fromJSON[[]string](uncertain, "uncertain"); err != nil {
		return a, err
	}
	a.UpdatedAt = a.UpdatedAt.UTC()
	return a, nil
}

// article returns one article in one language; apperr.ErrNotFound when
// there is none. forUpdate locks the row on PostgreSQL (inside a tx).
func (s *Store) article(ctx context.Context, q db.Querier, slug, lang string, forUpdate bool) (stored, error) {
	lock := ""
	if forUpdate {
		lock = s.db.ForUpdate()
	}
	a, err := scanArticle(q.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles WHERE slug = $1 AND lang = $2`+lock, slug, lang))
	if err != nil {
		return a, fmt.Errorf("rights: article %s.%s: %w", slug, lang, err)
	}
	return a, nil
}

const summaryCols = `slug, lang, title, jurisdiction, summary, topics, incident_types, reviewed_on, card`

func scanListing(sc scanner, extra ...any) (Listing, error) {
	var m Listing
	var topics, types string
	dest := append([]any{&m.Slug, &m.Lang, &m.Title, &m.Jurisdiction, &m.Summary, &topics, &types, &m.ReviewedOn, &m.Card}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return m, fmt.Errorf("rights: scan summary: %w", err)
	}
	var err error
	if m.Topics, err = fromJSON[[]string](topics, "topics"); err != nil {
		return m, err
	}
	if m.IncidentTypes, err = fromJSON[[]string](types, "incident types"); err != nil {
		return m, err
	}
	return m, nil
}

func (s *Store) queryListings(ctx context.Context, what, query string, args ...any) ([]Listing, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("rights: %s: %w", what, err)
	}
	defer rows.Close()
	var out []Listing
	for rows.Next() {
		m, err := scanListing(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// listings lists every article in every language, of one jurisdiction
// when jurisdiction is not empty.
func (s *Store) listings(ctx context.Context, jurisdiction string) ([]Listing, error) {
	if jurisdiction != "" {
		return s.queryListings(ctx, "list articles", `SELECT `+summaryCols+` FROM articles WHERE jurisdiction = $1 ORDER BY slug, lang`, jurisdiction)
	}
	return s.queryListings(ctx, "list articles", `SELECT `+summaryCols+` FROM articles ORDER BY slug, lang`)
}

// search lists the articles (any language) whose text holds every term as
// a substring, with how many terms their title holds. terms are normalised
// already. LIKE with escaped wildcards works the same on both engines, and
// finds a two-character Chinese word inside a sentence, which neither
// FTS5's trigram tokenizer nor PostgreSQL's parsers do.
func (s *Store) search(ctx context.Context, terms []string, jurisdiction string) ([]Listing, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	var where, hits []string
	args := make([]any, 0, len(terms)+1)
	for _, t := range terms {
		args = append(args, likePattern(t))
		n := len(args)
		where = append(where, fmt.Sprintf(`search_text LIKE $%d ESCAPE '\'`, n))
		hits = append(hits, fmt.Sprintf(`CASE WHEN search_title LIKE $%d ESCAPE '\' THEN 1 ELSE 0 END`, n))
	}
	if jurisdiction != "" {
		args = append(args, jurisdiction)
		where = append(where, fmt.Sprintf(`jurisdiction = $%d`, len(args)))
	}
	query := `SELECT ` + summaryCols + `, ` + strings.Join(hits, " + ") + ` AS title_hits FROM articles WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY title_hits DESC, slug, lang`
	// The query text holds only column names and numbered placeholders; every
	// term is a parameter.
	rows, err := s.db.QueryContext(ctx, query, args...) // #nosec G701 -- placeholders only, terms are parameters
	if err != nil {
		return nil, fmt.Errorf("rights: search: %w", err)
	}
	defer rows.Close()
	var out []Listing
	for rows.Next() {
		var hitsN int
		m, err := scanListing(rows, &hitsN)
		if err != nil {
			return nil, err
		}
		m.titleHits = hitsN
		out = append(out, m)
	}
	return out, rows.Err()
}

// byIncidentTypes lists the articles (any language) that say they help
// with one of the incident types.
func (s *Store) byIncidentTypes(ctx context.Context, types []string) ([]Listing, error) {
	if len(types) == 0 {
		return nil, nil
	}
	var where []string
	args := make([]any, 0, len(types))
	for _, t := range types {
		// incident_types is a JSON array of quoted names.
		args = append(args, likePattern(`"`+t+`"`))
		where = append(where, fmt.Sprintf(`incident_types LIKE $%d ESCAPE '\'`, len(args)))
	}
	return s.queryListings(ctx, "articles by incident type", `SELECT `+summaryCols+` FROM articles WHERE `+
		strings.Join(where, " OR ")+` ORDER BY slug, lang`, args...)
}

// jurisdictions lists the jurisdictions that have articles.
func (s *Store) jurisdictions(ctx context.Context) ([]string, error) {
	return s.strings(ctx, "jurisdictions", `SELECT DISTINCT jurisdiction FROM articles ORDER BY jurisdiction`)
}

// langsOf lists the languages an article is written in.
func (s *Store) langsOf(ctx context.Context, slug string) ([]string, error) {
	return s.strings(ctx, "languages", `SELECT lang FROM articles WHERE slug = $1 ORDER BY lang`, slug)
}

func (s *Store) strings(ctx context.Context, what, query string, args ...any) ([]string, error) {
	out, err := db.Column[string](ctx, s.db, query, args...)
	if err != nil {
		return nil, fmt.Errorf("rights: %s: %w", what, err)
	}
	return out, nil
}

// versions lists an article's versions, newest first, without their text.
func (s *Store) versions(ctx context.Context, slug, lang string) ([]Version, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version, source, created_at, created_by, created_org FROM article_versions
		WHERE slug = $1 AND lang = $2 ORDER BY version DESC`, slug, lang)
	if err != nil {
		return nil, fmt.Errorf("rights: versions %s.%s: %w", slug, lang, err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v := Version{Slug: slug, Lang: lang}
		if err := rows.Scan(&v.Number, &v.Origin, &v.At, &v.ByID, &v.ByOrgID); err != nil {
			return nil, fmt.Errorf("rights: scan version: %w", err)
		}
		v.At = v.At.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// version returns one version with its text.
func (s *Store) version(ctx context.Context, slug, lang string, n int) (Version, error) {
	v := Version{Slug: slug, Lang: lang, Number: n}
	err := s.db.QueryRowContext(ctx, `SELECT source, document, created_at, created_by, created_org FROM article_versions
		WHERE slug = $1 AND lang = $2 AND version = $3`, slug, lang, n).Scan(&v.Origin, &v.Document, &v.At, &v.ByID, &v.ByOrgID)
	if err != nil {
		return v, fmt.Errorf("rights: version %s.%s #%d: %w", slug, lang, n, db.Map(err))
	}
	v.At = v.At.UTC()
	return v, nil
}

const entryCols = `id, COALESCE(pack_key, ''), name, name_zh, kind, area, contact, hours, languages, notes, notes_zh,
	verified_on, source_url, origin, pack_hash, updated_at`

func scanEntry(sc scanner) (Entry, error) {
	var e Entry
	var languages string
	err := sc.Scan(&e.ID, &e.packKey, &e.Name, &e.NameZh, &e.Kind, &e.Area, &e.Contact, &e.Hours, &languages,
		&e.Notes, &e.NotesZh, &e.VerifiedOn, &e.SourceURL, &e.Origin, &e.packHash, &e.UpdatedAt)
	if err != nil {
		return e, db.Map(err)
	}
	if e.Languages, err = fromJSON[[]string](languages, "languages"); err != nil {
		return e, err
	}
	e.UpdatedAt = e.UpdatedAt.UTC()
	return e, nil
}

func (s *Store) queryEntries(ctx context.Context, q db.Querier, query string, args ...any) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("rights: list directory: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("rights: scan entry: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// entries lists the directory, filtered by kind and by area (the area and
// every area inside it: "CN" holds "CN-YN-Kunming") when they are set.
func (s *Store) entries(ctx context.Context, area, kind string) ([]Entry, error) {
	var where []string
	var args []any
	if area != "" {
		args = append(args, area, likePattern(area + "-")[1:])
		where = append(where, `(area = $1 OR area LIKE $2 ESCAPE '\')`)
	}
	if kind != "" {
		args = append(args, kind)
		where = append(where, fmt.Sprintf(`kind = $%d`, len(args)))
	}
	query := `SELECT ` + entryCols + ` FROM directory_entries`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	return s.queryEntries(ctx, s.db, query+` ORDER BY area, kind, name`, args...)
}

// entriesOfKinds lists the entries of any of the kinds.
func (s *Store) entriesOfKinds(ctx context.Context, kinds []string) ([]Entry, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	ph := make([]string, len(kinds))
	args := make([]any, len(kinds))
	for i, k := range kinds {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = k
	}
	return s.queryEntries(ctx, s.db, `SELECT `+entryCols+` FROM directory_entries WHERE kind IN (`+strings.Join(ph, ", ")+`) ORDER BY name`, args...)
}

// packEntries lists the entries that came from a pack, by pack key.
func (s *Store) packEntries(ctx context.Context, q db.Querier) (map[string]Entry, error) {
	list, err := s.queryEntries(ctx, q, `SELECT `+entryCols+` FROM directory_entries WHERE pack_key IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Entry, len(list))
	for _, e := range list {
		out[e.packKey] = e
	}
	return out, nil
}

// entry returns one entry; apperr.ErrNotFound when there is none.
func (s *Store) entry(ctx context.Context, q db.Querier, id string) (Entry, error) {
	e, err := scanEntry(q.QueryRowContext(ctx, `SELECT `+entryCols+` FROM directory_entries WHERE id = $1`, id))
	if err != nil {
		return e, fmt.Errorf("rights: entry: %w", err)
	}
	return e, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// putEntry inserts or replaces an entry by id.
func (s *Store) putEntry(ctx context.Context, q db.Querier, e Entry, at time.Time, by string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO directory_entries (id, pack_key, name, name_zh, kind, area, contact, hours,
		languages, notes, notes_zh, verified_on, source_url, origin, pack_hash, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_zh = excluded.name_zh, kind = excluded.kind,
		area = excluded.area, contact = excluded.contact, hours = excluded.hours, languages = excluded.languages,
		notes = excluded.notes, notes_zh = excluded.notes_zh, verified_on = excluded.verified_on,
		source_url = excluded.source_url, origin = excluded.origin, pack_hash = excluded.pack_hash,
		updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		e.ID, nullable(e.packKey), e.Name, e.NameZh, e.Kind, e.Area, e.Contact, e.Hours, jsonText(e.Languages),
		e.Notes, e.NotesZh, e.VerifiedOn, e.SourceURL, e.Origin, e.packHash, at, by)
	if err != nil {
		return fmt.Errorf("rights: put entry: %w", db.Map(err))
	}
	return nil
}

// removeEntry deletes an entry that staff took out of the directory, and
// keeps its pack key, if it has one, so that imports leave it out.
func (s *Store) removeEntry(ctx context.Context, q db.Querier, e Entry, at time.Time, by string) error {
	if e.packKey != "" {
		_, err := q.ExecContext(ctx, `INSERT INTO directory_removed (pack_key, removed_at, removed_by) VALUES ($1, $2, $3)
			ON CONFLICT (pack_key) DO NOTHING`, e.packKey, at, by)
		if err != nil {
			return fmt.Errorf("rights: remove entry: %w", err)
		}
	}
	return s.deleteEntry(ctx, q, e.ID)
}

// removedPackKeys returns the pack keys of the entries staff removed.
func (s *Store) removedPackKeys(ctx context.Context, q db.Querier) (map[string]bool, error) {
	keys, err := db.Column[string](ctx, q, `SELECT pack_key FROM directory_removed`)
	if err != nil {
		return nil, fmt.Errorf("rights: removed entries: %w", err)
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, nil
}

// deleteEntry removes an entry.
func (s *Store) deleteEntry(ctx context.Context, q db.Querier, id string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM directory_entries WHERE id = $1`, id); err != nil {
		return fmt.Errorf("rights: delete entry: %w", err)
	}
	return nil
}

// areas lists the areas the directory has entries for.
func (s *Store) areas(ctx context.Context) ([]string, error) {
	return s.strings(ctx, "areas", `SELECT DISTINCT area FROM directory_entries ORDER BY area`)
}

// lockImport serialises imports of several instances starting at once on
// one PostgreSQL; SQLite's immediate transaction is already exclusive.
func (s *Store) lockImport(ctx context.Context, tx *sql.Tx) error {
	if s.db.Dialect != db.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('rights:import'))`); err != nil {
		return fmt.Errorf("rights: lock import: %w", err)
	}
	return nil
}
