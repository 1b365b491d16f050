package notify

import (
	"context"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sisterline/sisterline/internal/apperr"
	"github.com/sisterline/sisterline/internal/db"
	"github.com/sisterline/sisterline/internal/seal"
)

// Store is the notification capability's SQL: the outbox, users' addresses,
// on-call lists, organisation settings and server keys. It seals and opens
// the sealed columns itself.
type Store struct {
	db   *db.DB
	keys *seal.Keyring
}

// NewStore returns the store over d.
func NewStore(d *db.DB, keys *seal.Keyring) *Store { return &Store{db: d, keys: keys} }

const domainAddress = "notify.address"

func addressAD(id string) seal.AD {
	return seal.AD{Table: "notify_addresses", Column: "address", Row: id}
}

// A delivery's sealed address and data are bound to its message id, which is
// known before the row is inserted (the row's own id is not): every row of a
// message carries the same address and data.
func outboxAddrAD(messageID string) seal.AD {
	return seal.AD{Table: "notify_outbox", Column: "address", Row: messageID}
}
func outboxDataAD(messageID string) seal.AD {
	return seal.AD{Table: "notify_outbox", Column: "data", Row: messageID}
}
func fanoutDataAD(id string) seal.AD {
	return seal.AD{Table: "notify_fanouts", Column: "data", Row: id}
}

func keyAD(name string) seal.AD { return seal.AD{Table: "notify_keys", Column: "value", Row: name} }

// domainMessage is the blind-index domain of the message ids of a fan-out's
// recipients.
const domainMessage = "notify.message"

// fanoutMessageID is the message id of a fan-out's delivery to a user: a
// keyed hash of the two, so it is the same on each of her channels and on
// every retry, and says nothing about her to the receiver.
func (s *Store) fanoutMessageID(fanoutID, userID string) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(s.keys.BlindIndex(domainMessage, fanoutID+"|"+userID))
}

// SealedColumns are the capability's sealed columns, for key rotation.
func SealedColumns() []seal.Column {
	return []seal.Column{
		{Table: "notify_addresses", Column: "address_enc", IDColumn: "id", ADColumn: "address"},
		{Table: "notify_outbox", Column: "address_enc", IDColumn: "message_id", ADColumn: "address"},
		{Table: "notify_outbox", Column: "data_enc", IDColumn: "message_id", ADColumn: "data"},
		{Table: "notify_fanouts", Column: "data_enc", IDColumn: "id", ADColumn: "data"},
		{Table: "notify_keys", Column: "value_enc", IDColumn: "name", ADColumn: "value"},
	}
}

// addressIdx is the keyed index that keeps one user from adding an address
// twice. The user id is inside it, so equal addresses of two users do not
// share an index: nobody can tell from the table that two members share a
// phone.
func (s *Store) addressIdx(userID string, ch ChannelName, value string) []byte {
	return s.keys.BlindIndex(domainAddress, string(ch)+"|"+userID+"|"+value)
}

// Addresses.

func (s *Store) insertAddress(ctx context.Context, q db.Querier, a Address) error {
	_, err := q.ExecContext(ctx, `INSERT INTO notify_addresses (id, user_id, channel, address_idx, address_enc, kinds, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.ID, a.UserID, string(a.Channel), s.addressIdx(a.UserID, a.Channel, a.Value), s.keys.SealString(a.Value, addressAD(a.ID)), joinGroups(a.Groups), a.CreatedAt)
	if err != nil {
		err = db.Map(err)
		if errors.Is(err, apperr.ErrConflict) {
			return apperr.Field(fieldOf(a.Channel), "notify.error.address_taken")
		}
		return fmt.Errorf("notify: insert address: %w", err)
	}
	return nil
}

// Addresses returns a user's addresses, oldest first, opened.
func (s *Store) Addresses(ctx context.Context, userID string) ([]Address, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, user_id, channel, address_enc, kinds, created_at FROM notify_addresses WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("notify: list addresses: %w", err)
	}
	defer rows.Close()
	var out []Address
	for rows.Next() {
		var a Address
		var ch, kinds string
		var enc []byte
		if err := rows.Scan(&a.ID, &a.UserID, &ch, &enc, &kinds, &a.CreatedAt); err != nil {
			return nil, fmt.Errorf("notify: scan address: %w", err)
		}
		a.Channel, a.Groups = ChannelName(ch), parseGroups(strings.Split(kinds, ","))
		if a.Value, err = s.keys.OpenString(enc, addressAD(a.ID)); err != nil {
			return nil, fmt.Errorf("notify: open address: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Store) countAddresses(ctx context.Context, q db.Querier, userID string, ch ChannelName) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM notify_addresses WHERE user_id = $1 AND channel = $2`, userID, string(ch)).Scan(&n); err != nil {
		return 0, fmt.Errorf("notify: count addresses: %w", err)
	}
	return n, nil
}

