package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// User is what notify needs to know of a user.
type User struct {
	ID     string
	OrgID  string
	Handle string
	Lang   string
	Role   web.Role
}

// Directory finds users; the account capability provides it.
type Directory interface {
	// Users returns the users with the given ids that exist.
	Users(ctx context.Context, ids []string) (map[string]User, error)
	// OrgUsers returns an organisation's users.
	OrgUsers(ctx context.Context, orgID string) ([]User, error)
	// StaffIDs returns the ids of an organisation's moderators and admins.
	StaffIDs(ctx context.Context, orgID string) ([]string, error)
}

// Translator renders a message of the catalogs in a language.
type Translator interface {
	Translate(lang, id string, data map[string]any) string
}

// Options configure the capability.
type Options struct {
	SiteName    string
	BaseURL     string // links in SMS and e-mail texts point here, when set
	DefaultLang string
	PhoneRegion string

	WebhookURL    string
	WebhookSecret string
	SMS           SMSConfig // on when Account is set
	SMTP          SMTPConfig
	PushSubject   string
	// AllowHTTPPush accepts push endpoints over plain http (tests only).
	AllowHTTPPush bool

	// Retention is how long finished deliveries are kept (for the status
	// page) before they are deleted.
	Retention time.Duration
	// SendTimeout bounds one delivery attempt.
	SendTimeout time.Duration
	// Batch is how many deliveries one claim takes; Workers how many are
	// sent at once.
	Batch, Workers int
	// MaxAttempts is how many tries a delivery gets before it is given up.
	MaxAttempts int
	// BackoffBase is the wait after the first failed try; each further one
	// doubles it, up to BackoffMax, with random jitter.
	BackoffBase, BackoffMax time.Duration
	// Poll is how often the dispatcher looks for due deliveries when nothing
	// wakes it.
	Poll time.Duration
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{
		SiteName:    "Notes",
		DefaultLang: "zh-CN",
		PhoneRegion: "CN",
		Retention:   7 * 24 * time.Hour,
		SendTimeout: 10 * time.Second,
		Batch:       200,
		Workers:     20,
		MaxAttempts: 12,
		BackoffBase: 5 * time.Second,
		BackoffMax:  30 * time.Minute,
		Poll:        time.Second,
	}
}

// Service is the capability's rules: what is sent to whom, on which
// channel, and the dispatcher that sends it.
type Service struct {
	db       *db.DB
	store    *Store
	dir      Directory
	tr       Translator
	opt      Options
	now      func() time.Time
	log      *slog.Logger
	channels map[ChannelName]Channel
	vapid    VAPIDKeys
	wake     chan struct{}
	testRate *web.Limiter
}

// New returns the service; it makes the web push key pair on first start.
func New(ctx context.Context, d *db.DB, keys *seal.Keyring, dir Directory, tr Translator, opt Options, now func() time.Time, log *slog.Logger) (*Service, error) {
	def := DefaultOptions()
	if opt.Batch <= 0 {
		opt.Batch = def.Batch
	}
	if opt.Workers <= 0 {
		opt.Workers = def.Workers
	}
	if opt.SendTimeout <= 0 {
		opt.SendTimeout = def.SendTimeout
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = def.MaxAttempts
	}
	if opt.BackoffBase <= 0 {
		opt.BackoffBase = def.BackoffBase
	}
	if opt.BackoffMax < opt.BackoffBase {
		opt.BackoffMax = max(def.BackoffMax, opt.BackoffBase)
	}
	if opt.Poll <= 0 {
		opt.Poll = def.Poll
	}
	if opt.Retention <= 0 {
		opt.Retention = def.Retention
	}
	if opt.DefaultLang == "" {
		opt.DefaultLang = def.DefaultLang
	}
	s := &Service{
		db: d, store: NewStore(d, keys), dir: dir, tr: tr, opt: opt, now: now, log: log,
		channels: map[ChannelName]Channel{},
		wake:     make(chan struct{}, 1),
		testRate: web.NewLimiter(time.Minute, 3),
	}
	vk, err := s.loadVAPID(ctx)
	if err != nil {
		return nil, err
	}
	s.vapid = vk
	if opt.WebhookURL != "" {
		s.channels[ChannelWebhook] = NewWebhook(opt.WebhookURL, opt.WebhookSecret, opt.Workers)
	}
	if opt.SMS.Account != "" {
		s.channels[ChannelSMS] = NewSMS(opt.SMS, opt.Workers)
	}
	if opt.SMTP.Host != "" {
		s.channels[ChannelEmail] = NewEmail(opt.SMTP)
	}
	subject := opt.PushSubject
	if subject == "" {
		subject = opt.BaseURL
	}
	s.channels[ChannelPush] = NewPush(vk, subject, opt.Workers)
	return s, nil
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.store }

