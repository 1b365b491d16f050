package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// Options configure the service.
type Options struct {
	Hash            seal.HashParams
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	APITokenIdle    time.Duration
	APITokenMax     time.Duration
	InviteTTL       time.Duration
	SiteName        string
	// SignInPerAccount limits sign-in attempts per handle (burst, then one per
	// interval) from browsers without this account's device cookie.
	SignInPerAccount *web.Limiter
	// SignInPerAddress limits sign-in attempts per client address.
	SignInPerAddress *web.Limiter
	// TOTPPerAccount limits second-factor attempts per account.
	TOTPPerAccount *web.Limiter
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{
		Hash:             seal.DefaultHashParams,
		SessionIdle:      30 * time.Minute,
		SessionAbsolute:  12 * time.Hour,
		APITokenIdle:     14 * 24 * time.Hour,
		APITokenMax:      90 * 24 * time.Hour,
		InviteTTL:        7 * 24 * time.Hour,
		SiteName:         "Notes",
		SignInPerAccount: web.NewLimiter(3*time.Minute, 10),
		SignInPerAddress: web.NewLimiter(6*time.Second, 20),
		TOTPPerAccount:   web.NewLimiter(time.Minute, 5),
	}
}

// Service is the account capability's rules.
type Service struct {
	store *Store
	audit *Audit
	keys  *seal.Keyring
	db    *db.DB
	opt   Options
	now   func() time.Time
	log   *slog.Logger
	// dummyHash is verified against when a handle does not exist, so a wrong
	// handle costs the same time as a wrong passphrase. It is made on first
	// use, not at start: each hash costs tens of milliseconds and 64 MiB.
	dummyHash func() string
	// hashing admits at most as many passphrase hashes at once as there are
	// cores: each holds 64 MiB, and a burst of sign-ins must not exhaust memory.
	hashing chan struct{}
	// onDelete are called, in the deleting transaction, to remove what is
	// only the user's in other capabilities.
	onDelete []func(ctx context.Context, tx *sql.Tx, userID string) error
}

// NewService returns the account service.
func NewService(d *db.DB, keys *seal.Keyring, opt Options, now func() time.Time, log *slog.Logger) *Service {
	return &Service{
		store: NewStore(d, keys), audit: NewAudit(d, now), keys: keys, db: d, opt: opt, now: now, log: log,
		dummyHash: sync.OnceValue(func() string { return seal.HashPassphrase(rand.Text(), opt.Hash) }),
		hashing:   make(chan struct{}, max(1, runtime.GOMAXPROCS(0))),
	}
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.store }

// Audit returns the audit log.
func (s *Service) Audit() *Audit { return s.audit }

// OnDelete registers a hook that removes a deleted user's own data elsewhere.
func (s *Service) OnDelete(fn func(ctx context.Context, tx *sql.Tx, userID string) error) {
	s.onDelete = append(s.onDelete, fn)
}

func (s *Service) clock() time.Time { return db.Time(s.now()) }

// Bootstrap creates the network's first organisation and its first admin, who
// is also network admin. It refuses when the handle exists.
func (s *Service) Bootstrap(ctx context.Context, orgName, orgSlug, handle, pass, lang string) (User, error) {
	slug, err := NormalizeSlug(orgSlug)
	if err != nil {
		return User{}, err
	}
	if strings.TrimSpace(orgName) == "" {
		return User{}, apperr.Field("name", "error.required")
	}
	display, key, err := NormalizeHandle(handle)
	if err != nil {
		return User{}, err
	}
	if err := CheckPassphrase("passphrase", pass); err != nil {
		return User{}, err
	}
	hash, err := s.hash(ctx, pass)
	if err != nil {
		return User{}, err
	}
	now := s.clock()
	u := User{ID: db.NewID(), Handle: display, Role: web.RoleAdmin, NetworkAdmin: true, Lang: lang, CreatedAt: now}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		org, err := s.store.orgBy(ctx, tx, "slug", slug)
		if errors.Is(err, apperr.ErrNotFound) {
			org = Org{ID: db.NewID(), Slug: slug, Name: strings.TrimSpace(orgName), CreatedAt: now}
			if err := s.store.insertOrg(ctx, tx, org); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		u.OrgID, u.OrgSlug = org.ID, org.Slug
		if err := s.store.insertUser(ctx, tx, u, key, hash); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, org.ID, u.ID, "user.bootstrap", "user", u.ID)
	})
	return u, err
}

