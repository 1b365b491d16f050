package rights

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/web"
)

// Auditor appends an entry to the audit log inside the caller's
// transaction, so the entry commits with the edit it records (the account
// capability's Audit is one).
type Auditor interface {
	Append(ctx context.Context, tx *sql.Tx, orgID, actorID, action, objectType, objectID string) error
}

// Options configure the library.
type Options struct {
	// ReviewPeriod is how old a review date may be before staff see "needs
	// review" (default a year).
	ReviewPeriod time.Duration
	// DefaultArea is the area Help assumes when an incident names none it
	// knows (the deployment's country, "CN").
	DefaultArea string
	// Lang is the language Help answers in when asked for one it lacks.
	Lang string
	// HandleOf returns a user's handle, for the version history (optional).
	HandleOf func(ctx context.Context, userID string) (string, error)
}

// Service is the rights library's rules.
type Service struct {
	store *Store
	db    *db.DB
	audit Auditor
	rn    *renderer
	opt   Options
	now   func() time.Time
	log   *slog.Logger
}

// NewService returns the library over d.
func NewService(d *db.DB, audit Auditor, opt Options, now func() time.Time, log *slog.Logger) *Service {
	if opt.ReviewPeriod <= 0 {
		opt.ReviewPeriod = 365 * 24 * time.Hour
	}
	if opt.DefaultArea == "" {
		opt.DefaultArea = "CN"
	}
	if !validLang(opt.Lang) {
		opt.Lang = langs[0]
	}
	return &Service{store: NewStore(d), db: d, audit: audit, rn: newRenderer(), opt: opt, now: now, log: log}
}

func (s *Service) clock() time.Time { return db.Time(s.now()) }

// Errors a reader or editor may see.
var (
	errChanged = apperr.New(apperr.Conflict, "rights.error.changed")
	errLang    = apperr.Field("lang", "rights.error.lang")
	errKind    = apperr.Field("kind", "rights.error.kind")
	errArea    = apperr.Field("area", "rights.error.area")
)

// CanEdit reports whether p may edit the library: moderators, admins and
// network admins.
func CanEdit(p *web.Principal) bool {
	return p != nil && !p.SecondFactorPending && !p.SecondFactorRequired &&
		(p.Role == web.RoleModerator || p.Role == web.RoleAdmin || p.NetworkAdmin)
}

// IsStaff reports whether p works for an organisation and so sees review
// notices.
func IsStaff(p *web.Principal) bool { return p != nil && (p.Role.IsStaff() || p.NetworkAdmin) }

// NeedsReview reports whether a review date is older than the review period.
func (s *Service) NeedsReview(reviewedOn string) bool {
	day, ok := parseDate(reviewedOn)
	return !ok || day.Add(s.opt.ReviewPeriod).Before(s.now())
}

// ImportReport says what an import did.
type ImportReport struct {
	Added, Updated, Unchanged int
	// KeptStaff counts articles staff edited that a pack has a newer text of.
	KeptStaff int
	Entries   int
	// Problems are pack files or entries that were not imported.
	Problems []error
}

// Import loads content packs into the database: the embedded pack first,
// then an organisation's own, file by file overriding it. A file whose hash
// equals what was imported last is skipped; a new or changed file becomes a
// new version. An article staff have edited keeps its text: a newer pack
// text is kept as a version and flagged for staff. Invalid files are not
// imported and come back in the report; the rest still load.
func (s *Service) Import(ctx context.Context, packs ...fs.FS) (ImportReport, error) {
	var rep ImportReport
	pf, err := readPacks(packs...)
	if err != nil {
		return rep, err
	}
	now := s.clock()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		rep = ImportReport{}
		if err := s.store.lockImport(ctx, tx); err != nil {
			return err
		}
		if err := s.importArticles(ctx, tx, pf, now, &rep); err != nil {
			return err
		}
		return s.importDirectory(ctx, tx, pf, now, &rep)
	})
	if err != nil {
		return rep, fmt.Errorf("rights: import: %w", err)
	}
	return rep, nil
}