// SetChannel adds or replaces a channel (tests put fakes in).
func (s *Service) SetChannel(c Channel) { s.channels[c.Name()] = c }

// Enabled reports whether a channel is configured.
func (s *Service) Enabled(ch ChannelName) bool { return s.channels[ch] != nil }

// VAPIDPublicKey is the key browsers subscribe with.
func (s *Service) VAPIDPublicKey() string { return s.vapid.Public }

func (s *Service) clock() time.Time { return db.Time(s.now()) }

const vapidKeyName = "vapid"

// loadVAPID reads the web push key pair, making it on first start. Every
// instance on one database shares it: a subscription made through one
// instance works through all.
func (s *Service) loadVAPID(ctx context.Context) (VAPIDKeys, error) {
	var vk VAPIDKeys
	raw, err := s.store.key(ctx, vapidKeyName)
	if errors.Is(err, apperr.ErrNotFound) {
		fresh, gerr := NewVAPIDKeys()
		if gerr != nil {
			return vk, fmt.Errorf("notify: make VAPID keys: %w", gerr)
		}
		enc, _ := json.Marshal(fresh)
		if err := s.store.putKeyOnce(ctx, vapidKeyName, enc, s.clock()); err != nil {
			return vk, err
		}
		raw, err = s.store.key(ctx, vapidKeyName)
	}
	if err != nil {
		return vk, err
	}
	if err := json.Unmarshal(raw, &vk); err != nil || vk.Public == "" {
		return vk, fmt.Errorf("notify: VAPID keys are malformed")
	}
	return vk, nil
}

// Enqueue writes messages to the outbox in tx, the caller's transaction, so
// a message exists exactly when the event that causes it does. A member's
// message goes to each of her addresses that takes its kind; an outside
// phone or e-mail recipient gets SMS or e-mail; the webhook, when set, gets
// every message. The dispatcher sends once tx commits. Enqueue fills in
// each message's ID (when empty), CreatedAt and normalised address in msgs.
func (s *Service) Enqueue(ctx context.Context, tx *sql.Tx, msgs ...Message) error {
	_, err := s.enqueue(ctx, tx, msgs)
	return err
}

// EnqueueBatch sends one message to the members listed: each gets her own
// message id. For a whole organisation or network, EnqueueAudience writes
// the same in one statement. It returns how many deliveries were written.
func (s *Service) EnqueueBatch(ctx context.Context, tx *sql.Tx, m Message, userIDs []string) (int, error) {
	msgs := make([]Message, len(userIDs))
	for i, id := range userIDs {
		msgs[i] = m
		msgs[i].ID = ""
		msgs[i].To = ToMember(id)
	}
	rows, err := s.enqueue(ctx, tx, msgs)
	return len(rows), err
}

// EnqueueAudience fans one message out to every user of the audience's
// organisations (an alert to every member of a network), in tx, the
// caller's transaction: each gets it on each of her addresses that takes its
// kind, and the webhook, when set, once per user. Each user's message id is
// her own, the same on every channel and retry. m.To is ignored. It returns
// how many deliveries were written.
func (s *Service) EnqueueAudience(ctx context.Context, tx *sql.Tx, m Message, aud Audience) (int, error) {
	if !m.Kind.Valid() {
		return 0, fmt.Errorf("notify: unknown kind %q", m.Kind)
	}
	m.CreatedAt = s.clock()
	var channels []ChannelName
	for _, ch := range Channels() {
		if ch != ChannelWebhook && s.Enabled(ch) {
			channels = append(channels, ch)
		}
	}
	n, err := s.store.fanOut(ctx, tx, db.NewID(), m, aud, channels, s.Enabled(ChannelWebhook))
	if err == nil && n > 0 {
		s.Wake()
	}
	return n, err
}

