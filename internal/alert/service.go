package alert

import (
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// Notifier fans an alert out to the members in its scope who asked for
// alerts, in the publishing transaction.
type Notifier interface {
	AlertPublished(ctx context.Context, tx *sql.Tx, orgID, scope, alertID string, withdrawn bool) error
}

// Auditor appends to the audit log in the caller's transaction.
type Auditor interface {
	Append(ctx context.Context, tx *sql.Tx, orgID, actorID, action, objectType, objectID string) error
}

// Options configure the service.
type Options struct {
	PhoneRegion string
	// ScreenLimit limits screenings per account, so a client who got an
	// account cannot enumerate the list.
	ScreenLimit *web.Limiter
}

// Service is the alert capability's rules.
type Service struct {
	store  *Store
	db     *db.DB
	notify Notifier
	audit  Auditor
	opt    Options
	now    func() time.Time
}

// NewService returns the alert service.
func NewService(d *db.DB, keys *seal.Keyring, notify Notifier, audit Auditor, opt Options, now func() time.Time) *Service {
	if opt.PhoneRegion == "" {
		opt.PhoneRegion = ident.DefaultRegion
	}
	return &Service{store: NewStore(d, keys), db: d, notify: notify, audit: audit, opt: opt, now: now}
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.store }

func (s *Service) clock() time.Time { return db.Time(s.now()) }

func isModerator(p *web.Principal) bool {
	return p != nil && (p.Role == web.RoleModerator || p.Role == web.RoleAdmin)
}

func (in Input) check() error {
	f := apperr.Fields{}
	if strings.TrimSpace(in.Summary) == "" {
		f["summary"] = "error.required"
	} else if utf8.RuneCountInString(in.Summary) > 2000 {
		f["summary"] = "alert.error.too_long"
	}
	if in.Scope != ScopeOrg && in.Scope != ScopeNetwork {
		f["scope"] = "alert.error.scope"
	}
	if utf8.RuneCountInString(in.Area) > 200 {
		f["area"] = "alert.error.too_long"
	}
	return f.Err()
}

// Publish creates an alert inside the caller's transaction, records it in
// the audit log and fans it out.
func (s *Service) Publish(ctx context.Context, tx *sql.Tx, in Input) (Alert, error) {
	if err := in.check(); err != nil {
		return Alert{}, err
	}
	now := s.clock()
	a := Alert{
		ID: db.NewID(), OrgID: in.OrgID, Scope: in.Scope, Status: StatusActive, Summary: strings.TrimSpace(in.Summary),
		IncidentTypes: in.IncidentTypes, OccurredOn: in.OccurredOn, Area: strings.TrimSpace(in.Area),
		PublishedAt: now, UpdatedAt: now, ExpiresAt: in.ExpiresAt, Identifiers: dedupe(in.Identifiers),
	}
	if err := s.store.insert(ctx, tx, a); err != nil {
		return Alert{}, err
	}
	if err := s.audit.Append(ctx, tx, in.OrgID, in.ActorID, "alert.publish", "alert", a.ID); err != nil {
		return Alert{}, err
	}
	if s.notify != nil {
		if err := s.notify.AlertPublished(ctx, tx, a.OrgID, a.Scope, a.ID, false); err != nil {
			return Alert{}, err
		}
	}
	return a, nil
}

// dedupe drops identifiers that repeat one before them (same kind and
// value): a handful, so a scan beats a map.
func dedupe(ids []ident.Identifier) []ident.Identifier {
	out := make([]ident.Identifier, 0, len(ids))
	for _, id := range ids {
		if !slices.ContainsFunc(out, func(o ident.Identifier) bool { return o.Kind == id.Kind && o.Value == id.Value }) {
			out = append(out, id)
		}
	}
	return out
}

// Feed returns the alerts she sees — her organisation's and every network
// alert, active and not expired — newest first, optionally in one area.
func (s *Service) Feed(ctx context.Context, p *web.Principal, area string, before time.Time, limit int) ([]Alert, error) {
	if before.IsZero() {
		before = s.clock().Add(time.Hour)
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.store.feed(ctx, p.OrgID, s.clock(), strings.TrimSpace(area), before, limit)
}

// Get returns an alert she may see.
func (s *Service) Get(ctx context.Context, p *web.Principal, id string) (Alert, error) {
	a, err := s.store.byID(ctx, s.db, id)
	if err != nil {
		return Alert{}, err
	}
	own := a.OrgID == p.OrgID
	if !own && a.Scope != ScopeNetwork {
		return Alert{}, apperr.ErrNotFound
	}
	// Moderators of the publishing organisation also see withdrawn and
	// expired alerts, to correct them.
	if !(own && isModerator(p)) && (a.Status != StatusActive || a.Expired(s.clock())) {
		return Alert{}, apperr.ErrNotFound
	}
	return a, nil
}

// Correct changes an alert's summary, scope, area, expiry or identifiers
// (moderators of the publishing organisation).
func (s *Service) Correct(ctx context.Context, p *web.Principal, id string, in Input) (Alert, error) {
	if err := in.check(); err != nil {
		return Alert{}, err
	}
	var a Alert
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = s.store.byID(ctx, tx, id)
		if err != nil || !isModerator(p) || a.OrgID != p.OrgID {
			return apperr.ErrNotFound
		}
		if a.Scope == ScopeOrg && in.Scope == ScopeNetwork {
			// Widening the scope would need the reporter's consent, which
			// the alert no longer knows: publish anew from the report.
			return apperr.Field("scope", "alert.error.widen_scope")
		}
		a.Summary, a.Scope, a.Area, a.ExpiresAt = strings.TrimSpace(in.Summary), in.Scope, strings.TrimSpace(in.Area), in.ExpiresAt
		a.Identifiers, a.UpdatedAt = dedupe(in.Identifiers), nextVersion(a.UpdatedAt, s.clock())
		if err := s.store.update(ctx, tx, a); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "alert.correct", "alert", id)
	})
	return a, err
}