func (s *Service) importArticles(ctx context.Context, tx *sql.Tx, pf packFiles, now time.Time, rep *ImportReport) error {
	states, err := s.store.packStates(ctx, tx)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(pf.articles) {
		raw := pf.articles[name]
		slug, lang, _ := strings.Cut(strings.TrimSuffix(name, ".md"), ".")
		hash := packHash(raw)
		st, exists := states[langKey{slug, lang}]
		if exists && st.Hash == hash {
			rep.Unchanged++
			continue
		}
		doc, out, err := s.rn.packArticle(name, raw, now)
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Errorf("rights/%s: %w", name, packError(err)))
			continue
		}
		n, err := s.store.nextVersion(ctx, tx, slug, lang)
		if err != nil {
			return err
		}
		if err := s.store.insertVersion(ctx, tx, Version{Slug: slug, Lang: lang, Number: n, Origin: "pack", At: now, Document: string(raw)}); err != nil {
			return err
		}
		if exists && st.Origin == "staff" {
			rep.KeptStaff++
			if err := s.store.markPackNewer(ctx, tx, slug, lang, hash); err != nil {
				return err
			}
			continue
		}
		a := s.stored(doc, out, "pack", n, now)
		a.PackHash = hash
		if err := s.store.putArticle(ctx, tx, a); err != nil {
			return err
		}
		if exists {
			rep.Updated++
		} else {
			rep.Added++
		}
	}
	return nil
}

// stored builds the row of a checked, rendered document.
func (s *Service) stored(d Document, out rendered, origin string, version int, now time.Time) stored {
	var src strings.Builder
	for _, x := range d.Sources {
		src.WriteString(x.Title + "\n")
	}
	return stored{
		Article:     Article{Document: d, HTML: out.HTML, Origin: origin, Version: version, UpdatedAt: now},
		SearchTitle: normalise(d.Title),
		SearchText:  normalise(d.Title + "\n" + d.Summary + "\n" + out.Text + "\n" + src.String()),
	}
}

