import { type CreateUploadInput, MULTIPART_LIMITS, type MultipartUploadResponse, type PartUrlsResponse, type PublicUser, type UploadedPartsResponse } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import type { StoredUpload } from '../store/uploads';
import { admitUpload, type FileServiceDeps } from './file-service';

/** Most parts S3 takes in one upload. */
const MAX_PARTS = 10_000;

export interface MultipartDeps extends FileServiceDeps {
  /** Size of every part but the last, bytes (at least S3's 5 MiB). */
  partBytes: number;
}

/**
 * Large files in parts, through presigned part URLs: the grant starts an S3 multipart upload (with the
 * checks of every grant), the client PUTs the parts straight to the store, and `complete` joins them
 * after checking that every part is there at its exact size. A client that lost a part (a dropped
 * connection, a reload) asks which parts the store holds and sends only the others. The bytes never pass
 * through the gateway; the object then is like a single PUT's, and a message attaches it the same way.
 */
export interface MultipartUploads {
  create(user: PublicUser, roomId: string, input: Required<CreateUploadInput>): Promise<MultipartUploadResponse>;
  partUrls(user: PublicUser, uploadId: string, partNumbers: number[]): Promise<PartUrlsResponse>;
  uploadedParts(user: PublicUser, uploadId: string): Promise<UploadedPartsResponse>;
  complete(user: PublicUser, uploadId: string): Promise<void>;
}

const partCountOf = (u: Pick<StoredUpload, 'size' | 'partBytes'>) => Math.ceil(u.size / u.partBytes!);
const partSize = (u: Pick<StoredUpload, 'size' | 'partBytes'>, partNumber: number) => Math.min(u.partBytes!, u.size - (partNumber - 1) * u.partBytes!);

export function createMultipartUploads(deps: MultipartDeps): MultipartUploads {
  const { store, uploads, limits } = deps;
  if (deps.partBytes < MULTIPART_LIMITS.minPartBytes) throw new Error(`parts must be at least ${MULTIPART_LIMITS.minPartBytes} bytes`);

  /** The caller's unfinished multipart upload; NOT_FOUND for anyone else's, like a guessed id. */
  const unfinished = async (user: PublicUser, uploadId: string) => {
    const u = await uploads.get(uploadId);
    if (!u || u.uploaderId !== user.id || u.partBytes === null) throw new AppError('NOT_FOUND', 'no multipart upload of yours with this id');
    if (u.multipartId === null) throw new AppError('CONFLICT', 'this upload is complete already');
    return u as StoredUpload & { multipartId: string; partBytes: number };
  };

  return {
    async create(user, roomId, input) {
      if (Math.ceil(input.size / deps.partBytes) > MAX_PARTS) throw new AppError('PAYLOAD_TOO_LARGE', `a file may have at most ${MAX_PARTS} parts`);
      let started: { key: string; multipartId: string } | undefined;
      let admitted;
      try {
        admitted = await admitUpload(deps, user, roomId, input, async (key) => {
          started = { key, multipartId: await store.createMultipart(key, input.contentType) };
          return { multipartId: started.multipartId, partBytes: deps.partBytes };
        });
      } catch (error) {
        // Refused after the store had started it (the quota): nothing is left at the store.
        if (started) await store.abortMultipart(started.key, started.multipartId).catch(() => undefined);
        throw error;
      }
      const expiresAt = new Date(Date.now() + limits.uploadUrlTtlSeconds * 1000).toISOString();
      return { upload: { id: admitted.id, partBytes: deps.partBytes, partCount: partCountOf({ size: input.size, partBytes: deps.partBytes }), expiresAt } };
    },

    async partUrls(user, uploadId, partNumbers) {
      const u = await unfinished(user, uploadId);
      const count = partCountOf(u);
      const bad = partNumbers.find((n) => n > count);
      if (bad !== undefined) throw new AppError('VALIDATION', `this upload has ${count} parts, not ${bad}`);
      const parts = await Promise.all(
        [...new Set(partNumbers)].map(async (partNumber) => ({
          partNumber,
          url: await store.presignPart(u.objectKey, u.multipartId, partNumber, partSize(u, partNumber), limits.uploadUrlTtlSeconds),
          headers: {},
        })),
      );
      return { parts, expiresAt: new Date(Date.now() + limits.uploadUrlTtlSeconds * 1000).toISOString() };
    },

    async uploadedParts(user, uploadId) {
      const u = await unfinished(user, uploadId);
      return { parts: (await store.listParts(u.objectKey, u.multipartId)).map(({ partNumber, size }) => ({ partNumber, size })) };
    },

    async complete(user, uploadId) {
      const u = await unfinished(user, uploadId);
      const held = new Map((await store.listParts(u.objectKey, u.multipartId)).map((p) => [p.partNumber, p]));
      const parts = [];
      for (let n = 1; n <= partCountOf(u); n++) {
        const part = held.get(n);
        if (!part) throw new AppError('VALIDATION', `part ${n} has not been uploaded: list the parts and send the missing ones`);
        if (part.size !== partSize(u, n)) throw new AppError('CONTENT_MISMATCH', `part ${n} is ${part.size} bytes, not ${partSize(u, n)}`);
        parts.push({ partNumber: n, etag: part.etag });
      }
      await store.completeMultipart(u.objectKey, u.multipartId, parts);
      await uploads.finishMultipart(u.id, u.multipartId);
    },
  };
}
