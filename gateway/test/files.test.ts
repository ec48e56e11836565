// Files in messages against the real local S3 server (versitygw), PostgreSQL, Redis and Kafka: upload
// through a presigned URL, attach, read through the gateway's redirect, and every refusal of the issue.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ChatMessage, MessagesResponse, Room, UploadResponse } from '@chat/protocol';
import { Client } from 'pg';
import sharp from 'sharp';
import { repoRoot } from '@chat/local';
import { api, type ChatSocket, connectSocket, inviteAndAccept, nextEvent, registerUser, startSystem, type TestSystem } from '@chat/testing';

const MAX_BYTES = 2 * 1024 * 1024;
const QUOTA_BYTES = 3 * 1024 * 1024;
/** Short, so that the expiry of a download URL can be watched; X-Amz-Date has whole seconds, hence 3. */
const DOWNLOAD_TTL_S = 3;

let system: TestSystem;
let db: Client;
let s3: S3Client;

beforeAll(async () => {
  system = await startSystem({
    gateways: 1,
    // Through nginx like a browser: presigned URLs name its origin, which passes /<bucket>/ on to the store.
    thumbnails: true,
    env: { REGISTER_RATE_LIMIT: '1000', FILE_MAX_BYTES: String(MAX_BYTES), FILE_QUOTA_BYTES: String(QUOTA_BYTES), FILE_DOWNLOAD_URL_TTL_SECONDS: String(DOWNLOAD_TTL_S) },
  });
  db = new Client({ connectionString: system.databaseUrl });
  await db.connect();
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: system.env.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: system.env.S3_ACCESS_KEY_ID!, secretAccessKey: system.env.S3_SECRET_ACCESS_KEY! },
  });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await db?.end();
  await system?.stop();
});

const sockets: ChatSocket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

const url = () => system.baseUrl;
const errorOf = (code: string) => ({ error: { code, message: expect.any(String) } });

/** A real PNG: signature, IHDR, and enough bytes to look like one to the sniffer. */
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), crypto.randomBytes(200)]);
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(300)]);

async function roomOfTwo() {
  const alice = await registerUser(url());
  const bob = await registerUser(url());
  const created = await api<{ room: Room }>(url(), 'POST', '/api/rooms', { token: alice.token, body: { name: 'files', visibility: 'private' } });
  await inviteAndAccept(url(), alice.token, created.body.room.id, bob);
  return { alice, bob, room: created.body.room };
}

async function connect(token: string) {
  const socket = await connectSocket(url(), token);
  sockets.push(socket);
  return socket;
}

function grant(token: string, roomId: string, file: { name: string; size: number; contentType: string }) {
  return api<UploadResponse>(url(), 'POST', `/api/rooms/${roomId}/uploads`, { token, body: file });
}

/** Asks for an upload and PUTs the bytes to the presigned URL, as a browser does. */
async function upload(token: string, roomId: string, name: string, bytes: Buffer, contentType: string) {
  const granted = await grant(token, roomId, { name, size: bytes.length, contentType });
  expect(granted.status).toBe(201);
  const put = await fetch(granted.body.upload.url, { method: 'PUT', body: bytes, headers: granted.body.upload.headers });
  expect(put.status).toBe(200);
  return granted.body.upload.id;
}

function send(socket: ChatSocket, roomId: string, body: string, attachments?: string[], clientMsgId: string = crypto.randomUUID()) {
  return socket.timeout(15_000).emitWithAck('message:send', { roomId, body, clientMsgId, ...(attachments ? { attachments } : {}) });
}

const download = (token: string | undefined, fileId: string, suffix = '') =>
  fetch(`${url()}/api/files/${fileId}${suffix}`, { redirect: 'manual', headers: token ? { authorization: `Bearer ${token}` } : {} });

async function objectExists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: system.env.S3_BUCKET!, Key: key }));
    return true;
  } catch {
    return false;
  }
}

const objectKeyOf = async (id: string) => (await db.query<{ object_key: string }>('SELECT object_key FROM uploads WHERE id = $1', [id])).rows[0]?.object_key;

