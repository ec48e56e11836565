import type { Attachment, UploadResponse } from '@chat/protocol';
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

/**
 * Uploads one file: asks the gateway for a presigned URL, then PUTs the bytes straight to object storage
 * (they never pass through the gateway), reporting progress from 0 to 1. Aborting the signal cancels it.
 * Resolves with the attachment to send with the message.
 */
export async function uploadFile(api: ChatApi, roomId: string, file: File, onProgress: (fraction: number) => void, signal: AbortSignal): Promise<Attachment> {
  const contentType = contentTypeOf(file);
  const upload = await api.createUpload(roomId, { name: file.name || 'pasted-image.png', size: file.size, contentType });
  await putObject(upload, file, onProgress, signal);
  return { id: upload.id, name: file.name, size: file.size, contentType };
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