// nextVersion is the updated_at of a change made at now to an alert last
// changed at prev. It is always later than prev, even when the clock stands
// still or steps back, so that updated_at is the alert's version: the
// screening cache (alertCache) relies on it.
func nextVersion(prev, now time.Time) time.Time {
	if now.After(prev) {
		return now
	}
	return prev.Add(time.Microsecond)
}

// Withdraw takes an alert down; the withdrawal reaches the same people the
// alert did.
func (s *Service) Withdraw(ctx context.Context, p *web.Principal, id string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		a, err := s.store.byID(ctx, tx, id)
		if err != nil || !isModerator(p) || a.OrgID != p.OrgID {
			return apperr.ErrNotFound
		}
		if a.Status == StatusWithdrawn {
			return nil
		}
		if err := s.store.setStatus(ctx, tx, id, StatusWithdrawn, nextVersion(a.UpdatedAt, s.clock())); err != nil {
			return err
		}
		if err := s.audit.Append(ctx, tx, p.OrgID, p.UserID, "alert.withdraw", "alert", id); err != nil {
			return err
		}
		if s.notify != nil {
			return s.notify.AlertPublished(ctx, tx, a.OrgID, a.Scope, a.ID, true)
		}
		return nil
	})
}

// Screen looks up what she typed — a phone number however written, a WeChat
// or QQ id, a plate — among the alerts she may see. The value is never
// stored or logged; only the day's count of checks and hits grows.
func (s *Service) Screen(ctx context.Context, p *web.Principal, value, kind string) ([]Alert, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, apperr.Field("value", "error.required")
	}
	if s.opt.ScreenLimit != nil && !s.opt.ScreenLimit.Allow(p.UserID) {
		return nil, apperr.New(apperr.RateLimited, "alert.error.screen_limit")
	}
	var candidates []ident.Identifier
	if kind != "" {
		k, ok := ident.ParseKind(kind)
		if !ok {
			return nil, apperr.Field("kind", "alert.error.kind")
		}
		id, err := ident.Normalize(k, value, s.opt.PhoneRegion)
		if err != nil {
			return nil, apperr.Field("value", "alert.error.value")
		}
		candidates = append(candidates, id)
		// A value that was reported as "other" text matches as such too
		// (Candidates includes other already).
		if other, err := ident.Normalize(ident.KindOther, value, s.opt.PhoneRegion); err == nil {
			candidates = append(candidates, other)
		}
	} else {
		candidates = ident.Candidates(value, s.opt.PhoneRegion)
	}
	idx := make([][]byte, 0, len(candidates))
	for _, c := range dedupe(candidates) {
		idx = append(idx, s.store.MatchIndex(c))
	}
	matches, err := s.store.matching(ctx, idx, p.OrgID, s.clock())
	if err != nil {
		return nil, err
	}
	s.store.countScreen(p.OrgID, s.clock().Format(time.DateOnly), len(matches) > 0)
	return matches, nil
}

// ScreenFlushEvery is how often the day's counts of screenings, kept in
// memory, are written to the database. They are statistics: a crash loses
// at most this much of them, and no screening waits for a write.
const ScreenFlushEvery = 5 * time.Second

// RunScreenCounts writes the screenings counted in memory to the database
// every ScreenFlushEvery, and once more when ctx ends (shutdown).
func (s *Service) RunScreenCounts(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(ScreenFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := s.store.FlushScreenCounts(fctx); err != nil {
				log.Error("screen counts lost at shutdown", "err", err)
			}
			return
		case <-t.C:
			if err := s.store.FlushScreenCounts(ctx); err != nil && ctx.Err() == nil {
				log.Error("screen counts not written; kept for the next try", "err", err)
			}
		}
	}
}

// Matching returns, for a moderator's corroboration view, the alerts that
// share one of the blind indexes: those the viewer's organisation may see
// (with content), and how many there are in the whole network.
func (s *Service) Matching(ctx context.Context, idx [][]byte, viewerOrgID string) (visible []Alert, total int, err error) {
	if visible, err = s.store.matching(ctx, idx, viewerOrgID, s.clock()); err != nil {
		return nil, 0, err
	}
	total, err = s.store.countMatching(ctx, idx)
	return visible, max(total, len(visible)), err
}