// CreateOrg adds an organisation to the network (network admins).
func (s *Service) CreateOrg(ctx context.Context, p *web.Principal, name, slug string) (Org, error) {
	if p == nil || !p.NetworkAdmin {
		return Org{}, apperr.ErrNotFound
	}
	f := apperr.Fields{}
	slug, err := NormalizeSlug(slug)
	if ae, ok := apperr.As(err); ok {
		f["slug"] = ae.Message
	}
	name = strings.TrimSpace(name)
	if name == "" {
		f["name"] = "error.required"
	} else if len([]rune(name)) > 100 {
		f["name"] = "account.error.too_long"
	}
	if err := f.Err(); err != nil {
		return Org{}, err
	}
	o := Org{ID: db.NewID(), Slug: slug, Name: name, CreatedAt: s.clock()}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.store.insertOrg(ctx, tx, o); err != nil {
			if errors.Is(err, apperr.ErrConflict) {
				return apperr.Field("slug", "account.error.slug_taken")
			}
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "org.create", "org", o.ID)
	})
	return o, err
}

// Orgs lists the organisations with their user counts (network admins).
func (s *Service) Orgs(ctx context.Context, p *web.Principal) ([]Org, map[string]int, error) {
	if p == nil || !p.NetworkAdmin {
		return nil, nil, apperr.ErrNotFound
	}
	return s.store.Orgs(ctx)
}

// CreateInvite makes a single-use invite code. Admins invite any role to their
// organisation; network admins may pick the organisation by slug; outreach
// workers invite members only.
func (s *Service) CreateInvite(ctx context.Context, p *web.Principal, role web.Role, orgSlug string) (code string, inv Invite, err error) {
	if !web.ValidRole(string(role)) {
		return "", Invite{}, apperr.Field("role", "account.error.role")
	}
	orgID := p.OrgID
	if orgSlug != "" && orgSlug != p.OrgSlug {
		if !p.NetworkAdmin {
			return "", Invite{}, apperr.ErrNotFound
		}
		org, err := s.store.OrgBySlug(ctx, orgSlug)
		if err != nil {
			return "", Invite{}, apperr.Field("org", "account.error.org_unknown")
		}
		orgID = org.ID
	} else {
		switch {
		case p.Role == web.RoleAdmin:
		case p.Role == web.RoleOutreach && role == web.RoleMember:
		case p.NetworkAdmin:
		case p.Role == web.RoleOutreach:
			return "", Invite{}, apperr.Field("role", "account.error.outreach_members_only")
		default:
			return "", Invite{}, apperr.ErrNotFound
		}
	}
	code = newInviteCode()
	now := s.clock()
	inv = Invite{ID: db.NewID(), OrgID: orgID, Role: role, CreatedAt: now, ExpiresAt: now.Add(s.opt.InviteTTL)}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.store.insertInvite(ctx, tx, code, inv, p.UserID); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, orgID, p.UserID, "invite.create", "invite", inv.ID)
	})
	return FormatInviteCode(code), inv, err
}

// inviteAlphabet leaves out letters and digits that read alike (0/O, 1/I/L).
const inviteAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

func newInviteCode() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	out := make([]byte, len(b))
	for i, x := range b {
		out[i] = inviteAlphabet[int(x)%len(inviteAlphabet)]
	}
	return string(out)
}

// Invites lists the organisation's invites (admins; outreach see their org's too).
func (s *Service) Invites(ctx context.Context, p *web.Principal) ([]Invite, error) {
	if p == nil || (p.Role != web.RoleAdmin && p.Role != web.RoleOutreach) {
		return nil, apperr.ErrNotFound
	}
	return s.store.InvitesOf(ctx, p.OrgID, 100)
}

