-- A member leaving takes its room's lock before its counters row, as every other writer does.
--
-- The persister's message INSERT locks the room (room_counters_lock, FOR UPDATE) and then updates every
-- member's counters row. A leave deleted the member's counters row first (room_counters_member_left) and
-- only then locked the room (rooms_memberships_deleted, for rooms.member_count: triggers of one event
-- fire in name order). The two orders deadlocked under traffic: PostgreSQL aborted the leave, which the
-- gateway answered 503 (seen in CI, 2026-12-02: "Process A waits for ShareLock ... DELETE FROM memberships",
-- "Process B: INSERT INTO messages"). Locking the room first puts the leave behind the insert, or the
-- insert behind the leave, never both halfway. Replaces the function's body only; the triggers are unchanged.
CREATE OR REPLACE FUNCTION "room_counters_member_left"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM room_counters_lock(ARRAY(SELECT DISTINCT "room_id" FROM "gone"));
    DELETE FROM "room_counters" c USING "gone" g WHERE c."room_id" = g."room_id" AND c."user_id" = g."user_id";
    RETURN NULL;
END
$$;
