-- +goose Up
-- The programme capability: logframes, outreach records counted by
-- pseudonymous member codes, referrals, trainings and indicator settings.
--
-- A member code is stored only as a keyed blind index (for look-up) and
-- sealed (for display to staff): a seized database without the key ring does
-- not join a printed card to the records. Codes carry no name and no birth
-- date, only coarse optional attributes. The link to a member's account is a
-- blind index of her user id, never the id.

CREATE TABLE programme_settings (
    org_id            TEXT PRIMARY KEY REFERENCES orgs(id),
    population        BIGINT NOT NULL DEFAULT 0,
    condoms_per_month BIGINT NOT NULL DEFAULT 0,
    threshold         INTEGER NOT NULL DEFAULT 5 CHECK (threshold >= 3),
    dhis2             TEXT NOT NULL DEFAULT '',
    updated_at        TIMESTAMPTZ NOT NULL
);

-- Services an organisation adds to the built-in list; bit is the service's
-- bit in the services masks (the built-in ones use bits 0 to 15).
CREATE TABLE programme_services (
    org_id TEXT NOT NULL REFERENCES orgs(id),
    bit    INTEGER NOT NULL CHECK (bit >= 16 AND bit < 62),
    key    TEXT NOT NULL,
    label  TEXT NOT NULL,
    PRIMARY KEY (org_id, bit),
    UNIQUE (org_id, key)
);

CREATE TABLE member_codes (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    code_idx        BYTEA NOT NULL UNIQUE,
    code_enc        BYTEA NOT NULL,
    age_band        TEXT NOT NULL DEFAULT '',
    gender          TEXT NOT NULL DEFAULT '',
    setting         TEXT NOT NULL DEFAULT '',
    national_id_enc BYTEA,
    user_idx        BYTEA UNIQUE,
    created_on      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX member_codes_org ON member_codes (org_id, seq);

-- Contacts, group sessions and trainings.
CREATE TABLE programme_activities (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    kind       TEXT NOT NULL CHECK (kind IN ('contact', 'group_session', 'training')),
    on_date    TEXT NOT NULL,
    mode       TEXT NOT NULL DEFAULT '',
    services   BIGINT NOT NULL DEFAULT 0,
    condoms    BIGINT NOT NULL DEFAULT 0,
    title      TEXT NOT NULL DEFAULT '',
    modules    TEXT NOT NULL DEFAULT '',
    attendance BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX programme_activities_org ON programme_activities (org_id, kind, on_date);

-- Who a contact reached: one row per code and contact, with the contact's
-- day, mode and services copied in so every indicator reads one index.
CREATE TABLE programme_reach (
    activity_id TEXT NOT NULL REFERENCES programme_activities(id) ON DELETE CASCADE,
    code_seq    BIGINT NOT NULL REFERENCES member_codes(seq),
    org_id      TEXT NOT NULL,
    on_date     TEXT NOT NULL,
    mode        TEXT NOT NULL,
    services    BIGINT NOT NULL,
    PRIMARY KEY (activity_id, code_seq)
);
CREATE INDEX programme_reach_org_day ON programme_reach (org_id, on_date, mode, code_seq, services);

CREATE TABLE programme_participants (
    activity_id TEXT NOT NULL REFERENCES programme_activities(id) ON DELETE CASCADE,
    code_seq    BIGINT NOT NULL REFERENCES member_codes(seq),
    org_id      TEXT NOT NULL,
    on_date     TEXT NOT NULL,
    pre_score   INTEGER,
    post_score  INTEGER,
    PRIMARY KEY (activity_id, code_seq)
);
CREATE INDEX programme_participants_org_day ON programme_participants (org_id, on_date, code_seq);

CREATE TABLE programme_referrals (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    code_seq   BIGINT NOT NULL REFERENCES member_codes(seq),
    on_date    TEXT NOT NULL,
    service    TEXT NOT NULL,
    to_name    TEXT NOT NULL DEFAULT '',
    outcome    TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'linked', 'not_linked')),
    outcome_on TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX programme_referrals_org_day ON programme_referrals (org_id, on_date, outcome);

-- Summaries kept up to date in the same transaction as each contact, so the
-- indicators of whole months read one row per code and year, or one row per
-- day, instead of every contact. A code's year row holds the months it was
-- reached in (bit m-1 for month m) and the services it got in each month
-- (sMM, an OR of the services masks), counting only individual and
-- small-group contacts; its attributes are copied in (codes never change
-- them). Custom ranges that cut a month read programme_reach instead.
CREATE TABLE programme_code_years (
    code_seq BIGINT NOT NULL REFERENCES member_codes(seq),
    year     INTEGER NOT NULL,
    org_id   TEXT NOT NULL,
    age_band TEXT NOT NULL DEFAULT '',
    gender   TEXT NOT NULL DEFAULT '',
    setting  TEXT NOT NULL DEFAULT '',
    months   BIGINT NOT NULL DEFAULT 0,
    s01 BIGINT NOT NULL DEFAULT 0, s02 BIGINT NOT NULL DEFAULT 0, s03 BIGINT NOT NULL DEFAULT 0,
    s04 BIGINT NOT NULL DEFAULT 0, s05 BIGINT NOT NULL DEFAULT 0, s06 BIGINT NOT NULL DEFAULT 0,
    s07 BIGINT NOT NULL DEFAULT 0, s08 BIGINT NOT NULL DEFAULT 0, s09 BIGINT NOT NULL DEFAULT 0,
    s10 BIGINT NOT NULL DEFAULT 0, s11 BIGINT NOT NULL DEFAULT 0, s12 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (code_seq, year)
);
CREATE INDEX programme_code_years_org ON programme_code_years (org_id, year);

-- Per day: people met one to one or in small groups (each time), and condoms.
CREATE TABLE programme_days (
    org_id   TEXT NOT NULL,
    day      TEXT NOT NULL,
    contacts BIGINT NOT NULL DEFAULT 0,
    condoms  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day)
);

