-- +goose Up
-- Directory entries staff removed. An entry staff added is simply deleted;
-- one that came from a content pack is deleted too, and its pack key is
-- kept here so that the next import of the pack does not bring it back.
CREATE TABLE directory_removed (
    pack_key   TEXT PRIMARY KEY,
    removed_at TIMESTAMP NOT NULL,
    removed_by TEXT NOT NULL
);

-- +goose Down
DROP TABLE directory_removed;
