-- The room's timeline of membership and moderation changes (issue 16: moderation on the event log).
-- Additive: two new tables and a trigger; older gateways and persisters ignore them.
--
-- `room_activity` is what the persister applies from the log (`room.activity` records), exactly once
-- by id (ON CONFLICT DO NOTHING): a redelivered batch or a replay adds nothing. It is its own table,
-- so the counters (room_counters' triggers are on messages), search and mentions never see it.
CREATE TABLE "room_activity" (
    "id" UUID NOT NULL,
    "room_id" UUID NOT NULL,
    "actor_id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "target_id" UUID,
    "details" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "room_activity_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "room_activity_room_id_id_idx" ON "room_activity"("room_id", "id");

-- The outbox: written in the transaction of the change itself, deleted once Kafka acknowledged the
-- record. A change whose produce failed (or whose gateway died in between) keeps its row here, and
-- every gateway's sweep produces the rows older than a few seconds: no change without its log record.
CREATE TABLE "room_activity_outbox" (
    "id" UUID NOT NULL,
    "room_id" UUID NOT NULL,
    "actor_id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "target_id" UUID,
    "details" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "room_activity_outbox_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "room_activity_outbox_at_idx" ON "room_activity_outbox"("at");

-- Every audited moderation or settings change gets its outbox row in the very transaction that writes
-- its audit entry (same id), whichever code path writes it (the routes, the account deletion's
-- hand-over). Invite-link bookkeeping and message deletions are audit-only; joins (by invitation or
-- invite link) and leaves write their own rows in their statements (gateway/src/store/room-activity.ts).
CREATE FUNCTION "room_activity_from_audit"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "room_activity_outbox" ("id", "room_id", "actor_id", "action", "target_id", "details", "at")
    VALUES (NEW."id", NEW."room_id", NEW."actor_id", NEW."action", NEW."target_id", NEW."details", NEW."created_at")
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER "room_audit_activity" AFTER INSERT ON "room_audit"
    FOR EACH ROW WHEN (NEW."action" NOT IN ('invite.created', 'invite.revoked', 'invite.used', 'message.deleted'))
    EXECUTE FUNCTION "room_activity_from_audit"();
