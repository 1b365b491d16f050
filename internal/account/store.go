package account

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/seal"
	"github.com/sisterline/sisterline/internal/web"
)

// Store is the account capability's SQL. It seals and opens the sealed
// columns itself, so nothing above it handles ciphertext.
type Store struct {
	db   *db.DB
	keys *seal.Keyring
}

// NewStore returns the store over d.
func NewStore(d *db.DB, keys *seal.Keyring) *Store { return &Store{db: d, keys: keys} }

// Blind-index domains.
const (
	domainHandle = "user.handle"
	domainInvite = "invite.code"
	domainDevice = "device"
)

func (s *Store) handleIdx(key string) []byte { return s.keys.BlindIndex(domainHandle, key) }

func handleAD(userID string) seal.AD { return seal.AD{Table: "users", Column: "handle", Row: userID} }
func totpAD(userID string) seal.AD   { return seal.AD{Table: "users", Column: "totp", Row: userID} }

// userRow is a user with what only the service may see.
type userRow struct {
	User
	passHash string
	totpKey  string
	totpStep int64
}

func (s *Store) insertOrg(ctx context.Context, q db.Querier, o Org) error {
	_, err := q.ExecContext(ctx, `INSERT INTO orgs (id, slug, name, require_2fa_staff, created_at) VALUES ($1, $2, $3, $4, $5)`,
		o.ID, o.Slug, o.Name, o.Require2FAStaff, o.CreatedAt)
	if err != nil {
		return fmt.Errorf("account: insert org: %w", db.Map(err))
	}
	return nil
}

const orgCols = `id, slug, name, require_2fa_staff, created_at`

func scanOrg(sc interface{ Scan(...any) error }) (Org, error) {
	var o Org
	err := sc.Scan(&o.ID, &o.Slug, &o.Name, &o.Require2FAStaff, &o.CreatedAt)
	return o, err
}

func (s *Store) orgBy(ctx context.Context, q db.Querier, col, v string) (Org, error) {
	o, err := scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+` FROM orgs WHERE `+col+` = $1`, v))
	if err != nil {
		return Org{}, fmt.Errorf("account: org by %s: %w", col, db.Map(err))
	}
	return o, nil
}

// OrgBySlug returns an organisation by its slug.
func (s *Store) OrgBySlug(ctx context.Context, slug string) (Org, error) {
	return s.orgBy(ctx, s.db, "slug", slug)
}

// OrgByID returns an organisation by id.
func (s *Store) OrgByID(ctx context.Context, id string) (Org, error) {
	return s.orgBy(ctx, s.db, "id", id)
}

// Orgs lists every organisation with its number of users.
func (s *Store) Orgs(ctx context.Context) ([]Org, map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+orgCols+` FROM orgs ORDER BY name`)
	if err != nil {
		return nil, nil, fmt.Errorf("account: list orgs: %w", err)
	}
	defer rows.Close()
	var out []Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, nil, fmt.Errorf("account: scan org: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("account: list orgs: %w", err)
	}
	counts := map[string]int{}
	crow, err := s.db.QueryContext(ctx, `SELECT org_id, count(*) FROM users GROUP BY org_id`)
	if err != nil {
		return nil, nil, fmt.Errorf("account: count users: %w", err)
	}
	defer crow.Close()
	for crow.Next() {
		var id string
		var n int
		if err := crow.Scan(&id, &n); err != nil {
			return nil, nil, fmt.Errorf("account: count users: %w", err)
		}
		counts[id] = n
	}
	return out, counts, crow.Err()
}

func (s *Store) setRequire2FA(ctx context.Context, q db.Querier, orgID string, on bool) error {
	_, err := q.ExecContext(ctx, `UPDATE orgs SET require_2fa_staff = $1 WHERE id = $2`, on, orgID)
	if err != nil {
		return fmt.Errorf("account: set 2fa rule: %w", err)
	}
	return nil
}

