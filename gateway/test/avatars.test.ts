// Avatars through the files' presigned path, against the real local S3 server (versitygw), PostgreSQL,
// Redis and Kafka, through nginx like a browser: upload, set, read by anyone signed in, replace (the old
// object goes), remove, refusals, and the account's deletion taking its pictures with it.
import crypto from 'node:crypto';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { MembersPageResponse, Room, UploadResponse, UserProfileResponse } from '@chat/protocol';
import sharp from 'sharp';
import { api, inviteAndAccept, registerUser, startSystem, type TestSystem } from '@chat/testing';

let system: TestSystem;
let s3: S3Client;

beforeAll(async () => {
  system = await startSystem({ gateways: 1 });
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: system.env.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: system.env.S3_ACCESS_KEY_ID!, secretAccessKey: system.env.S3_SECRET_ACCESS_KEY! },
  });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await system?.stop();
});

const url = () => system.baseUrl;
const errorOf = (code: string) => ({ error: { code, message: expect.any(String) } });
const keyOf = (userId: string, avatarId: string) => `avatars/${userId}/${avatarId}`;

async function objectExists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: system.env.S3_BUCKET!, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** A 256 px square WebP, as the web app makes by cropping. */
const square = (colour: string) => sharp({ create: { width: 256, height: 256, channels: 3, background: colour } }).webp().toBuffer();

/** Grants an avatar upload and PUTs the bytes to its presigned URL. */
async function uploadAvatar(token: string, bytes: Buffer, contentType = 'image/webp'): Promise<string> {
  const granted = await api<UploadResponse>(url(), 'POST', '/api/me/avatar/uploads', { token, body: { size: bytes.length, contentType } });
  expect(granted.status).toBe(201);
  const put = await fetch(granted.body.upload.url, { method: 'PUT', body: bytes, headers: granted.body.upload.headers });
  expect(put.status).toBe(200);
  return granted.body.upload.id;
}

const setAvatar = (token: string, avatarId: string | null) => api<UserProfileResponse>(url(), 'PATCH', '/api/me', { token, body: { avatarId } });