// Send enqueues messages in a transaction of its own and wakes the dispatcher.
func (s *Service) Send(ctx context.Context, msgs ...Message) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error { return s.Enqueue(ctx, tx, msgs...) })
	if err == nil {
		s.Wake()
	}
	return err
}

// Wake tells the dispatcher of this process that new messages are due
// (callers may call it after their transaction commits; Enqueue does too).
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) enqueue(ctx context.Context, q db.Querier, msgs []Message) ([]outboxRow, error) {
	now := s.clock()
	var members []string
	for i := range msgs {
		m := &msgs[i]
		if err := s.check(m); err != nil {
			return nil, err
		}
		if m.ID == "" {
			m.ID = db.NewID()
		}
		m.CreatedAt = now
		if m.To.Type == RecipientMember {
			members = append(members, m.To.UserID)
		}
	}
	slices.Sort(members)
	members = slices.Compact(members)
	addrs, exist, err := s.store.addressRefs(ctx, q, members)
	if err != nil {
		return nil, err
	}
	for _, id := range members {
		if !exist[id] {
			return nil, errors.New("notify: message to a user who does not exist")
		}
	}
	rows := make([]outboxRow, 0, len(msgs))
	for _, m := range msgs {
		base := outboxRow{MessageID: m.ID, Kind: m.Kind, OrgID: m.OrgID, RcptType: m.To.Type, UserID: m.To.UserID, Lang: m.Lang, Data: m.Data, CreatedAt: now, NextAt: now}
		add := func(ch ChannelName, addressID, address string) {
			r := base
			r.Channel, r.AddressID, r.Address = ch, addressID, address
			rows = append(rows, r)
		}
		switch m.To.Type {
		case RecipientMember:
			for _, a := range addrs[m.To.UserID] {
				if s.Enabled(a.Channel) && (addressReceives(a.Groups, m.Kind)) {
					add(a.Channel, a.ID, "")
				}
			}
		case RecipientPhone:
			if s.Enabled(ChannelSMS) {
				add(ChannelSMS, "", m.To.Phone)
			}
		case RecipientEmail:
			if s.Enabled(ChannelEmail) {
				add(ChannelEmail, "", m.To.Email)
			}
		}
		if s.Enabled(ChannelWebhook) {
			// The webhook payload carries the outside recipient's address,
			// so its row holds it, sealed.
			add(ChannelWebhook, "", m.To.Phone+m.To.Email)
		}
	}
	if err := s.store.insertOutbox(ctx, q, rows); err != nil {
		return nil, err
	}
	s.Wake()
	return rows, nil
}

func addressReceives(gs []Group, k Kind) bool {
	return Address{Groups: gs}.Receives(k)
}

// check validates a message and normalises an outside recipient's address.
func (s *Service) check(m *Message) error {
	if !m.Kind.Valid() {
		return fmt.Errorf("notify: unknown kind %q", m.Kind)
	}
	if m.OrgID == "" {
		return errors.New("notify: message without an organisation")
	}
	switch m.To.Type {
	case RecipientMember:
		if m.To.UserID == "" {
			return errors.New("notify: member recipient without a user id")
		}
		m.To.Phone, m.To.Email = "", ""
	case RecipientPhone:
		p, err := normalizePhone("phone", m.To.Phone, s.opt.PhoneRegion)
		if err != nil {
			return err
		}
		m.To = Recipient{Type: RecipientPhone, Phone: p}
	case RecipientEmail:
		e, err := normalizeEmail("email", m.To.Email)
		if err != nil {
			return err
		}
		m.To = Recipient{Type: RecipientEmail, Email: e}
	default:
		return fmt.Errorf("notify: unknown recipient type %q", m.To.Type)
	}
	if m.Lang != "" && !web.ValidLang(m.Lang) {
		m.Lang = ""
	}
	return nil
}