describe('upload, attach, download', () => {
  it('a member uploads through the presigned URL, attaches with an empty body, and the other member reads it', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const bobSocket = await connect(bob.token);
    const aliceSocket = await connect(alice.token);
    const fileId = await upload(alice.token, room.id, '../../etc/Report\u202Efdp.pdf', PDF, 'application/pdf');

    const delivered = nextEvent(bobSocket, 'message:new', (m) => m.roomId === room.id);
    const ack = await send(aliceSocket, room.id, '', [fileId]);
    expect(ack).toEqual({ ok: true, message: expect.objectContaining({ body: '', attachments: [{ id: fileId, name: 'Report_fdp.pdf', size: PDF.length, contentType: 'application/pdf' }] }) });
    expect((await delivered).attachments).toEqual([{ id: fileId, name: 'Report_fdp.pdf', size: PDF.length, contentType: 'application/pdf' }]);

    const redirect = await download(bob.token, fileId);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('x-content-type-options')).toBe('nosniff');
    expect(redirect.headers.get('cache-control')).toContain('no-store');
    const file = await fetch(redirect.headers.get('location')!);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(PDF);
    // Not a safe image: a download, as opaque bytes, never rendered by the browser.
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="Report_fdp.pdf"/);
    expect(file.headers.get('content-type')).toBe('application/octet-stream');
    // Same origin as the page (nginx passes /<bucket>/ on), with a CSP that lets an opened file run nothing.
    expect(new URL(redirect.headers.get('location')!).origin).toBe(url());
    expect(file.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");

    const history = await api<MessagesResponse>(url(), 'GET', `/api/rooms/${room.id}/messages`, { token: bob.token });
    const stored = await waitForHistory(bob.token, room.id, (ack as { message: ChatMessage }).message.id);
    expect(history.status).toBe(200);
    expect(stored.attachments).toEqual([{ id: fileId, name: 'Report_fdp.pdf', size: PDF.length, contentType: 'application/pdf' }]);
  });

  it('serves images inline with their own type', async () => {
    const { alice, room } = await roomOfTwo();
    const socket = await connect(alice.token);
    const fileId = await upload(alice.token, room.id, 'pic.png', PNG, 'image/png');
    expect((await send(socket, room.id, 'look', [fileId])).ok).toBe(true);
    const link = await api<{ url: string; expiresAt: string }>(url(), 'GET', `/api/files/${fileId}/url`, { token: alice.token });
    const file = await fetch(link.body.url);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('content-disposition')).toMatch(/^inline;/);
  });
});

/** The message once the persister has it, from the room's history (or with `?parentId=`, a thread's). */
async function waitForHistory(token: string, roomId: string, messageId: string, query = ''): Promise<ChatMessage> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const page = await api<MessagesResponse>(url(), 'GET', `/api/rooms/${roomId}/messages${query}`, { token });
    const found = page.body.messages.find((m) => m.id === messageId);
    if (found) return found;
    if (Date.now() > deadline) throw new Error('message not in history within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('thumbnails', () => {
  it('the worker makes a WebP of at most 400 px, and members get the size and thumbnail live', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const bobSocket = await connect(bob.token);
    const aliceSocket = await connect(alice.token);
    const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#3366cc' } }).jpeg().toBuffer();
    const fileId = await upload(alice.token, room.id, 'photo.jpg', photo, 'image/jpeg');
    const updated = nextEvent(bobSocket, 'attachment:updated', (e) => e.attachment.id === fileId, 30_000);
    const ack = await send(aliceSocket, room.id, 'holiday', [fileId]);
    expect(ack.ok).toBe(true);
    expect(await updated).toEqual({
      roomId: room.id,
      messageId: (ack as { message: ChatMessage }).message.id,
      attachment: { id: fileId, name: 'photo.jpg', size: photo.length, contentType: 'image/jpeg', width: 1200, height: 800, thumbnail: true },
    });
    const redirect = await download(bob.token, fileId, '/thumbnail');
    expect(redirect.status).toBe(302);
    const thumbnail = await fetch(redirect.headers.get('location')!);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 400, 267]);
    const stored = await waitForHistory(bob.token, room.id, (ack as { message: ChatMessage }).message.id);
    expect(stored.attachments?.[0]).toMatchObject({ width: 1200, height: 800, thumbnail: true });
  });
});

