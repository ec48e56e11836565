-- Files shared in rooms. The bytes live in object storage (S3); this table holds what the gateway needs to
-- authorize a read, enforce quotas and clean up. No foreign keys, like "messages": an account or a room
-- deleted later must not block the delete of its rows here; the gateway deletes the objects first.
CREATE TABLE "uploads" (
    "id" UUID NOT NULL,
    "room_id" UUID NOT NULL,
    "uploader_id" UUID NOT NULL,
    -- Sanitised display name (also the download name).
    "name" TEXT NOT NULL,
    -- Bytes, as declared when the upload was granted (and checked against the stored object).
    "size" BIGINT NOT NULL,
    "content_type" TEXT NOT NULL,
    "object_key" TEXT NOT NULL,
    -- Set when a message takes the upload: until then it is an orphan candidate.
    "message_id" UUID,
    "client_msg_id" TEXT,
    "attached_at" TIMESTAMPTZ(3),
    -- Images, once the thumbnail worker has looked at them.
    "width" INTEGER,
    "height" INTEGER,
    "thumbnail_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "uploads_pkey" PRIMARY KEY ("id")
);

-- A user's quota is the sum of their uploads' sizes.
CREATE INDEX "uploads_uploader_id_idx" ON "uploads"("uploader_id");

-- History attaches files to messages by message id.
CREATE INDEX "uploads_message_id_idx" ON "uploads"("message_id") WHERE "message_id" IS NOT NULL;

-- The orphan sweep reads the old unattached uploads only.
CREATE INDEX "uploads_unattached_created_at_idx" ON "uploads"("created_at") WHERE "message_id" IS NULL;