func (s *Service) importDirectory(ctx context.Context, tx *sql.Tx, pf packFiles, now time.Time, rep *ImportReport) error {
	existing, err := s.store.packEntries(ctx, tx)
	if err != nil {
		return err
	}
	removed, err := s.store.removedPackKeys(ctx, tx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	complete := true
	for _, file := range sortedKeys(pf.directory) {
		entries, err := parseDirectory(pf.directory[file])
		if err != nil {
			complete = false
			rep.Problems = append(rep.Problems, fmt.Errorf("directory/%s: %w", file, err))
			continue
		}
		for i, e := range entries {
			seen[e.packKey] = true
			if removed[e.packKey] {
				continue // staff took it out of the directory
			}
			if f := e.Validate(now); len(f) > 0 {
				rep.Problems = append(rep.Problems, fmt.Errorf("directory/%s: entry %d: %s", file, i+1, describe(f)))
				continue
			}
			old, ok := existing[e.packKey]
			if ok && (old.Origin == "staff" || old.packHash == e.packHash) {
				continue
			}
			e.ID = old.ID
			if !ok {
				e.ID = db.NewID()
			}
			if err := s.store.putEntry(ctx, tx, e, now, ""); err != nil {
				return err
			}
			rep.Entries++
		}
	}
	// An entry a pack no longer lists is gone (a service that closed), unless
	// staff edited it; when a file failed to parse, nothing is removed.
	if !complete {
		return nil
	}
	for key, old := range existing {
		if !seen[key] && old.Origin == "pack" {
			if err := s.store.deleteEntry(ctx, tx, old.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// Article returns an article in lang; when it is not written in lang yet,
// in the other language with fallback set.
func (s *Service) Article(ctx context.Context, slug, lang string) (a Article, fallback bool, err error) {
	if !validLang(lang) {
		return a, false, errLang
	}
	st, err := s.store.article(ctx, s.db, slug, lang, false)
	if apperr.Is(err, apperr.NotFound) {
		st, err = s.store.article(ctx, s.db, slug, otherLang(lang), false)
		fallback = true
	}
	if err != nil {
		return a, false, err
	}
	return st.Article, fallback, nil
}

// Languages lists the languages an article is written in.
func (s *Service) Languages(ctx context.Context, slug string) ([]string, error) {
	return s.store.langsOf(ctx, slug)
}

// inLang keeps one listing per slug, in the order of first appearance: the
// one in lang, else the other language's, marked as a fallback.
func inLang(list []Listing, lang string) []Listing {
	at := map[string]int{} // slug → index in out
	var out []Listing
	for _, m := range list {
		m.Fallback = m.Lang != lang
		i, seen := at[m.Slug]
		switch {
		case !seen:
			at[m.Slug] = len(out)
			out = append(out, m)
		case !m.Fallback:
			out[i] = m
		}
	}
	return out
}

// List returns the articles for a reader of lang, one per slug (in her
// language when it exists), of one jurisdiction when set. With a query,
// only the articles whose text holds every term, in any language, title
// hits first.
func (s *Service) List(ctx context.Context, lang, jurisdiction, query string) ([]Listing, error) {
	if !validLang(lang) {
		return nil, errLang
	}
	if jurisdiction != "" && !jurisdictionRe.MatchString(jurisdiction) {
		return nil, apperr.Field("jurisdiction", "rights.error.jurisdiction")
	}
	all, err := s.store.listings(ctx, jurisdiction)
	if err != nil {
		return nil, err
	}
	terms := searchTerms(query)
	if len(terms) == 0 {
		return inLang(all, lang), nil
	}
	hits, err := s.store.search(ctx, terms, jurisdiction)
	if err != nil {
		return nil, err
	}
	// Rank by the best hit of a slug in any language, and show the slug in
	// the reader's language even when only the other one matched.
	rank := map[string]int{}
	var order []string
	for _, h := range hits {
		if _, ok := rank[h.Slug]; !ok {
			rank[h.Slug] = h.titleHits
			order = append(order, h.Slug)
		}
	}
	bySlug := map[string][]Listing{}
	for _, m := range all {
		bySlug[m.Slug] = append(bySlug[m.Slug], m)
	}
	var ranked []Listing
	for _, slug := range order {
		ranked = append(ranked, bySlug[slug]...)
	}
	return inLang(ranked, lang), nil
}

// Jurisdictions lists the jurisdictions that have articles.
func (s *Service) Jurisdictions(ctx context.Context) ([]string, error) {
	return s.store.jurisdictions(ctx)
}

// Card returns the rights card of a jurisdiction in lang (or the other
// language, with fallback set), and the articles whose key points it holds.
func (s *Service) Card(ctx context.Context, jurisdiction, lang string) (card Article, fallback bool, key []Listing, err error) {
	jurisdiction = strings.ToUpper(jurisdiction)
	if !jurisdictionRe.MatchString(jurisdiction) {
		return card, false, nil, apperr.ErrNotFound
	}
	list, err := s.List(ctx, lang, jurisdiction, "")
	if err != nil {
		return card, false, nil, err
	}
	slug := ""
	for _, m := range list {
		switch {
		case m.IsCard() && slug == "":
			slug = m.Slug
		case m.Card && !m.IsCard():
			key = append(key, m)
		}
	}
	if slug == "" {
		return card, false, nil, apperr.ErrNotFound
	}
	card, fallback, err = s.Article(ctx, slug, lang)
	return card, fallback, key, err
}

// Preview checks a document and renders it, for the edit form: the HTML it
// would show, and the field errors that stop it from being saved.
func (s *Service) Preview(d Document) (string, error) {
	out, f := s.rn.check(d, s.clock())
	return out.HTML, invalid("article", f)
}

// Save stores a staff edit of an article (or a new article or translation)
// as a new version, and records it in the audit log. baseVersion is the
// version the editor started from (0 for a new one): when someone saved in
// between, Save refuses rather than overwrite her.
func (s *Service) Save(ctx context.Context, p *web.Principal, d Document, baseVersion int) (Article, error) {
	if !CanEdit(p) {
		return Article{}, apperr.ErrNotFound
	}
	now := s.clock()
	out, f := s.rn.check(d, now)
	if err := invalid("article", f); err != nil {
		return Article{}, err
	}
	var saved stored
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.store.article(ctx, tx, d.Slug, d.Lang, true)
		switch {
		case apperr.Is(err, apperr.NotFound):
			if baseVersion != 0 {
				return errChanged
			}
		case err != nil:
			return err
		case cur.Version != baseVersion:
			return errChanged
		}
		n, err := s.store.nextVersion(ctx, tx, d.Slug, d.Lang)
		if err != nil {
			return err
		}
		if err := s.store.insertVersion(ctx, tx, Version{Slug: d.Slug, Lang: d.Lang, Number: n, Origin: "staff", At: now,
			ByID: p.UserID, ByOrgID: p.OrgID, Document: d.File()}); err != nil {
			return err
		}
		saved = s.stored(d, out, "staff", n, now)
		// The pack hash stays: a restart with the same pack leaves the edit alone.
		saved.PackHash, saved.UpdatedBy = cur.PackHash, p.UserID
		if err := s.store.putArticle(ctx, tx, saved); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "rights.article.save", "article", d.Slug+"/"+d.Lang)
	})
	if err != nil {
		return Article{}, fmt.Errorf("rights: save %s.%s: %w", d.Slug, d.Lang, err)
	}
	return saved.Article, nil
}

// History lists an article's versions, newest first. The editor's handle
// is shown only to staff of her own organisation.
func (s *Service) History(ctx context.Context, p *web.Principal, slug, lang string) ([]Version, error) {
	if !CanEdit(p) {
		return nil, apperr.ErrNotFound
	}
	if !validLang(lang) {
		return nil, errLang
	}
	vs, err := s.store.versions(ctx, slug, lang)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, apperr.ErrNotFound
	}
	for i := range vs {
		vs[i].By = s.handle(ctx, p, vs[i])
	}
	return vs, nil
}

// Version returns one version with its text.
func (s *Service) Version(ctx context.Context, p *web.Principal, slug, lang string, n int) (Version, error) {
	if !CanEdit(p) {
		return Version{}, apperr.ErrNotFound
	}
	v, err := s.store.version(ctx, slug, lang, n)
	if err != nil {
		return v, err
	}
	v.By = s.handle(ctx, p, v)
	return v, nil
}

func (s *Service) handle(ctx context.Context, p *web.Principal, v Version) string {
	if v.ByID == "" || v.ByOrgID != p.OrgID || s.opt.HandleOf == nil {
		return ""
	}
	h, err := s.opt.HandleOf(ctx, v.ByID)
	if err != nil {
		// A deleted user: the history still shows the version.
		return ""
	}
	return h
}

// Directory lists the services in an area (and the areas inside it) and of
// a kind, each when set.
func (s *Service) Directory(ctx context.Context, area, kind string) ([]Entry, error) {
	if kind != "" && !slices.Contains(Kinds, kind) {
		return nil, errKind
	}
	if area != "" && !areaRe.MatchString(area) {
		return nil, errArea
	}
	return s.store.entries(ctx, area, kind)
}

// Areas lists the areas the directory has entries for.
func (s *Service) Areas(ctx context.Context) ([]string, error) { return s.store.areas(ctx) }

// Entry returns one directory entry.
func (s *Service) Entry(ctx context.Context, id string) (Entry, error) {
	return s.store.entry(ctx, s.db, id)
}

// SaveEntry adds an entry (empty ID) or changes one, and records it in the
// audit log. An entry staff changed is theirs: a later pack leaves it alone.
func (s *Service) SaveEntry(ctx context.Context, p *web.Principal, e Entry) (Entry, error) {
	if !CanEdit(p) {
		return Entry{}, apperr.ErrNotFound
	}
	now := s.clock()
	if e.Languages == nil {
		e.Languages = []string{}
	}
	if err := invalid("entry", e.Validate(now)); err != nil {
		return Entry{}, err
	}
	action := "rights.directory.add"
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if e.ID == "" {
			e.ID = db.NewID()
		} else {
			old, err := s.store.entry(ctx, tx, e.ID)
			if err != nil {
				return err
			}
			e.packKey, e.packHash = old.packKey, old.packHash
			action = "rights.directory.edit"
		}
		e.Origin, e.UpdatedAt = "staff", now
		if err := s.store.putEntry(ctx, tx, e, now, p.UserID); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, action, "directory_entry", e.ID)
	})
	if err != nil {
		return Entry{}, fmt.Errorf("rights: save entry: %w", err)
	}
	return e, nil
}

