package checkin

import (
	"context"
	"crypto/rand"
	"database/sql"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/ident"
	"github.com/sisterline/sisterline/internal/notify"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// Notifier sends the ladder's messages inside the step's transaction.
type Notifier interface {
	Enqueue(ctx context.Context, tx *sql.Tx, msgs ...notify.Message) error
	// OnCall returns the on-call staff of an organisation (all moderators
	// and admins when it has set none), so no escalation goes to nobody.
	OnCall(ctx context.Context, q db.Querier, orgID string) ([]string, error)
	Wake()
}

// Users finds users by handle and their handles by id.
type Users interface {
	UserIDByHandle(ctx context.Context, handle string) (id, orgID string, err error)
	HandleOf(ctx context.Context, id string) (string, error)
}

// Cases opens a follow-up case when an escalation reaches staff.
type Cases interface {
	OpenCase(ctx context.Context, tx *sql.Tx, orgID, source, need string) (string, error)
}

// Options configure the service.
type Options struct {
	// Grace is the default time between ladder steps (an organisation may
	// set its own).
	Grace time.Duration
	// Keep is how long the note and outside buddies' addresses are kept
	// after a check-in ends.
	Keep        time.Duration
	PhoneRegion string
	Hash        seal.HashParams
	// PINTries limits wrong PINs per check-in.
	PINTries *web.Limiter
	// Invites limits buddy requests per user: each answer says whether a
	// handle exists, so they must not be a way to list the members.
	Invites *web.Limiter
	// Batch is how many due steps one transaction fires.
	Batch int
	// Observe, when set, is told how late each fired step was: from its due
	// time until its transaction, messages included, committed (the
	// scheduler's lateness metric).
	Observe func(step string, late time.Duration)
}

// Service is the check-in capability's rules and its scheduler.
type Service struct {
	store  *Store
	db     *db.DB
	notify Notifier
	users  Users
	cases  Cases
	opt    Options
	now    func() time.Time
	log    *slog.Logger
	wake   chan struct{}
}

// NewService returns the check-in service.
func NewService(d *db.DB, keys *seal.Keyring, n Notifier, users Users, cases Cases, opt Options, now func() time.Time, log *slog.Logger) *Service {
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	if opt.Keep <= 0 {
		opt.Keep = 24 * time.Hour
	}
	if opt.PINTries == nil {
		opt.PINTries = web.NewLimiter(10*time.Minute, 5)
	}
	if opt.Invites == nil {
		opt.Invites = web.NewLimiter(3*time.Minute, 20)
	}
	return &Service{store: NewStore(d, keys), db: d, notify: n, users: users, cases: cases, opt: opt, now: now, log: log, wake: make(chan struct{}, 1)}
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.store }

func (s *Service) clock() time.Time { return db.Time(s.now()) }

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func newToken() string { return rand.Text() + rand.Text() }

// Start starts a check-in for her: due after DueIn, with buddies and a note
// that buddies and staff see only if she does not come back.
func (s *Service) Start(ctx context.Context, p *web.Principal, in Start) (Checkin, error) {
	f := apperr.Fields{}
	if in.DueIn < MinDue || in.DueIn > MaxDue {
		f["due_in"] = "checkin.error.due_in"
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > MaxNote {
		f["note"] = "checkin.error.too_long"
	}
	if len(in.Buddies) > MaxBuddies {
		f["buddies"] = "checkin.error.too_many_buddies"
	}
	now := s.clock()
	c := Checkin{ID: db.NewID(), OrgID: p.OrgID, OwnerID: p.UserID, Status: StatusActive, Note: in.Note, CreatedAt: now}
	tokens := map[string]string{}
	for _, b := range in.Buddies {
		buddy, err := s.buddy(ctx, p, b)
		if err != nil {
			ae, _ := apperr.As(err)
			if ae == nil {
				return Checkin{}, err
			}
			f["buddies"] = ae.Message
			continue
		}
		if buddy.UserID == "" {
			tokens[buddy.ID] = newToken()
		}
		c.Buddies = append(c.Buddies, buddy)
	}
	if err := f.Err(); err != nil {
		return Checkin{}, err
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		set, err := s.store.orgSettings(ctx, tx, p.OrgID, s.opt.Grace)
		if err != nil {
			return err
		}
		c.Grace, c.DueAt, c.NextStep = set.Grace, now.Add(in.DueIn), stepRemind
		due := c.DueAt
		c.NextAt = &due
		if err := s.store.insert(ctx, tx, c, tokens); err != nil {
			return err
		}
		if err := s.store.addEvent(ctx, tx, c.ID, EventStarted, now); err != nil {
			return err
		}
		return s.store.count(ctx, tx, c.OrgID, day(now), "started")
	})
	if err != nil {
		return Checkin{}, err
	}
	s.Wake()
	return c, nil
}

// buddy resolves one named buddy: a sister by handle (her own organisation,
// or anyone on her accepted buddy list), or an outside phone or e-mail.
func (s *Service) buddy(ctx context.Context, p *web.Principal, b BuddyIn) (Buddy, error) {
	out := Buddy{ID: db.NewID()}
	n := 0
	for _, v := range []string{b.Handle, b.Phone, b.Email} {
		if strings.TrimSpace(v) != "" {
			n++
		}
	}
	if n != 1 {
		return out, apperr.Field("buddies", "checkin.error.buddy_one")
	}
	switch {
	case strings.TrimSpace(b.Handle) != "":
		id, orgID, err := s.users.UserIDByHandle(ctx, b.Handle)
		if err != nil || id == p.UserID {
			return out, apperr.Field("buddies", "checkin.error.buddy_unknown")
		}
		if orgID != p.OrgID {
			st, err := s.store.linkStatus(ctx, p.UserID, id)
			if err != nil {
				return out, err
			}
			if st != "accepted" {
				return out, apperr.Field("buddies", "checkin.error.buddy_unknown")
			}
		}
		out.UserID = id
	case strings.TrimSpace(b.Phone) != "":
		id, err := ident.Normalize(ident.KindPhone, b.Phone, s.opt.PhoneRegion)
		if err != nil {
			return out, apperr.Field("buddies", "checkin.error.buddy_phone")
		}
		out.Phone = id.Value
	default:
		id, err := ident.Normalize(ident.KindEmail, b.Email, s.opt.PhoneRegion)
		if err != nil {
			return out, apperr.Field("buddies", "checkin.error.buddy_email")
		}
		out.Email = id.Value
	}
	return out, nil
}

// Get returns a check-in to its owner, to staff of her organisation, and to
// her buddies once they were alerted. The note is shown to others only after
// escalation.
func (s *Service) Get(ctx context.Context, p *web.Principal, id string) (Checkin, error) {
	c, err := s.store.get(ctx, s.db, id)
	if err != nil {
		return Checkin{}, err
	}
	if c.OwnerID == p.UserID {
		return asSheSeesIt(c), nil
	}
	staff := c.OrgID == p.OrgID && p.Role.IsStaff()
	buddy := false
	for _, b := range c.Buddies {
		if b.UserID == p.UserID && b.AlertedAt != nil {
			buddy = true
		}
	}
	if !staff && !buddy {
		return Checkin{}, apperr.ErrNotFound
	}
	if c.Status != StatusEscalated && !hasEvent(c, EventBuddyAlerted, EventStaffAlerted, EventPanic) {
		c.Note = ""
	}
	return c, nil
}

func hasEvent(c Checkin, kinds ...string) bool {
	for _, e := range c.Events {
		for _, k := range kinds {
			if e.Kind == k {
				return true
			}
		}
	}
	return false
}

// Mine lists her recent check-ins.
func (s *Service) Mine(ctx context.Context, p *web.Principal) ([]Checkin, error) {
	list, err := s.store.ofOwner(ctx, p.UserID, 20)
	for i := range list {
		list[i] = asSheSeesIt(list[i])
	}
	return list, err
}

// asSheSeesIt is her check-in as her own screens show it. After her duress
// PIN it reads "safe", with no trace of the alerts, whoever holds her phone:
// that is the point of the duress PIN. Buddies and staff see what happened.
func asSheSeesIt(c Checkin) Checkin {
	var at *time.Time
	for _, e := range c.Events {
		if e.Kind == EventDuress {
			t := e.At
			at = &t
		}
	}
	if at == nil {
		return c
	}
	c.Status, c.NextStep, c.NextAt, c.EndedAt = StatusSafe, stepDone, nil, at
	var events []Event
	for _, e := range c.Events {
		switch e.Kind {
		case EventStarted, EventExtended:
			events = append(events, e)
		case EventReminded:
			if e.At.Before(*at) {
				events = append(events, e)
			}
		}
	}
	c.Events = append(events, Event{At: *at, Kind: EventSafe})
	for i := range c.Buddies {
		c.Buddies[i].AlertedAt, c.Buddies[i].AckedAt = nil, nil
	}
	return c
}

// Current returns her newest check-in that has not ended, if any: the one
// her home page counts down.
func (s *Service) Current(ctx context.Context, p *web.Principal) (*Checkin, error) {
	list, err := s.store.ofOwner(ctx, p.UserID, 5)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if c = asSheSeesIt(c); c.Open() {
			return &c, nil
		}
	}
	return nil, nil
}

