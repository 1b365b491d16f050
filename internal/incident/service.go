package incident

import (
	"context"
	"database/sql"
	"fmt"
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

// NewAlert is an alert a moderator publishes from a report. It carries
// nothing that links back to the report or the reporter.
type NewAlert struct {
	OrgID         string
	ActorID       string
	Scope         string
	Summary       string
	IncidentTypes []string
	OccurredOn    string
	Area          string
	ExpiresAt     *time.Time
	Identifiers   []ident.Identifier
}

// AlertRef is an alert a moderator may see, shown beside a report that
// shares an identifier with it.
type AlertRef struct {
	ID          string
	Summary     string
	Scope       string
	OrgID       string
	PublishedAt time.Time
}

// AlertMatches are the alerts that share an identifier: the ones the viewer
// may see, and how many there are in all.
type AlertMatches struct {
	Total   int
	Visible []AlertRef
}

// Alerts is what this capability needs of the alert capability.
type Alerts interface {
	Publish(ctx context.Context, tx *sql.Tx, a NewAlert) (id string, err error)
	Matching(ctx context.Context, idx [][]byte, viewerOrgID string) (AlertMatches, error)
}

// Notifier tells an organisation's on-call moderators that a report came in.
type Notifier interface {
	ReportNew(ctx context.Context, tx *sql.Tx, orgID, reportID string) error
}

// Auditor appends to the audit log in the caller's transaction.
type Auditor interface {
	Append(ctx context.Context, tx *sql.Tx, orgID, actorID, action, objectType, objectID string) error
}

// Options configure the service.
type Options struct {
	// PhoneRegion is the default region of phone numbers.
	PhoneRegion string
	// KeepClosed is how long declined and withdrawn reports and closed cases
	// are kept before they are deleted for real.
	KeepClosed time.Duration
	// KeepDrafts is how long an unsubmitted draft is kept.
	KeepDrafts time.Duration
	// AlertTTL is the default lifetime of an alert.
	AlertTTL time.Duration
}

// Service is the incident capability's rules.
type Service struct {
	store  *Store
	db     *db.DB
	keys   *seal.Keyring
	alerts Alerts
	notify Notifier
	audit  Auditor
	opt    Options
	now    func() time.Time
}

// NewService returns the incident service.
func NewService(d *db.DB, keys *seal.Keyring, alerts Alerts, notify Notifier, audit Auditor, opt Options, now func() time.Time) *Service {
	if opt.PhoneRegion == "" {
		opt.PhoneRegion = ident.DefaultRegion
	}
	return &Service{store: NewStore(d, keys), db: d, keys: keys, alerts: alerts, notify: notify, audit: audit, opt: opt, now: now}
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.store }

func (s *Service) clock() time.Time { return db.Time(s.now()) }

// isModerator reports whether p reviews reports of her organisation.
func isModerator(p *web.Principal) bool {
	return p != nil && (p.Role == web.RoleModerator || p.Role == web.RoleAdmin)
}

// SaveDraft creates (id "") or updates her draft report with what she has
// typed so far, at a form step, and returns its id. Whatever is valid is
// kept even when another field is not; the error says what to fix.
func (s *Service) SaveDraft(ctx context.Context, p *web.Principal, id string, d Draft, step string, onBehalf bool) (string, error) {
	now := s.clock()
	clean, ids, verr := d.clean(now, s.opt.PhoneRegion, false)
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var r Report
		if id == "" {
			r = Report{ID: db.NewID(), OrgID: p.OrgID, Status: StatusDraft, OnBehalf: onBehalf && p.Role.IsStaff(), CreatedAt: now, UpdatedAt: now}
			filed := ""
			if r.OnBehalf {
				filed = p.UserID
			}
			if err := s.store.insertReport(ctx, tx, r, p.UserID, filed); err != nil {
				return err
			}
			id = r.ID
		} else {
			var err error
			if r, err = s.ownDraft(ctx, tx, p, id); err != nil {
				return err
			}
		}
		s.apply(&r, clean, step, now)
		return s.store.saveContent(ctx, tx, r, ids)
	})
	if err != nil {
		return "", err
	}
	return id, verr
}

func (s *Service) apply(r *Report, d Draft, step string, now time.Time) {
	r.Step, r.OccurredOn, r.Area, r.Place = step, d.OccurredOn, d.Area, d.Place
	r.IncidentTypes, r.Support, r.Consent = d.IncidentTypes, d.Support, d.Consent
	r.Narrative, r.Description = d.Narrative, d.Description
	r.Priority, r.UpdatedAt = priority(d.IncidentTypes, d.Support), now
}