describe('thread replies', () => {
  it('a reply carries files like a room message: delivered, in the thread\'s history, thumbnailed live', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const bobSocket = await connect(bob.token);
    const aliceSocket = await connect(alice.token);
    const parent = await send(bobSocket, room.id, 'send me the photo');
    const parentId = (parent as { message: ChatMessage }).message.id;
    const photo = await sharp({ create: { width: 600, height: 900, channels: 3, background: '#cc6633' } }).png().toBuffer();
    const fileId = await upload(alice.token, room.id, 'reply.png', photo, 'image/png');
    const delivered = nextEvent(bobSocket, 'message:new', (m) => m.parentId === parentId);
    const updated = nextEvent(bobSocket, 'attachment:updated', (e) => e.attachment.id === fileId, 30_000);

    const ack = await socketSendReply(aliceSocket, room.id, parentId, [fileId]);
    expect(ack).toEqual({ ok: true, message: expect.objectContaining({ parentId, body: '', attachments: [{ id: fileId, name: 'reply.png', size: photo.length, contentType: 'image/png' }] }) });
    const replyId = (ack as { message: ChatMessage }).message.id;
    expect((await delivered).attachments?.map((a) => a.id)).toEqual([fileId]);
    expect(await updated).toMatchObject({ roomId: room.id, messageId: replyId, attachment: { id: fileId, width: 600, height: 900, thumbnail: true } });

    const stored = await waitForHistory(bob.token, room.id, replyId, `?parentId=${parentId}`);
    expect(stored.attachments).toEqual([expect.objectContaining({ id: fileId, width: 600, height: 900, thumbnail: true })]);
    const redirect = await download(bob.token, fileId);
    expect(redirect.status).toBe(302);
    expect(Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer()).equals(photo)).toBe(true);
  });
});

function socketSendReply(socket: ChatSocket, roomId: string, parentId: string, attachments: string[]) {
  return socket.timeout(15_000).emitWithAck('message:send', { roomId, parentId, body: '', clientMsgId: crypto.randomUUID(), attachments });
}

describe('who may read', () => {
  it('refuses a non-member, a logged-out user and a guessed id alike, checking membership on every request', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const outsider = await registerUser(url());
    const socket = await connect(alice.token);
    const fileId = await upload(alice.token, room.id, 'a.pdf', PDF, 'application/pdf');
    expect((await send(socket, room.id, 'here', [fileId])).ok).toBe(true);

    expect((await download(outsider.token, fileId)).status).toBe(404);
    expect((await download(undefined, fileId)).status).toBe(401);
    expect((await download(bob.token, crypto.randomUUID())).status).toBe(404);
    expect((await download(bob.token, 'not-a-uuid')).status).toBe(400);
    expect((await grant(outsider.token, room.id, { name: 'x.pdf', size: 10, contentType: 'application/pdf' })).body).toEqual(errorOf('FORBIDDEN'));

    expect((await download(bob.token, fileId)).status).toBe(302);
    await api(url(), 'POST', `/api/rooms/${room.id}/leave`, { token: bob.token });
    expect((await download(bob.token, fileId)).status).toBe(404);
  });

  it('keeps an upload no message took to its uploader', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const fileId = await upload(alice.token, room.id, 'draft.pdf', PDF, 'application/pdf');
    expect((await download(bob.token, fileId)).status).toBe(404);
    expect((await download(alice.token, fileId)).status).toBe(302);
  });

  it('a download URL stops working once expired', async () => {
    const { alice, room } = await roomOfTwo();
    const socket = await connect(alice.token);
    const fileId = await upload(alice.token, room.id, 'a.pdf', PDF, 'application/pdf');
    expect((await send(socket, room.id, 'here', [fileId])).ok).toBe(true);
    const location = (await download(alice.token, fileId)).headers.get('location')!;
    expect((await fetch(location)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, (DOWNLOAD_TTL_S + 1.5) * 1000)); // the expiry itself is what is tested
    const expired = await fetch(location);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');
  });
});

