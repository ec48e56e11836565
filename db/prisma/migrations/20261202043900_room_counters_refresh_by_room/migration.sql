-- The recount of room_counters_refresh, planned so that it reads only the room's own messages.
--
-- A SQL function's statements are planned with their inputs unknown: `msg.room_id = w.room_id AND
-- msg.id > w.since_id` was estimated from the column statistics alone, and where one room holds nearly
-- every message (n_distinct 1: the bench's million-message room, a young deployment with one busy room)
-- the planner preferred the primary key's range `id > since_id` with the room as a filter: for a member
-- who joined a day ago, a walk over every message of every room since then, once per membership. The
-- bench's 400 joins took 5-10 minutes in the COPY that fired the trigger (2026-12-02). Written as the
-- row comparison `(room_id, id) > (room, since)`, the clause is an index condition only of the
-- (room_id, id) indexes, so the count descends to the room and reads its unread range (EXPLAIN of the
-- generic plan: Index Only Scan using messages_unread_idx). Same result: `room_id = r AND (room_id, id) >
-- (r, s)` is `room_id = r AND id > s`. Likewise the members to recount: `m.user_id = w.user_id OR
-- w.user_id IS NULL` could not use the (room_id, user_id) key, so 10,000 joins of one room in one statement
-- (the members bench's COPY) compared every pair with every member of the room; the named members and the
-- whole rooms are now two lookups. Replaces the function's body only; the triggers are unchanged.
CREATE OR REPLACE FUNCTION "room_counters_refresh"(p_rooms UUID[], p_users UUID[]) RETURNS INTEGER LANGUAGE sql AS $$
    WITH "wanted" AS (
        SELECT DISTINCT m."room_id", m."user_id", greatest(rm."last_read_id", uuidv7_floor(m."joined_at")) AS "since_id"
          FROM (SELECT m."room_id", m."user_id", m."joined_at"
                  FROM unnest(p_rooms, p_users) AS w("room_id", "user_id")
                  JOIN "memberships" m ON m."room_id" = w."room_id" AND m."user_id" = w."user_id"
                UNION ALL
                SELECT m."room_id", m."user_id", m."joined_at"
                  FROM unnest(p_rooms, p_users) AS w("room_id", "user_id")
                  JOIN "memberships" m ON m."room_id" = w."room_id"
                 WHERE w."user_id" IS NULL) AS m
          LEFT JOIN "read_markers" rm ON rm."user_id" = m."user_id" AND rm."room_id" = m."room_id"
    ), "written" AS (
        INSERT INTO "room_counters" ("room_id", "user_id", "since_id", "unread", "mentions")
        SELECT w."room_id", w."user_id", w."since_id",
               (SELECT count(*) FROM "messages" msg
                 WHERE msg."room_id" = w."room_id" AND msg."parent_id" IS NULL AND msg."deleted_at" IS NULL
                   AND (msg."room_id", msg."id") > (w."room_id", w."since_id") AND msg."sender_id" <> w."user_id"),
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
