-- Attention (issue 15): read markers, mentions, notification preferences, full-text search.
-- Additive only: new tables, and new columns on messages that have defaults (a gateway or persister of
-- the previous version names its columns and keeps working while pods roll).

-- Who a message mentions, resolved by the gateway at send time (set by the persister).
ALTER TABLE "messages" ADD COLUMN "mentions" UUID[] NOT NULL DEFAULT '{}';

-- Search: the language-neutral `simple` words (exact and prefix matches) weighted above the English
-- stems (so "running" finds "runs"). Generated, so inserts, edits and tombstones (body emptied) keep it
-- right with no code of their own. Adding a stored generated column rewrites the table once.
ALTER TABLE "messages" ADD COLUMN "search" TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, "body"), 'A') || setweight(to_tsvector('english'::regconfig, "body"), 'B')
) STORED;
CREATE INDEX "messages_search_idx" ON "messages" USING GIN ("search");

-- Unread counts: an index-only range scan over the standing top-level messages after a marker.
CREATE INDEX "messages_unread_idx" ON "messages"("room_id", "id") INCLUDE ("sender_id")
    WHERE "parent_id" IS NULL AND "deleted_at" IS NULL;

-- One row per (mentioned user, room, message): mention counts are an index-only range scan. Rows of
-- a deleted message are removed with its tombstone. No foreign keys: written from the log.
CREATE TABLE "message_mentions" (
    "user_id" UUID NOT NULL,
    "room_id" UUID NOT NULL,
    "message_id" UUID NOT NULL,

    CONSTRAINT "message_mentions_pkey" PRIMARY KEY ("user_id", "room_id", "message_id")
);
CREATE INDEX "message_mentions_message_id_idx" ON "message_mentions"("message_id");

-- My read marker per room: only ever moves forward (the persister applies GREATEST).
CREATE TABLE "read_markers" (
    "user_id" UUID NOT NULL,
    "room_id" UUID NOT NULL,
    "last_read_id" UUID NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "read_markers_pkey" PRIMARY KEY ("user_id", "room_id")
);

-- Notification preferences per (user, room); no row means the defaults (direct: all; else: mentions).
-- Kept across leaving and rejoining; no foreign keys, like the other per-user attention rows.
CREATE TABLE "room_preferences" (
    "user_id" UUID NOT NULL,
    "room_id" UUID NOT NULL,
    "notify" TEXT NOT NULL CHECK ("notify" IN ('all', 'mentions', 'none')),
    "muted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "room_preferences_pkey" PRIMARY KEY ("user_id", "room_id")
);

-- The smallest UUIDv7 of an instant: "messages after I joined" as a range of the (room_id, id) index.
CREATE FUNCTION "uuidv7_floor"(ts TIMESTAMPTZ) RETURNS UUID LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-0000-0000-000000000000')::uuid
      FROM (SELECT lpad(to_hex(floor(extract(epoch FROM ts) * 1000)::bigint), 12, '0') AS h) AS t
$$;