// TestResult is what a test message went out as.
type TestResult struct {
	ID       string        `json:"id"`
	Channels []ChannelName `json:"channels"`
}

// SendTest sends the principal a message of kind test on each of her
// channels (and to the webhook, which gets every message).
func (s *Service) SendTest(ctx context.Context, p *web.Principal) (TestResult, error) {
	if !s.testRate.Allow(p.UserID) {
		return TestResult{}, apperr.New(apperr.RateLimited, "error.rate_limited")
	}
	m := Message{ID: db.NewID(), Kind: KindTest, OrgID: p.OrgID, To: ToMember(p.UserID)}
	var rows []outboxRow
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		rows, err = s.enqueue(ctx, tx, []Message{m})
		return err
	})
	if err != nil {
		return TestResult{}, err
	}
	s.Wake()
	res := TestResult{ID: m.ID, Channels: []ChannelName{}}
	for _, r := range rows {
		if !slices.Contains(res.Channels, r.Channel) {
			res.Channels = append(res.Channels, r.Channel)
		}
	}
	return res, nil
}

// Addresses.

// Addresses returns the principal's addresses.
func (s *Service) Addresses(ctx context.Context, p *web.Principal) ([]Address, error) {
	return s.store.Addresses(ctx, p.UserID)
}

var errBadSubscription = apperr.Field("subscription", "notify.error.subscription")

func fieldOf(ch ChannelName) string {
	switch ch {
	case ChannelSMS:
		return "phone"
	case ChannelEmail:
		return "email"
	}
	return "subscription"
}

// AddAddress adds a phone number, e-mail address or push subscription (as
// JSON) to the principal's addresses, receiving the groups given (all of
// them when none are).
func (s *Service) AddAddress(ctx context.Context, p *web.Principal, ch ChannelName, raw string, groups []Group) (Address, error) {
	field := fieldOf(ch)
	if !s.Enabled(ch) || ch == ChannelWebhook {
		return Address{}, apperr.Field(field, "notify.error.channel_off")
	}
	var value string
	var err error
	switch ch {
	case ChannelSMS:
		value, err = normalizePhone(field, raw, s.opt.PhoneRegion)
	case ChannelEmail:
		value, err = normalizeEmail(field, raw)
	case ChannelPush:
		var sub Subscription
		sub, err = parseSubscription(raw, s.opt.AllowHTTPPush)
		if err == nil {
			b, _ := json.Marshal(sub)
			value = string(b)
		}
	}
	if err != nil {
		return Address{}, err
	}
	if len(groups) == 0 {
		groups = GroupsFor(p.Role)
	}
	a := Address{ID: db.NewID(), UserID: p.UserID, Channel: ch, Value: value, Groups: groups, CreatedAt: s.clock()}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		n, err := s.store.countAddresses(ctx, tx, p.UserID, ch)
		if err != nil {
			return err
		}
		if n >= MaxAddresses {
			return apperr.Field(field, "notify.error.too_many")
		}
		return s.store.insertAddress(ctx, tx, a)
	})
	return a, err
}

// GroupsFor lists the groups a role may choose between; a new address
// receives all of them. New reports are for moderators and admins.
func GroupsFor(role web.Role) []Group {
	if role == web.RoleModerator || role == web.RoleAdmin {
		return Groups()
	}
	return []Group{GroupAlerts, GroupCheckin}
}

// SetGroups sets which groups one of her addresses receives; groups her
// role cannot get are dropped.
func (s *Service) SetGroups(ctx context.Context, p *web.Principal, id string, groups []Group) error {
	allowed := GroupsFor(p.Role)
	var gs []Group
	for _, g := range groups {
		if slices.Contains(allowed, g) && !slices.Contains(gs, g) {
			gs = append(gs, g)
		}
	}
	return s.store.setAddressGroups(ctx, s.db, p.UserID, id, gs)
}

// RemoveAddress deletes one of her addresses (and what was waiting to go there).
func (s *Service) RemoveAddress(ctx context.Context, p *web.Principal, id string) error {
	return s.store.deleteAddress(ctx, s.db, p.UserID, id)
}