// Calls lists the open check-ins on which she was alerted as a buddy and
// has not yet said she is on it: a sister who needs her now.
func (s *Service) Calls(ctx context.Context, p *web.Principal) ([]Checkin, error) {
	list, err := s.ForBuddy(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []Checkin
	for _, c := range list {
		if !c.Open() {
			continue
		}
		for _, b := range c.Buddies {
			if b.UserID == p.UserID && b.AlertedAt != nil && b.AckedAt == nil {
				out = append(out, c)
				break
			}
		}
	}
	return out, nil
}

// own loads her check-in for a change, in tx.
func (s *Service) own(ctx context.Context, tx *sql.Tx, p *web.Principal, id string) (Checkin, error) {
	c, err := s.store.getForUpdate(ctx, tx, id)
	if err != nil || c.OwnerID != p.UserID {
		return Checkin{}, apperr.ErrNotFound
	}
	return c, nil
}

// checkPIN checks the PIN she gave for a check-in: it reports whether it was
// her duress PIN (with the organisation's duress option on). Without a PIN
// set, any (or no) PIN passes.
func (s *Service) checkPIN(ctx context.Context, c Checkin, pin string, required bool) (duress bool, err error) {
	hash, duressHash, err := s.store.pins(ctx, c.OwnerID)
	if err != nil {
		return false, err
	}
	if hash == "" {
		if required {
			return false, apperr.Field("pin", "checkin.error.pin_not_set")
		}
		return false, nil
	}
	if !s.opt.PINTries.Allow(c.ID) {
		return false, apperr.New(apperr.RateLimited, "checkin.error.pin_tries")
	}
	pin = strings.TrimSpace(pin)
	if ok, _, _ := seal.VerifyPassphrase(pin, hash, s.opt.Hash); ok {
		return false, nil
	}
	if duressHash != "" {
		set, err := s.store.orgSettings(ctx, s.db, c.OrgID, s.opt.Grace)
		if err != nil {
			return false, err
		}
		if ok, _, _ := seal.VerifyPassphrase(pin, duressHash, s.opt.Hash); ok && set.DuressEnabled {
			return true, nil
		}
	}
	return false, apperr.Field("pin", "checkin.error.pin_wrong")
}

// Safe marks her safe: the ladder stops, and whoever was already alerted is
// told. When she has set a PIN, it is needed; her duress PIN (where her
// organisation allows one) looks the same to whoever watches, but calls
// buddies and staff at once.
func (s *Service) Safe(ctx context.Context, p *web.Principal, id, pin string) (Checkin, error) {
	c, err := s.store.get(ctx, s.db, id)
	if err != nil || c.OwnerID != p.UserID {
		return Checkin{}, apperr.ErrNotFound
	}
	return s.safe(ctx, c, pin, false)
}

// SafeByLink marks her safe from the link in her reminder: the link alone
// is not enough, her PIN is needed, so a stolen phone cannot cancel it.
func (s *Service) SafeByLink(ctx context.Context, token, pin string) (Checkin, error) {
	id, err := s.store.bySafeToken(ctx, token)
	if err != nil {
		return Checkin{}, apperr.ErrNotFound
	}
	c, err := s.store.get(ctx, s.db, id)
	if err != nil {
		return Checkin{}, err
	}
	if seen := asSheSeesIt(c); !seen.Open() {
		// Ended, or ended as far as her phone shows after her duress PIN.
		return seen, nil
	}
	return s.safe(ctx, c, pin, true)
}

// SafeLink is what her "I'm safe" link shows: whether the check-in is still
// open and whether she has a PIN (without one, the link cannot mark her safe
// and she signs in instead). Nothing else: whoever holds her phone sees no
// more than this.
type SafeLink struct {
	Open   bool
	HasPIN bool
}

// CheckinByLink returns what a safe link may show.
func (s *Service) CheckinByLink(ctx context.Context, token string) (SafeLink, error) {
	id, err := s.store.bySafeToken(ctx, token)
	if err != nil {
		return SafeLink{}, apperr.ErrNotFound
	}
	c, err := s.store.get(ctx, s.db, id)
	if err != nil {
		return SafeLink{}, err
	}
	pin, _, err := s.store.pins(ctx, c.OwnerID)
	return SafeLink{Open: asSheSeesIt(c).Open(), HasPIN: pin != ""}, err
}

func (s *Service) safe(ctx context.Context, c Checkin, pin string, pinRequired bool) (Checkin, error) {
	if !c.Open() {
		return c, nil
	}
	duress, err := s.checkPIN(ctx, c, pin, pinRequired)
	if err != nil {
		return Checkin{}, err
	}
	if duress {
		got, err := s.panic(ctx, c.ID, EventDuress)
		if err != nil {
			return Checkin{}, err
		}
		// What she and whoever is watching see: "safe".
		return asSheSeesIt(got), nil
	}
	now := s.clock()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		cur, err := s.store.getForUpdate(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if !cur.Open() {
			c = cur
			return nil
		}
		msgs, err := s.safeMessages(ctx, tx, cur)
		if err != nil {
			return err
		}
		cur.Status, cur.NextStep, cur.NextAt, cur.EndedAt = StatusSafe, stepDone, nil, &now
		purge := now.Add(s.opt.Keep)
		if err := s.store.update(ctx, tx, cur, &purge); err != nil {
			return err
		}
		if err := s.store.addEvent(ctx, tx, cur.ID, EventSafe, now); err != nil {
			return err
		}
		if err := s.store.count(ctx, tx, cur.OrgID, day(now), "safe"); err != nil {
			return err
		}
		c = cur
		return s.notify.Enqueue(ctx, tx, msgs...)
	})
	if err == nil {
		s.notify.Wake()
	}
	return c, err
}

