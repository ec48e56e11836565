-- The member count and the owner of a room kept on its row (issue 15's speed target): GET /api/rooms read
-- them with two subqueries a room (a count of its memberships, a probe of the one-owner index); now with
-- the room's row it reads anyway. Additive: two columns with defaults, a function and three triggers; a
-- gateway of the previous version ignores the columns, and every write keeps them right (triggers), the
-- previous version's writes included.
--
-- Invariant: `member_count` is the number of the room's memberships, `owner_id` the user of its one
-- membership with role 'owner' (NULL: none, as in direct rooms and archived ones).
--
-- Why triggers: they run in the transaction of the statement that changes memberships (a join, a leave,
-- a kick, an ownership transfer, an account deletion's cascade, a bulk load) and see exactly the rows it
-- changed (transition tables), so no write path can forget them.
ALTER TABLE "rooms"
    ADD COLUMN "member_count" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "owner_id" UUID;

-- One function for the three triggers: per room, the statement's rows in minus its rows out, and whether
-- an owner's row was among them. The rooms are locked first (in id order, against deadlocks between
-- statements of several rooms) and only then changed, by a second statement: in READ COMMITTED its
-- fresh snapshot sees what a concurrent transfer committed while this one waited for the lock, where a
-- subquery of a single UPDATE that waited would still read the snapshot from before the wait. NO KEY
-- UPDATE, not UPDATE: a membership insert holds KEY SHARE on its room (the foreign key), which NO KEY
-- UPDATE does not conflict with, so two joins of one room never deadlock on each other.
-- The count moves by deltas (each row once, applied to the newest row version); the owner is looked up
-- again (one probe of memberships_one_owner_idx) only where an owner's row changed.
CREATE FUNCTION "rooms_memberships_changed"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    "ids" UUID[];
    "deltas" INTEGER[];
    "owners" BOOLEAN[];
BEGIN
    -- A transition table exists only for the events its trigger names, hence one statement per event.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg("room_id"), array_agg("n"), array_agg("owner") INTO "ids", "deltas", "owners"
          FROM (SELECT "room_id", count(*)::int AS "n", coalesce(bool_or("role" = 'owner'), false) AS "owner"
                  FROM "added" GROUP BY "room_id") AS d;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg("room_id"), array_agg("n"), array_agg("owner") INTO "ids", "deltas", "owners"
          FROM (SELECT "room_id", -count(*)::int AS "n", coalesce(bool_or("role" = 'owner'), false) AS "owner"
                  FROM "removed" GROUP BY "room_id") AS d;
    ELSE
        SELECT array_agg("room_id"), array_agg("n"), array_agg("owner") INTO "ids", "deltas", "owners"
          FROM (SELECT "room_id", sum("n")::int AS "n", coalesce(bool_or("owner"), false) AS "owner"
                  FROM (SELECT "room_id", 1 AS "n", "role" = 'owner' AS "owner" FROM "added"
                        UNION ALL
                        SELECT "room_id", -1, "role" = 'owner' FROM "removed") AS x
                 GROUP BY "room_id") AS d
         WHERE "n" <> 0 OR "owner";
    END IF;
    IF "ids" IS NULL THEN RETURN NULL; END IF;
    PERFORM 1 FROM "rooms" WHERE "id" = ANY("ids") ORDER BY "id" FOR NO KEY UPDATE;
    UPDATE "rooms" r
       SET "member_count" = r."member_count" + d."n",
           "owner_id" = CASE WHEN d."owner"
                             THEN (SELECT m."user_id" FROM "memberships" m WHERE m."room_id" = r."id" AND m."role" = 'owner')
                             ELSE r."owner_id" END
      FROM unnest("ids", "deltas", "owners") AS d("room_id", "n", "owner")
     WHERE r."id" = d."room_id";
    RETURN NULL;
END
$$;

CREATE TRIGGER "rooms_memberships_inserted" AFTER INSERT ON "memberships"
    REFERENCING NEW TABLE AS "added" FOR EACH STATEMENT EXECUTE FUNCTION rooms_memberships_changed();
CREATE TRIGGER "rooms_memberships_updated" AFTER UPDATE ON "memberships"
    REFERENCING OLD TABLE AS "removed" NEW TABLE AS "added" FOR EACH STATEMENT EXECUTE FUNCTION rooms_memberships_changed();
CREATE TRIGGER "rooms_memberships_deleted" AFTER DELETE ON "memberships"
    REFERENCING OLD TABLE AS "removed" FOR EACH STATEMENT EXECUTE FUNCTION rooms_memberships_changed();

-- Backfill, after the triggers: creating them locked memberships against writes until this migration
-- commits, so no join or leave can fall between the backfill and the triggers.
UPDATE "rooms" r SET "member_count" = c."n"
  FROM (SELECT "room_id", count(*)::int AS "n" FROM "memberships" GROUP BY "room_id") AS c
 WHERE r."id" = c."room_id";
UPDATE "rooms" r SET "owner_id" = m."user_id" FROM "memberships" m WHERE m."room_id" = r."id" AND m."role" = 'owner';
