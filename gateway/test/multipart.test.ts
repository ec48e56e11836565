// Large files in parts against the real local S3 server (versitygw), through nginx like a browser: part
// URLs, a lost part found by listing what the store holds, the join refused until every part is there,
// then the file attached and read back whole.
import crypto from 'node:crypto';
import type { ChatMessage, MultipartUploadResponse, PartUrlsResponse, Room, UploadedPartsResponse } from '@chat/protocol';
import { api, type ChatSocket, connectSocket, inviteAndAccept, registerUser, startSystem, type TestSystem } from '@chat/testing';

const PART = 5 * 1024 * 1024;

let system: TestSystem;
const sockets: ChatSocket[] = [];

beforeAll(async () => {
  system = await startSystem({ gateways: 1, env: { FILE_PART_BYTES: String(PART), FILE_MAX_BYTES: String(20 * 1024 * 1024) } });
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await system?.stop();
});

const url = () => system.baseUrl;
const errorOf = (code: string) => ({ error: { code, message: expect.any(String) } });

describe('multipart uploads', () => {
  it('sends the parts through presigned URLs, resumes by listing the parts held, and joins them once all are there', async () => {
    const alice = await registerUser(url());
    const bob = await registerUser(url());
    const room = (await api<{ room: Room }>(url(), 'POST', '/api/rooms', { token: alice.token, body: { name: 'big files', visibility: 'private' } })).body.room;
    await inviteAndAccept(url(), alice.token, room.id, bob);
    // 11 MiB: two full parts and a last one of 1 MiB.
    const file = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(11 * 1024 * 1024 - 9)]);

    const created = await api<MultipartUploadResponse>(url(), 'POST', `/api/rooms/${room.id}/uploads/multipart`, {
      token: alice.token,
      body: { name: 'big.pdf', size: file.length, contentType: 'application/pdf' },
    });
    expect(created.status).toBe(201);
    const { id, partBytes, partCount } = created.body.upload;
    expect([partBytes, partCount]).toEqual([PART, 3]);
    const urls = await api<PartUrlsResponse>(url(), 'POST', `/api/uploads/${id}/parts`, { token: alice.token, body: { partNumbers: [1, 2, 3] } });
    const put = (n: number) => fetch(urls.body.parts.find((p) => p.partNumber === n)!.url, { method: 'PUT', body: file.subarray((n - 1) * PART, n * PART) });

    // Part 2 is lost (a dropped connection): the join is refused and names it.
    expect((await put(1)).status).toBe(200);
    expect((await put(3)).status).toBe(200);
    expect(await api(url(), 'POST', `/api/uploads/${id}/complete`, { token: alice.token })).toMatchObject({ status: 400, body: errorOf('VALIDATION') });
    // A part URL takes exactly its part's bytes (Content-Length is signed).
    expect((await fetch(urls.body.parts[1]!.url, { method: 'PUT', body: file.subarray(0, 1024) })).status).toBe(403);

    // The client resumes: it asks what the store holds and sends only the rest.
    const held = await api<UploadedPartsResponse>(url(), 'GET', `/api/uploads/${id}/parts`, { token: alice.token });
    expect(held.body.parts).toEqual([
      { partNumber: 1, size: PART },
      { partNumber: 3, size: 1024 * 1024 },
    ]);
    // Only the uploader sees or completes it; another user's guess is a missing upload.
    expect(await api(url(), 'GET', `/api/uploads/${id}/parts`, { token: bob.token })).toMatchObject({ status: 404, body: errorOf('NOT_FOUND') });
    expect(await api(url(), 'POST', `/api/uploads/${id}/parts`, { token: alice.token, body: { partNumbers: [4] } })).toMatchObject({ status: 400 });
    expect((await put(2)).status).toBe(200);
    expect((await api(url(), 'POST', `/api/uploads/${id}/complete`, { token: alice.token })).status).toBe(204);
    expect(await api(url(), 'POST', `/api/uploads/${id}/complete`, { token: alice.token })).toMatchObject({ status: 409, body: errorOf('CONFLICT') });

    // Then it is a file like any other: attached (size, type and first bytes checked) and read back whole.
    const socket = await connectSocket(url(), alice.token);
    sockets.push(socket);
    const ack = await socket.timeout(15_000).emitWithAck('message:send', { roomId: room.id, body: 'the report', clientMsgId: crypto.randomUUID(), attachments: [id] });
    expect(ack).toMatchObject({ ok: true, message: { attachments: [{ id, name: 'big.pdf', size: file.length, contentType: 'application/pdf' }] } });
    expect((ack as { message: ChatMessage }).message.attachments).toHaveLength(1);
    const redirect = await fetch(`${url()}/api/files/${id}`, { redirect: 'manual', headers: { authorization: `Bearer ${bob.token}` } });
    expect(redirect.status).toBe(302);
    const read = Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());
    expect(read.equals(file)).toBe(true);
  });

  it('refuses a multipart file over the size limit or off the allow-list, like a single upload', async () => {
    const carol = await registerUser(url());
    const room = (await api<{ room: Room }>(url(), 'POST', '/api/rooms', { token: carol.token, body: { name: 'limits', visibility: 'private' } })).body.room;
    const grant = (body: unknown) => api(url(), 'POST', `/api/rooms/${room.id}/uploads/multipart`, { token: carol.token, body });
    expect(await grant({ name: 'huge.pdf', size: 30 * 1024 * 1024, contentType: 'application/pdf' })).toMatchObject({ status: 413, body: errorOf('PAYLOAD_TOO_LARGE') });
    expect(await grant({ name: 'page.html', size: 6 * 1024 * 1024, contentType: 'text/html' })).toMatchObject({ status: 415, body: errorOf('UNSUPPORTED_MEDIA_TYPE') });
  });
});