// safeMessages tells whoever was already alerted that she is safe.
func (s *Service) safeMessages(ctx context.Context, tx *sql.Tx, c Checkin) ([]notify.Message, error) {
	var msgs []notify.Message
	handle, err := s.users.HandleOf(ctx, c.OwnerID)
	if err != nil {
		return nil, err
	}
	data := map[string]string{"Handle": handle}
	for _, b := range c.Buddies {
		if b.AlertedAt != nil {
			msgs = append(msgs, s.toBuddy(c, b, notify.KindCheckinSafe, data, ""))
		}
	}
	if hasEvent(c, EventStaffAlerted) {
		staff, err := s.notify.OnCall(ctx, tx, c.OrgID)
		if err != nil {
			return nil, err
		}
		for _, id := range staff {
			msgs = append(msgs, notify.Message{Kind: notify.KindCheckinSafe, OrgID: c.OrgID, To: notify.ToMember(id), Data: data})
		}
	}
	return msgs, nil
}

func (s *Service) toBuddy(c Checkin, b Buddy, kind notify.Kind, data map[string]string, token string) notify.Message {
	m := notify.Message{Kind: kind, OrgID: c.OrgID, Data: map[string]string{}}
	for k, v := range data {
		m.Data[k] = v
	}
	switch {
	case b.UserID != "":
		m.To = notify.ToMember(b.UserID)
		m.Data["Path"] = "/checkins/" + c.ID
	case b.Phone != "":
		m.To = notify.ToPhone(b.Phone)
	default:
		m.To = notify.ToEmail(b.Email)
	}
	if token != "" && b.UserID == "" {
		m.Data["Path"] = BuddyLinkPath(token)
	}
	return m
}

