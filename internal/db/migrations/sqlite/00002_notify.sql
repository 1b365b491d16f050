-- +goose Up
-- Notifications (internal/notify). Every address is sealed with its row id in
-- the associated data; nothing here is readable without the key ring.

-- Where a user wants to hear from us: her phone (SMS), e-mail, or a browser's
-- web push subscription. address_idx is a keyed index of channel, user and
-- address, so she cannot add one twice and nobody can tell that two users
-- share one. kinds lists the groups of messages this address receives.
CREATE TABLE notify_addresses (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel     TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'push')),
    address_idx BLOB NOT NULL UNIQUE,
    address_enc BLOB NOT NULL,
    kinds       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX notify_addresses_user ON notify_addresses (user_id);

-- The outbox: one row per delivery of a message on one channel to one
-- address. Rows of one message share message_id, which is what receivers see
-- and de-duplicate by. A pending row is due at next_at; claiming it moves
-- next_at forward by a lease, so a crash mid-send makes it due again. When a
-- row is sent or given up, its sealed content and address are cleared; the
-- rest is deleted after the retention period.
--
-- A fan-out (one alert to every member of a network) is written by one
-- INSERT … SELECT over the audience in the publishing transaction: its rows
-- carry no sealed content of their own but the id of their notify_fanouts
-- row, which holds the message data once, and no message_id: a recipient's
-- id is derived from the fan-out and her user id with a keyed hash when the
-- row is sent, so it is the same on every channel and every retry. The id is
-- an integer (appended to, not a random key scattered through an index);
-- sealed values are bound to message_id, which is known before the insert.
-- user_id and org_id carry no foreign key: checking one per row was a third
-- of a fan-out's time on PostgreSQL, and deleting a user deletes her rows in
-- the deleting transaction (Store.DeleteUser); organisations are not deleted.
CREATE TABLE notify_outbox (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT,
    kind        TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    rcpt_type   TEXT NOT NULL CHECK (rcpt_type IN ('member', 'phone', 'email')),
    user_id     TEXT,
    channel     TEXT NOT NULL CHECK (channel IN ('webhook', 'sms', 'email', 'push')),
    address_id  TEXT REFERENCES notify_addresses(id) ON DELETE CASCADE,
    address_enc BLOB,
    fanout_id   TEXT,
    lang        TEXT NOT NULL DEFAULT '',
    data_enc    BLOB,
    created_at  TIMESTAMP NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TIMESTAMP NOT NULL,
    done_at     TIMESTAMP,
    last_error  TEXT NOT NULL DEFAULT '',
    CHECK (message_id IS NOT NULL OR (fanout_id IS NOT NULL AND user_id IS NOT NULL))
);
CREATE INDEX notify_outbox_due ON notify_outbox (next_at) WHERE state = 'pending';
CREATE INDEX notify_outbox_done ON notify_outbox (done_at) WHERE state <> 'pending';
CREATE INDEX notify_outbox_org ON notify_outbox (org_id, created_at);
CREATE INDEX notify_outbox_user ON notify_outbox (user_id);
CREATE INDEX notify_outbox_address ON notify_outbox (address_id) WHERE address_id IS NOT NULL;
CREATE INDEX notify_outbox_fanout ON notify_outbox (fanout_id) WHERE state = 'pending' AND fanout_id IS NOT NULL;

-- The data of a fan-out's message (the same for every recipient), sealed
-- once with the fan-out's id in the associated data. It is cleared when the
-- fan-out's last delivery is finished, and the row deleted after the
-- retention period.
CREATE TABLE notify_fanouts (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    data_enc   BLOB,
    created_at TIMESTAMP NOT NULL
);

-- Who is on call for new reports and overdue check-ins, in order. An
-- organisation without a list has all its moderators and admins on call.
CREATE TABLE notify_oncall (
    org_id   TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

-- An organisation's notification settings: full_texts sends texts that say
-- what a message is about instead of the neutral default.
CREATE TABLE notify_org_settings (
    org_id     TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    full_texts BOOLEAN NOT NULL DEFAULT FALSE
);

-- Server keys shared by every instance (the VAPID key pair of web push), sealed.
CREATE TABLE notify_keys (
    name       TEXT PRIMARY KEY,
    value_enc  BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE notify_keys;
DROP TABLE notify_org_settings;
DROP TABLE notify_oncall;
DROP TABLE notify_fanouts;
DROP TABLE notify_outbox;
DROP TABLE notify_addresses;
