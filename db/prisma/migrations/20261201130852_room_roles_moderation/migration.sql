-- Rooms get owners, moderation, settings, invite links and people get profiles (issue 16).
-- Additive only: new columns are nullable or defaulted, new tables stand alone, so a gateway of the
-- previous version keeps working while pods roll (it inserts memberships without a role: `member`).

-- CreateEnum
CREATE TYPE "MemberRole" AS ENUM ('owner', 'admin', 'member');

-- AlterTable: a role per membership; direct conversations have none (NULL).
ALTER TABLE "memberships" ADD COLUMN "role" "MemberRole" DEFAULT 'member';
UPDATE "memberships" m SET "role" = NULL FROM "rooms" r WHERE r.id = m.room_id AND r.visibility = 'direct';
-- Backfill: every existing room's creator is its owner, or (creator gone) its earliest member.
UPDATE "memberships" m SET "role" = 'owner'
  FROM (
    SELECT DISTINCT ON (m2.room_id) m2.room_id, m2.user_id
      FROM "memberships" m2 JOIN "rooms" r ON r.id = m2.room_id
     WHERE r.visibility <> 'direct'
     ORDER BY m2.room_id, (m2.user_id = r.created_by) DESC, m2.joined_at, m2.user_id
  ) first
 WHERE m.room_id = first.room_id AND m.user_id = first.user_id;
-- Exactly one owner per room: a transfer demotes before it promotes, in one transaction.
CREATE UNIQUE INDEX "memberships_one_owner_idx" ON "memberships"("room_id") WHERE "role" = 'owner';
-- Members pages are keyset pages in join order.
CREATE INDEX "memberships_room_id_joined_at_user_id_idx" ON "memberships"("room_id", "joined_at", "user_id");

-- AlterTable: room settings; an archived room is read-only.
ALTER TABLE "rooms"
    ADD COLUMN "topic" TEXT NOT NULL DEFAULT '',
    ADD COLUMN "description" TEXT NOT NULL DEFAULT '',
    ADD COLUMN "archived_at" TIMESTAMPTZ(3);

-- AlterTable: profiles.
ALTER TABLE "users"
    ADD COLUMN "display_name" TEXT,
    ADD COLUMN "status_text" TEXT,
    ADD COLUMN "status_expires_at" TIMESTAMPTZ(3);

-- CreateTable: a ban keeps a user out of a room (no rejoin, no invitation) until it is lifted or ends.
CREATE TABLE "room_bans" (
    "room_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "banned_by" UUID NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "room_bans_pkey" PRIMARY KEY ("room_id", "user_id")
);

-- CreateTable: a muted member reads but cannot send or react until `until` (NULL: until unmuted).
CREATE TABLE "room_mutes" (
    "room_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "muted_by" UUID NOT NULL,
    "until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "room_mutes_pkey" PRIMARY KEY ("room_id", "user_id")
);

-- CreateTable: who did what to whom, when; ids are UUIDv7, so pages go by id.
CREATE TABLE "room_audit" (
    "id" UUID NOT NULL,
    "room_id" UUID NOT NULL,
    "actor_id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "target_id" UUID,
    "details" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "room_audit_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "room_audit_room_id_id_idx" ON "room_audit"("room_id", "id" DESC);

-- CreateTable: invite links. Only the SHA-256 of a code is kept: a lookup is one primary-key probe on
-- the hash, whatever the code, and a leaked table opens no room.
CREATE TABLE "room_invites" (
    "id" UUID NOT NULL,
    "code_hash" TEXT NOT NULL,
    "room_id" UUID NOT NULL,
    "created_by" UUID NOT NULL,
    "max_uses" INTEGER,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "room_invites_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "room_invites_code_hash_key" ON "room_invites"("code_hash");
CREATE INDEX "room_invites_room_id_idx" ON "room_invites"("room_id");

-- AddForeignKey: moderation state goes with its room.
ALTER TABLE "room_bans" ADD CONSTRAINT "room_bans_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "room_mutes" ADD CONSTRAINT "room_mutes_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "room_audit" ADD CONSTRAINT "room_audit_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "room_invites" ADD CONSTRAINT "room_invites_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
