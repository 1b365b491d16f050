-- +goose Up
-- The rights library. Everything here is public content: articles, their
-- versions and the directory of services. No member data; updated_by and
-- created_by hold the id of the staff user who edited (empty for a pack).

-- One row per article and language: what is served. body_md is the Markdown,
-- html its sanitised rendering, search_title and search_text the normalised
-- plain text (NFKC, lower case) that search matches substrings in. List
-- fields are JSON arrays. reviewed_on is a date as YYYY-MM-DD.
CREATE TABLE articles (
    slug           TEXT NOT NULL,
    lang           TEXT NOT NULL,
    jurisdiction   TEXT NOT NULL,
    title          TEXT NOT NULL,
    summary        TEXT NOT NULL,
    body_md        TEXT NOT NULL,
    html           TEXT NOT NULL,
    search_title   TEXT NOT NULL,
    search_text    TEXT NOT NULL,
    sources        TEXT NOT NULL,
    topics         TEXT NOT NULL,
    incident_types TEXT NOT NULL,
    uncertain      TEXT NOT NULL,
    reviewed_on    TEXT NOT NULL,
    reviewed_by    TEXT NOT NULL,
    card           BOOLEAN NOT NULL DEFAULT FALSE,
    source         TEXT NOT NULL CHECK (source IN ('pack', 'staff')),
    -- pack_hash is the hash of the pack file last imported for this article;
    -- pack_newer says a pack brought a newer text after a staff edit.
    pack_hash      TEXT NOT NULL DEFAULT '',
    pack_newer     BOOLEAN NOT NULL DEFAULT FALSE,
    version        INTEGER NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    updated_by     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (slug, lang)
);
CREATE INDEX articles_jurisdiction ON articles (jurisdiction, lang);

-- Every import and every edit of an article is a version: the whole document
-- (front matter and body) as a file would hold it.
CREATE TABLE article_versions (
    slug        TEXT NOT NULL,
    lang        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('pack', 'staff')),
    document    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_org TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (slug, lang, version)
);

-- Services anyone may call. pack_key names an entry that came from a pack
-- (NULL for one staff added); origin is 'staff' once staff edited it, and a
-- later pack then leaves it alone.
CREATE TABLE directory_entries (
    id          TEXT PRIMARY KEY,
    pack_key    TEXT UNIQUE,
    name        TEXT NOT NULL,
    name_zh     TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    area        TEXT NOT NULL,
    contact     TEXT NOT NULL,
    hours       TEXT NOT NULL DEFAULT '',
    languages   TEXT NOT NULL DEFAULT '[]',
    notes       TEXT NOT NULL DEFAULT '',
    notes_zh    TEXT NOT NULL DEFAULT '',
    verified_on TEXT NOT NULL,
    source_url  TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL CHECK (origin IN ('pack', 'staff')),
    pack_hash   TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX directory_entries_area ON directory_entries (area, kind);

-- +goose Down
DROP TABLE directory_entries;
DROP TABLE article_versions;
DROP TABLE articles;