func (s *Store) insertUser(ctx context.Context, q db.Querier, u User, handleKey, passHash string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO users (id, org_id, handle_idx, handle_enc, pass_hash, role, network_admin, lang, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, u.OrgID, s.handleIdx(handleKey), s.keys.SealString(u.Handle, handleAD(u.ID)), passHash, string(u.Role), u.NetworkAdmin, u.Lang, u.CreatedAt)
	if err != nil {
		err = db.Map(err)
		if errors.Is(err, apperr.ErrConflict) {
			return apperr.Field("handle", "account.error.handle_taken")
		}
		return fmt.Errorf("account: insert user: %w", err)
	}
	return nil
}

const userCols = `u.id, u.org_id, o.slug, u.handle_enc, u.role, u.network_admin, u.lang, u.totp_enc, u.totp_last_step, u.pass_hash, u.created_at`

func (s *Store) scanUser(sc interface{ Scan(...any) error }) (userRow, error) {
	var r userRow
	var handleEnc, totpEnc []byte
	var role string
	if err := sc.Scan(&r.ID, &r.OrgID, &r.OrgSlug, &handleEnc, &role, &r.NetworkAdmin, &r.Lang, &totpEnc, &r.totpStep, &r.passHash, &r.CreatedAt); err != nil {
		return r, err
	}
	r.Role = web.Role(role)
	h, err := s.keys.OpenString(handleEnc, handleAD(r.ID))
	if err != nil {
		return r, fmt.Errorf("account: open handle: %w", err)
	}
	r.Handle = h
	if len(totpEnc) > 0 {
		k, err := s.keys.OpenString(totpEnc, totpAD(r.ID))
		if err != nil {
			return r, fmt.Errorf("account: open totp: %w", err)
		}
		r.totpKey, r.TOTP = k, true
	}
	return r, nil
}

func (s *Store) userByHandle(ctx context.Context, q db.Querier, handleKey string) (userRow, error) {
	r, err := s.scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.handle_idx = $1`, s.handleIdx(handleKey)))
	if err != nil {
		return r, fmt.Errorf("account: user by handle: %w", db.Map(err))
	}
	return r, nil
}

func (s *Store) userByID(ctx context.Context, q db.Querier, id string) (userRow, error) {
	r, err := s.scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = $1`, id))
	if err != nil {
		return r, fmt.Errorf("account: user by id: %w", db.Map(err))
	}
	return r, nil
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id string) (User, error) {
	r, err := s.userByID(ctx, s.db, id)
	return r.User, err
}

