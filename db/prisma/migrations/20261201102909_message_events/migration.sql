-- Messages become living things: edits, tombstones, threads and reactions (issue 14).
-- Additive only: every new column is nullable or has a default, so a gateway of the previous version
-- (which names its columns) and the v1 records already in the topic keep working while pods roll.

-- AlterTable
ALTER TABLE "messages"
    ADD COLUMN "parent_id" UUID,
    ADD COLUMN "edited_at" TIMESTAMPTZ(3),
    -- The eventId (UUIDv7) of the edit that set the body: an older edit applied later loses to it.
    ADD COLUMN "edit_event_id" UUID,
    ADD COLUMN "deleted_at" TIMESTAMPTZ(3),
    ADD COLUMN "reply_count" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "last_reply_at" TIMESTAMPTZ(3);

-- History shows top-level messages; a thread pages its replies: one index range scan each.
CREATE INDEX "messages_room_id_top_level_idx" ON "messages"("room_id", "id" DESC) WHERE "parent_id" IS NULL;
CREATE INDEX "messages_parent_id_id_idx" ON "messages"("parent_id", "id" DESC) WHERE "parent_id" IS NOT NULL;

-- One row per (message, emoji, user) ever reacted: `present` says whether it stands, `event_id` which
-- event decided that, so re-applied or reordered adds and removes converge on the newest (set membership,
-- never a counter). No foreign key, like messages: the log is the source of truth.
CREATE TABLE "message_reactions" (
    "message_id" UUID NOT NULL,
    "emoji" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "present" BOOLEAN NOT NULL,
    "event_id" UUID NOT NULL,

    CONSTRAINT "message_reactions_pkey" PRIMARY KEY ("message_id", "emoji", "user_id")
);