// ownDraft returns report id when p made it and it is still a draft.
func (s *Service) ownDraft(ctx context.Context, q db.Querier, p *web.Principal, id string) (Report, error) {
	ok, err := s.store.isReporter(ctx, id, p.UserID)
	if err != nil {
		return Report{}, err
	}
	if !ok {
		return Report{}, apperr.ErrNotFound
	}
	r, err := s.store.report(ctx, q, id)
	if err != nil {
		return Report{}, err
	}
	if r.Status != StatusDraft {
		return Report{}, apperr.New(apperr.Conflict, "incident.error.not_draft")
	}
	return r, nil
}

// Draft returns her draft or report for editing (the reporter only).
func (s *Service) Draft(ctx context.Context, p *web.Principal, id string) (Report, error) {
	ok, err := s.store.isReporter(ctx, id, p.UserID)
	if err != nil {
		return Report{}, err
	}
	if !ok {
		return Report{}, apperr.ErrNotFound
	}
	return s.store.report(ctx, s.db, id)
}

// Submit sends her draft to the moderators: at least one incident type is
// needed. A case opens for each support need, and on-call moderators are told.
func (s *Service) Submit(ctx context.Context, p *web.Principal, id string) error {
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		r, err := s.ownDraft(ctx, tx, p, id)
		if err != nil {
			return err
		}
		d := Draft{OccurredOn: r.OccurredOn, Area: r.Area, Place: r.Place, IncidentTypes: r.IncidentTypes, Narrative: r.Narrative,
			Description: r.Description, Support: r.Support, Consent: r.Consent}
		if _, _, err := d.clean(now, s.opt.PhoneRegion, true); err != nil {
			return err
		}
		return s.submit(ctx, tx, r, now)
	})
}

func (s *Service) submit(ctx context.Context, tx *sql.Tx, r Report, now time.Time) error {
	if err := s.store.submit(ctx, tx, r.ID, now); err != nil {
		return err
	}
	for _, need := range r.Support {
		c := Case{ID: db.NewID(), OrgID: r.OrgID, ReportID: r.ID, Need: need, Status: CaseOpen, CreatedAt: now}
		if err := s.store.insertCase(ctx, tx, c); err != nil {
			return err
		}
	}
	if s.notify != nil {
		return s.notify.ReportNew(ctx, tx, r.OrgID, r.ID)
	}
	return nil
}

// Create files a whole report at once (the API): the draft and the submit in
// one transaction.
func (s *Service) Create(ctx context.Context, p *web.Principal, d Draft, onBehalf bool) (Report, error) {
	now := s.clock()
	clean, ids, err := d.clean(now, s.opt.PhoneRegion, true)
	if err != nil {
		return Report{}, err
	}
	r := Report{ID: db.NewID(), OrgID: p.OrgID, Status: StatusDraft, OnBehalf: onBehalf && p.Role.IsStaff(), CreatedAt: now, UpdatedAt: now}
	s.apply(&r, clean, "review", now)
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		filed := ""
		if r.OnBehalf {
			filed = p.UserID
		}
		if err := s.store.insertReport(ctx, tx, r, p.UserID, filed); err != nil {
			return err
		}
		if err := s.store.saveContent(ctx, tx, r, ids); err != nil {
			return err
		}
		return s.submit(ctx, tx, r, now)
	})
	r.Status = StatusPending
	return r, err
}

// Mine lists the reports she made or filed.
func (s *Service) Mine(ctx context.Context, p *web.Principal) ([]Report, error) {
	return s.store.mine(ctx, p.UserID)
}

// AddMessage adds to her report. When a moderator had asked for more
// information, the report goes back to the queue.
func (s *Service) AddMessage(ctx context.Context, p *web.Principal, id, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return apperr.Field("text", "error.required")
	}
	if utf8.RuneCountInString(text) > maxText {
		return apperr.Field("text", "incident.error.too_long")
	}
	ok, err := s.store.isReporter(ctx, id, p.UserID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.ErrNotFound
	}
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		r, err := s.store.report(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Status == StatusDraft || r.Status == StatusWithdrawn {
			return apperr.New(apperr.Conflict, "incident.error.cannot_add")
		}
		if err := s.store.addMessage(ctx, tx, id, false, text, now); err != nil {
			return err
		}
		if r.Status == StatusInfoRequested {
			return s.store.setStatus(ctx, tx, id, StatusPending, now, r.Note)
		}
		return nil
	})
}

