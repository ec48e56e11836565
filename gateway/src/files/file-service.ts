import type { AttachmentRecord, CreateUploadInput, PublicUser, UploadResponse } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import { newId } from '../store/ids';
import type { NewUpload, StoredUpload, UploadRepository } from '../store/uploads';
import { contentDisposition, sanitizeFileName } from './file-names';
import { ALLOWED_TYPES, contentMatches, isAllowedType, isInlineSafe, SNIFF_BYTES } from './file-types';
import type { ObjectStore } from './object-store';
import { notAMember } from '../rooms/permissions';

export interface FileLimits {
  /** Largest file, bytes. */
  maxBytes: number;
  /** Bytes of files one user may keep. */
  quotaBytes: number;
  uploadUrlTtlSeconds: number;
  downloadUrlTtlSeconds: number;
}

export interface FileServiceDeps {
  store: ObjectStore;
  uploads: UploadRepository;
  isMember: (roomId: string, userId: string) => Promise<boolean>;
  limits: FileLimits;
}

/** What the send path needs from files: check the uploads a message names, then give them to it. */
export interface AttachmentGate {
  /**
   * Checks that each upload is the sender's, in the room, free (or already this clientMsgId's), and that
   * its object exists with the declared size and type and starts with that type's bytes. The records to
   * put in the message, in the order asked.
   */
  verify(sender: PublicUser, roomId: string, clientMsgId: string, ids: string[]): Promise<AttachmentRecord[]>;
  /** Gives the uploads to the message; CONFLICT if another message took one meanwhile. */
  attach(sender: PublicUser, roomId: string, messageId: string, clientMsgId: string, ids: string[]): Promise<void>;
}

export interface FileService extends AttachmentGate {
  createUpload(user: PublicUser, roomId: string, input: Required<CreateUploadInput>): Promise<UploadResponse>;
  /** A short-lived URL to the file (or its thumbnail) for a member of its room; NOT_FOUND for anyone else. */
  link(user: PublicUser, fileId: string, variant: 'file' | 'thumbnail'): Promise<{ url: string; expiresAt: string }>;
}

const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/**
 * The checks of every upload grant (membership, per-file limit, allow-list, quota), then its row; the
 * caller presigns. `extra` is a multipart upload's: the row then names the store's upload id.
 */
export async function admitUpload(
  deps: Pick<FileServiceDeps, 'uploads' | 'isMember' | 'limits'>,
  user: PublicUser,
  roomId: string,
  input: Required<CreateUploadInput>,
  multipart?: (objectKey: string) => Promise<{ multipartId: string; partBytes: number }>,
): Promise<NewUpload> {
  const { limits } = deps;
  if (!(await deps.isMember(roomId, user.id))) throw notAMember();
  if (input.size > limits.maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `files may be at most ${mb(limits.maxBytes)}`);
  if (!isAllowedType(input.contentType)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${input.contentType} files cannot be shared; allowed: ${ALLOWED_TYPES.join(', ')}`);
  }
  const id = newId();
  const key = objectKey(roomId, id);
  const upload: NewUpload = { id, roomId, uploaderId: user.id, name: sanitizeFileName(input.name), size: input.size, contentType: input.contentType, objectKey: key };
  if (multipart) Object.assign(upload, await multipart(key));
  if (!(await deps.uploads.create(upload, limits.quotaBytes))) {
    throw new AppError('QUOTA_EXCEEDED', `your files would take more than your ${mb(limits.quotaBytes)}: delete some messages with files first`);
  }
  return upload;
}

/** Object keys group a room's files; the upload id makes each unique and unguessable together with the room. */
export const objectKey = (roomId: string, uploadId: string): string => `rooms/${roomId}/${uploadId}`;
export const thumbnailKey = (objectKey_: string): string => `${objectKey_}.thumb.webp`;

export function createFileService(deps: FileServiceDeps): FileService {
  const { store, uploads, limits } = deps;
  // Whether a file exists is itself private: a guessed id and another room's file answer alike.
  const notFound = () => new AppError('NOT_FOUND', 'no such file');

  const checkObject = async (u: StoredUpload): Promise<void> => {
    const head = await store.head(u.objectKey);
    if (!head) throw new AppError('VALIDATION', `${u.name} has not been uploaded yet: PUT it to its upload URL first`);
    if (head.size !== u.size) throw new AppError('CONTENT_MISMATCH', `${u.name} is ${head.size} bytes, not the ${u.size} declared`);
    if (head.contentType !== u.contentType) throw new AppError('CONTENT_MISMATCH', `${u.name} was stored as ${head.contentType || 'no type'}, not ${u.contentType}`);
    const start = await store.readStart(u.objectKey, Math.min(SNIFF_BYTES, u.size));
    if (!contentMatches(u.contentType, start)) throw new AppError('CONTENT_MISMATCH', `${u.name} is not a ${u.contentType} file`);
  };

  return {
    async createUpload(user, roomId, input) {
      const { id, objectKey: key } = await admitUpload(deps, user, roomId, input);
      const url = await store.presignPut(key, input.size, input.contentType, limits.uploadUrlTtlSeconds);
      const expiresAt = new Date(Date.now() + limits.uploadUrlTtlSeconds * 1000).toISOString();
      return { upload: { id, url, method: 'PUT', headers: { 'Content-Type': input.contentType }, expiresAt } };
    },

    async link(user, fileId, variant) {
      const u = await uploads.get(fileId);
      // Until a message takes it, an upload is its uploader's alone; after that, its room's members' (checked now, every time).
      if (!u || (u.messageId === null ? u.uploaderId !== user.id : !(await deps.isMember(u.roomId, user.id)))) throw notFound();
      if (variant === 'thumbnail' && !u.thumbnailKey) throw new AppError('NOT_FOUND', 'this file has no thumbnail (yet)');
      const inline = variant === 'thumbnail' || isInlineSafe(u.contentType);
      const url = await store.presignGet(variant === 'thumbnail' ? u.thumbnailKey! : u.objectKey, limits.downloadUrlTtlSeconds, {
        contentDisposition: contentDisposition(inline ? 'inline' : 'attachment', variant === 'thumbnail' ? `${u.name}.webp` : u.name),
        // Anything not shown inline is served as opaque bytes: no browser renders it as a page.
        contentType: variant === 'thumbnail' ? 'image/webp' : inline ? u.contentType : 'application/octet-stream',
      });
      return { url, expiresAt: new Date(Date.now() + limits.downloadUrlTtlSeconds * 1000).toISOString() };
    },

    async verify(sender, roomId, clientMsgId, ids) {
      const found = new Map((await uploads.getMany(ids)).map((u) => [u.id, u]));
      const wanted = ids.map((id) => {
        const u = found.get(id);
        if (!u || u.uploaderId !== sender.id || u.roomId !== roomId) throw new AppError('NOT_FOUND', `no upload ${id} of yours in this room`);
        if (u.messageId !== null && u.clientMsgId !== clientMsgId) throw new AppError('CONFLICT', `${u.name} is already attached to another message`);
        return u;
      });
      await Promise.all(wanted.map(checkObject));
      return wanted.map((u) => ({ id: u.id, name: u.name, size: u.size, contentType: u.contentType }));
    },

    async attach(sender, roomId, messageId, clientMsgId, ids) {
      const taken = await uploads.attach(ids, sender.id, roomId, messageId, clientMsgId);
      if (taken !== ids.length) throw new AppError('CONFLICT', 'a file was attached to another message meanwhile');
    },
  };
}