// Panic is "help now": buddies and staff are alerted at once.
func (s *Service) Panic(ctx context.Context, p *web.Principal, id string) (Checkin, error) {
	c, err := s.store.get(ctx, s.db, id)
	if err != nil || c.OwnerID != p.UserID {
		return Checkin{}, apperr.ErrNotFound
	}
	return s.panic(ctx, id, EventPanic)
}

// panic alerts buddies and staff at once; kind says why: her "help now"
// (EventPanic) or her duress PIN (EventDuress).
func (s *Service) panic(ctx context.Context, id, kind string) (Checkin, error) {
	var c Checkin
	now := s.clock()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if c, err = s.store.getForUpdate(ctx, tx, id); err != nil {
			return err
		}
		if !c.Open() {
			return apperr.New(apperr.Conflict, "checkin.error.ended")
		}
		if err := s.store.addEvent(ctx, tx, c.ID, kind, now); err != nil {
			return err
		}
		c.Events = append(c.Events, Event{At: now, Kind: kind})
		var msgs []notify.Message
		if !hasEvent(c, EventBuddyAlerted) {
			m, err := s.fireBuddies(ctx, tx, &c, now)
			if err != nil {
				return err
			}
			msgs = append(msgs, m...)
		}
		if !hasEvent(c, EventStaffAlerted) {
			m, err := s.fireStaff(ctx, tx, &c, now)
			if err != nil {
				return err
			}
			msgs = append(msgs, m...)
		}
		c.NextStep, c.NextAt = stepDone, nil
		purge := now.Add(max(s.opt.Keep, 7*24*time.Hour))
		if err := s.store.update(ctx, tx, c, &purge); err != nil {
			return err
		}
		return s.notify.Enqueue(ctx, tx, msgs...)
	})
	if err == nil {
		s.notify.Wake()
	}
	return c, err
}