// RemoveEntry takes an entry out of the directory (a service that closed),
// and records it in the audit log. An entry from a pack stays out: its pack
// key is kept, and imports skip it.
func (s *Service) RemoveEntry(ctx context.Context, p *web.Principal, id string) (Entry, error) {
	if !CanEdit(p) {
		return Entry{}, apperr.ErrNotFound
	}
	var e Entry
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if e, err = s.store.entry(ctx, tx, id); err != nil {
			return err
		}
		if err := s.store.removeEntry(ctx, tx, e, s.clock(), p.UserID); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "rights.directory.remove", "directory_entry", id)
	})
	if err != nil {
		return Entry{}, fmt.Errorf("rights: remove entry: %w", err)
	}
	return e, nil
}

// helpKinds are the services that help after each kind of incident, most
// needed first. Every incident also gets the sex-worker organisations of
// her area.
var helpKinds = map[string][]string{
	"sexual_violence":   {"pep_site", "clinic", "hotline", "shelter"},
	"condom_refusal":    {"pep_site", "clinic"},
	"drugging":          {"clinic", "pep_site", "hotline"},
	"physical_violence": {"clinic", "hotline", "shelter", "legal_aid"},
	"police_abuse":      {"legal_aid"},
	"robbery":           {"legal_aid", "hotline"},
	"theft":             {"legal_aid"},
	"non_payment":       {"legal_aid"},
	"threats":           {"hotline", "legal_aid"},
	"stalking":          {"hotline", "shelter"},
	"blackmail":         {"legal_aid", "hotline"},
}