// UsersOf lists the users of an organisation, by role then handle.
func (s *Store) UsersOf(ctx context.Context, orgID string) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.org_id = $1 ORDER BY u.role, u.created_at`, orgID)
	if err != nil {
		return nil, fmt.Errorf("account: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		r, err := s.scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("account: scan user: %w", err)
		}
		out = append(out, r.User)
	}
	return out, rows.Err()
}

// UserIDsByRole returns the ids of an organisation's users with one of roles.
func (s *Store) UserIDsByRole(ctx context.Context, orgID string, roles ...web.Role) ([]string, error) {
	var out []string
	for _, role := range roles {
		ids, err := db.Column[string](ctx, s.db, `SELECT id FROM users WHERE org_id = $1 AND role = $2 ORDER BY created_at`, orgID, string(role))
		if err != nil {
			return nil, fmt.Errorf("account: users by role: %w", err)
		}
		out = append(out, ids...)
	}
	return out, nil
}

func (s *Store) exec(ctx context.Context, q db.Querier, what, query string, args ...any) error {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("account: %s: %w", what, db.Map(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("account: %s: %w", what, apperr.ErrNotFound)
	}
	return nil
}

func (s *Store) setRole(ctx context.Context, q db.Querier, id string, role web.Role) error {
	return s.exec(ctx, q, "set role", `UPDATE users SET role = $1 WHERE id = $2`, string(role), id)
}

func (s *Store) setPassHash(ctx context.Context, q db.Querier, id, hash string) error {
	return s.exec(ctx, q, "set passphrase", `UPDATE users SET pass_hash = $1 WHERE id = $2`, hash, id)
}

func (s *Store) setLang(ctx context.Context, q db.Querier, id, lang string) error {
	return s.exec(ctx, q, "set language", `UPDATE users SET lang = $1 WHERE id = $2`, lang, id)
}

func (s *Store) setTOTP(ctx context.Context, q db.Querier, id, key string, step int64) error {
	var enc []byte
	if key != "" {
		enc = s.keys.SealString(key, totpAD(id))
	}
	return s.exec(ctx, q, "set totp", `UPDATE users SET totp_enc = $1, totp_last_step = $2 WHERE id = $3`, enc, step, id)
}

// useTOTPStep records that the code of step was used, and reports false when
// it (or a later one) already was: a code works once.
func (s *Store) useTOTPStep(ctx context.Context, q db.Querier, id string, step int64) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, id)
	if err != nil {
		return false, fmt.Errorf("account: use totp step: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (s *Store) deleteUser(ctx context.Context, q db.Querier, id string) error {
	return s.exec(ctx, q, "delete user", `DELETE FROM users WHERE id = $1`, id)
}

// Sessions.

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

type sessionRow struct {
	UserID   string
	Kind     string
	SecondOK bool
	Created  time.Time
	LastSeen time.Time
	Expires  time.Time
}

func (s *Store) insertSession(ctx context.Context, q db.Querier, hash []byte, r sessionRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, kind, second_ok, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		hash, r.UserID, r.Kind, r.SecondOK, r.Created, r.LastSeen, r.Expires)
	if err != nil {
		return fmt.Errorf("account: insert session: %w", err)
	}
	return nil
}

func (s *Store) session(ctx context.Context, hash []byte) (sessionRow, userRow, Org, error) {
	var sr sessionRow
	// Every signed-in request runs this: prepared once.
	st, err := s.db.Stmt(ctx, `SELECT s.user_id, s.kind, s.second_ok, s.created_at, s.last_seen_at, s.expires_at, `+userCols+`, o.require_2fa_staff
		FROM sessions s JOIN users u ON u.id = s.user_id JOIN orgs o ON o.id = u.org_id WHERE s.token_hash = $1`)
	if err != nil {
		return sr, userRow{}, Org{}, fmt.Errorf("account: session: %w", err)
	}
	row := st.QueryRowContext(ctx, hash)
	var ur userRow
	var org Org
	var handleEnc, totpEnc []byte
	var role string
	err = row.Scan(&sr.UserID, &sr.Kind, &sr.SecondOK, &sr.Created, &sr.LastSeen, &sr.Expires,
		&ur.ID, &ur.OrgID, &ur.OrgSlug, &handleEnc, &role, &ur.NetworkAdmin, &ur.Lang, &totpEnc, &ur.totpStep, &ur.passHash, &ur.CreatedAt, &org.Require2FAStaff)
	if err != nil {
		return sr, ur, org, fmt.Errorf("account: session: %w", db.Map(err))
	}
	ur.Role = web.Role(role)
	if ur.Handle, err = s.keys.OpenString(handleEnc, handleAD(ur.ID)); err != nil {
		return sr, ur, org, fmt.Errorf("account: open handle: %w", err)
	}
	ur.TOTP = len(totpEnc) > 0
	org.ID, org.Slug = ur.OrgID, ur.OrgSlug
	return sr, ur, org, nil
}

func (s *Store) touchSession(ctx context.Context, hash []byte, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now, hash)
	if err != nil {
		return fmt.Errorf("account: touch session: %w", err)
	}
	return nil
}

func (s *Store) setSecondOK(ctx context.Context, hash []byte) error {
	return s.exec(ctx, s.db, "second factor", `UPDATE sessions SET second_ok = TRUE WHERE token_hash = $1`, hash)
}

func (s *Store) deleteSession(ctx context.Context, q db.Querier, hash []byte) error {
	_, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
	if err != nil {
		return fmt.Errorf("account: delete session: %w", err)
	}
	return nil
}

func (s *Store) deleteUserSessions(ctx context.Context, q db.Querier, userID string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return fmt.Errorf("account: delete sessions: %w", err)
	}
	return nil
}

// PurgeSessions deletes sessions that have expired by now or been idle since
// idleBefore (web) and apiIdleBefore (API tokens).
func (s *Store) PurgeSessions(ctx context.Context, now, idleBefore, apiIdleBefore time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR (kind = 'web' AND last_seen_at < $2) OR (kind = 'api' AND last_seen_at < $3)`, now, idleBefore, apiIdleBefore)
	if err != nil {
		return 0, fmt.Errorf("account: purge sessions: %w", err)
	}
	return res.RowsAffected()
}