// Withdraw takes back her report while it is not published.
func (s *Service) Withdraw(ctx context.Context, p *web.Principal, id string) error {
	ok, err := s.store.isReporter(ctx, id, p.UserID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.ErrNotFound
	}
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		r, err := s.store.report(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Status == StatusPublished || r.Status == StatusWithdrawn {
			return apperr.New(apperr.Conflict, "incident.error.cannot_withdraw")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET status = 'closed', outcome = 'declined_by_member', closed_at = $1 WHERE report_id = $2 AND status <> 'closed'`, now, id); err != nil {
			return fmt.Errorf("incident: close cases: %w", err)
		}
		return s.store.setStatus(ctx, tx, id, StatusWithdrawn, now, "")
	})
}

// Queue lists her organisation's reports waiting for review (pending and
// asked for more information), most urgent first, each with its number of
// corroborations. Moderators and admins only.
func (s *Service) Queue(ctx context.Context, p *web.Principal, status string) ([]Report, error) {
	if !isModerator(p) {
		return nil, apperr.ErrNotFound
	}
	statuses := []string{StatusPending, StatusInfoRequested}
	if status != "" {
		if !slices.Contains([]string{StatusPending, StatusInfoRequested, StatusPublished, StatusDeclined, StatusWithdrawn}, status) {
			return nil, apperr.Field("status", "incident.error.unknown_choice")
		}
		statuses = []string{status}
	}
	reports, err := s.store.queue(ctx, p.OrgID, statuses, 200)
	if err != nil {
		return nil, err
	}
	for i := range reports {
		if reports[i].Identifiers, err = s.store.identifiers(ctx, s.db, reports[i].ID); err != nil {
			return nil, err
		}
		c, err := s.Corroboration(ctx, p, reports[i].ID)
		if err != nil {
			return nil, err
		}
		reports[i].Corroborations = c.Count()
	}
	return reports, nil
}

// Waiting counts her organisation's reports waiting for a moderator.
func (s *Service) Waiting(ctx context.Context, p *web.Principal) (int, error) {
	if !isModerator(p) {
		return 0, apperr.ErrNotFound
	}
	return s.store.countStatus(ctx, p.OrgID, StatusPending)
}

// Corroboration is what else names the same person as a report.
type Corroboration struct {
	// Reports of the viewer's own organisation (she may open them).
	Reports []ReportMatch
	// OtherReports counts matching reports in other organisations.
	OtherReports int
	Alerts       AlertMatches
}

// Count is the number of other reports and alerts that share an identifier.
func (c Corroboration) Count() int { return len(c.Reports) + c.OtherReports + c.Alerts.Total }

// Corroboration finds the reports and alerts, in any organisation of the
// network, that share an identifier with report id: content only where the
// viewer may see it, counts across organisations.
func (s *Service) Corroboration(ctx context.Context, p *web.Principal, id string) (Corroboration, error) {
	var c Corroboration
	idx, err := s.store.matchIndexes(ctx, id)
	if err != nil || len(idx) == 0 {
		return c, err
	}
	matches, err := s.store.matchingReports(ctx, idx, id)
	if err != nil {
		return c, err
	}
	for _, m := range matches {
		if m.OrgID == p.OrgID {
			c.Reports = append(c.Reports, m)
		} else {
			c.OtherReports++
		}
	}
	if s.alerts != nil {
		if c.Alerts, err = s.alerts.Matching(ctx, idx, p.OrgID); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Review opens a report for a moderator of its organisation: the read is
// written to the audit log, and the first review is timed.
func (s *Service) Review(ctx context.Context, p *web.Principal, id string) (Report, Corroboration, error) {
	if !isModerator(p) {
		return Report{}, Corroboration{}, apperr.ErrNotFound
	}
	var r Report
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = s.store.report(ctx, tx, id)
		if err != nil || r.OrgID != p.OrgID || r.Status == StatusDraft {
			return apperr.ErrNotFound
		}
		if err := s.store.markReviewed(ctx, tx, id, s.clock()); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "report.read", "report", id)
	})
	if err != nil {
		return Report{}, Corroboration{}, err
	}
	c, err := s.Corroboration(ctx, p, id)
	r.Corroborations = c.Count()
	return r, c, err
}

// reviewable loads a report a moderator may act on.
func (s *Service) reviewable(ctx context.Context, tx *sql.Tx, p *web.Principal, id string) (Report, error) {
	if !isModerator(p) {
		return Report{}, apperr.ErrNotFound
	}
	r, err := s.store.report(ctx, tx, id)
	if err != nil || r.OrgID != p.OrgID || r.Status == StatusDraft {
		return Report{}, apperr.ErrNotFound
	}
	if r.Status != StatusPending && r.Status != StatusInfoRequested {
		return Report{}, apperr.New(apperr.Conflict, "incident.error.already_decided")
	}
	return r, nil
}

// RequestInfo asks the reporter for more information.
func (s *Service) RequestInfo(ctx context.Context, p *web.Principal, id, question string) error {
	question = strings.TrimSpace(question)
	if question == "" {
		return apperr.Field("question", "error.required")
	}
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		r, err := s.reviewable(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := s.store.addMessage(ctx, tx, id, true, question, now); err != nil {
			return err
		}
		if err := s.store.markReviewed(ctx, tx, id, now); err != nil {
			return err
		}
		if err := s.store.setStatus(ctx, tx, id, StatusInfoRequested, now, r.Note); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "report.ask", "report", id)
	})
}

// Decline closes a report without an alert, with a reason the reporter sees.
func (s *Service) Decline(ctx context.Context, p *web.Principal, id, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return apperr.Field("reason", "error.required")
	}
	if utf8.RuneCountInString(reason) > maxShort {
		return apperr.Field("reason", "incident.error.too_long")
	}
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.reviewable(ctx, tx, p, id); err != nil {
			return err
		}
		if err := s.store.markReviewed(ctx, tx, id, now); err != nil {
			return err
		}
		if err := s.store.setStatus(ctx, tx, id, StatusDeclined, now, reason); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "report.decline", "report", id)
	})
}

// Publication is what a moderator writes to publish an alert from a report.
type Publication struct {
	Summary string
	Scope   string
	// Identifiers to publish; each must be one of the report's (by value, as
	// written or normalised) or a new one she adds.
	Identifiers []RawIdentifier
	Area        string
	// ExpiresOn is the last day the alert shows; empty for the default.
	ExpiresOn string
}

// Publish turns a report into a sanitised alert for the organisation or the
// whole network (network only with the reporter's consent). The alert holds
// no link to the report or the reporter.
func (s *Service) Publish(ctx context.Context, p *web.Principal, id string, pub Publication) (string, error) {
	now := s.clock()
	f := apperr.Fields{}
	pub.Summary = strings.TrimSpace(pub.Summary)
	if pub.Summary == "" {
		f["summary"] = "error.required"
	} else if utf8.RuneCountInString(pub.Summary) > 2000 {
		f["summary"] = "incident.error.too_long"
	}
	if pub.Scope != "org" && pub.Scope != "network" {
		f["scope"] = "incident.error.scope"
	}
	var expires *time.Time
	if pub.ExpiresOn != "" {
		t, err := time.Parse(time.DateOnly, pub.ExpiresOn)
		if err != nil || !t.After(now) {
			f["expires_on"] = "incident.error.expiry"
		} else {
			t = t.Add(24*time.Hour - time.Microsecond)
			expires = &t
		}
	} else if s.opt.AlertTTL > 0 {
		t := now.Add(s.opt.AlertTTL)
		expires = &t
	}
	var ids []ident.Identifier
	for _, raw := range pub.Identifiers {
		if strings.TrimSpace(raw.Value) == "" {
			continue
		}
		id, err := normalizeIdentifier(raw, s.opt.PhoneRegion)
		if err != nil {
			f["identifiers"] = "incident.error.identifier_kind"
			continue
		}
		ids = append(ids, id)
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	var alertID string
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		r, err := s.reviewable(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if pub.Scope == "network" && !r.Consent.Network {
			return apperr.Field("scope", "incident.error.no_network_consent")
		}
		if !r.Consent.Alert && !r.Consent.Network {
			return apperr.New(apperr.Conflict, "incident.error.no_alert_consent")
		}
		area := strings.TrimSpace(pub.Area)
		if area == "" {
			area = r.Area
		}
		alertID, err = s.alerts.Publish(ctx, tx, NewAlert{
			OrgID: p.OrgID, ActorID: p.UserID, Scope: pub.Scope, Summary: pub.Summary, IncidentTypes: r.IncidentTypes,
			OccurredOn: r.OccurredOn, Area: area, ExpiresAt: expires, Identifiers: ids,
		})
		if err != nil {
			return err
		}
		if err := s.store.markReviewed(ctx, tx, id, now); err != nil {
			return err
		}
		if err := s.store.setStatus(ctx, tx, id, StatusPublished, now, ""); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "report.publish", "report", id)
	})
	return alertID, err
}

// Cases lists her organisation's cases: open ones, or all of one report.
func (s *Service) Cases(ctx context.Context, p *web.Principal, reportID string) ([]Case, error) {
	if !isModerator(p) {
		return nil, apperr.ErrNotFound
	}
	return s.store.cases(ctx, p.OrgID, true, reportID)
}

// Case returns a case of her organisation with its notes; the read is audited.
func (s *Service) Case(ctx context.Context, p *web.Principal, id string) (Case, error) {
	if !isModerator(p) {
		return Case{}, apperr.ErrNotFound
	}
	var c Case
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = s.store.caseByID(ctx, tx, id)
		if err != nil || c.OrgID != p.OrgID {
			return apperr.ErrNotFound
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "case.read", "case", id)
	})
	return c, err
}

// CaseUpdate is a change to a case.
type CaseUpdate struct {
	Status     string
	AssigneeID string
	DueOn      string
	Outcome    string
	Note       string
}

// UpdateCase changes a case's status, assignee or due date, adds a note, or
// closes it with an outcome. The first change is the first response.
func (s *Service) UpdateCase(ctx context.Context, p *web.Principal, id string, u CaseUpdate) error {
	if !isModerator(p) {
		return apperr.ErrNotFound
	}
	f := apperr.Fields{}
	if !slices.Contains([]string{CaseOpen, CaseInProgress, CaseClosed}, u.Status) {
		f["status"] = "incident.error.unknown_choice"
	}
	if u.Status == CaseClosed && !slices.Contains(caseOutcomes, u.Outcome) {
		f["outcome"] = "incident.error.outcome_required"
	}
	if u.DueOn != "" {
		if _, err := time.Parse(time.DateOnly, u.DueOn); err != nil {
			f["due_on"] = "incident.error.date"
		}
	}
	if utf8.RuneCountInString(u.Note) > maxText {
		f["note"] = "incident.error.too_long"
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := s.store.caseByID(ctx, tx, id)
		if err != nil || c.OrgID != p.OrgID {
			return apperr.ErrNotFound
		}
		if u.AssigneeID != "" && u.AssigneeID != c.AssigneeID {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = $1 AND org_id = $2 AND role <> 'member'`, u.AssigneeID, p.OrgID).Scan(&n); err != nil {
				return fmt.Errorf("incident: check assignee: %w", err)
			}
			if n == 0 {
				return apperr.Field("assignee", "incident.error.assignee")
			}
		}
		c.Status, c.AssigneeID, c.DueOn = u.Status, u.AssigneeID, u.DueOn
		if c.FirstResponseAt == nil {
			c.FirstResponseAt = &now
		}
		if u.Status == CaseClosed {
			c.Outcome, c.ClosedAt = u.Outcome, &now
		} else {
			c.Outcome, c.ClosedAt = "", nil
		}
		if err := s.store.updateCase(ctx, tx, c); err != nil {
			return err
		}
		if note := strings.TrimSpace(u.Note); note != "" {
			if err := s.store.addNote(ctx, tx, id, p.UserID, note, now); err != nil {
				return err
			}
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "case.update", "case", id)
	})
}

