import { MULTIPART_LIMITS } from '@chat/protocol';
import { type UploadApi, type UploadProgressState, uploadFile } from './upload-file';

const PART = 5 * 1024 * 1024;

/** A REST client that records the multipart calls; the store holds the parts `put` took. */
function fakeApi(held: Set<number>) {
  const calls: string[] = [];
  const api: UploadApi = {
    createUpload: () => Promise.reject(new Error('a large file goes in parts')),
    createMultipartUpload: async (_roomId, file) => {
      calls.push(`create ${file.size}`);
      return { id: 'u1', partBytes: PART, partCount: Math.ceil(file.size / PART), expiresAt: new Date(Date.now() + 60_000).toISOString() };
    },
    partUrls: async (id, partNumbers) => {
      calls.push(`urls ${partNumbers.join(',')}`);
      return { parts: partNumbers.map((n) => ({ partNumber: n, url: `https://store.test/${id}?part=${n}`, headers: {} })), expiresAt: '' };
    },
    uploadedParts: async () => {
      calls.push('list');
      return [...held].map((partNumber) => ({ partNumber, size: PART }));
    },
    completeUpload: async () => void calls.push('complete'),
  };
  return { api, calls };
}

describe('uploadFile in parts', () => {
  it('sends a large file in parts and, after a lost part, resumes with only the parts the store lacks', async () => {
    const held = new Set<number>();
    const { api, calls } = fakeApi(held);
    const file = new File([new Uint8Array(2 * PART + 1024)], 'big.zip', { type: 'application/zip' });
    expect(file.size).toBeGreaterThanOrEqual(MULTIPART_LIMITS.fromBytes);
    let failPart2 = true;
    const sizes: number[] = [];
    const state: UploadProgressState = {
      put: async (upload, body, onProgress) => {
        const n = Number(new URL(upload.url).searchParams.get('part'));
        if (n === 2 && failPart2) throw new Error('connection dropped');
        sizes.push(body.size);
        held.add(n);
        onProgress(1);
      },
    };
    const progress: number[] = [];
    await expect(uploadFile(api, 'room', file, (f) => progress.push(f), new AbortController().signal, state)).rejects.toThrow('connection dropped');
    expect(calls).toEqual([`create ${file.size}`, 'urls 1,2,3']);

    failPart2 = false;
    calls.length = 0;
    const attachment = await uploadFile(api, 'room', file, (f) => progress.push(f), new AbortController().signal, state);
    // The retry asks what is held (part 1), and sends parts 2 and 3 only; no second multipart upload.
    expect(calls).toEqual(['list', 'urls 2,3', 'complete']);
    expect(sizes).toEqual([PART, PART, 1024]);
    expect(attachment).toEqual({ id: 'u1', name: 'big.zip', size: file.size, contentType: 'application/zip' });
    expect(progress.at(-1)).toBe(1);
  });

  it('sends a small file in one PUT', async () => {
    const { api } = fakeApi(new Set());
    const put = jest.fn(async () => undefined);
    api.createUpload = async () => ({ id: 'small', url: 'https://store.test/small', method: 'PUT', headers: { 'Content-Type': 'text/plain' }, expiresAt: '' });
    const attachment = await uploadFile(api, 'room', new File(['hello'], 'a.txt', { type: 'text/plain' }), () => undefined, new AbortController().signal, { put });
    expect(put).toHaveBeenCalledTimes(1);
    expect(attachment.id).toBe('small');
  });
});
