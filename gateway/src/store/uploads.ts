import type { PrismaClient } from '@chat/db';
import type { Attachment } from '@chat/protocol';

/** One row of `uploads`: a file granted an upload URL, attached to a message or not yet. */
export interface StoredUpload {
  id: string;
  roomId: string;
  uploaderId: string;
  name: string;
  size: number;
  contentType: string;
  objectKey: string;
  messageId: string | null;
  clientMsgId: string | null;
  width: number | null;
  height: number | null;
  thumbnailKey: string | null;
  /** The store's id of an unfinished multipart upload (null: a single PUT, or parts already joined). */
  multipartId: string | null;
  partBytes: number | null;
  createdAt: Date;
}

export type NewUpload = Pick<StoredUpload, 'id' | 'roomId' | 'uploaderId' | 'name' | 'size' | 'contentType' | 'objectKey'> &
  Partial<Pick<StoredUpload, 'multipartId' | 'partBytes'>>;

export interface UploadRepository {
  /** Records a granted upload unless the uploader's files would then exceed `quotaBytes`; false if so. */
  create(upload: NewUpload, quotaBytes: number): Promise<boolean>;
  get(id: string): Promise<StoredUpload | undefined>;
  getMany(ids: string[]): Promise<StoredUpload[]>;
  /**
   * Gives the uploads to a message, if each is the uploader's, in the room, and free (or already this
   * message's: a resend). Returns how many it took; fewer than asked means one was taken meanwhile.
   */
  attach(ids: string[], uploaderId: string, roomId: string, messageId: string, clientMsgId: string): Promise<number>;
  /** The attachments of each message, in the order they were uploaded. */
  forMessages(messageIds: string[]): Promise<Map<string, Attachment[]>>;
  setImageInfo(id: string, info: { width: number; height: number; thumbnailKey: string }): Promise<StoredUpload | undefined>;
  /** Uploads no message took, created before `cutoff` (oldest first, at most `limit`). */
  unattachedBefore(cutoff: Date, limit: number): Promise<StoredUpload[]>;
  byUploader(uploaderId: string): Promise<StoredUpload[]>;
  /** Marks a multipart upload's parts joined; false when it was not (or no longer) unfinished. */
  finishMultipart(id: string, multipartId: string): Promise<boolean>;
  byMessage(messageId: string): Promise<StoredUpload[]>;
  delete(ids: string[]): Promise<void>;
}

interface UploadRow {
  id: string;
  room_id: string;
  uploader_id: string;
  name: string;
  size: bigint | number;
  content_type: string;
  object_key: string;
  message_id: string | null;
  client_msg_id: string | null;
  width: number | null;
  height: number | null;
  thumbnail_key: string | null;
  multipart_id: string | null;
  part_bytes: number | null;
  created_at: Date;
}

const COLUMNS = `id::text, room_id::text, uploader_id::text, name, size, content_type, object_key, message_id::text,
  client_msg_id, width, height, thumbnail_key, multipart_id, part_bytes, created_at`;

const toUpload = (r: UploadRow): StoredUpload => ({
  id: r.id,
  roomId: r.room_id,
  uploaderId: r.uploader_id,
  name: r.name,
  size: Number(r.size),
  contentType: r.content_type,
  objectKey: r.object_key,
  messageId: r.message_id,
  clientMsgId: r.client_msg_id,
  width: r.width,
  height: r.height,
  thumbnailKey: r.thumbnail_key,
  multipartId: r.multipart_id,
  partBytes: r.part_bytes,
  createdAt: r.created_at,
});

/** The public shape of an upload inside a message. */
export function toAttachment(u: StoredUpload): Attachment {
  const attachment: Attachment = { id: u.id, name: u.name, size: u.size, contentType: u.contentType };
  if (u.width !== null && u.height !== null) Object.assign(attachment, { width: u.width, height: u.height });
  if (u.thumbnailKey) attachment.thumbnail = true;
  return attachment;
}

export function createUploadRepository(db: PrismaClient): UploadRepository {
  const select = async (where: string, ...values: unknown[]) =>
    (await db.$queryRawUnsafe<UploadRow[]>(`SELECT ${COLUMNS} FROM uploads WHERE ${where}`, ...values)).map(toUpload);

  return {
    async create(u, quotaBytes) {
      // The advisory lock serialises one user's grants, so two at once cannot both squeeze under the quota.
      const [, inserted] = await db.$transaction([
        db.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${u.uploaderId}))`,
        db.$executeRaw`
          INSERT INTO uploads (id, room_id, uploader_id, name, size, content_type, object_key, multipart_id, part_bytes)
          SELECT ${u.id}::uuid, ${u.roomId}::uuid, ${u.uploaderId}::uuid, ${u.name}, ${u.size}, ${u.contentType}, ${u.objectKey},
                 ${u.multipartId ?? null}, ${u.partBytes ?? null}::int
           WHERE (SELECT coalesce(sum(size), 0) FROM uploads WHERE uploader_id = ${u.uploaderId}::uuid) + ${u.size} <= ${quotaBytes}`,
      ]);
      return inserted === 1;
    },
    async get(id) {
      return (await select('id = $1::uuid', id))[0];
    },
    getMany: (ids) => (ids.length === 0 ? Promise.resolve([]) : select('id = ANY($1::uuid[])', ids)),
    attach: (ids, uploaderId, roomId, messageId, clientMsgId) => db.$executeRaw`
      UPDATE uploads SET message_id = ${messageId}::uuid, client_msg_id = ${clientMsgId}, attached_at = coalesce(attached_at, now())
       WHERE id = ANY(${ids}::uuid[]) AND uploader_id = ${uploaderId}::uuid AND room_id = ${roomId}::uuid
         AND (message_id IS NULL OR message_id = ${messageId}::uuid)`,
    async forMessages(messageIds) {
      const byMessage = new Map<string, Attachment[]>();
      if (messageIds.length === 0) return byMessage;
      for (const u of await select('message_id = ANY($1::uuid[]) ORDER BY id', messageIds)) {
        const list = byMessage.get(u.messageId!) ?? [];
        list.push(toAttachment(u));
        byMessage.set(u.messageId!, list);
      }
      return byMessage;
    },
    async setImageInfo(id, info) {
      const rows = await db.$queryRawUnsafe<UploadRow[]>(
        `UPDATE uploads SET width = $2, height = $3, thumbnail_key = $4 WHERE id = $1::uuid RETURNING ${COLUMNS}`,
        id, info.width, info.height, info.thumbnailKey,
      );
      return rows[0] ? toUpload(rows[0]) : undefined;
    },
    unattachedBefore: (cutoff, limit) => select('message_id IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2', cutoff, limit),
    byUploader: (uploaderId) => select('uploader_id = $1::uuid', uploaderId),
    async finishMultipart(id, multipartId) {
      return (await db.$executeRaw`UPDATE uploads SET multipart_id = NULL WHERE id = ${id}::uuid AND multipart_id = ${multipartId}`) === 1;
    },
    byMessage: (messageId) => select('message_id = $1::uuid', messageId),
    async delete(ids) {
      if (ids.length > 0) await db.$executeRaw`DELETE FROM uploads WHERE id = ANY(${ids}::uuid[])`;
    },
  };
}