// Extend gives her more time, while her buddies have not been alerted yet.
func (s *Service) Extend(ctx context.Context, p *web.Principal, id string, by time.Duration) (Checkin, error) {
	if by < MinDue || by > MaxDue {
		return Checkin{}, apperr.Field("due_in", "checkin.error.due_in")
	}
	var c Checkin
	now := s.clock()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if c, err = s.own(ctx, tx, p, id); err != nil {
			return err
		}
		if c.Status != StatusActive && c.Status != StatusOverdue {
			return apperr.New(apperr.Conflict, "checkin.error.cannot_extend")
		}
		c.DueAt = now.Add(by)
		due := c.DueAt
		c.Status, c.NextStep, c.NextAt = StatusActive, stepRemind, &due
		if err := s.store.update(ctx, tx, c, nil); err != nil {
			return err
		}
		return s.store.addEvent(ctx, tx, c.ID, EventExtended, now)
	})
	if err == nil {
		s.Wake()
	}
	return c, err
}

// Acknowledge records that a buddy with an account is on it.
func (s *Service) Acknowledge(ctx context.Context, p *web.Principal, id string) error {
	c, err := s.store.get(ctx, s.db, id)
	if err != nil {
		return apperr.ErrNotFound
	}
	for _, b := range c.Buddies {
		if b.UserID == p.UserID && b.AlertedAt != nil {
			return s.ack(ctx, c.ID, b.ID)
		}
	}
	return apperr.ErrNotFound
}

// AcknowledgeByLink records that an outside buddy is on it, from her link.
func (s *Service) AcknowledgeByLink(ctx context.Context, token string) error {
	cid, bid, err := s.store.buddyByToken(ctx, token)
	if err != nil {
		return apperr.ErrNotFound
	}
	return s.ack(ctx, cid, bid)
}

// BuddyLink is what an outside buddy sees from her link, once alerted: the
// check-in, the handle of the sister who did not come back, and her own
// place on it (alerted, acknowledged).
type BuddyLink struct {
	Checkin Checkin
	Handle  string
	Buddy   Buddy
}