// RevokeInvite deletes an unused invite of the principal's organisation.
func (s *Service) RevokeInvite(ctx context.Context, p *web.Principal, id string) error {
	if p == nil || (p.Role != web.RoleAdmin && p.Role != web.RoleOutreach) {
		return apperr.ErrNotFound
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.store.deleteInvite(ctx, tx, p.OrgID, id); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "invite.revoke", "invite", id)
	})
}

// Register creates an account from an invite code. A code works once.
func (s *Service) Register(ctx context.Context, code, handle, pass, lang string) (User, error) {
	f := apperr.Fields{}
	code = NormalizeInviteCode(code)
	if code == "" {
		f["code"] = "error.required"
	}
	display, key, err := NormalizeHandle(handle)
	if ae, ok := apperr.As(err); ok {
		f["handle"] = ae.Message
	}
	if err := CheckPassphrase("passphrase", pass); err != nil {
		ae, _ := apperr.As(err)
		f["passphrase"] = ae.Message
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	if !web.ValidLang(lang) {
		lang = ""
	}
	now := s.clock()
	u := User{ID: db.NewID(), Handle: display, Lang: lang, CreatedAt: now}
	hash, err := s.hash(ctx, pass)
	if err != nil {
		return User{}, err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		inv, err := s.store.inviteByCode(ctx, tx, code)
		if err != nil || inv.Status(now) != "open" {
			return apperr.Field("code", "account.error.invite_invalid")
		}
		u.OrgID, u.Role = inv.OrgID, inv.Role
		if err := s.store.useInvite(ctx, tx, inv.ID, now); err != nil {
			return apperr.Field("code", "account.error.invite_invalid")
		}
		return s.store.insertUser(ctx, tx, u, key, hash)
	})
	if err != nil {
		return User{}, err
	}
	org, err := s.store.OrgByID(ctx, u.OrgID)
	if err != nil {
		return User{}, err
	}
	u.OrgSlug = org.Slug
	return u, nil
}

// SignIn is one sign-in attempt.
type SignIn struct {
	Handle     string
	Passphrase string
	API        bool
	// AddressKey is the keyed client address (for the per-address limit).
	AddressKey string
	// Device is the device cookie, if the browser sent one.
	Device string
}

// Session is a started session.
type Session struct {
	Token   string
	User    User
	Expires time.Time
	// SecondFactor is true when the session needs the TOTP code before use.
	SecondFactor bool
	// Device is the device cookie to set (web sign-ins).
	Device string
}

var errSignIn = apperr.New(apperr.Unauthenticated, "account.error.signin")

// SignIn checks a handle and passphrase and starts a session. A wrong handle
// and a wrong passphrase give the same error in about the same time. Attempts
// are limited per address and per account; a browser that has signed in to
// this account before (device cookie) is spared the per-account limit, so an
// attacker cannot lock a member out by failing on purpose.
func (s *Service) SignIn(ctx context.Context, in SignIn) (Session, error) {
	if in.AddressKey != "" && s.opt.SignInPerAddress != nil && !s.opt.SignInPerAddress.Allow(in.AddressKey) {
		return Session{}, apperr.New(apperr.RateLimited, "error.rate_limited")
	}
	_, key, herr := NormalizeHandle(in.Handle)
	if herr != nil || in.Passphrase == "" || len(in.Passphrase) > 4*MaxPassphrase {
		_, _, _ = s.verify(ctx, in.Passphrase, s.dummyHash())
		return Session{}, errSignIn
	}
	u, err := s.store.userByHandle(ctx, s.db, key)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return Session{}, err
	}
	found := err == nil
	if s.opt.SignInPerAccount != nil && !(found && s.deviceOK(in.Device, u.ID)) {
		if !s.opt.SignInPerAccount.Allow(base64.RawStdEncoding.EncodeToString(s.store.handleIdx(key))) {
			return Session{}, apperr.New(apperr.RateLimited, "error.rate_limited")
		}
	}
	hash := u.passHash
	if !found {
		hash = s.dummyHash()
	}
	ok, rehash, err := s.verify(ctx, in.Passphrase, hash)
	if apperr.Is(err, apperr.RateLimited) {
		return Session{}, err
	}
	if err != nil {
		return Session{}, fmt.Errorf("account: verify passphrase: %w", err)
	}
	if !found || !ok {
		return Session{}, errSignIn
	}
	if rehash {
		h, err := s.hash(ctx, in.Passphrase)
		if err != nil {
			return Session{}, err
		}
		if err := s.store.setPassHash(ctx, s.db, u.ID, h); err != nil {
			return Session{}, err
		}
	}
	kind := "web"
	if in.API {
		kind = "api"
	}
	sess, err := s.startSession(ctx, u.User, kind, !u.TOTP)
	if err != nil {
		return Session{}, err
	}
	sess.SecondFactor = u.TOTP
	if !in.API {
		sess.Device = s.newDevice(u.ID)
	}
	return sess, nil
}