-- Staff's own indicators.
CREATE TABLE programme_custom_indicators (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('count', 'unique', 'ratio')),
    record      TEXT NOT NULL DEFAULT '',
    mode        TEXT NOT NULL DEFAULT '',
    service     TEXT NOT NULL DEFAULT '',
    numerator   TEXT NOT NULL DEFAULT '',
    denominator TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX programme_custom_indicators_org ON programme_custom_indicators (org_id, created_at);

-- Logframes: a project has a goal; results below it are outcomes, outputs
-- and activities; indicators hang on the goal (result_id empty) or a result.
CREATE TABLE programme_projects (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    title      TEXT NOT NULL,
    goal       TEXT NOT NULL DEFAULT '',
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX programme_projects_org ON programme_projects (org_id, starts_on);

CREATE TABLE programme_results (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES programme_projects(id) ON DELETE CASCADE,
    org_id     TEXT NOT NULL,
    parent_id  TEXT NOT NULL DEFAULT '',
    level      TEXT NOT NULL CHECK (level IN ('outcome', 'output', 'activity')),
    title      TEXT NOT NULL,
    assumptions TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX programme_results_project ON programme_results (project_id, created_at);

CREATE TABLE programme_plan_indicators (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES programme_projects(id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL,
    result_id    TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL,
    definition   TEXT NOT NULL DEFAULT '',
    baseline     DOUBLE PRECISION NOT NULL DEFAULT 0,
    verification TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX programme_plan_indicators_project ON programme_plan_indicators (project_id, created_at);

-- Targets per period (DHIS2 period ids: 2026, 2026Q4, 202611), with an
-- actual typed by staff for indicators the records cannot compute.
CREATE TABLE programme_targets (
    indicator_id TEXT NOT NULL REFERENCES programme_plan_indicators(id) ON DELETE CASCADE,
    period       TEXT NOT NULL,
    target       DOUBLE PRECISION NOT NULL,
    actual       DOUBLE PRECISION,
    PRIMARY KEY (indicator_id, period)
);

-- +goose Down
DROP TABLE programme_targets;
DROP TABLE programme_plan_indicators;
DROP TABLE programme_results;
DROP TABLE programme_projects;
DROP TABLE programme_custom_indicators;
DROP TABLE programme_days;
DROP TABLE programme_code_years;
DROP TABLE programme_referrals;
DROP TABLE programme_participants;
DROP TABLE programme_reach;
DROP TABLE programme_activities;
DROP TABLE member_codes;
DROP TABLE programme_services;
DROP TABLE programme_settings;