describe('avatars', () => {
  it('a user uploads a picture and sets it; any signed-in user reads it through the redirect, and member lists name it', async () => {
    const alice = await registerUser(url());
    const stranger = await registerUser(url());
    const picture = await square('#33aa66');
    const avatarId = await uploadAvatar(alice.token, picture);

    const set = await setAvatar(alice.token, avatarId);
    expect(set.status).toBe(200);
    expect(set.body.user.avatar).toEqual({ initials: expect.any(String), url: `/api/users/${alice.user.id}/avatar?v=${avatarId}` });

    // Not in any room with her, still signed in: avatars are not room-private.
    const seen = await api<UserProfileResponse>(url(), 'GET', `/api/users/${alice.user.id}`, { token: stranger.token });
    expect(seen.body.user.avatar.url).toBe(set.body.user.avatar.url);
    const redirect = await fetch(`${url()}${seen.body.user.avatar.url}`, { redirect: 'manual', headers: { authorization: `Bearer ${stranger.token}` } });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('cache-control')).toContain('no-store');
    const location = redirect.headers.get('location')!;
    // Same origin as the app (nginx passes /<bucket>/ on), presigned: never a public bucket URL.
    expect(new URL(location).origin).toBe(new URL(url()).origin);
    expect(location).toContain('X-Amz-Signature=');
    const image = await fetch(location);
    expect(image.headers.get('content-type')).toBe('image/webp');
    expect(Buffer.from(await image.arrayBuffer()).equals(picture)).toBe(true);
    const link = await api<{ url: string }>(url(), 'GET', `/api/users/${alice.user.id}/avatar/url`, { token: stranger.token });
    expect(link.body.url).toContain('X-Amz-Signature=');

    // A logged-out visitor gets nothing.
    expect((await fetch(`${url()}/api/users/${alice.user.id}/avatar`, { redirect: 'manual' })).status).toBe(401);

    const created = await api<{ room: Room }>(url(), 'POST', '/api/rooms', { token: alice.token, body: { name: 'faces', visibility: 'private' } });
    await inviteAndAccept(url(), alice.token, created.body.room.id, stranger);
    const members = await api<MembersPageResponse>(url(), 'GET', `/api/rooms/${created.body.room.id}/members`, { token: stranger.token });
    expect(members.body.members.find((m) => m.id === alice.user.id)?.avatar.url).toBe(set.body.user.avatar.url);
  });

  it('a new picture replaces the old, whose object is removed; removing the avatar removes its object', async () => {
    const bob = await registerUser(url());
    const first = await uploadAvatar(bob.token, await square('#aa3366'));
    expect((await setAvatar(bob.token, first)).status).toBe(200);
    // A grant that is never set is replaced by the next grant: its object goes too.
    const abandoned = await uploadAvatar(bob.token, await square('#000000'));
    const second = await uploadAvatar(bob.token, await square('#3366aa'));
    expect(await objectExists(keyOf(bob.user.id, abandoned))).toBe(false);

    const replaced = await setAvatar(bob.token, second);
    expect(replaced.body.user.avatar.url).toBe(`/api/users/${bob.user.id}/avatar?v=${second}`);
    expect([await objectExists(keyOf(bob.user.id, first)), await objectExists(keyOf(bob.user.id, second))]).toEqual([false, true]);
    // The replaced grant cannot be set again.
    expect(await setAvatar(bob.token, first)).toMatchObject({ status: 404, body: errorOf('NOT_FOUND') });

    const removed = await setAvatar(bob.token, null);
    expect(removed.body.user.avatar).toEqual({ initials: expect.any(String), url: null });
    expect(await objectExists(keyOf(bob.user.id, second))).toBe(false);
    expect((await api(url(), 'GET', `/api/users/${bob.user.id}/avatar/url`, { token: bob.token })).status).toBe(404);
  });

  it('refuses what is not a picture: a type off the list, too large, bytes that are not the declared image, someone else\'s upload', async () => {
    const carol = await registerUser(url());
    const dave = await registerUser(url());
    const grant = (body: unknown) => api(url(), 'POST', '/api/me/avatar/uploads', { token: carol.token, body });
    expect(await grant({ size: 100, contentType: 'application/pdf' })).toMatchObject({ status: 415, body: errorOf('UNSUPPORTED_MEDIA_TYPE') });
    expect(await grant({ size: 100, contentType: 'image/svg+xml' })).toMatchObject({ status: 415, body: errorOf('UNSUPPORTED_MEDIA_TYPE') });
    expect(await grant({ size: 2 * 1024 * 1024, contentType: 'image/png' })).toMatchObject({ status: 413, body: errorOf('PAYLOAD_TOO_LARGE') });

    const html = await uploadAvatar(carol.token, Buffer.from('<html><script>alert(1)</script></html>'), 'image/png');
    expect(await setAvatar(carol.token, html)).toMatchObject({ status: 422, body: errorOf('CONTENT_MISMATCH') });
    const granted = await api<UploadResponse>(url(), 'POST', '/api/me/avatar/uploads', { token: carol.token, body: { size: 10, contentType: 'image/png' } });
    expect(await setAvatar(carol.token, granted.body.upload.id)).toMatchObject({ status: 400, body: errorOf('VALIDATION') });

    const daves = await uploadAvatar(dave.token, await square('#ffcc00'));
    expect(await setAvatar(carol.token, daves)).toMatchObject({ status: 404, body: errorOf('NOT_FOUND') });
    expect(await setAvatar(carol.token, crypto.randomUUID())).toMatchObject({ status: 404, body: errorOf('NOT_FOUND') });
    expect((await api<UserProfileResponse>(url(), 'GET', `/api/users/${carol.user.id}`, { token: dave.token })).body.user.avatar.url).toBeNull();
  });

  it('deleting the account deletes its pictures, the current one and a pending one', async () => {
    const erin = await registerUser(url());
    const current = await uploadAvatar(erin.token, await square('#123456'));
    await setAvatar(erin.token, current);
    const pending = await uploadAvatar(erin.token, await square('#654321'));
    expect((await api(url(), 'DELETE', '/api/me', { token: erin.token })).status).toBe(204);
    expect([await objectExists(keyOf(erin.user.id, current)), await objectExists(keyOf(erin.user.id, pending))]).toEqual([false, false]);
  });
});
