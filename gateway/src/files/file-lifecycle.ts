import type { StoredUpload, UploadRepository } from '../store/uploads';
import type { ObjectStore } from './object-store';

/** Removing files: objects first, then their rows, so a failure half-way leaves rows that a retry finds again. */
export interface FileLifecycle {
  /** Every file the user uploaded, attached or not (the account is being deleted). Returns how many. */
  deleteUserFiles(userId: string): Promise<number>;
  /** The files of a deleted message. */
  deleteMessageFiles(messageId: string): Promise<number>;
  /** Uploads no message took within `maxAgeMs` (default 24 h): abandoned or failed sends. */
  sweepOrphans(maxAgeMs?: number): Promise<number>;
}

export const ORPHAN_AGE_MS = 24 * 3600_000;
const SWEEP_BATCH = 500;

const keysOf = (uploads: StoredUpload[]) => uploads.flatMap((u) => (u.thumbnailKey ? [u.objectKey, u.thumbnailKey] : [u.objectKey]));

export function createFileLifecycle(store: ObjectStore, uploads: UploadRepository): FileLifecycle {
  const remove = async (list: StoredUpload[]) => {
    if (list.length === 0) return 0;
    // An unfinished multipart upload has parts but no object yet: dropping it frees them.
    for (const u of list) if (u.multipartId) await store.abortMultipart(u.objectKey, u.multipartId);
    await store.delete(keysOf(list));
    await uploads.delete(list.map((u) => u.id));
    return list.length;
  };
  return {
    deleteUserFiles: async (userId) => remove(await uploads.byUploader(userId)),
    deleteMessageFiles: async (messageId) => remove(await uploads.byMessage(messageId)),
    async sweepOrphans(maxAgeMs = ORPHAN_AGE_MS) {
      const cutoff = new Date(Date.now() - maxAgeMs);
      let removed = 0;
      for (;;) {
        const batch = await uploads.unattachedBefore(cutoff, SWEEP_BATCH);
        removed += await remove(batch);
        if (batch.length < SWEEP_BATCH) return removed;
      }
    },
  };
}