// BuddyView returns what an outside buddy's link shows; before she was
// alerted, the link shows nothing.
func (s *Service) BuddyView(ctx context.Context, token string) (BuddyLink, error) {
	cid, bid, err := s.store.buddyByToken(ctx, token)
	if err != nil {
		return BuddyLink{}, apperr.ErrNotFound
	}
	c, err := s.store.get(ctx, s.db, cid)
	if err != nil {
		return BuddyLink{}, err
	}
	out := BuddyLink{Checkin: c}
	for _, b := range c.Buddies {
		if b.ID == bid {
			out.Buddy = b
		}
	}
	if out.Buddy.AlertedAt == nil {
		return BuddyLink{}, apperr.ErrNotFound
	}
	out.Handle, err = s.users.HandleOf(ctx, c.OwnerID)
	return out, err
}

func (s *Service) ack(ctx context.Context, checkinID, buddyID string) error {
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		fresh, err := s.store.ack(ctx, tx, buddyID, now)
		if err != nil || !fresh {
			return err
		}
		return s.store.addEvent(ctx, tx, checkinID, EventAcknowledged, now)
	})
}

// Escalated lists her organisation's escalated check-ins (staff), with
// their buddies.
func (s *Service) Escalated(ctx context.Context, p *web.Principal) ([]Checkin, error) {
	if !p.Role.IsStaff() {
		return nil, apperr.ErrNotFound
	}
	list, err := s.store.escalatedIn(ctx, p.OrgID)
	if err != nil {
		return nil, err
	}
	return s.withBuddies(ctx, list)
}