// DeleteUser removes a deleted user's notification data, in the deleting
// transaction (account.Service.OnDelete).
func (s *Service) DeleteUser(ctx context.Context, tx *sql.Tx, userID string) error {
	return s.store.DeleteUser(ctx, tx, userID)
}

// On call.

// OnCall returns who is on call in an organisation for new reports and
// overdue check-ins: its list, or, when it has set none, all its moderators
// and admins, so that no escalation is ever addressed to nobody.
func (s *Service) OnCall(ctx context.Context, q db.Querier, orgID string) ([]string, error) {
	ids, err := s.store.OnCallIDs(ctx, q, orgID)
	if err != nil || len(ids) > 0 {
		return ids, err
	}
	// Only the staff's ids: an organisation of 100,000 members would
	// otherwise have every handle opened for each new report.
	ids, err = s.dir.StaffIDs(ctx, orgID)
	if err != nil {
		return nil, fmt.Errorf("notify: on call fallback: %w", err)
	}
	return ids, nil
}

// OnCallPage is the on-call list of the admin's organisation and the staff
// who could be added to it.
type OnCallPage struct {
	List       []OnCallEntry
	Candidates []OnCallEntry
	// Fallback is true when the list is empty and every moderator and admin
	// is on call.
	Fallback bool
}

// OnCallList returns the admin's organisation's on-call list.
func (s *Service) OnCallList(ctx context.Context, p *web.Principal) (OnCallPage, error) {
	var page OnCallPage
	if p.Role != web.RoleAdmin {
		return page, apperr.ErrNotFound
	}
	ids, err := s.store.OnCallIDs(ctx, s.db, p.OrgID)
	if err != nil {
		return page, err
	}
	users, err := s.dir.OrgUsers(ctx, p.OrgID)
	if err != nil {
		return page, fmt.Errorf("notify: org users: %w", err)
	}
	byID := map[string]User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	for _, id := range ids {
		if u, ok := byID[id]; ok {
			page.List = append(page.List, OnCallEntry{UserID: u.ID, Handle: u.Handle, Role: string(u.Role)})
		}
	}
	for _, u := range users {
		if u.Role.IsStaff() && !slices.Contains(ids, u.ID) {
			page.Candidates = append(page.Candidates, OnCallEntry{UserID: u.ID, Handle: u.Handle, Role: string(u.Role)})
		}
	}
	page.Fallback = len(page.List) == 0
	return page, nil
}

// AddOnCall puts a staff member of the admin's organisation on call.
func (s *Service) AddOnCall(ctx context.Context, p *web.Principal, userID string) error {
	if p.Role != web.RoleAdmin {
		return apperr.ErrNotFound
	}
	users, err := s.dir.Users(ctx, []string{userID})
	if err != nil {
		return fmt.Errorf("notify: on call user: %w", err)
	}
	u, ok := users[userID]
	if !ok || u.OrgID != p.OrgID {
		return apperr.ErrNotFound
	}
	if !u.Role.IsStaff() {
		return apperr.Field("user", "notify.error.oncall_staff")
	}
	return s.store.addOnCall(ctx, s.db, p.OrgID, userID, s.clock())
}

// RemoveOnCall takes a user off the admin's organisation's on-call list.
func (s *Service) RemoveOnCall(ctx context.Context, p *web.Principal, userID string) error {
	if p.Role != web.RoleAdmin {
		return apperr.ErrNotFound
	}
	return s.store.removeOnCall(ctx, s.db, p.OrgID, userID)
}

// Organisation settings.

// FullTexts reports whether the principal's organisation sends full texts.
func (s *Service) FullTexts(ctx context.Context, orgID string) (bool, error) {
	m, err := s.store.fullTexts(ctx, []string{orgID})
	return m[orgID], err
}

// SetFullTexts sets whether the admin's organisation sends texts that say
// what a message is about, instead of the neutral default.
func (s *Service) SetFullTexts(ctx context.Context, p *web.Principal, on bool) error {
	if p.Role != web.RoleAdmin {
		return apperr.ErrNotFound
	}
	return s.store.setFullTexts(ctx, s.db, p.OrgID, on)
}