// Invites.

func (s *Store) inviteIdx(code string) []byte { return s.keys.BlindIndex(domainInvite, code) }

func (s *Store) insertInvite(ctx context.Context, q db.Querier, code string, inv Invite, by string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO invites (code_idx, id, org_id, role, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.inviteIdx(code), inv.ID, inv.OrgID, string(inv.Role), sql.NullString{String: by, Valid: by != ""}, inv.CreatedAt, inv.ExpiresAt)
	if err != nil {
		return fmt.Errorf("account: insert invite: %w", db.Map(err))
	}
	return nil
}

const inviteCols = `id, org_id, role, created_at, expires_at, used_at`

func scanInvite(sc interface{ Scan(...any) error }) (Invite, error) {
	var i Invite
	var role string
	var used sql.NullTime
	if err := sc.Scan(&i.ID, &i.OrgID, &role, &i.CreatedAt, &i.ExpiresAt, &used); err != nil {
		return i, err
	}
	i.Role = web.Role(role)
	if used.Valid {
		t := used.Time
		i.UsedAt = &t
	}
	return i, nil
}

func (s *Store) inviteByCode(ctx context.Context, q db.Querier, code string) (Invite, error) {
	i, err := scanInvite(q.QueryRowContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE code_idx = $1`+s.db.ForUpdate(), s.inviteIdx(code)))
	if err != nil {
		return i, fmt.Errorf("account: invite: %w", db.Map(err))
	}
	return i, nil
}

func (s *Store) useInvite(ctx context.Context, q db.Querier, id string, at time.Time) error {
	return s.exec(ctx, q, "use invite", `UPDATE invites SET used_at = $1 WHERE id = $2 AND used_at IS NULL`, at, id)
}

// InvitesOf lists an organisation's invites, newest first.
func (s *Store) InvitesOf(ctx context.Context, orgID string, limit int) ([]Invite, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE org_id = $1 ORDER BY created_at DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("account: list invites: %w", err)
	}
	defer rows.Close()
	var out []Invite
	for rows.Next() {
		i, err := scanInvite(rows)
		if err != nil {
			return nil, fmt.Errorf("account: scan invite: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

func (s *Store) deleteInvite(ctx context.Context, q db.Querier, orgID, id string) error {
	return s.exec(ctx, q, "revoke invite", `DELETE FROM invites WHERE org_id = $1 AND id = $2 AND used_at IS NULL`, orgID, id)
}

// PurgeInvites deletes invites that expired before cut-off.
func (s *Store) PurgeInvites(ctx context.Context, cutoff time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM invites WHERE expires_at < $1`, cutoff)
	if err != nil {
		return fmt.Errorf("account: purge invites: %w", err)
	}
	return nil
}

// SealedColumns are the account tables' sealed columns, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "users", Column: "handle_enc", IDColumn: "id", ADColumn: "handle"},
		{Table: "users", Column: "totp_enc", IDColumn: "id", ADColumn: "totp"},
	}
}

// UserIDByHandle finds a user by handle (as typed: it is normalised here),
// returning her id and organisation.
func (s *Store) UserIDByHandle(ctx context.Context, handle string) (id, orgID string, err error) {
	_, key, err := NormalizeHandle(handle)
	if err != nil {
		return "", "", err
	}
	err = s.db.QueryRowContext(ctx, `SELECT id, org_id FROM users WHERE handle_idx = $1`, s.handleIdx(key)).Scan(&id, &orgID)
	if err != nil {
		return "", "", fmt.Errorf("account: user by handle: %w", db.Map(err))
	}
	return id, orgID, nil
}

// HandleOf returns a user's handle, or "" when she no longer exists.
func (s *Store) HandleOf(ctx context.Context, id string) (string, error) {
	var enc []byte
	err := s.db.QueryRowContext(ctx, `SELECT handle_enc FROM users WHERE id = $1`, id).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("account: handle: %w", err)
	}
	return s.keys.OpenString(enc, handleAD(id))
}