// ForBuddy lists the check-ins on which she was called as a buddy, with
// their buddies.
func (s *Service) ForBuddy(ctx context.Context, p *web.Principal) ([]Checkin, error) {
	list, err := s.store.forBuddy(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	return s.withBuddies(ctx, list)
}

func (s *Service) withBuddies(ctx context.Context, list []Checkin) ([]Checkin, error) {
	for i := range list {
		var err error
		if list[i].Buddies, err = s.store.buddies(ctx, s.db, list[i].ID); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// Close ends an escalated check-in once staff have resolved it, so its note
// and addresses are purged on schedule.
func (s *Service) Close(ctx context.Context, p *web.Principal, id string) error {
	if !p.Role.IsStaff() {
		return apperr.ErrNotFound
	}
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := s.store.getForUpdate(ctx, tx, id)
		if err != nil || c.OrgID != p.OrgID {
			return apperr.ErrNotFound
		}
		if c.EndedAt != nil {
			return nil
		}
		c.NextStep, c.NextAt, c.EndedAt = stepDone, nil, &now
		purge := now.Add(s.opt.Keep)
		return s.store.update(ctx, tx, c, &purge)
	})
}

// SetPIN sets her check-in PIN (4 to 8 digits) and, optionally, a duress PIN.
func (s *Service) SetPIN(ctx context.Context, p *web.Principal, pin, duress string) error {
	pin, duress = strings.TrimSpace(pin), strings.TrimSpace(duress)
	f := apperr.Fields{}
	if pin != "" && !validPIN(pin) {
		f["pin"] = "checkin.error.pin_format"
	}
	if duress != "" && (!validPIN(duress) || duress == pin || pin == "") {
		f["duress"] = "checkin.error.duress_format"
	}
	if err := f.Err(); err != nil {
		return err
	}
	var ph, dh string
	if pin != "" {
		ph = seal.HashPassphrase(pin, s.opt.Hash)
	}
	if duress != "" {
		dh = seal.HashPassphrase(duress, s.opt.Hash)
	}
	return s.store.setPins(ctx, p.UserID, ph, dh)
}

// HasPIN reports whether she has set a check-in PIN, and a duress PIN.
func (s *Service) HasPIN(ctx context.Context, p *web.Principal) (pin, duress bool, err error) {
	ph, dh, err := s.store.pins(ctx, p.UserID)
	return ph != "", dh != "", err
}

func validPIN(pin string) bool {
	if len(pin) < 4 || len(pin) > 8 {
		return false
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// OrgSettings returns her organisation's check-in settings.
func (s *Service) OrgSettings(ctx context.Context, p *web.Principal) (OrgSettings, error) {
	return s.store.orgSettings(ctx, s.db, p.OrgID, s.opt.Grace)
}

// SetOrgSettings changes the organisation's grace period and duress option
// (admins).
func (s *Service) SetOrgSettings(ctx context.Context, p *web.Principal, o OrgSettings) error {
	if p.Role != web.RoleAdmin {
		return apperr.ErrNotFound
	}
	if o.Grace < time.Minute || o.Grace > 2*time.Hour {
		return apperr.Field("grace", "checkin.error.grace")
	}
	return s.store.setOrgSettings(ctx, p.OrgID, o)
}

// Counts returns how many check-ins her organisation started, saw marked
// safe and escalated in the last 30 days (admins): the counts that outlive
// the check-ins.
func (s *Service) Counts(ctx context.Context, p *web.Principal) (started, safe, escalated int64, err error) {
	if p.Role != web.RoleAdmin {
		return 0, 0, 0, apperr.ErrNotFound
	}
	now := s.clock()
	return s.store.Counts(ctx, p.OrgID, day(now.AddDate(0, 0, -29)), day(now))
}

// Buddies returns her buddy list with handles.
func (s *Service) Buddies(ctx context.Context, p *web.Principal) ([]Link, error) {
	links, err := s.store.links(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	for i := range links {
		if links[i].Handle, err = s.users.HandleOf(ctx, links[i].UserID); err != nil {
			return nil, err
		}
	}
	return links, nil
}

// InviteBuddy asks a sister, by handle, to be her buddy. When the sister had
// already asked her, they are buddies at once.
func (s *Service) InviteBuddy(ctx context.Context, p *web.Principal, handle string) error {
	if strings.TrimSpace(handle) == "" {
		return apperr.Field("handle", "error.required")
	}
	if !s.opt.Invites.Allow(p.UserID) {
		return apperr.New(apperr.RateLimited, "error.rate_limited")
	}
	id, _, err := s.users.UserIDByHandle(ctx, handle)
	if err != nil || id == p.UserID {
		if ae, ok := apperr.As(err); ok && ae.Code == apperr.Internal {
			return err
		}
		return apperr.Field("handle", "checkin.error.handle_unknown")
	}
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		theirs, err := s.store.linkStatus(ctx, id, p.UserID)
		if err != nil {
			return err
		}
		if theirs != "" {
			if err := s.store.putLink(ctx, tx, id, p.UserID, "accepted", now); err != nil {
				return err
			}
			return s.store.putLink(ctx, tx, p.UserID, id, "accepted", now)
		}
		return s.store.putLink(ctx, tx, p.UserID, id, "pending", now)
	})
}

// AcceptBuddy accepts a sister's request.
func (s *Service) AcceptBuddy(ctx context.Context, p *web.Principal, userID string) error {
	st, err := s.store.linkStatus(ctx, userID, p.UserID)
	if err != nil {
		return err
	}
	if st == "" {
		return apperr.ErrNotFound
	}
	now := s.clock()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.store.putLink(ctx, tx, userID, p.UserID, "accepted", now); err != nil {
			return err
		}
		return s.store.putLink(ctx, tx, p.UserID, userID, "accepted", now)
	})
}

// RemoveBuddy ends a buddy link, or declines a request, both ways.
func (s *Service) RemoveBuddy(ctx context.Context, p *web.Principal, userID string) error {
	gone, err := s.store.deleteLink(ctx, s.db, p.UserID, userID)
	if err == nil && !gone {
		return apperr.ErrNotFound
	}
	return err
}

// DeleteUser removes what is hers when her account is deleted, in the
// deleting transaction: her check-ins (with their notes, buddies and
// history), her places on others' check-ins, her buddy links and PINs. Only
// the organisation's daily counts remain.
func (s *Service) DeleteUser(ctx context.Context, tx *sql.Tx, userID string) error {
	return s.store.deleteUser(ctx, tx, userID)
}

// Purge deletes check-ins whose keeping time has passed.
func (s *Service) Purge(ctx context.Context) error {
	_, err := s.store.purge(ctx, s.clock())
	return err
}

// Heartbeat returns when the scheduler last ran a round.
func (s *Service) Heartbeat(ctx context.Context) (time.Time, error) {
	return s.store.Heartbeat(ctx, heartbeatName)
}

func (s *Service) logError(msg string, err error) {
	if s.log != nil {
		s.log.Error(msg, "err", err)
	}
}