describe('limits and checks', () => {
  it('refuses a file over the size limit, a type off the allow-list, and an upload over the quota, with clear codes', async () => {
    const { alice, room } = await roomOfTwo();
    const tooBig = await grant(alice.token, room.id, { name: 'big.zip', size: MAX_BYTES + 1, contentType: 'application/zip' });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toEqual(errorOf('PAYLOAD_TOO_LARGE'));
    for (const contentType of ['image/svg+xml', 'text/html', 'application/x-msdownload']) {
      const refused = await grant(alice.token, room.id, { name: 'x', size: 10, contentType });
      expect(refused.status).toBe(415);
      expect(refused.body).toEqual(errorOf('UNSUPPORTED_MEDIA_TYPE'));
    }
    expect((await grant(alice.token, room.id, { name: 'a.zip', size: MAX_BYTES, contentType: 'application/zip' })).status).toBe(201);
    const overQuota = await grant(alice.token, room.id, { name: 'b.zip', size: MAX_BYTES, contentType: 'application/zip' });
    expect(overQuota.status).toBe(403);
    expect(overQuota.body).toEqual(errorOf('QUOTA_EXCEEDED'));
  });

  it('the upload URL takes only the declared size and type', async () => {
    const { alice, room } = await roomOfTwo();
    const granted = await grant(alice.token, room.id, { name: 'p.pdf', size: PDF.length, contentType: 'application/pdf' });
    const { url: putUrl } = granted.body.upload;
    expect((await fetch(putUrl, { method: 'PUT', body: Buffer.concat([PDF, PDF]), headers: { 'Content-Type': 'application/pdf' } })).status).toBe(403);
    expect((await fetch(putUrl, { method: 'PUT', body: PDF, headers: { 'Content-Type': 'text/html' } })).status).toBe(403);
    expect(await objectExists((await objectKeyOf(granted.body.upload.id))!)).toBe(false);
  });

  it('refuses a file whose bytes are not of its declared type (magic bytes)', async () => {
    const { alice, room } = await roomOfTwo();
    const socket = await connect(alice.token);
    const fakePng = await upload(alice.token, room.id, 'evil.png', Buffer.from('<html><script>alert(1)</script></html>'), 'image/png');
    const ack = await send(socket, room.id, 'pic', [fakePng]);
    expect(ack).toEqual({ ok: false, error: { code: 'CONTENT_MISMATCH', message: expect.stringContaining('not a image/png') } });
  });

  it('refuses attachments that are not the sender\'s uploads into this room, not uploaded, or too many', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const other = await roomOfTwo();
    const aliceSocket = await connect(alice.token);
    const bobSocket = await connect(bob.token);
    const alices = await upload(alice.token, room.id, 'a.pdf', PDF, 'application/pdf');
    expect(await send(bobSocket, room.id, 'mine now', [alices])).toEqual({ ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) });
    const elsewhere = await upload(other.alice.token, other.room.id, 'b.pdf', PDF, 'application/pdf');
    expect(await send(aliceSocket, room.id, 'x', [elsewhere])).toEqual({ ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) });
    const granted = await grant(alice.token, room.id, { name: 'never.pdf', size: PDF.length, contentType: 'application/pdf' });
    expect(await send(aliceSocket, room.id, 'x', [granted.body.upload.id])).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION' }) });
    const eleven = Array.from({ length: 11 }, () => crypto.randomUUID());
    expect(await send(aliceSocket, room.id, 'x', eleven)).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION' }) });
    expect(await send(aliceSocket, room.id, '  ', [])).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION' }) });
    // Taken once: a second message cannot take it again, while a resend of the first is the same message.
    const first = crypto.randomUUID();
    const sent = await send(aliceSocket, room.id, 'one', [alices], first);
    expect(sent.ok).toBe(true);
    expect(await send(aliceSocket, room.id, 'again', [alices], first)).toEqual(sent);
    expect(await send(aliceSocket, room.id, 'two', [alices])).toEqual({ ok: false, error: expect.objectContaining({ code: 'CONFLICT' }) });
  });
});