func (s *Store) setAddressGroups(ctx context.Context, q db.Querier, userID, id string, gs []Group) error {
	res, err := q.ExecContext(ctx, `UPDATE notify_addresses SET kinds = $1 WHERE id = $2 AND user_id = $3`, joinGroups(gs), id, userID)
	if err != nil {
		return fmt.Errorf("notify: set kinds: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}

// deleteAddress removes one of a user's addresses; its pending deliveries go
// with it (ON DELETE CASCADE).
func (s *Store) deleteAddress(ctx context.Context, q db.Querier, userID, id string) error {
	res, err := q.ExecContext(ctx, `DELETE FROM notify_addresses WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("notify: delete address: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}

// addressRef is what routing needs of an address: no value.
type addressRef struct {
	ID      string
	Channel ChannelName
	Groups  []Group
}

// addressRefs returns the addresses of many users, for routing messages to
// them, and reports which of the users exist: a message to a user who does
// not is refused (no foreign key on the outbox does it).
func (s *Store) addressRefs(ctx context.Context, q db.Querier, userIDs []string) (map[string][]addressRef, map[string]bool, error) {
	out, exist := map[string][]addressRef{}, map[string]bool{}
	for chunk := range slices.Chunk(userIDs, 500) {
		rows, err := q.QueryContext(ctx, `SELECT u.id, a.id, a.channel, a.kinds FROM users u LEFT JOIN notify_addresses a ON a.user_id = u.id
			WHERE u.id IN (`+placeholders(1, len(chunk))+`) ORDER BY a.created_at, a.id`, anys(chunk)...)
		if err != nil {
			return nil, nil, fmt.Errorf("notify: route: %w", err)
		}
		for rows.Next() {
			var user string
			var id, ch, kinds sql.NullString
			if err := rows.Scan(&user, &id, &ch, &kinds); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("notify: route: %w", err)
			}
			exist[user] = true
			if id.Valid {
				out[user] = append(out[user], addressRef{ID: id.String, Channel: ChannelName(ch.String), Groups: parseGroups(strings.Split(kinds.String, ","))})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("notify: route: %w", err)
		}
	}
	return out, exist, nil
}

// addressValues opens the addresses with the given ids.
func (s *Store) addressValues(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for chunk := range slices.Chunk(ids, 500) {
		rows, err := s.db.QueryContext(ctx, `SELECT id, address_enc FROM notify_addresses WHERE id IN (`+placeholders(1, len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("notify: addresses: %w", err)
		}
		for rows.Next() {
			var id string
			var enc []byte
			if err := rows.Scan(&id, &enc); err != nil {
				rows.Close()
				return nil, fmt.Errorf("notify: addresses: %w", err)
			}
			v, err := s.keys.OpenString(enc, addressAD(id))
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("notify: open address: %w", err)
			}
			out[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("notify: addresses: %w", err)
		}
	}
	return out, nil
}

// DeleteUser removes everything of the capability that is only the user's:
// her addresses, her pending and past deliveries, her on-call entries.
func (s *Store) DeleteUser(ctx context.Context, q db.Querier, userID string) error {
	for _, stmt := range []string{
		`DELETE FROM notify_outbox WHERE user_id = $1`,
		`DELETE FROM notify_addresses WHERE user_id = $1`,
		`DELETE FROM notify_oncall WHERE user_id = $1`,
	} {
		if _, err := q.ExecContext(ctx, stmt, userID); err != nil {
			return fmt.Errorf("notify: delete user data: %w", err)
		}
	}
	return nil
}

// The outbox.

// outboxRow is one delivery: a message on one channel to one address.
type outboxRow struct {
	ID        int64 // set when claimed
	MessageID string
	FanoutID  string // a fan-out's delivery takes its data from the fan-out
	Kind      Kind
	OrgID     string
	RcptType  RecipientType
	UserID    string
	Channel   ChannelName
	AddressID string // a user's address, resolved when sent
	Address   string // an outside recipient's number or e-mail, sealed in the row
	Lang      string
	Data      map[string]string
	CreatedAt time.Time
	NextAt    time.Time
	Attempts  int
}

const outboxInsertCols = `message_id, kind, org_id, rcpt_type, user_id, channel, address_id, address_enc, lang, data_enc, created_at, next_at`

const outboxInsertN = 12

// insertOutbox writes rows with multi-row INSERTs, in q (the caller's
// transaction). SQLite binds parameters in time that grows with the square
// of their number per statement, so it takes small batches through one
// prepared statement; PostgreSQL takes large ones, to save round trips.
func (s *Store) insertOutbox(ctx context.Context, q db.Querier, rows []outboxRow) error {
	per := 500
	if s.db.Dialect == db.SQLite {
		per = 20
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			_ = full.Close()
		}
	}()
	for chunk := range slices.Chunk(rows, per) {
		args := make([]any, 0, len(chunk)*outboxInsertN)
		for _, r := range chunk {
			var data []byte
			if len(r.Data) > 0 {
				raw, err := json.Marshal(r.Data)
				if err != nil {
					return fmt.Errorf("notify: encode data: %w", err)
				}
				data = s.keys.Seal(raw, outboxDataAD(r.MessageID))
			}
			args = append(args, r.MessageID, string(r.Kind), r.OrgID, string(r.RcptType), nullString(r.UserID),
				string(r.Channel), nullString(r.AddressID), s.keys.SealString(r.Address, outboxAddrAD(r.MessageID)), r.Lang, data, r.CreatedAt, r.NextAt)
		}
		query := `INSERT INTO notify_outbox (` + outboxInsertCols + `) VALUES ` + valueRows(len(chunk), outboxInsertN)
		var err error
		switch {
		case len(chunk) < per || len(rows) <= per:
			_, err = q.ExecContext(ctx, query, args...)
		case full == nil:
			if full, err = prepare(ctx, q, query); err == nil {
				_, err = full.ExecContext(ctx, args...)
			}
		default:
			_, err = full.ExecContext(ctx, args...)
		}
		if err != nil {
			return fmt.Errorf("notify: enqueue: %w", db.Map(err))
		}
	}
	return nil
}

// prepare prepares a statement on a transaction or a database.
func prepare(ctx context.Context, q db.Querier, query string) (*sql.Stmt, error) {
	p, ok := q.(interface {
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	})
	if !ok {
		return nil, errors.New("notify: cannot prepare on this querier")
	}
	return p.PrepareContext(ctx, query)
}

// Audience is who a fan-out goes to: every user of the organisations.
type Audience struct {
	OrgIDs []string
}

// fanOut writes one message to every user of the audience, in q (the
// caller's transaction), with one INSERT … SELECT: a delivery for each of
// her addresses on an enabled channel that receives the kind, and one to the
// webhook when it is set. Nothing is bound per recipient: the statement has
// the same few parameters for 10 users or 100,000. The message data is
// sealed once, in the fan-out's row. It returns how many deliveries it wrote.
func (s *Store) fanOut(ctx context.Context, q db.Querier, fanoutID string, m Message, aud Audience, channels []ChannelName, webhook bool) (int, error) {
	if len(aud.OrgIDs) == 0 || (len(channels) == 0 && !webhook) {
		return 0, nil
	}
	var data []byte
	if len(m.Data) > 0 {
		raw, err := json.Marshal(m.Data)
		if err != nil {
			return 0, fmt.Errorf("notify: encode data: %w", err)
		}
		data = s.keys.Seal(raw, fanoutDataAD(fanoutID))
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO notify_fanouts (id, kind, data_enc, created_at) VALUES ($1, $2, $3, $4)`,
		fanoutID, string(m.Kind), data, m.CreatedAt); err != nil {
		return 0, fmt.Errorf("notify: fan-out: %w", err)
	}
	// $1 kind, $2 fan-out, $3 now, then the organisations, then the channels.
	// Only placeholders are added to the texts; every value is an argument.
	// (Two statements, not a UNION: PostgreSQL types the parameters of an
	// INSERT … SELECT by the columns only without one.)
	head := `INSERT INTO notify_outbox (kind, org_id, rcpt_type, user_id, channel, address_id, fanout_id, created_at, next_at) `
	args := []any{string(m.Kind), fanoutID, m.CreatedAt}
	orgs := placeholders(len(args)+1, len(aud.OrgIDs))
	args = append(args, anys(aud.OrgIDs)...)
	total := 0
	insert := func(query string, args []any) error {
		res, err := q.ExecContext(ctx, head+query, args...)
		if err != nil {
			return fmt.Errorf("notify: fan-out: %w", db.Map(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("notify: fan-out: %w", err)
		}
		total += int(n)
		return nil
	}
	if webhook {
		if err := insert(`SELECT $1, u.org_id, 'member', u.id, 'webhook', NULL, $2, $3, $3 FROM users u WHERE u.org_id IN (`+orgs+`)`, args); err != nil { // #nosec G202 -- placeholders only
			return 0, err
		}
	}
	if len(channels) > 0 {
		args := slices.Clone(args)
		names := make([]string, len(channels))
		for i, c := range channels {
			names[i] = string(c)
		}
		chs := placeholders(len(args)+1, len(names))
		args = append(args, anys(names)...)
		// An address receives the kind when its list of groups holds the
		// kind's group; a message of no group (a test) goes to every address.
		groupCond := ""
		if g := m.Kind.Group(); g != "" {
			groupCond = ` AND (',' || a.kinds || ',') LIKE $` + strconv.Itoa(len(args)+1)
			args = append(args, "%,"+string(g)+",%")
		}
		if err := insert(`SELECT $1, u.org_id, 'member', u.id, a.channel, a.id, $2, $3, $3 FROM users u JOIN notify_addresses a ON a.user_id = u.id
			WHERE u.org_id IN (`+orgs+`) AND a.channel IN (`+chs+`)`+groupCond, args); err != nil { // #nosec G202 -- placeholders only
			return 0, err
		}
	}
	return total, nil
}

// fanoutData opens the data of the given fan-outs.
func (s *Store) fanoutData(ctx context.Context, ids []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for chunk := range slices.Chunk(ids, 500) {
		rows, err := s.db.QueryContext(ctx, `SELECT id, data_enc FROM notify_fanouts WHERE id IN (`+placeholders(1, len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("notify: fan-out data: %w", err)
		}
		for rows.Next() {
			var id string
			var enc []byte
			if err := rows.Scan(&id, &enc); err != nil {
				rows.Close()
				return nil, fmt.Errorf("notify: fan-out data: %w", err)
			}
			var data map[string]string
			if len(enc) > 0 {
				raw, err := s.keys.Open(enc, fanoutDataAD(id))
				if err == nil {
					err = json.Unmarshal(raw, &data)
				}
				if err != nil {
					rows.Close()
					return nil, fmt.Errorf("notify: open fan-out data: %w", err)
				}
			}
			out[id] = data
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("notify: fan-out data: %w", err)
		}
	}
	return out, nil
}

const outboxClaimCols = `id, message_id, fanout_id, kind, org_id, rcpt_type, user_id, channel, address_id, address_enc, lang, data_enc, created_at, next_at, attempts`

// claim takes up to limit due deliveries: it moves each one's next_at to
// leaseUntil and counts the attempt, in one statement, so another dispatcher
// (another process or instance) passes over them until the lease runs out.
// On PostgreSQL, rows another claim holds are skipped, not waited for.
func (s *Store) claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]outboxRow, error) {
	var query string
	if s.db.Dialect == db.Postgres {
		query = `WITH due AS MATERIALIZED (
			SELECT id FROM notify_outbox WHERE state = 'pending' AND next_at <= $2 ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE notify_outbox o SET attempts = o.attempts + 1, next_at = $1 FROM due WHERE o.id = due.id
		RETURNING o.` + strings.ReplaceAll(outboxClaimCols, ", ", ", o.")
	} else {
		// SQLite has one writer at a time: the statement is atomic.
		query = `UPDATE notify_outbox SET attempts = attempts + 1, next_at = $1
		WHERE id IN (SELECT id FROM notify_outbox WHERE state = 'pending' AND next_at <= $2 ORDER BY next_at LIMIT $3)
		RETURNING ` + outboxClaimCols
	}
	rows, err := s.db.QueryContext(ctx, query, leaseUntil, now, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: claim: %w", err)
	}
	defer rows.Close()
	var out []outboxRow
	var fanouts []string
	for rows.Next() {
		var r outboxRow
		var kind, rcpt, ch string
		var msgID, fanout, user, addrID sql.NullString
		var addrEnc, dataEnc []byte
		if err := rows.Scan(&r.ID, &msgID, &fanout, &kind, &r.OrgID, &rcpt, &user, &ch, &addrID, &addrEnc, &r.Lang, &dataEnc, &r.CreatedAt, &r.NextAt, &r.Attempts); err != nil {
			return nil, fmt.Errorf("notify: claim scan: %w", err)
		}
		r.Kind, r.RcptType, r.Channel, r.UserID, r.AddressID = Kind(kind), RecipientType(rcpt), ChannelName(ch), user.String, addrID.String
		r.MessageID, r.FanoutID = msgID.String, fanout.String
		if r.FanoutID != "" {
			r.MessageID = s.fanoutMessageID(r.FanoutID, r.UserID)
			fanouts = append(fanouts, r.FanoutID)
		}
		if r.Address, err = s.keys.OpenString(addrEnc, outboxAddrAD(r.MessageID)); err != nil {
			return nil, fmt.Errorf("notify: open outbox address: %w", err)
		}
		if len(dataEnc) > 0 {
			raw, err := s.keys.Open(dataEnc, outboxDataAD(r.MessageID))
			if err != nil {
				return nil, fmt.Errorf("notify: open outbox data: %w", err)
			}
			if err := json.Unmarshal(raw, &r.Data); err != nil {
				return nil, fmt.Errorf("notify: decode outbox data: %w", err)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: claim: %w", err)
	}
	rows.Close()
	if len(fanouts) > 0 {
		data, err := s.fanoutData(ctx, dedupe(fanouts))
		if err != nil {
			return nil, err
		}
		for i := range out {
			if out[i].FanoutID != "" {
				out[i].Data = data[out[i].FanoutID]
			}
		}
	}
	return out, nil
}

// outcome is what became of one claimed delivery.
type outcome struct {
	ID        int64
	AddressID string
	// State is "sent", "retry", "failed" or "gone" (the address is dead and
	// removed, with the delivery).
	State  string
	NextAt time.Time
	Code   string
}

// finish records the outcomes of a claimed batch in one transaction. Every
// update is fenced by the lease the batch was claimed with: when a slow
// dispatcher's lease ran out and another claimed the row, the first one's
// outcome is dropped and the row's fate is the second's.
func (s *Store) finish(ctx context.Context, lease, now time.Time, outs []outcome, fanouts []string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var sent []int64
		for _, o := range outs {
			var err error
			switch o.State {
			case "sent":
				sent = append(sent, o.ID)
			case "retry":
				_, err = tx.ExecContext(ctx, `UPDATE notify_outbox SET next_at = $1, last_error = $2 WHERE id = $3 AND next_at = $4 AND state = 'pending'`, o.NextAt, o.Code, o.ID, lease)
			case "failed":
				_, err = tx.ExecContext(ctx, `UPDATE notify_outbox SET state = 'failed', done_at = $1, last_error = $2, address_enc = NULL, data_enc = NULL WHERE id = $3 AND next_at = $4 AND state = 'pending'`, now, o.Code, o.ID, lease)
			case "gone":
				if o.AddressID != "" {
					_, err = tx.ExecContext(ctx, `DELETE FROM notify_addresses WHERE id = $1`, o.AddressID)
				} else {
					_, err = tx.ExecContext(ctx, `DELETE FROM notify_outbox WHERE id = $1`, o.ID)
				}
			}
			if err != nil {
				return fmt.Errorf("notify: record outcome: %w", err)
			}
		}
		for chunk := range slices.Chunk(sent, 500) {
			args := []any{now, lease}
			for _, id := range chunk {
				args = append(args, id)
			}
			// Only placeholders are added to the text; the ids are arguments.
			query := `UPDATE notify_outbox SET state = 'sent', done_at = $1, last_error = '', address_enc = NULL, data_enc = NULL
				WHERE next_at = $2 AND state = 'pending' AND id IN (` + placeholders(3, len(chunk)) + `)` // #nosec G202 -- placeholders only
			if _, err := tx.ExecContext(ctx, query, args...); err != nil {
				return fmt.Errorf("notify: record sent: %w", err)
			}
		}
		// A fan-out whose last delivery is finished keeps no content.
		for chunk := range slices.Chunk(fanouts, 500) {
			query := `UPDATE notify_fanouts SET data_enc = NULL WHERE data_enc IS NOT NULL AND id IN (` + placeholders(1, len(chunk)) + `)
				AND NOT EXISTS (SELECT 1 FROM notify_outbox o WHERE o.fanout_id = notify_fanouts.id AND o.state = 'pending')` // #nosec G202 -- placeholders only
			if _, err := tx.ExecContext(ctx, query, anys(chunk)...); err != nil {
				return fmt.Errorf("notify: clear fan-out: %w", err)
			}
		}
		return nil
	})
}

// Purge deletes finished deliveries done before cutoff, and fan-outs made
// before cutoff that have no delivery left waiting.
func (s *Store) Purge(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM notify_outbox WHERE state <> 'pending' AND done_at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("notify: purge: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM notify_fanouts WHERE created_at < $1
		AND NOT EXISTS (SELECT 1 FROM notify_outbox o WHERE o.fanout_id = notify_fanouts.id AND o.state = 'pending')`, cutoff); err != nil {
		return 0, fmt.Errorf("notify: purge fan-outs: %w", err)
	}
	return res.RowsAffected()
}

// Status counts an organisation's deliveries created since, per channel.
func (s *Store) Status(ctx context.Context, orgID string, since time.Time) ([]Status, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT channel, state, last_error <> '', count(*) FROM notify_outbox
		WHERE org_id = $1 AND created_at >= $2 GROUP BY channel, state, last_error <> ''`, orgID, since)
	if err != nil {
		return nil, fmt.Errorf("notify: status: %w", err)
	}
	defer rows.Close()
	byCh := map[ChannelName]*Status{}
	for rows.Next() {
		var ch, state string
		var erred bool
		var n int
		if err := rows.Scan(&ch, &state, &erred, &n); err != nil {
			return nil, fmt.Errorf("notify: status scan: %w", err)
		}
		st := byCh[ChannelName(ch)]
		if st == nil {
			st = &Status{Channel: ChannelName(ch)}
			byCh[st.Channel] = st
		}
		switch {
		case state == "sent":
			st.Sent += n
		case state == "failed":
			st.Failed += n
		case erred:
			st.Retrying += n
		default:
			st.Waiting += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: status: %w", err)
	}
	var out []Status
	for _, ch := range Channels() {
		if st := byCh[ch]; st != nil {
			out = append(out, *st)
		}
	}
	return out, nil
}

// Failures lists an organisation's deliveries given up since, newest first.
func (s *Store) Failures(ctx context.Context, orgID string, since time.Time, limit int) ([]Failure, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT message_id, fanout_id, user_id, kind, channel, attempts, last_error, created_at, done_at FROM notify_outbox
		WHERE org_id = $1 AND state = 'failed' AND done_at >= $2 ORDER BY done_at DESC, id LIMIT $3`, orgID, since, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: failures: %w", err)
	}
	defer rows.Close()
	var out []Failure
	for rows.Next() {
		var f Failure
		var kind, ch string
		var msgID, fanout, user sql.NullString
		if err := rows.Scan(&msgID, &fanout, &user, &kind, &ch, &f.Attempts, &f.LastError, &f.CreatedAt, &f.FailedAt); err != nil {
			return nil, fmt.Errorf("notify: failures scan: %w", err)
		}
		f.MessageID = msgID.String
		if fanout.Valid {
			f.MessageID = s.fanoutMessageID(fanout.String, user.String)
		}
		f.Kind, f.Channel = Kind(kind), ChannelName(ch)
		out = append(out, f)
	}
	return out, rows.Err()
}

// FailedCount counts an organisation's deliveries given up since.
func (s *Store) FailedCount(ctx context.Context, orgID string, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM notify_outbox WHERE org_id = $1 AND state = 'failed' AND done_at >= $2`, orgID, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("notify: failed count: %w", err)
	}
	return n, nil
}

// On-call lists.

// OnCallIDs returns an organisation's on-call list, in order.
func (s *Store) OnCallIDs(ctx context.Context, q db.Querier, orgID string) ([]string, error) {
	ids, err := db.Column[string](ctx, q, `SELECT user_id FROM notify_oncall WHERE org_id = $1 ORDER BY position, added_at`, orgID)
	if err != nil {
		return nil, fmt.Errorf("notify: on call: %w", err)
	}
	return ids, nil
}

func (s *Store) addOnCall(ctx context.Context, q db.Querier, orgID, userID string, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO notify_oncall (org_id, user_id, position, added_at)
		SELECT $1, $2, COALESCE(MAX(position), 0) + 1, $3 FROM notify_oncall WHERE org_id = $1
		ON CONFLICT (org_id, user_id) DO NOTHING`, orgID, userID, at)
	if err != nil {
		return fmt.Errorf("notify: add on call: %w", db.Map(err))
	}
	return nil
}

func (s *Store) removeOnCall(ctx context.Context, q db.Querier, orgID, userID string) error {
	res, err := q.ExecContext(ctx, `DELETE FROM notify_oncall WHERE org_id = $1 AND user_id = $2`, orgID, userID)
	if err != nil {
		return fmt.Errorf("notify: remove on call: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}

// Organisation settings.

// fullTexts returns which of the organisations chose full texts.
func (s *Store) fullTexts(ctx context.Context, orgIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	for chunk := range slices.Chunk(orgIDs, 500) {
		ids, err := db.Column[string](ctx, s.db, `SELECT org_id FROM notify_org_settings WHERE full_texts AND org_id IN (`+placeholders(1, len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("notify: org settings: %w", err)
		}
		for _, id := range ids {
			out[id] = true
		}
	}
	return out, nil
}

func (s *Store) setFullTexts(ctx context.Context, q db.Querier, orgID string, on bool) error {
	_, err := q.ExecContext(ctx, `INSERT INTO notify_org_settings (org_id, full_texts) VALUES ($1, $2)
		ON CONFLICT (org_id) DO UPDATE SET full_texts = excluded.full_texts`, orgID, on)
	if err != nil {
		return fmt.Errorf("notify: set full texts: %w", err)
	}
	return nil
}

// Server keys.

// key returns a sealed server key by name, or apperr.ErrNotFound.
func (s *Store) key(ctx context.Context, name string) ([]byte, error) {
	var enc []byte
	if err := s.db.QueryRowContext(ctx, `SELECT value_enc FROM notify_keys WHERE name = $1`, name).Scan(&enc); err != nil {
		return nil, fmt.Errorf("notify: key: %w", db.Map(err))
	}
	v, err := s.keys.Open(enc, keyAD(name))
	if err != nil {
		return nil, fmt.Errorf("notify: open key: %w", err)
	}
	return v, nil
}

// putKeyOnce stores a key unless one of that name exists (another instance
// may have just made it: the first one wins, and everyone reads it back).
func (s *Store) putKeyOnce(ctx context.Context, name string, value []byte, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO notify_keys (name, value_enc, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
		name, s.keys.Seal(value, keyAD(name)), at)
	if err != nil {
		return fmt.Errorf("notify: store key: %w", err)
	}
	return nil
}

// SQL helpers.

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// placeholders returns "$from, $from+1, …" for n values.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// valueRows returns "($1, …, $cols), (…)" for rows of cols values.
func valueRows(rows, cols int) string {
	var b strings.Builder
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		b.WriteString(placeholders(r*cols+1, cols))
		b.WriteByte(')')
	}
	return b.String()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
