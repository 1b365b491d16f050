-- +goose Up
-- The records list pages through a month of one kind of record, newest
-- first (on_date, then created_at, then id). With created_at and id in the
-- index the order is a walk of it; without them every page sorted the
-- whole first day it reached (21 ms for the first page of a month of
-- 83,000 contacts on SQLite, 370 ms for the thousandth). The index keeps
-- serving the range queries of the figures, which use its first columns.
DROP INDEX programme_activities_org;
CREATE INDEX programme_activities_org ON programme_activities (org_id, kind, on_date, created_at, id);

-- +goose Down
DROP INDEX programme_activities_org;
CREATE INDEX programme_activities_org ON programme_activities (org_id, kind, on_date);
