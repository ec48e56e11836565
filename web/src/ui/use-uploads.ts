import type { Attachment } from '@chat/protocol';
import { useCallback, useRef, useState } from 'react';
import { type UploadApi, type UploadProgressState, uploadFile } from '../files/upload-file';

/** One file on its way into the composer. */
export interface PendingUpload {
  key: number;
  file: File;
  /** 0 to 1. */
  progress: number;
  state: 'uploading' | 'done' | 'failed';
  attachment?: Attachment;
  error?: string;
}

/**
 * The composer's uploads: each starts at once (presigned PUT, progress), can be cancelled or retried
 * (a large file's retry resumes its parts),
 * and `take()` hands the finished ones to a message and clears them.
 */
export function useUploads(api: UploadApi, roomId: string) {
  const [uploads, setUploads] = useState<PendingUpload[]>([]);
  const controllers = useRef(new Map<number, AbortController>());
  // Kept across a retry: a large file's multipart upload, which the retry resumes.
  const progress = useRef(new Map<number, UploadProgressState>());
  const nextKey = useRef(0);

  const patch = useCallback((key: number, change: Partial<PendingUpload>) => {
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...change } : u)));
  }, []);

  const start = useCallback(
    (key: number, file: File) => {
      const controller = new AbortController();
      controllers.current.set(key, controller);
      const state = progress.current.get(key) ?? {};
      progress.current.set(key, state);
      uploadFile(api, roomId, file, (fraction) => patch(key, { progress: fraction }), controller.signal, state).then(
        (attachment) => patch(key, { state: 'done', attachment, progress: 1 }),
        (error: unknown) => {
          if ((error as { name?: string }).name === 'AbortError') return;
          patch(key, { state: 'failed', error: (error as Error).message || 'The upload failed' });
        },
      );
    },
    [api, roomId, patch],
  );

  const add = useCallback(
    (files: Iterable<File>) => {
      for (const file of files) {
        const key = nextKey.current++;
        setUploads((list) => [...list, { key, file, progress: 0, state: 'uploading' }]);
        start(key, file);
      }
    },
    [start],
  );

  const cancel = useCallback((key: number) => {
    controllers.current.get(key)?.abort();
    controllers.current.delete(key);
    progress.current.delete(key);
    setUploads((list) => list.filter((u) => u.key !== key));
  }, []);

  const retry = useCallback(
    (key: number) => {
      const upload = uploads.find((u) => u.key === key);
      if (!upload) return;
      patch(key, { state: 'uploading', progress: 0, error: undefined });
      start(key, upload.file);
    },
    [uploads, patch, start],
  );

  const take = useCallback((): Attachment[] => {
    const done = uploads.filter((u) => u.state === 'done').map((u) => u.attachment!);
    setUploads((list) => list.filter((u) => u.state !== 'done'));
    return done;
  }, [uploads]);

  const busy = uploads.some((u) => u.state === 'uploading');
  const ready = uploads.filter((u) => u.state === 'done').length;
  return { uploads, add, cancel, retry, take, busy, ready };
}
