-- Indexes for the members page's name search (`GET /api/rooms/:id/members?q=`: the start of the username,
-- any part of the display name, without case).
--
-- `username ILIKE 'x%' OR display_name ILIKE '%x%'` could use no index, so each search read every row of
-- `users`, whatever the room: 9.6 ms at 10,000 users, and growing with every sign-up elsewhere. Now the
-- username side is `lower(username) LIKE 'x%'`, a range of a text_pattern_ops B-tree (the unique
-- lower(username) index serves LIKE only under the C collation, which deployments need not have), and the
-- display-name side a GIN index of pg_trgm, which answers `%x%`. A trigram index of the username would
-- not do: where many names share their start (`team.ann`, `team.bob` ...) each of the query's trigrams
-- matches nearly every row and the index hands back the whole table to recheck (14.9 ms a search in the
-- members bench, where 10,000 names start alike). For patterns of one or two characters, which hold no
-- trigram, the planner walks the room's members in join order instead, as before.
--
-- pg_trgm ships with PostgreSQL (contrib: the postgres images, Debian's packages) and is a trusted
-- extension since PostgreSQL 13 (RDS included), so the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX "users_username_pattern_idx" ON "users" (lower("username") text_pattern_ops);
-- Without fastupdate: a GIN index's pending list (new entries not yet merged) is read whole by every search
-- until a vacuum merges it; after 10,000 sign-ups the display-name side took 2.4 ms instead of 0.02. Users
-- are written rarely (a sign-up, a profile change), so each write merges its own entries.
CREATE INDEX "users_display_name_trgm_idx" ON "users" USING gin ("display_name" gin_trgm_ops) WITH (fastupdate = off);