describe('lifecycle', () => {
  it('deleting an account deletes its files', async () => {
    const { alice, room } = await roomOfTwo();
    const socket = await connect(alice.token);
    const attached = await upload(alice.token, room.id, 'a.pdf', PDF, 'application/pdf');
    const loose = await upload(alice.token, room.id, 'b.pdf', PDF, 'application/pdf');
    expect((await send(socket, room.id, 'x', [attached])).ok).toBe(true);
    const keys = [await objectKeyOf(attached), await objectKeyOf(loose)];
    expect(await Promise.all(keys.map((k) => objectExists(k!)))).toEqual([true, true]);
    expect((await api(url(), 'DELETE', '/api/me', { token: alice.token })).status).toBe(204);
    expect(await Promise.all(keys.map((k) => objectExists(k!)))).toEqual([false, false]);
    expect((await db.query('SELECT 1 FROM uploads WHERE uploader_id = $1', [alice.user.id])).rowCount).toBe(0);
  });

  it('deleting a message deletes its objects, thumbnail included, and its file can no longer be read', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const bobSocket = await connect(bob.token);
    const socket = await connect(alice.token);
    const picture = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#cc3366' } }).png().toBuffer();
    const fileId = await upload(alice.token, room.id, 'soon-gone.png', picture, 'image/png');
    const thumbnailed = nextEvent(bobSocket, 'attachment:updated', (e) => e.attachment.id === fileId, 30_000);
    const ack = await send(socket, room.id, 'soon gone', [fileId]);
    expect(ack.ok).toBe(true);
    await thumbnailed;
    const row = (await db.query<{ object_key: string; thumbnail_key: string }>('SELECT object_key, thumbnail_key FROM uploads WHERE id = $1', [fileId])).rows[0]!;
    expect([await objectExists(row.object_key), await objectExists(row.thumbnail_key)]).toEqual([true, true]);

    const messageId = (ack as { message: ChatMessage }).message.id;
    expect(await socket.timeout(15_000).emitWithAck('message:delete', { messageId })).toEqual({ ok: true });
    // The worker acts on the message.deleted event from the log: poll the store until it has (or give up).
    const deadline = Date.now() + 30_000;
    while ((await objectExists(row.object_key)) || (await objectExists(row.thumbnail_key))) {
      if (Date.now() > deadline) throw new Error('objects of the deleted message still there after 30 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await db.query('SELECT 1 FROM uploads WHERE id = $1', [fileId])).rowCount).toBe(0);
    expect((await download(bob.token, fileId)).status).toBe(404);
    const tombstone = await waitForHistory(bob.token, room.id, messageId);
    expect(tombstone.attachments).toBeUndefined();
  });

  it('the orphan sweep removes uploads never attached after 24 h and keeps attached ones', async () => {
    const { alice, room } = await roomOfTwo();
    const socket = await connect(alice.token);
    const attached = await upload(alice.token, room.id, 'kept.pdf', PDF, 'application/pdf');
    const orphan = await upload(alice.token, room.id, 'orphan.pdf', PDF, 'application/pdf');
    const recent = await upload(alice.token, room.id, 'recent.pdf', PDF, 'application/pdf');
    expect((await send(socket, room.id, 'x', [attached])).ok).toBe(true);
    await db.query(`UPDATE uploads SET created_at = now() - interval '25 hours' WHERE id = ANY($1::uuid[])`, [[attached, orphan]]);
    const keys = { attached: await objectKeyOf(attached), orphan: await objectKeyOf(orphan), recent: await objectKeyOf(recent) };

    // The shipped entry point, as the CronJob and the local timer run it.
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'gateway', 'dist', 'sweep-files-main.js')], { env: { ...process.env, ...system.env } });

    expect(await objectExists(keys.orphan!)).toBe(false);
    expect(await objectExists(keys.attached!)).toBe(true);
    expect(await objectExists(keys.recent!)).toBe(true);
    const left = (await db.query<{ id: string }>('SELECT id::text FROM uploads WHERE id = ANY($1::uuid[]) ORDER BY id', [[attached, orphan, recent]])).rows.map((r) => r.id);
    expect(left.sort()).toEqual([attached, recent].sort());
  });
});