func (s *Service) startSession(ctx context.Context, u User, kind string, secondOK bool) (Session, error) {
	token := rand.Text() + rand.Text()
	now := s.clock()
	exp := now.Add(s.opt.SessionAbsolute)
	if kind == "api" {
		exp = now.Add(s.opt.APITokenMax)
	}
	if err := s.store.insertSession(ctx, s.db, tokenHash(token), sessionRow{UserID: u.ID, Kind: kind, SecondOK: secondOK, Created: now, LastSeen: now, Expires: exp}); err != nil {
		return Session{}, err
	}
	return Session{Token: token, User: u, Expires: exp}, nil
}

// newDevice returns a device cookie value for the user: a random nonce and
// its MAC. It says nothing about who she is.
func (s *Service) newDevice(userID string) string {
	nonce := rand.Text()
	return nonce + "." + base64.RawURLEncoding.EncodeToString(s.keys.BlindIndex(domainDevice, nonce+"|"+userID))
}

func (s *Service) deviceOK(cookie, userID string) bool {
	nonce, mac, ok := strings.Cut(cookie, ".")
	if !ok || nonce == "" {
		return false
	}
	want := base64.RawURLEncoding.EncodeToString(s.keys.BlindIndex(domainDevice, nonce+"|"+userID))
	return hmac.Equal([]byte(mac), []byte(want))
}

// VerifySecondFactor checks a TOTP code for a half-open session. A code
// works once, and attempts are limited per account.
func (s *Service) VerifySecondFactor(ctx context.Context, p *web.Principal, code string) error {
	if p == nil || !p.SecondFactorPending {
		return apperr.ErrNotFound
	}
	if s.opt.TOTPPerAccount != nil && !s.opt.TOTPPerAccount.Allow(p.UserID) {
		return apperr.New(apperr.RateLimited, "error.rate_limited")
	}
	u, err := s.store.userByID(ctx, s.db, p.UserID)
	if err != nil {
		return err
	}
	if err := s.checkTOTP(ctx, u.ID, u.totpKey, code); err != nil {
		return err
	}
	return s.store.setSecondOK(ctx, p.SessionID)
}

// checkTOTP validates code against key and burns its time step.
func (s *Service) checkTOTP(ctx context.Context, userID, key, code string) error {
	step, err := s.totpStep(key, code)
	if err != nil {
		return err
	}
	fresh, err := s.store.useTOTPStep(ctx, s.db, userID, step)
	if err != nil {
		return err
	}
	if !fresh {
		return apperr.Field("code", "account.error.code_used")
	}
	return nil
}

// totpStep returns the 30-second time step whose code under key is code,
// accepting the previous, current and next step.
func (s *Service) totpStep(key, code string) (int64, error) {
	code = strings.TrimSpace(strings.ReplaceAll(code, " ", ""))
	if code == "" {
		return 0, apperr.Field("code", "error.required")
	}
	now := s.now()
	for _, skew := range []int64{0, -1, 1} {
		step := now.Unix()/30 + skew
		want, err := totp.GenerateCodeCustom(key, time.Unix(step*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, fmt.Errorf("account: totp: %w", err)
		}
		if hmac.Equal([]byte(want), []byte(code)) {
			return step, nil
		}
	}
	return 0, apperr.Field("code", "account.error.code_wrong")
}

// NewTOTPKey makes a TOTP secret for her to add to an authenticator app.
func (s *Service) NewTOTPKey(p *web.Principal) (secret, url string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: s.opt.SiteName, AccountName: p.Handle, SecretSize: 20})
	if err != nil {
		return "", "", fmt.Errorf("account: totp key: %w", err)
	}
	return k.Secret(), k.URL(), nil
}