// Delivery status.

// StatusWindow is how far back the admin page counts.
const StatusWindow = 7 * 24 * time.Hour

// Report is the admin page's delivery status: counts per channel and the
// deliveries given up, without any content.
type Report struct {
	Since    time.Time
	Channels []Status
	Failures []Failure
	Failed   int
}

// DeliveryReport returns the admin's organisation's delivery status.
func (s *Service) DeliveryReport(ctx context.Context, p *web.Principal) (Report, error) {
	if p.Role != web.RoleAdmin {
		return Report{}, apperr.ErrNotFound
	}
	since := s.clock().Add(-StatusWindow)
	r := Report{Since: since}
	var err error
	if r.Channels, err = s.store.Status(ctx, p.OrgID, since); err != nil {
		return r, err
	}
	if r.Failures, err = s.store.Failures(ctx, p.OrgID, since, 50); err != nil {
		return r, err
	}
	for _, st := range r.Channels {
		r.Failed += st.Failed
	}
	return r, nil
}

// FailedRecently counts an organisation's deliveries given up in the status
// window (the admin's home page warns about them).
func (s *Service) FailedRecently(ctx context.Context, orgID string) (int, error) {
	return s.store.FailedCount(ctx, orgID, s.clock().Add(-StatusWindow))
}

// Purge deletes deliveries finished longer ago than the retention period.
func (s *Service) Purge(ctx context.Context) error {
	n, err := s.store.Purge(ctx, s.clock().Add(-s.opt.Retention))
	if err == nil && n > 0 {
		s.log.Info("purged finished notifications", "count", n)
	}
	return err
}

// Texts.

// dataKeys are the template keys the catalogs' full texts use; a message
// without one shows it empty, never as "<no value>".
var dataKeys = []string{"Area", "Handle", "Note", "Path"}

// render fills d's title and text in lang: neutral unless the organisation
// chose full texts; a test message says it is a test. With --base-url set,
// texts that leave as text (SMS, e-mail, webhook) end with the link; a push
// notification opens it when tapped.
func (s *Service) render(d *Delivery, r outboxRow, lang string, full bool) {
	data := map[string]any{"Site": s.opt.SiteName}
	for _, k := range dataKeys {
		data[k] = ""
	}
	for k, v := range r.Data {
		if slices.Contains(dataKeys, k) {
			data[k] = v
		}
	}
	id := "notify.text.neutral"
	switch {
	case r.Kind == KindTest:
		id = "notify.text.test"
	case full && r.Kind == KindAlertPublished && r.Data["Withdrawn"] != "":
		// A withdrawal goes to the same people as the alert, under its kind.
		id = "notify.text.alert.withdrawn"
	case full:
		id = "notify.text." + string(r.Kind)
	}
	d.Lang = lang
	d.Title = s.tr.Translate(lang, "notify.title", data)
	d.Text = s.tr.Translate(lang, id, data)
	// Where the detail is, behind sign-in (or a check-in's safe link): a
	// path that says nothing by itself.
	path := r.Data["Path"]
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		path = "/"
	}
	d.Path = path
	if s.opt.BaseURL != "" && r.Channel != ChannelPush {
		d.Text += "\n" + strings.TrimRight(s.opt.BaseURL, "/") + path
	}
}

// LookupEach finds users one by one with up to 8 look-ups at a time: a
// Directory over a store that finds one user per query uses it, so a batch
// of deliveries waits for 8 round trips at once instead of one after
// another. find reports false for a user that does not exist.
func LookupEach(ctx context.Context, ids []string, find func(ctx context.Context, id string) (User, bool, error)) (map[string]User, error) {
	const parallel = 8
	type found struct {
		u   User
		ok  bool
		err error
	}
	results := make([]found, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel, len(ids)) {
		wg.Go(func() {
			for i := range next {
				u, ok, err := find(ctx, ids[i])
				results[i] = found{u, ok, err}
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	out := make(map[string]User, len(ids))
	for i, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		if r.ok {
			out[ids[i]] = r.u
		}
	}
	return out, nil
}