// Limits on what Help returns, so a confirmation page stays short.
const (
	helpArticles = 5
	helpPerKind  = 3
)

// Help returns what the library offers after an incident, for the report
// confirmation page and the moderator's case view: the articles that say
// they help with one of the incident types (in lang, or the other language
// when not written in lang yet; of the area's country and international
// ones; cards left out), and the directory entries of the kinds that fit
// (police abuse → legal aid; sexual violence → PEP sites, clinics,
// hotlines, shelters; any incident → sex-worker organisations), each kind
// from the nearest area that has one: the area itself, then the areas
// around it ("CN-YN-Kunming", "CN-YN", "CN"), then international ones.
//
// area may be a directory area code or a place name the directory knows
// ("Kunming"); anything else counts as the deployment's default area.
// Unknown incident types are ignored. A capability calls it through an
// interface it declares:
//
//	type rightsHelp interface {
//		Help(ctx context.Context, lang string, incidentTypes []string, area string) (rights.Help, error)
//	}
func (s *Service) Help(ctx context.Context, lang string, incidentTypes []string, area string) (Help, error) {
	if !validLang(lang) {
		lang = s.opt.Lang
	}
	var types []string
	for _, t := range incidentTypes {
		if slices.Contains(IncidentTypes, t) && !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	resolved, err := s.resolveArea(ctx, area)
	if err != nil {
		return Help{}, err
	}
	ladder := areaLadder(resolved)
	var h Help
	if h.Articles, err = s.helpArticles(ctx, lang, types, ladder); err != nil {
		return Help{}, err
	}
	if h.Entries, err = s.helpEntries(ctx, types, ladder); err != nil {
		return Help{}, err
	}
	return h, nil
}

func (s *Service) helpArticles(ctx context.Context, lang string, types, ladder []string) ([]Listing, error) {
	found, err := s.store.byIncidentTypes(ctx, types)
	if err != nil {
		return nil, err
	}
	// Of the area's country first, then international.
	jrank := func(j string) int {
		for i := len(ladder) - 1; i >= 0; i-- {
			if strings.EqualFold(ladder[i], j) {
				return len(ladder) - i
			}
		}
		return -1
	}
	var fit []Listing
	for _, m := range inLang(found, lang) {
		if !m.IsCard() && jrank(m.Jurisdiction) >= 0 {
			fit = append(fit, m)
		}
	}
	matches := func(m Listing) int {
		n := 0
		for _, t := range m.IncidentTypes {
			if slices.Contains(types, t) {
				n++
			}
		}
		return n
	}
	sort.SliceStable(fit, func(i, j int) bool {
		a, b := fit[i], fit[j]
		switch {
		case jrank(a.Jurisdiction) != jrank(b.Jurisdiction):
			return jrank(a.Jurisdiction) > jrank(b.Jurisdiction)
		case a.Card != b.Card:
			return a.Card
		case matches(a) != matches(b):
			return matches(a) > matches(b)
		default:
			// An article about fewer kinds of incident is more to the point.
			return len(a.IncidentTypes) < len(b.IncidentTypes)
		}
	})
	if len(fit) > helpArticles {
		fit = fit[:helpArticles]
	}
	return fit, nil
}

func (s *Service) helpEntries(ctx context.Context, types, ladder []string) ([]Entry, error) {
	var kinds []string
	for _, t := range types {
		for _, k := range helpKinds[t] {
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	kinds = append(kinds, "sex_worker_org")
	all, err := s.store.entriesOfKinds(ctx, kinds)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, k := range kinds {
		for _, level := range ladder {
			var here []Entry
			for _, e := range all {
				if e.Kind == k && strings.EqualFold(e.Area, level) {
					here = append(here, e)
				}
			}
			if len(here) == 0 {
				continue
			}
			if len(here) > helpPerKind {
				here = here[:helpPerKind]
			}
			out = append(out, here...)
			break
		}
	}
	return out, nil
}

// resolveArea turns what an incident says about the place into a directory
// area code.
func (s *Service) resolveArea(ctx context.Context, raw string) (string, error) {
	raw = strings.TrimSpace(norm.NFKC.String(raw))
	if raw == "" {
		return s.opt.DefaultArea, nil
	}
	known, err := s.store.areas(ctx)
	if err != nil {
		return "", err
	}
	for _, a := range known {
		if strings.EqualFold(a, raw) {
			return a, nil
		}
	}
	for _, a := range known {
		if i := strings.LastIndexByte(a, '-'); i > 0 && strings.EqualFold(a[i+1:], raw) {
			return a, nil
		}
	}
	parts := strings.Split(raw, "-")
	parts[0] = strings.ToUpper(parts[0])
	if len(parts) > 1 {
		parts[1] = strings.ToUpper(parts[1])
	}
	if code := strings.Join(parts, "-"); areaRe.MatchString(code) {
		return code, nil
	}
	return s.opt.DefaultArea, nil
}

// areaLadder is an area and the areas around it, nearest first, ending
// with the international entries: CN-YN-Kunming, CN-YN, CN, INT.
func areaLadder(area string) []string {
	var out []string
	for a := area; a != "" && a != "INT"; {
		out = append(out, a)
		i := strings.LastIndexByte(a, '-')
		if i < 0 {
			break
		}
		a = a[:i]
	}
	return append(out, "INT")
}

// importProblems logs what an import could not load: file names and field
// names, never content.
func (s *Service) importProblems(rep ImportReport) {
	for _, p := range rep.Problems {
		s.log.Error("rights: pack file not imported", "err", p)
	}
}

// Load imports the packs and logs the outcome; the server calls it at start.
func (s *Service) Load(ctx context.Context, packs ...fs.FS) error {
	rep, err := s.Import(ctx, packs...)
	if err != nil {
		return err
	}
	s.importProblems(rep)
	s.log.Info("rights: content packs loaded", "added", rep.Added, "updated", rep.Updated, "unchanged", rep.Unchanged,
		"kept_staff_edits", rep.KeptStaff, "directory_entries", rep.Entries, "problems", len(rep.Problems))
	if rep.Added+rep.Updated+rep.Unchanged+rep.KeptStaff == 0 {
		return errors.New("rights: no article in the content packs could be loaded")
	}
	return nil
}
