-- +goose Up
-- Incident reports. The reporter is linked only through a keyed blind index
-- of her user id, so a seized database without the key ring does not say who
-- reported what. Narrative, place and the perpetrator's description are sealed.
CREATE TABLE reports (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    reporter_idx    BLOB NOT NULL,
    filed_by_idx    BLOB,
    on_behalf       BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'info_requested', 'published', 'declined', 'withdrawn')),
    step            TEXT NOT NULL DEFAULT '',
    incident_types  TEXT NOT NULL DEFAULT '',
    support         TEXT NOT NULL DEFAULT '',
    occurred_on     TEXT NOT NULL DEFAULT '',
    area            TEXT NOT NULL DEFAULT '',
    place_enc       BLOB,
    narrative_enc   BLOB,
    perp_desc_enc   BLOB,
    consent_alert   BOOLEAN NOT NULL DEFAULT FALSE,
    consent_network BOOLEAN NOT NULL DEFAULT FALSE,
    consent_police  BOOLEAN NOT NULL DEFAULT FALSE,
    priority        INTEGER NOT NULL DEFAULT 0,
    note_enc        BLOB,
    created_at      TIMESTAMP NOT NULL,
    submitted_at    TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL,
    first_review_at TIMESTAMP,
    closed_at       TIMESTAMP
);
CREATE INDEX reports_queue ON reports (org_id, status, priority, submitted_at);
CREATE INDEX reports_reporter ON reports (reporter_idx, created_at);
CREATE INDEX reports_closed ON reports (status, closed_at);

CREATE TABLE report_identifiers (
    id        TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    org_id    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    match_idx BLOB NOT NULL,
    value_enc BLOB NOT NULL
);
CREATE INDEX report_identifiers_match ON report_identifiers (match_idx);
CREATE INDEX report_identifiers_report ON report_identifiers (report_id);

-- What she adds to her report later, and what moderators ask.
CREATE TABLE report_messages (
    id         TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    from_staff BOOLEAN NOT NULL,
    text_enc   BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX report_messages_report ON report_messages (report_id, created_at);

-- One case per support need a report asked for.
CREATE TABLE cases (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id),
    report_id         TEXT REFERENCES reports(id) ON DELETE SET NULL,
    source            TEXT NOT NULL DEFAULT 'report',
    need              TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'closed')),
    assignee_id       TEXT REFERENCES users(id) ON DELETE SET NULL,
    due_on            TEXT NOT NULL DEFAULT '',
    outcome           TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    closed_at         TIMESTAMP
);
CREATE INDEX cases_org ON cases (org_id, status, created_at);
CREATE INDEX cases_report ON cases (report_id);

CREATE TABLE case_notes (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    author_id  TEXT,
    text_enc   BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, created_at);

-- Published alerts. No column links an alert to a report or a reporter.
CREATE TABLE alerts (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs(id),
    scope          TEXT NOT NULL CHECK (scope IN ('org', 'network')),
    status         TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
    summary_enc    BLOB NOT NULL,
    incident_types TEXT NOT NULL DEFAULT '',
    occurred_on    TEXT NOT NULL DEFAULT '',
    area           TEXT NOT NULL DEFAULT '',
    published_at   TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP
);
CREATE INDEX alerts_feed ON alerts (status, scope, org_id, published_at);

CREATE TABLE alert_identifiers (
    id        TEXT PRIMARY KEY,
    alert_id  TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    org_id    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    match_idx BLOB NOT NULL,
    value_enc BLOB NOT NULL
);
CREATE INDEX alert_identifiers_match ON alert_identifiers (match_idx);
CREATE INDEX alert_identifiers_alert ON alert_identifiers (alert_id);

-- Daily counts of screenings, for the programme indicators. The value
-- screened is never stored.
CREATE TABLE screen_counts (
    org_id TEXT NOT NULL,
    day    TEXT NOT NULL,
    checks BIGINT NOT NULL DEFAULT 0,
    hits   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day)
);

-- +goose Down
DROP TABLE screen_counts;
DROP TABLE alert_identifiers;
DROP TABLE alerts;
DROP TABLE case_notes;
DROP TABLE cases;
DROP TABLE report_messages;
DROP TABLE report_identifiers;
DROP TABLE reports;