// EnableTOTP turns on the second factor once she proves her app has the
// secret by giving a current code.
func (s *Service) EnableTOTP(ctx context.Context, p *web.Principal, secret, code string) error {
	if len(secret) < 16 || len(secret) > 64 {
		return apperr.Field("code", "account.error.code_wrong")
	}
	// Check the code before storing anything, so a wrong code changes
	// nothing (a second factor already on stays on). The code's step is
	// stored as used: the code works once.
	step, err := s.totpStep(secret, code)
	if err != nil {
		return err
	}
	if err := s.store.setTOTP(ctx, s.db, p.UserID, secret, step); err != nil {
		return err
	}
	if p.Role.IsStaff() {
		if err := s.audit.Record(ctx, p.OrgID, p.UserID, "user.2fa_on", "user", p.UserID); err != nil {
			return err
		}
	}
	// This session has just proven the second factor.
	return s.store.setSecondOK(ctx, p.SessionID)
}

// DisableTOTP turns off the second factor after checking the passphrase.
func (s *Service) DisableTOTP(ctx context.Context, p *web.Principal, pass string) error {
	if err := s.checkPassphrase(ctx, p.UserID, "passphrase", pass); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.store.setTOTP(ctx, tx, p.UserID, "", 0); err != nil {
			return err
		}
		if p.Role.IsStaff() {
			return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "user.2fa_off", "user", p.UserID)
		}
		return nil
	})
}

func (s *Service) checkPassphrase(ctx context.Context, userID, field, pass string) error {
	u, err := s.store.userByID(ctx, s.db, userID)
	if err != nil {
		return err
	}
	ok, _, err := s.verify(ctx, pass, u.passHash)
	if err != nil {
		return fmt.Errorf("account: verify passphrase: %w", err)
	}
	if !ok {
		return apperr.Field(field, "account.error.passphrase_wrong")
	}
	return nil
}

// SessionCookie is the name of the session cookie. The __Host- prefix makes
// the browser refuse it unless it is Secure, host-only and for path /.
const SessionCookie = "__Host-sl"

// DeviceCookie marks a browser that has signed in to an account before.
const DeviceCookie = "__Host-sld"

// Authenticate finds the principal of a request from its bearer token or
// session cookie, enforcing idle and absolute timeouts. It implements
// web.Authenticator.
func (s *Service) Authenticate(ctx context.Context, r *http.Request) (*web.Principal, error) {
	token, api := "", false
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token, api = strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")), true
	} else if c, err := r.Cookie(SessionCookie); err == nil {
		token = c.Value
	}
	if token == "" || len(token) > 128 {
		return nil, nil
	}
	hash := tokenHash(token)
	sr, u, org, err := s.store.session(ctx, hash)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := s.clock()
	idle := s.opt.SessionIdle
	if sr.Kind == "api" {
		idle = s.opt.APITokenIdle
	}
	if (sr.Kind == "api") != api {
		// A web session's token sent as a bearer token, or the reverse.
		return nil, nil
	}
	if !now.Before(sr.Expires) || now.Sub(sr.LastSeen) > idle {
		if err := s.store.deleteSession(ctx, s.db, hash); err != nil {
			return nil, err
		}
		return nil, nil
	}
	if now.Sub(sr.LastSeen) > time.Minute {
		if err := s.store.touchSession(ctx, hash, now); err != nil {
			return nil, err
		}
	}
	p := &web.Principal{
		UserID: u.ID, OrgID: u.OrgID, OrgSlug: u.OrgSlug, Handle: u.Handle, Role: u.Role,
		NetworkAdmin: u.NetworkAdmin, Lang: u.Lang, SessionID: hash, API: api,
		SecondFactorPending: u.TOTP && !sr.SecondOK,
	}
	p.SecondFactorRequired = !u.TOTP && org.Require2FAStaff && u.Role.IsStaff()
	return p, nil
}

