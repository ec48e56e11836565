import { type Attachment, MULTIPART_LIMITS, type MultipartUploadResponse, type UploadResponse } from '@chat/protocol';
import type { ChatApi } from '../api/chat-api';
import { ApiError } from '../api/api-error';

/** Types the server accepts; anything else is refused there too, with a clear message. */
const TYPE_BY_EXTENSION: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  pdf: 'application/pdf', zip: 'application/zip', mp4: 'video/mp4', mp3: 'audio/mpeg', txt: 'text/plain',
};

/** The file's MIME type: the browser's, or from its extension when the browser has none. */
export function contentTypeOf(file: File): string {
  if (file.type) return file.type;
  return TYPE_BY_EXTENSION[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

/** What uploading files needs from the REST client. */
export type UploadApi = Pick<ChatApi, 'createUpload' | 'createMultipartUpload' | 'partUrls' | 'uploadedParts' | 'completeUpload'>;

/** What an upload keeps between attempts: a large file's multipart upload, which a retry resumes. */
export interface UploadProgressState {
  multipart?: MultipartUploadResponse['upload'];
  /** How the bytes go to a presigned URL (default {@link putObject}: XHR with progress). */
  put?: typeof putObject;
}

/**
 * Uploads one file: asks the gateway for a presigned URL, then PUTs the bytes straight to object storage
 * (they never pass through the gateway), reporting progress from 0 to 1. Aborting the signal cancels it.
 * Files from 10 MB on go up in parts; called again with the same `state` after a failure, it resumes:
 * it asks which parts the store holds and sends only the others. Resolves with the attachment to send.
 */
export async function uploadFile(
  api: UploadApi,
  roomId: string,
  file: File,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
  state: UploadProgressState = {},
): Promise<Attachment> {
  const contentType = contentTypeOf(file);
  const name = file.name || 'pasted-image.png';
  if (state.multipart || file.size >= MULTIPART_LIMITS.fromBytes) {
    const id = await uploadInParts(api, roomId, { name, file, contentType }, onProgress, signal, state);
    return { id, name: file.name, size: file.size, contentType };
  }
  const upload = await api.createUpload(roomId, { name, size: file.size, contentType });
  await (state.put ?? putObject)(upload, file, onProgress, signal);
  return { id: upload.id, name: file.name, size: file.size, contentType };
}

/** The parts of a multipart upload: the missing ones (all, the first time), then the join. */
async function uploadInParts(
  api: UploadApi,
  roomId: string,
  f: { name: string; file: File; contentType: string },
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
  state: UploadProgressState,
): Promise<string> {
  const held = new Set<number>();
  if (state.multipart) for (const part of await api.uploadedParts(state.multipart.id)) held.add(part.partNumber);
  else state.multipart = await api.createMultipartUpload(roomId, { name: f.name, size: f.file.size, contentType: f.contentType });
  const { id, partBytes, partCount } = state.multipart;
  const slice = (n: number) => f.file.slice((n - 1) * partBytes, Math.min(n * partBytes, f.file.size));
  const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !held.has(n));
  let sent = [...held].reduce((sum, n) => sum + slice(n).size, 0);
  for (let i = 0; i < missing.length; i += MULTIPART_LIMITS.partsPerRequest) {
    const { parts, expiresAt } = await api.partUrls(id, missing.slice(i, i + MULTIPART_LIMITS.partsPerRequest));
    for (const part of parts) {
      const bytes = slice(part.partNumber);
      const base = sent;
      await (state.put ?? putObject)({ id, url: part.url, method: 'PUT', headers: part.headers, expiresAt }, bytes, (fraction) => onProgress((base + fraction * bytes.size) / f.file.size), signal);
      sent += bytes.size;
    }
  }
  await api.completeUpload(id);
  return id;
}

/**
 * PUTs the bytes to a presigned upload URL (a room file's or an avatar's), reporting progress from 0 to 1;
 * aborting the signal cancels it.
 */
export async function putObject(upload: UploadResponse['upload'], body: Blob, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method, upload.url);
    for (const [name, value] of Object.entries(upload.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new ApiError('UNAVAILABLE', `The upload was refused (${xhr.status})`)));
    xhr.onerror = () => reject(new ApiError('UNAVAILABLE', 'The upload failed: check your connection and retry'));
    xhr.onabort = () => reject(new DOMException('cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
  onProgress(1);
}

/** "2.4 MB", "830 KB", "12 B". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
