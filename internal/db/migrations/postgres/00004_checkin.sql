-- +goose Up
-- Check-ins. The timer lives here: next_step fires at next_at, claimed by
-- the scheduler in the same transaction that writes the notification, so a
-- step fires at most once whatever crashes. The note is sealed and deleted
-- with the outside buddies' addresses a while after the check-in ends.
CREATE TABLE checkins (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    owner_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('active', 'safe', 'overdue', 'escalated')),
    due_at     TIMESTAMPTZ NOT NULL,
    grace_ms   BIGINT NOT NULL,
    next_step  TEXT NOT NULL CHECK (next_step IN ('remind', 'buddy', 'staff', 'done')),
    next_at    TIMESTAMPTZ,
    note_enc   BYTEA,
    -- hash of the token in her own "I'm safe" link (which also needs her PIN)
    safe_hash  BYTEA UNIQUE,
    case_id    TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    ended_at   TIMESTAMPTZ,
    purge_at   TIMESTAMPTZ
);
CREATE INDEX checkins_due ON checkins (next_at) WHERE next_step <> 'done';
CREATE INDEX checkins_owner ON checkins (owner_id, created_at);
CREATE INDEX checkins_purge ON checkins (purge_at) WHERE purge_at IS NOT NULL;

-- Who is called. A buddy is a user (by id) or an outside phone or e-mail,
-- sealed. ack_hash is the hash of the token in an outside buddy's link.
CREATE TABLE checkin_buddies (
    id         TEXT PRIMARY KEY,
    checkin_id TEXT NOT NULL REFERENCES checkins(id) ON DELETE CASCADE,
    user_id    TEXT REFERENCES users(id) ON DELETE CASCADE,
    phone_enc  BYTEA,
    email_enc  BYTEA,
    ack_hash   BYTEA UNIQUE,
    alerted_at TIMESTAMPTZ,
    acked_at   TIMESTAMPTZ
);
CREATE INDEX checkin_buddies_checkin ON checkin_buddies (checkin_id);
CREATE INDEX checkin_buddies_user ON checkin_buddies (user_id);

CREATE TABLE checkin_events (
    id         TEXT PRIMARY KEY,
    checkin_id TEXT NOT NULL REFERENCES checkins(id) ON DELETE CASCADE,
    at         TIMESTAMPTZ NOT NULL,
    kind       TEXT NOT NULL
);
CREATE INDEX checkin_events_checkin ON checkin_events (checkin_id, at);

-- Her buddy list: sisters she asked, who accepted.
CREATE TABLE buddy_links (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    buddy_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'accepted')),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, buddy_id)
);
CREATE INDEX buddy_links_buddy ON buddy_links (buddy_id, status);

-- Her check-in PIN (and, where the organisation allows it, a duress PIN
-- that looks like "safe" but calls for help), hashed.
CREATE TABLE checkin_pins (
    user_id     TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    pin_hash    TEXT NOT NULL,
    duress_hash TEXT NOT NULL DEFAULT ''
);

CREATE TABLE checkin_org_settings (
    org_id         TEXT PRIMARY KEY REFERENCES orgs(id),
    grace_ms       BIGINT NOT NULL,
    duress_enabled BOOLEAN NOT NULL DEFAULT FALSE
);

-- Only counts outlive a check-in, for the programme indicators.
CREATE TABLE checkin_counts (
    org_id    TEXT NOT NULL,
    day       TEXT NOT NULL,
    started   BIGINT NOT NULL DEFAULT 0,
    safe      BIGINT NOT NULL DEFAULT 0,
    escalated BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day)
);

-- The scheduler's heartbeat, so a stalled loop shows.
CREATE TABLE scheduler_heartbeat (
    name    TEXT PRIMARY KEY,
    beat_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE scheduler_heartbeat;
DROP TABLE checkin_counts;
DROP TABLE checkin_org_settings;
DROP TABLE checkin_pins;
DROP TABLE buddy_links;
DROP TABLE checkin_events;
DROP TABLE checkin_buddies;
DROP TABLE checkins;