// SignOut ends the principal's session or token.
func (s *Service) SignOut(ctx context.Context, p *web.Principal) error {
	return s.store.deleteSession(ctx, s.db, p.SessionID)
}

// SignOutEverywhere ends every session and token of the principal.
func (s *Service) SignOutEverywhere(ctx context.Context, p *web.Principal) error {
	return s.store.deleteUserSessions(ctx, s.db, p.UserID)
}

// ChangePassphrase replaces her passphrase and ends her other sessions.
func (s *Service) ChangePassphrase(ctx context.Context, p *web.Principal, old, next string) error {
	if err := s.checkPassphrase(ctx, p.UserID, "old_passphrase", old); err != nil {
		return err
	}
	if err := CheckPassphrase("new_passphrase", next); err != nil {
		return err
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.store.setPassHash(ctx, tx, p.UserID, hash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, p.UserID, p.SessionID); err != nil {
			return fmt.Errorf("account: end other sessions: %w", err)
		}
		return nil
	})
}

// SetLanguage stores her UI language.
func (s *Service) SetLanguage(ctx context.Context, p *web.Principal, lang string) error {
	if !web.ValidLang(lang) {
		return apperr.Field("lang", "account.error.lang")
	}
	return s.store.setLang(ctx, s.db, p.UserID, lang)
}

// DeleteAccount deletes her account and everything that is only hers, after
// checking her passphrase. The last admin of an organisation cannot leave it
// without an admin.
func (s *Service) DeleteAccount(ctx context.Context, p *web.Principal, pass string) error {
	if err := s.checkPassphrase(ctx, p.UserID, "passphrase", pass); err != nil {
		return err
	}
	if p.Role == web.RoleAdmin {
		if err := s.keepOneAdmin(ctx, p.OrgID, p.UserID); err != nil {
			return err
		}
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, fn := range s.onDelete {
			if err := fn(ctx, tx, p.UserID); err != nil {
				return err
			}
		}
		if p.Role.IsStaff() {
			if err := s.audit.Append(ctx, tx, p.OrgID, p.UserID, "user.delete_self", "user", p.UserID); err != nil {
				return err
			}
		}
		return s.store.deleteUser(ctx, tx, p.UserID)
	})
}

func (s *Service) keepOneAdmin(ctx context.Context, orgID, leaving string) error {
	ids, err := s.store.UserIDsByRole(ctx, orgID, web.RoleAdmin)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id != leaving {
			return nil
		}
	}
	return apperr.New(apperr.Conflict, "account.error.last_admin")
}

// Users lists the principal's organisation (admins).
func (s *Service) Users(ctx context.Context, p *web.Principal) ([]User, error) {
	if !isAdmin(p) {
		return nil, apperr.ErrNotFound
	}
	return s.store.UsersOf(ctx, p.OrgID)
}

// SetRole changes a user's role within the admin's organisation and ends her
// sessions, so the new role takes effect with a new session id.
func (s *Service) SetRole(ctx context.Context, p *web.Principal, userID string, role web.Role) error {
	if !isAdmin(p) {
		return apperr.ErrNotFound
	}
	if !web.ValidRole(string(role)) {
		return apperr.Field("role", "account.error.role")
	}
	u, err := s.store.userByID(ctx, s.db, userID)
	if err != nil || u.OrgID != p.OrgID {
		return apperr.ErrNotFound
	}
	if u.Role == role {
		return nil
	}
	if u.Role == web.RoleAdmin {
		if err := s.keepOneAdmin(ctx, p.OrgID, u.ID); err != nil {
			return err
		}
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.store.setRole(ctx, tx, userID, role); err != nil {
			return err
		}
		if err := s.store.deleteUserSessions(ctx, tx, userID); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, "user.role."+string(role), "user", userID)
	})
}

