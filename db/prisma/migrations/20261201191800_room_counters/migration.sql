-- Maintained unread and mention counts per (room, member) (issue 15's speed target): GET /api/rooms reads
-- one row per room instead of counting an index range per room. Additive: a new table, functions and
-- triggers; the old gateway ignores them, the old persister's writes keep them right (triggers).
--
-- Invariant of a row: `unread` is the number of standing (not deleted) top-level messages of the room
-- with an id after `since_id` that the member did not send; `mentions` the number of the member's
-- `message_mentions` rows of the room after `since_id`; and `since_id` is greatest(read marker,
-- uuidv7_floor(joined_at)), the point counting starts from. The gateway uses a row only when its
-- `since_id` is the floor it computes itself (a fresher marker in Redis falls back to counting).
--
-- Why triggers: they run in the transaction of the statement that changes the rows (the persister's
-- batch, a join, a leave, a bulk load), see exactly the rows it changed (transition tables: a message
-- skipped by ON CONFLICT DO NOTHING, i.e. a redelivered batch, is not in them, so nothing counts twice),
-- and are set-based: one UPDATE of the counters per statement, whatever the batch and the rooms in it.
CREATE TABLE "room_counters" (
    "room_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "since_id" UUID NOT NULL,
    "unread" INTEGER NOT NULL,
    "mentions" INTEGER NOT NULL,

    CONSTRAINT "room_counters_pkey" PRIMARY KEY ("room_id", "user_id")
) WITH (fillfactor = 70); -- room for HOT updates: a count changes, no indexed column does

-- Serializes the counters of these rooms with joins: a membership INSERT takes a KEY SHARE lock on its
-- room (the foreign key), which this FOR UPDATE waits for and blocks. Without it a join could count the
-- room's messages without a message inserted by a batch not yet committed, while that batch's increment
-- could not see the joiner's row yet, and the message would be counted by neither.
-- (PL/pgSQL: PERFORM runs the query to its end, where a SQL function would stop at its first row.)
CREATE FUNCTION "room_counters_lock"(p_rooms UUID[]) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM "rooms" WHERE "id" = ANY(p_rooms) ORDER BY "id" FOR UPDATE;
END
$$;

-- Recounts the rows of these (room, user) pairs (a NULL user: every member of the room) whose since_id
-- is not their floor any more, or that are missing. Bounded by what is after the floor: the messages
-- I have not read. Returns how many rows it wrote.
CREATE FUNCTION "room_counters_refresh"(p_rooms UUID[], p_users UUID[]) RETURNS INTEGER LANGUAGE sql AS $$
    WITH "wanted" AS (
        SELECT DISTINCT m."room_id", m."user_id", greatest(rm."last_read_id", uuidv7_floor(m."joined_at")) AS "since_id"
          FROM unnest(p_rooms, p_users) AS w("room_id", "user_id")
          JOIN "memberships" m ON m."room_id" = w."room_id" AND (w."user_id" IS NULL OR m."user_id" = w."user_id")
          LEFT JOIN "read_markers" rm ON rm."user_id" = m."user_id" AND rm."room_id" = m."room_id"
    ), "written" AS (
        INSERT INTO "room_counters" ("room_id", "user_id", "since_id", "unread", "mentions")
        SELECT w."room_id", w."user_id", w."since_id",
               (SELECT count(*) FROM "messages" msg
                 WHERE msg."room_id" = w."room_id" AND msg."parent_id" IS NULL AND msg."deleted_at" IS NULL
                   AND msg."id" > w."since_id" AND msg."sender_id" <> w."user_id"),
               (SELECT count(*) FROM "message_mentions" mm
                 WHERE mm."user_id" = w."user_id" AND mm."room_id" = w."room_id" AND mm."message_id" > w."since_id")
          FROM "wanted" w
          LEFT JOIN "room_counters" c ON c."room_id" = w."room_id" AND c."user_id" = w."user_id"
         WHERE c."since_id" IS DISTINCT FROM w."since_id"
        ON CONFLICT ("room_id", "user_id") DO UPDATE
           SET "since_id" = EXCLUDED."since_id", "unread" = EXCLUDED."unread", "mentions" = EXCLUDED."mentions"
        RETURNING 1
    )
    SELECT count(*)::int FROM "written"
$$;

-- New messages: +1 for every member after whose floor a standing top-level message lands, but not for
-- its sender. Per room: the batch's count minus the member's own, unless the member's floor lies
-- inside the batch (a marker moved between two of its messages), where the batch's rows are counted.
-- (array_agg, not min: PostgreSQL 15 has no min(uuid).)
CREATE FUNCTION "room_counters_messages_inserted"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM room_counters_lock(ARRAY(SELECT DISTINCT "room_id" FROM "inserted" WHERE "parent_id" IS NULL AND "deleted_at" IS NULL));
    WITH "r" AS (
        SELECT "room_id", count(*) AS "k", (array_agg("id" ORDER BY "id"))[1] AS "first" FROM "inserted"
         WHERE "parent_id" IS NULL AND "deleted_at" IS NULL GROUP BY "room_id"
    ), "own" AS (
        SELECT "room_id", "sender_id", count(*) AS "k" FROM "inserted"
         WHERE "parent_id" IS NULL AND "deleted_at" IS NULL GROUP BY "room_id", "sender_id"
    ), "d" AS (
        SELECT c."room_id", c."user_id",
               CASE WHEN c."since_id" < r."first" THEN r."k" - coalesce(o."k", 0)
                    ELSE (SELECT count(*) FROM "inserted" i
                           WHERE i."room_id" = c."room_id" AND i."parent_id" IS NULL AND i."deleted_at" IS NULL
                             AND i."id" > c."since_id" AND i."sender_id" <> c."user_id") END AS "n"
          FROM "r" JOIN "room_counters" c ON c."room_id" = r."room_id"
          LEFT JOIN "own" o ON o."room_id" = c."room_id" AND o."sender_id" = c."user_id"
    )
    UPDATE "room_counters" c SET "unread" = c."unread" + d."n"
      FROM "d" WHERE c."room_id" = d."room_id" AND c."user_id" = d."user_id" AND d."n" > 0;
    RETURN NULL;
END
$$;

-- A message deleted (deleted_at set; the persister's tombstone): -1 where it was counted.
CREATE FUNCTION "room_counters_messages_updated"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    "rooms" UUID[];
BEGIN
    SELECT array_agg(DISTINCT n."room_id") INTO "rooms" FROM "before" o JOIN "after" n ON n."id" = o."id"
     WHERE o."deleted_at" IS NULL AND n."deleted_at" IS NOT NULL AND n."parent_id" IS NULL;
    IF "rooms" IS NULL THEN RETURN NULL; END IF;
    PERFORM room_counters_lock("rooms");
    UPDATE "room_counters" c SET "unread" = c."unread" - d."n"
      FROM (SELECT c2."room_id", c2."user_id", count(*) AS "n"
              FROM "before" o JOIN "after" n ON n."id" = o."id"
              JOIN "room_counters" c2 ON c2."room_id" = n."room_id" AND n."id" > c2."since_id" AND n."sender_id" <> c2."user_id"
             WHERE o."deleted_at" IS NULL AND n."deleted_at" IS NOT NULL AND n."parent_id" IS NULL
             GROUP BY c2."room_id", c2."user_id") AS d
     WHERE c."room_id" = d."room_id" AND c."user_id" = d."user_id";
    RETURN NULL;
END
$$;

-- Mention rows added or removed (a deleted message loses them): +/-1 after the member's floor.
CREATE FUNCTION "room_counters_mentions_changed"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM room_counters_lock(ARRAY(SELECT DISTINCT "room_id" FROM "changed"));
        UPDATE "room_counters" c SET "mentions" = c."mentions" + d."n"
          FROM (SELECT x."room_id", x."user_id", count(*) AS "n" FROM "changed" x
                  JOIN "room_counters" c2 ON c2."room_id" = x."room_id" AND c2."user_id" = x."user_id" AND x."message_id" > c2."since_id"
                 GROUP BY x."room_id", x."user_id") AS d
         WHERE c."room_id" = d."room_id" AND c."user_id" = d."user_id";
    ELSE
        PERFORM room_counters_lock(ARRAY(SELECT DISTINCT "room_id" FROM "gone"));
        UPDATE "room_counters" c SET "mentions" = c."mentions" - d."n"
          FROM (SELECT x."room_id", x."user_id", count(*) AS "n" FROM "gone" x
                  JOIN "room_counters" c2 ON c2."room_id" = x."room_id" AND c2."user_id" = x."user_id" AND x."message_id" > c2."since_id"
                 GROUP BY x."room_id", x."user_id") AS d
         WHERE c."room_id" = d."room_id" AND c."user_id" = d."user_id";
    END IF;
    RETURN NULL;
END
$$;

-- A read marker moved, or a member joined (again): count from the new floor. A leave drops the row.
CREATE FUNCTION "room_counters_floor_moved"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM room_counters_refresh(array_agg("room_id"), array_agg("user_id")) FROM "changed";
    RETURN NULL;
END
$$;
CREATE FUNCTION "room_counters_member_left"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM "room_counters" c USING "gone" g WHERE c."room_id" = g."room_id" AND c."user_id" = g."user_id";
    RETURN NULL;
END
$$;

CREATE TRIGGER "room_counters_messages_inserted" AFTER INSERT ON "messages"
    REFERENCING NEW TABLE AS "inserted" FOR EACH STATEMENT EXECUTE FUNCTION room_counters_messages_inserted();
CREATE TRIGGER "room_counters_messages_updated" AFTER UPDATE ON "messages"
    REFERENCING OLD TABLE AS "before" NEW TABLE AS "after" FOR EACH STATEMENT EXECUTE FUNCTION room_counters_messages_updated();
CREATE TRIGGER "room_counters_mentions_inserted" AFTER INSERT ON "message_mentions"
    REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION room_counters_mentions_changed();
CREATE TRIGGER "room_counters_mentions_deleted" AFTER DELETE ON "message_mentions"
    REFERENCING OLD TABLE AS "gone" FOR EACH STATEMENT EXECUTE FUNCTION room_counters_mentions_changed();
CREATE TRIGGER "room_counters_marker_inserted" AFTER INSERT ON "read_markers"
    REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION room_counters_floor_moved();
CREATE TRIGGER "room_counters_marker_updated" AFTER UPDATE ON "read_markers"
    REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION room_counters_floor_moved();
CREATE TRIGGER "room_counters_member_joined" AFTER INSERT ON "memberships"
    REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION room_counters_floor_moved();
CREATE TRIGGER "room_counters_member_updated" AFTER UPDATE ON "memberships"
    REFERENCING NEW TABLE AS "changed" FOR EACH STATEMENT EXECUTE FUNCTION room_counters_floor_moved();
CREATE TRIGGER "room_counters_member_left" AFTER DELETE ON "memberships"
    REFERENCING OLD TABLE AS "gone" FOR EACH STATEMENT EXECUTE FUNCTION room_counters_member_left();

-- Backfill, after the triggers: creating them locked the four tables against writes until this
-- migration commits, so no change can fall between the backfill's count and the triggers.
SELECT room_counters_refresh(array_agg("room_id"), array_agg(NULL::uuid)) FROM (SELECT DISTINCT "room_id" FROM "memberships") AS r;