// OpenCase opens a follow-up case outside a report (the check-in capability
// opens one when an escalation reaches staff).
func (s *Service) OpenCase(ctx context.Context, tx *sql.Tx, orgID, source, need string) (string, error) {
	c := Case{ID: db.NewID(), OrgID: orgID, Need: need, Status: CaseOpen, CreatedAt: s.clock()}
	if err := s.store.insertCase(ctx, tx, c); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET source = $1 WHERE id = $2`, source, c.ID); err != nil {
		return "", fmt.Errorf("incident: case source: %w", err)
	}
	return c.ID, nil
}

// Purge deletes what the retention settings no longer keep.
func (s *Service) Purge(ctx context.Context) error {
	now := s.clock()
	if s.opt.KeepClosed > 0 {
		if _, _, err := s.store.Purge(ctx, now.Add(-s.opt.KeepClosed), now.Add(-s.opt.KeepClosed)); err != nil {
			return err
		}
	}
	if s.opt.KeepDrafts > 0 {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM reports WHERE status = 'draft' AND updated_at < $1`, now.Add(-s.opt.KeepDrafts)); err != nil {
			return fmt.Errorf("incident: purge drafts: %w", err)
		}
	}
	return nil
}

// DeleteUser removes what is only hers when her account is deleted: her
// drafts and withdrawn reports. Reports she submitted stay with the
// organisation, no longer linked to any account.
func (s *Service) DeleteUser(ctx context.Context, tx *sql.Tx, userID string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM reports WHERE reporter_idx = $1 AND status IN ('draft', 'withdrawn')`, s.store.reporterIdx(userID))
	if err != nil {
		return fmt.Errorf("incident: delete user's drafts: %w", err)
	}
	return nil
}