// RemoveUser deletes a user of the admin's organisation.
func (s *Service) RemoveUser(ctx context.Context, p *web.Principal, userID string) error {
	if !isAdmin(p) {
		return apperr.ErrNotFound
	}
	u, err := s.store.userByID(ctx, s.db, userID)
	if err != nil || u.OrgID != p.OrgID {
		return apperr.ErrNotFound
	}
	if u.Role == web.RoleAdmin {
		if err := s.keepOneAdmin(ctx, p.OrgID, u.ID); err != nil {
			return err
		}
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, fn := range s.onDelete {
			if err := fn(ctx, tx, userID); err != nil {
				return err
			}
		}
		if err := s.audit.Append(ctx, tx, p.OrgID, p.UserID, "user.remove", "user", userID); err != nil {
			return err
		}
		return s.store.deleteUser(ctx, tx, userID)
	})
}

// Org returns the principal's organisation.
func (s *Service) Org(ctx context.Context, p *web.Principal) (Org, error) {
	return s.store.OrgByID(ctx, p.OrgID)
}

// SetRequire2FA sets whether staff roles of the admin's organisation must use
// a second factor.
func (s *Service) SetRequire2FA(ctx context.Context, p *web.Principal, on bool) error {
	if !isAdmin(p) {
		return apperr.ErrNotFound
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.store.setRequire2FA(ctx, tx, p.OrgID, on); err != nil {
			return err
		}
		action := "org.2fa_optional"
		if on {
			action = "org.2fa_required"
		}
		return s.audit.Append(ctx, tx, p.OrgID, p.UserID, action, "org", p.OrgID)
	})
}

// AuditLog returns a page of the organisation's audit log with actor handles
// resolved, and the seq of the first broken link (0 when whole).
func (s *Service) AuditLog(ctx context.Context, p *web.Principal, before int64) ([]AuditEntry, int64, error) {
	if !isAdmin(p) {
		return nil, 0, apperr.ErrNotFound
	}
	entries, err := s.audit.List(ctx, p.OrgID, before, 100)
	if err != nil {
		return nil, 0, err
	}
	handles := map[string]string{}
	for i, e := range entries {
		h, ok := handles[e.ActorID]
		if !ok {
			if u, err := s.store.UserByID(ctx, e.ActorID); err == nil {
				h = u.Handle
			}
			handles[e.ActorID] = h
		}
		entries[i].ActorHandle = h
	}
	broken, err := s.audit.Verify(ctx, p.OrgID)
	return entries, broken, err
}

// Purge deletes expired sessions and long-expired invites.
func (s *Service) Purge(ctx context.Context) error {
	now := s.clock()
	if _, err := s.store.PurgeSessions(ctx, now, now.Add(-s.opt.SessionIdle), now.Add(-s.opt.APITokenIdle)); err != nil {
		return err
	}
	return s.store.PurgeInvites(ctx, now.Add(-30*24*time.Hour))
}

// isAdmin reports whether p administers her organisation. The routes check
// this too; the service checks again so no caller can forget.
func isAdmin(p *web.Principal) bool { return p != nil && p.Role == web.RoleAdmin }

// errBusy is what a caller gets when passphrase hashing is saturated for
// longer than a person would wait.
var errBusy = apperr.New(apperr.RateLimited, "error.rate_limited")

// admit waits for a hashing slot, at most a few seconds.
func (s *Service) admit(ctx context.Context) (func(), error) {
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case s.hashing <- struct{}{}:
		return func() { <-s.hashing }, nil
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hash hashes a passphrase once a hashing slot is free.
func (s *Service) hash(ctx context.Context, pass string) (string, error) {
	done, err := s.admit(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	return seal.HashPassphrase(pass, s.opt.Hash), nil
}

// verify checks a passphrase against a hash once a hashing slot is free.
func (s *Service) verify(ctx context.Context, pass, hash string) (ok, rehash bool, err error) {
	done, err := s.admit(ctx)
	if err != nil {
		return false, false, err
	}
	defer done()
	return seal.VerifyPassphrase(pass, hash, s.opt.Hash)
}
