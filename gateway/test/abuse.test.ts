// Abuse: what an attacker or a broken client sends, against a real gateway (PostgreSQL, Redis, Kafka, the
// persister). Every case gets a clear error code, the gateway never crashes, other users' traffic goes on,
// and neither answers nor logs reveal tokens, passwords, hashes or stack traces.
// Cases already proven elsewhere are not repeated here:
// - gateway/test/api.test.ts: REST missing/forged/deleted-account tokens, malformed JSON, oversized REST
//   body, per-account login lock-out, x-content-type-options, x-powered-by, no stack trace on a 404,
//   a guessed room id's history, only members invite, private rooms cannot be joined.
// - gateway/test/realtime.test.ts: handshake with missing, garbage, forged, unsigned-expired and
//   alg "none" tokens; a non-member sending to / reading / joining / inviting into a private room;
//   malformed, oversized and NUL-byte socket sends; a 40-message burst over the per-user limit.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { AuthResponse, ChatMessage, ErrorCode, Room } from '@chat/protocol';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { api, type ApiResult, type ChatSocket, collect, connectSocket, createSocket, eventually, floodFromWorker, inviteAndAccept, nextEvent, registerUser, startSystem, type TestSystem } from '@chat/testing';

const WEB_ORIGIN = 'https://chat.example.test';
/** Messages per user per 10 s here. */
const MESSAGE_RATE_LIMIT = 100;
let system: TestSystem;
let url: string;
let gatewayPid: number | undefined;

beforeAll(async () => {
  system = await startSystem({
    gateways: 1,
    nginx: false,
    // The bystanders send one message after every case: a per-user limit that the flood exceeds, they do not.
    env: { CORS_ORIGIN: WEB_ORIGIN, LOGIN_RATE_LIMIT: '5', REGISTER_RATE_LIMIT: '1000', MESSAGE_RATE_LIMIT: String(MESSAGE_RATE_LIMIT) },
  });
  url = system.baseUrl;
  gatewayPid = system.gateways[0]!.pid();
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

/**
 * Every hostile input the suite tried, and the ones the system accepted: each case records its probes
 * (and asserts on them); the summary prints the count, and the last case proves that none was accepted.
 */
const hostile = { tried: 0, accepted: [] as string[] };
function probe(what: string, refused: boolean): void {
  hostile.tried += 1;
  if (!refused) hostile.accepted.push(what);
}
afterAll(() => console.log(`abuse summary: ${hostile.tried} hostile inputs tried, ${hostile.accepted.length} accepted${hostile.accepted.length ? `: ${hostile.accepted.join('; ')}` : ''}`));

/** Every answer the suite got, and every secret it handled: checked against each other at the end. */
const answers: string[] = [];
const secrets = new Set<string>();

/** `api`, recording error answers (so the suite can check that none leaks a secret). */
async function call<T = unknown>(method: string, urlPath: string, options: Parameters<typeof api>[3] = {}): Promise<ApiResult<T>> {
  const result = await api<T>(url, method, urlPath, options);
  if (result.status >= 400) answers.push(typeof result.body === 'string' ? result.body : JSON.stringify(result.body ?? ''));
  return result;
}

/**
 * A WebSocket speaking Engine.IO/Socket.IO by hand, for packets the real client refuses to build (it
 * walks payloads recursively, so deeply nested ones overflow its own stack first).
 */
async function rawSocket(token?: string): Promise<{ ws: WebSocket; next(prefix: string): Promise<string> }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  const waiters: { prefix: string; resolve: (frame: string) => void }[] = [];
  ws.on('message', (data) => {
    const frame = String(data);
    if (frame === '2') return void ws.send('3'); // Engine.IO ping: answer, or the server drops us
    const waiter = waiters.find((w) => frame.startsWith(w.prefix));
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    } else frames.push(frame);
  });
  const next = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const queued = frames.find((f) => f.startsWith(prefix));
      if (queued) {
        frames.splice(frames.indexOf(queued), 1);
        return resolve(queued);
      }
      const timer = setTimeout(() => reject(new Error(`no frame starting with ${prefix} (got ${JSON.stringify(frames)})`)), 5_000);
      waiters.push({ prefix, resolve: (frame) => (clearTimeout(timer), resolve(frame)) });
    });
  await next('0{'); // Engine.IO's open packet
  if (token !== undefined) {
    ws.send(`40${JSON.stringify({ token })}`); // Socket.IO CONNECT to "/" with the auth payload
    await next('40');
  }
  return { ws, next };
}

async function newUser(): Promise<AuthResponse & { password: string }> {
  const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
  const user = await registerUser(url, undefined, password);
  secrets.add(user.token).add(password);
  return user;
}

const sockets: ChatSocket[] = [];
async function connect(token: string): Promise<ChatSocket> {
  const socket = await connectSocket(url, token);
  sockets.push(socket);
  return socket;
}

const errorOf = (code: ErrorCode) => ({ error: { code, message: expect.any(String) } });
const send = (socket: ChatSocket, roomId: string, body: string) =>
  socket.timeout(10_000).emitWithAck('message:send', { roomId, body, clientMsgId: crypto.randomUUID() });

/** Two users who share a private room: the bystanders whose traffic must be unaffected by every case. */
let bystanders: { a: ChatSocket; b: ChatSocket; room: Room };

beforeAll(async () => {
  const [a, b] = [await newUser(), await newUser()];
  const room = (await call<{ room: Room }>('POST', '/api/rooms', { token: a.token, body: { name: 'bystanders', visibility: 'private' } })).body.room;
  await inviteAndAccept(url, a.token, room.id, b);
  bystanders = { a: await connectSocket(url, a.token), b: await connectSocket(url, b.token), room };
}, 30_000);

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  // After every case: the same gateway process, still carrying the bystanders' messages promptly.
  expect(system.gateways[0]!.pid()).toBe(gatewayPid);
  const body = `still here ${crypto.randomUUID()}`;
  const started = Date.now();
  const arrived = nextEvent(bystanders.b, 'message:new', (m) => m.body === body, 5_000);
  expect(await send(bystanders.a, bystanders.room.id, body)).toMatchObject({ ok: true });
  await arrived;
  expect(Date.now() - started).toBeLessThan(2_000);
});

afterAll(() => {
  bystanders?.a.close();
  bystanders?.b.close();
});

/** Signs a token the way the gateway does, with any secret, claims and options. */
function sign(claims: object, options: jwt.SignOptions & { secret?: string } = {}): string {
  const { secret = system.env.JWT_SECRET!, ...rest } = options;
  const token = jwt.sign(claims, secret, { algorithm: 'HS256', ...rest });
  secrets.add(token);
  return token;
}

/** The error a handshake with this token fails with. */
async function handshakeError(token: string | undefined): Promise<Error & { data?: unknown }> {
  const socket = createSocket(url, token);
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect_error', resolve);
    socket.once('connect', () => reject(new Error('the handshake was accepted')));
  });
}

describe('tokens', () => {
  it('refuses, over REST and in the socket handshake, tokens that are expired, signed with another key, unsigned, of another algorithm or naming no valid user', async () => {
    const user = await newUser();
    const sub = user.user.id;
    const name = user.user.username;
    const cases: [string, string][] = [
      ['expired, correctly signed', sign({ name }, { subject: sub, expiresIn: -60 })],
      ['signed with another secret', sign({ name }, { subject: sub, secret: 'someone-elses-secret-0123456789abcdef' })],
      ['HS512 with the right secret', sign({ name }, { subject: sub, algorithm: 'HS512' })],
      ['alg none', `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${user.token.split('.')[1]}.`],
      ['a subject that is not a user id', sign({ name }, { subject: 'not-a-uuid', expiresIn: 60 })],
      ['a subject no user has', sign({ name }, { subject: crypto.randomUUID(), expiresIn: 60 })],
      ['no subject', sign({ name }, { expiresIn: 60 })],
      ['two parts only', user.token.split('.').slice(0, 2).join('.')],
    ];
    for (const [what, token] of cases) {
      const rest = await call('GET', '/api/me', { token });
      probe(`REST token: ${what}`, rest.status === 401);
      expect([what, rest.status, rest.body]).toEqual([what, 401, errorOf('UNAUTHORIZED')]);
      const refused = await handshakeError(token);
      probe(`handshake token: ${what}`, refused.message === 'UNAUTHORIZED');
      expect([what, refused.message, refused.data]).toEqual([what, 'UNAUTHORIZED', errorOf('UNAUTHORIZED').error]);
    }
    const expired = await call<{ error: { message: string } }>('GET', '/api/me', { token: cases[0]![1] });
    expect(expired.body.error.message).toMatch(/expired/);
  });

  it.each([
    ['no scheme', (t: string) => t],
    ['Basic', (t: string) => `Basic ${t}`],
    ['Bearer and nothing', () => 'Bearer '],
    ['two tokens', (t: string) => `Bearer ${t} ${t}`],
  ])('refuses an Authorization header with %s', async (_, header) => {
    const user = await newUser();
    const result = await call('GET', '/api/rooms', { headers: { authorization: header(user.token) } });
    probe(`Authorization header with ${_}`, result.status === 401);
    expect(result.status).toBe(401);
    expect(result.body).toEqual(errorOf('UNAUTHORIZED'));
  });

  it("refuses a deleted account's token in the handshake, and its open socket can no longer send", async () => {
    const user = await newUser();
    const room = (await call<{ room: Room }>('POST', '/api/rooms', { token: user.token, body: { name: 'soon empty', visibility: 'public' } })).body.room;
    const open = await connect(user.token);
    expect(await send(open, room.id, 'before deletion')).toMatchObject({ ok: true });
    const closed = new Promise((resolve) => open.once('disconnect', resolve));
    expect((await call('DELETE', '/api/me', { token: user.token })).status).toBe(204);
    await closed;
    const refused = await handshakeError(user.token);
    expect(refused.data).toEqual(errorOf('UNAUTHORIZED').error);
  });
});

describe('service tokens', () => {
  it('refuses role "service" on any token not signed with the service key, issuer and audience', async () => {
    const user = await newUser();
    const sub = user.user.id;
    const name = user.user.username;
    const service = { issuer: 'chat-platform', audience: 'chat-service' };
    const cases: [string, string][] = [
      ['role service signed with the user-token secret, no audience', sign({ name, role: 'service' }, { subject: sub, expiresIn: 60 })],
      ['role service with the service audience but the user-token secret', sign({ name, role: 'service' }, { subject: sub, expiresIn: 60, ...service })],
      ['role service with the user audience and secret', sign({ name, role: 'service' }, { subject: sub, expiresIn: 60, issuer: 'chat-gateway', audience: 'chat-user' })],
      ['a user token without issuer and audience', sign({ name }, { subject: sub, expiresIn: 60 })],
      ['the service key with the user audience', sign({ name }, { subject: sub, expiresIn: 60, secret: system.env.SERVICE_TOKEN_SECRET, issuer: 'chat-gateway', audience: 'chat-user' })],
    ];
    for (const [what, token] of cases) {
      const refused = await handshakeError(token);
      probe(`handshake: ${what}`, refused.message === 'UNAUTHORIZED');
      expect([what, refused.message]).toEqual([what, 'UNAUTHORIZED']);
    }
    // The real thing still works: the service key, issuer and audience.
    const genuine = sign({ name, role: 'service' }, { subject: sub, expiresIn: 60, secret: system.env.SERVICE_TOKEN_SECRET, ...service });
    (await connect(genuine)).close();
  });
});

describe('authorization', () => {
  async function privateRoom() {
    const owner = await newUser();
    const room = (await call<{ room: Room }>('POST', '/api/rooms', { token: owner.token, body: { name: 'private', visibility: 'private' } })).body.room;
    return { owner, room };
  }

  it('answers a guessed room id exactly as a private room one is not in, over REST and the socket', async () => {
    const { room } = await privateRoom();
    const mallory = await newUser();
    const socket = await connect(mallory.token);
    const guessed = crypto.randomUUID();
    for (const roomId of [room.id, guessed]) {
      const answers = {
        history: await call('GET', `/api/rooms/${roomId}/messages`, { token: mallory.token }),
        room: await call('GET', `/api/rooms/${roomId}`, { token: mallory.token }),
        members: await call('GET', `/api/rooms/${roomId}/members`, { token: mallory.token }),
        invite: await call('POST', `/api/rooms/${roomId}/members`, { token: mallory.token, body: { username: mallory.user.username } }),
        leave: await call('POST', `/api/rooms/${roomId}/leave`, { token: mallory.token }),
        join: await call('POST', `/api/rooms/${roomId}/join`, { token: mallory.token }),
      };
      expect(Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, [r.status, r.body]]))).toEqual({
        history: [403, errorOf('FORBIDDEN')],
        room: [403, errorOf('FORBIDDEN')],
        members: [403, errorOf('FORBIDDEN')],
        invite: [403, errorOf('FORBIDDEN')],
        leave: [403, errorOf('FORBIDDEN')],
        join: [404, errorOf('NOT_FOUND')],
      });
      expect(await send(socket, roomId, 'hello?')).toEqual({ ok: false, ...errorOf('FORBIDDEN') });
      expect(await socket.timeout(5_000).emitWithAck('presence:list', { roomId })).toEqual({ ok: false, ...errorOf('FORBIDDEN') });
    }
  });

  it('keeps outsiders out of a direct conversation', async () => {
    const [ann, ben, eve] = [await newUser(), await newUser(), await newUser()];
    const dm = (await call<{ room: Room }>('POST', '/api/dm', { token: ann.token, body: { username: ben.user.username } })).body.room;
    expect((await call('GET', `/api/rooms/${dm.id}/messages`, { token: eve.token })).status).toBe(403);
    expect((await call('POST', `/api/rooms/${dm.id}/join`, { token: eve.token })).status).toBe(404);
    // Not even a member can add a third person to a direct conversation.
    const invite = await call('POST', `/api/rooms/${dm.id}/members`, { token: ann.token, body: { username: eve.user.username } });
    expect([invite.status, invite.body]).toEqual([400, errorOf('VALIDATION')]);
  });

  it('a member who left can no longer send from a socket that was open when they left', async () => {
    const { owner, room } = await privateRoom();
    const guest = await newUser();
    await inviteAndAccept(url, owner.token, room.id, guest);
    const socket = await connect(guest.token);
    const joined = await send(socket, room.id, 'I am in');
    expect(joined).toMatchObject({ ok: true });
    const left = nextEvent(socket, 'room:left');
    expect((await call('POST', `/api/rooms/${room.id}/leave`, { token: guest.token })).status).toBe(204);
    await left;
    expect(await send(socket, room.id, 'still in?')).toEqual({ ok: false, ...errorOf('FORBIDDEN') });
  });
});

describe('input', () => {
  it.each([
    ['a number for a room name', { name: 42, visibility: 'public' }],
    ['an array for a room name', { name: ['a'], visibility: 'public' }],
    ['an unknown visibility', { name: 'room', visibility: 'secret' }],
    ['a NUL byte in a room name', { name: 'a\u0000b', visibility: 'public' }],
    ['a control character in a room name', { name: 'bell\u0007', visibility: 'public' }],
    ['an escape sequence in a room name', { name: '\u001b[31mred', visibility: 'public' }],
    ['a prototype-polluting key', JSON.parse('{"name":"room","visibility":"public","__proto__":{"admin":true}}')],
    ['an array body', [{ name: 'room', visibility: 'public' }]],
  ])('rejects a room with %s as VALIDATION', async (what, body) => {
    const user = await newUser();
    const result = await call('POST', '/api/rooms', { token: user.token, body });
    probe(`room with ${what}`, result.status === 400);
    expect([result.status, result.body]).toEqual([400, errorOf('VALIDATION')]);
  });

  it('rejects deeply nested JSON over REST and the socket without harm', async () => {
    const user = await newUser();
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const rest = await call('POST', '/api/rooms', { token: user.token, rawBody: `{"name":${deep},"visibility":"public"}` });
    expect([rest.status, rest.body]).toEqual([400, errorOf('VALIDATION')]);
    const raw = await rawSocket(user.token);
    try {
      raw.ws.send(`421["message:send",{"roomId":"${crypto.randomUUID()}","body":${deep},"clientMsgId":"deep"}]`);
      const ack = JSON.parse((await raw.next('431')).slice(3)) as unknown[];
      expect(ack).toEqual([{ ok: false, ...errorOf('VALIDATION') }]);
    } finally {
      raw.ws.close();
    }
  });

  it('rejects invalid UTF-8: a REST body as VALIDATION, a WebSocket frame by closing only that connection', async () => {
    const raw = Buffer.concat([Buffer.from('{"username":"ab'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('cd","password":"long enough"}')]);
    const response = await fetch(`${url}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(errorOf('VALIDATION'));

    const { ws } = await rawSocket((await newUser()).token);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(Buffer.concat([Buffer.from('42["message:send",{"body":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]')]), { binary: false });
    expect(await closed).toBe(1007); // "invalid frame payload data"
  });

  it('answers 10,000 rapid sends from one socket with RATE_LIMITED, acks every one, and stays responsive for others', async () => {
    const owner = await newUser();
    const room = (await call<{ room: Room }>('POST', '/api/rooms', { token: owner.token, body: { name: 'flood', visibility: 'private' } })).body.room;
    const started = Date.now();
    // From a thread of its own, as from an attacker's process: the bystanders' sockets (this thread) must
    // answer the gateway's pings while the 10,000 sends are written (testing/src/flood.ts).
    const flood = floodFromWorker(url, owner.token, room.id, 10_000);
    await flood.connected;
    // While the flood is handled, the bystanders' messages still go through quickly.
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sentAt = Date.now();
      const body = `during the flood ${i} ${crypto.randomUUID()}`;
      const arrived = nextEvent(bystanders.b, 'message:new', (m) => m.body === body, 5_000);
      expect(await send(bystanders.a, bystanders.room.id, body)).toMatchObject({ ok: true });
      await arrived;
      latencies.push(Date.now() - sentAt);
    }
    const acks = await flood.acks;
    const accepted = acks.filter((a) => a.ok).length;
    const limited = acks.filter((a) => !a.ok && a.error?.code === 'RATE_LIMITED').length;
    console.log(`flood: 10000 sends acked in ${Date.now() - started} ms, ${accepted} accepted, ${limited} RATE_LIMITED; bystander latencies ${latencies.join(', ')} ms`);
    probe('10,000 rapid sends past the rate limit', accepted <= MESSAGE_RATE_LIMIT);
    expect(accepted).toBeLessThanOrEqual(MESSAGE_RATE_LIMIT);
    expect(accepted + limited).toBe(10_000);
    expect(Math.max(...latencies)).toBeLessThan(2_000);
  }, 90_000);

  it('rate-limits a password spray from one address across many accounts', async () => {
    // LOGIN_RATE_LIMIT is 5 per account here, so 50 failed logins per address; each account is tried once.
    const statuses: number[] = [];
    for (let i = 0; i < 55; i++) {
      const result = await call('POST', '/api/auth/login', { body: { username: `sprayed${i}${crypto.randomBytes(2).toString('hex')}`, password: 'Winter2026!' } });
      statuses.push(result.status);
    }
    expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
    probe('password spray past the per-address limit', statuses.slice(50).every((s) => s === 429));
    expect(statuses.slice(50)).toEqual([429, 429, 429, 429, 429]);
  });

  it('lets exactly one of 20 simultaneous registrations of one username win (any letter case)', async () => {
    const base = `race${crypto.randomBytes(4).toString('hex')}`;
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('POST', '/api/auth/register', { body: { username: i % 2 ? base.toUpperCase() : base, password: `password number ${i}` } })),
    );
    probe('20 racing registrations of one name', attempts.filter((r) => r.status === 201).length === 1);
    expect(attempts.filter((r) => r.status === 201)).toHaveLength(1);
    expect(attempts.filter((r) => r.status === 409).map((r) => r.body)).toEqual(Array(19).fill(errorOf('CONFLICT')));
    for (const r of attempts) if (r.status === 201) secrets.add((r.body as AuthResponse).token);
  });
});

describe('output', () => {
  it('stores markup and SQL-looking text verbatim and serves it as JSON that is never HTML', async () => {
    const user = await newUser();
    const roomName = `x' OR '1'='1`;
    const room = (await call<{ room: Room }>('POST', '/api/rooms', { token: user.token, body: { name: roomName, visibility: 'public' } })).body.room;
    expect(room.name).toBe(roomName);
    const socket = await connect(user.token);
    const bodies = [
      '<script>alert(document.cookie)</script>',
      '<img src=x onerror="alert(1)">',
      "Robert'); DROP TABLE messages;--",
      "' UNION SELECT password_hash FROM users --",
      '$1 \\x00 %s %n {{constructor}}',
    ];
    const sent: ChatMessage[] = [];
    for (const body of bodies) {
      const ack = await send(socket, room.id, body);
      if (!ack.ok) throw new Error(`send refused: ${JSON.stringify(ack)}`);
      expect(ack.message.body).toBe(body);
      sent.push(ack.message);
    }
    const history = await eventually(
      () => call<{ messages: ChatMessage[] }>('GET', `/api/rooms/${room.id}/messages`, { token: user.token }),
      (r) => r.body.messages.length === bodies.length,
      20_000,
      'messages stored',
    );
    expect(history.body.messages.map((m) => m.body)).toEqual(bodies);
    // JSON escapes < and > so that no browser can mistake a response for markup.
    const raw = await fetch(`${url}/api/rooms/${room.id}/messages`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await raw.text();
    expect(text).not.toMatch(/[<>]/);
    // The table the injection named is intact, and each row holds the text as sent.
    const db = new Client({ connectionString: system.databaseUrl });
    await db.connect();
    try {
      const rows = await db.query<{ body: string }>('SELECT body FROM messages WHERE room_id = $1 ORDER BY id', [room.id]);
      expect(rows.rows.map((r) => r.body)).toEqual(bodies);
    } finally {
      await db.end();
    }
  });

  it('sends the security headers of helmet on API answers, errors included', async () => {
    const user = await newUser();
    for (const result of [await call('GET', '/api/me', { token: user.token }), await call('GET', '/api/me'), await call('GET', '/api/nope', { token: user.token })]) {
      const h = result.headers;
      expect(h.get('content-security-policy')).toContain("default-src 'self'");
      expect(h.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(h.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(h.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('allows CORS for the configured origin only', async () => {
    const user = await newUser();
    const preflight = (origin: string) =>
      fetch(`${url}/api/rooms`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const allowed = await preflight(WEB_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    for (const origin of ['https://evil.example', 'null', `${WEB_ORIGIN}.evil.example`]) {
      const refused = await preflight(origin);
      expect([origin, refused.headers.get('access-control-allow-origin')]).toEqual([origin, null]);
      const read = await call('GET', '/api/rooms', { token: user.token, headers: { origin } });
      expect([origin, read.headers.get('access-control-allow-origin')]).toEqual([origin, null]);
    }
    const polling = async (origin: string) =>
      (await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } })).headers.get('access-control-allow-origin');
    // It names the one allowed origin whoever asks (never the asker, never "*"): the browser refuses the rest.
    expect(await polling(WEB_ORIGIN)).toBe(WEB_ORIGIN);
    expect(await polling('https://evil.example')).toBe(WEB_ORIGIN);
  });
});

describe('recovered sessions', () => {
  /**
   * A socket that saw one broadcast in `room` (recovery replays from the last one a client saw), then
   * lost its connection the way a phone loses its network: Socket.IO keeps its session for recovery.
   */
  async function droppedSocket(token: string, roomId: string, sender: ChatSocket) {
    const socket = createSocket(url, token, { reconnection: false });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const seen = collect(socket, 'message:new');
    const body = `seen before the drop ${crypto.randomUUID()}`;
    expect(await send(sender, roomId, body)).toMatchObject({ ok: true });
    await eventually(async () => seen.length, (n) => n === 1, 5_000, 'the first delivery');
    const dropped = new Promise((resolve) => socket.once('disconnect', resolve));
    (socket.io.engine as unknown as { close(): void }).close();
    await dropped;
    return { socket, seen };
  }

  /** Reconnects a dropped socket (with its session id and offset): connected, or the refusal. */
  async function comeBack(socket: ChatSocket): Promise<{ connected: true; recovered: boolean } | { connected: false; error: Error & { data?: unknown } }> {
    socket.connect();
    return new Promise((resolve) => {
      socket.once('connect', () => resolve({ connected: true, recovered: socket.recovered }));
      socket.once('connect_error', (error) => resolve({ connected: false, error }));
    });
  }

  async function sharedRoom() {
    const [owner, guest] = [await newUser(), await newUser()];
    const room = (await call<{ room: Room }>('POST', '/api/rooms', { token: owner.token, body: { name: 'recovery', visibility: 'public' } })).body.room;
    expect((await call('POST', `/api/rooms/${room.id}/join`, { token: guest.token })).status).toBe(200);
    return { owner, guest, room, ownerSocket: await connect(owner.token) };
  }

  it('a deleted account cannot recover its session: refused, and nothing of its rooms reaches it', async () => {
    const { owner, guest, room, ownerSocket } = await sharedRoom();
    const { socket, seen } = await droppedSocket(guest.token, room.id, ownerSocket);
    expect((await call('DELETE', '/api/me', { token: guest.token })).status).toBe(204);
    expect(await send(ownerSocket, room.id, 'after the account was deleted')).toMatchObject({ ok: true });
    const back = await comeBack(socket);
    probe('recovering the session of a deleted account', !back.connected);
    expect(back).toMatchObject({ connected: false, error: { message: 'UNAUTHORIZED' } });
    expect(seen.map((m) => m.body)).not.toContain('after the account was deleted');
    void owner;
  });

  it('a user who left a room while away does not get it back by recovering: no delivery, no send', async () => {
    const { guest, room, ownerSocket } = await sharedRoom();
    const { socket, seen } = await droppedSocket(guest.token, room.id, ownerSocket);
    expect((await call('POST', `/api/rooms/${room.id}/leave`, { token: guest.token })).status).toBe(204);
    const back = await comeBack(socket);
    expect(back).toEqual({ connected: true, recovered: false });
    const body = `after the leave ${crypto.randomUUID()}`;
    expect(await send(ownerSocket, room.id, body)).toMatchObject({ ok: true });
    const refused = await send(socket, room.id, 'I left, but I am still here');
    probe('sending into a room left while away', !refused.ok);
    expect(refused).toEqual({ ok: false, ...errorOf('FORBIDDEN') });
    // The owner's message went out before the refused send was answered: had it been delivered, it is here.
    probe('receiving a room left while away', !seen.some((m) => m.body === body));
    expect(seen.map((m) => m.body)).not.toContain(body);
  });

  it('a user added to a room while away reconnects into it: it receives and sends there', async () => {
    const { guest, room, ownerSocket } = await sharedRoom();
    const { socket } = await droppedSocket(guest.token, room.id, ownerSocket);
    const other = (await call<{ room: Room }>('POST', '/api/rooms', { token: (await newUser()).token, body: { name: 'joined while away', visibility: 'public' } })).body.room;
    expect((await call('POST', `/api/rooms/${other.id}/join`, { token: guest.token })).status).toBe(200);
    const back = await comeBack(socket);
    expect(back).toEqual({ connected: true, recovered: false });
    expect(await send(socket, other.id, 'hello, new room')).toMatchObject({ ok: true });
  });

  it('a recovered session is ended with the account: its Redis session keys are gone after DELETE /api/me', async () => {
    const { guest, room, ownerSocket } = await sharedRoom();
    await droppedSocket(guest.token, room.id, ownerSocket);
    const prefix = system.env.REDIS_KEY_PREFIX!;
    const redis = new Redis(system.env.REDIS_URL!);
    try {
      const indexed = await eventually(() => redis.smembers(`${prefix}sio:user-sessions:${guest.user.id}`), (pids) => pids.length === 1, 5_000, 'the session indexed');
      expect(await redis.exists(`${prefix}sio:session:${indexed[0]}`)).toBe(1);
      expect((await call('DELETE', '/api/me', { token: guest.token })).status).toBe(204);
      await eventually(() => redis.exists(`${prefix}sio:session:${indexed[0]}`), (n) => n === 0, 5_000, 'the session deleted');
    } finally {
      redis.disconnect();
    }
  });
});

describe('messages the persister would refuse', () => {
  it.each([
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate inside text', 'broken \udc00 text'],
    ['a surrogate pair cut in half at the end', 'emoji \ud83d'],
  ])('refuses %s in a body as VALIDATION, so that nothing acked is dead-lettered', async (what, body) => {
    const user = await newUser();
    const room = (await call<{ room: Room }>('POST', '/api/rooms', { token: user.token, body: { name: 'unicode', visibility: 'private' } })).body.room;
    const socket = await connect(user.token);
    const ack = await send(socket, room.id, body);
    probe(`a body with ${what}`, !ack.ok);
    expect(ack).toEqual({ ok: false, ...errorOf('VALIDATION') });
  });
});

describe('smaller holes', () => {
  it('answers CONFLICT to a clientMsgId reused in another room instead of acking the first room’s message', async () => {
    const user = await newUser();
    const [one, two] = [
      (await call<{ room: Room }>('POST', '/api/rooms', { token: user.token, body: { name: 'one', visibility: 'private' } })).body.room,
      (await call<{ room: Room }>('POST', '/api/rooms', { token: user.token, body: { name: 'two', visibility: 'private' } })).body.room,
    ];
    const socket = await connect(user.token);
    const clientMsgId = crypto.randomUUID();
    expect(await socket.timeout(10_000).emitWithAck('message:send', { roomId: one.id, body: 'for room one', clientMsgId })).toMatchObject({ ok: true });
    const reused = await socket.timeout(10_000).emitWithAck('message:send', { roomId: two.id, body: 'for room two', clientMsgId });
    probe('a clientMsgId reused in another room', !reused.ok);
    expect(reused).toEqual({ ok: false, ...errorOf('CONFLICT') });
  });

  it.each([
    ['a right-to-left override', 'invoice\u202Efdp.exe'],
    ['a left-to-right isolate', 'name\u2066hidden\u2069'],
    ['a right-to-left mark', 'room\u200F'],
  ])('refuses a room name with %s as VALIDATION', async (what, name) => {
    const user = await newUser();
    const result = await call('POST', '/api/rooms', { token: user.token, body: { name, visibility: 'public' } });
    probe(`room name with ${what}`, result.status === 400);
    expect([result.status, result.body]).toEqual([400, errorOf('VALIDATION')]);
  });

  it.each(['assistant', 'Assistant', 'ADMIN', 'system'])('refuses to register the reserved name %s', async (username) => {
    const result = await call('POST', '/api/auth/register', { body: { username, password: 'long enough password' } });
    probe(`registering the reserved name ${username}`, result.status === 409);
    expect([result.status, result.body]).toEqual([409, errorOf('CONFLICT')]);
  });

  it('an invitation adds nobody: the invitee is a member only after accepting, and nobody else can accept it', async () => {
    const [owner, invitee, mallory] = [await newUser(), await newUser(), await newUser()];
    const room = (await call<{ room: Room }>('POST', '/api/rooms', { token: owner.token, body: { name: 'by invitation', visibility: 'private' } })).body.room;
    const inviteeSocket = await connect(invitee.token);
    const announced = nextEvent(inviteeSocket, 'invitation:new', (i) => i.room.id === room.id, 5_000);
    const invited = await call<{ invitation: { room: Room } }>('POST', `/api/rooms/${room.id}/members`, { token: owner.token, body: { username: invitee.user.username } });
    expect(invited.status).toBe(201);
    expect((await announced).inviter).toEqual(owner.user);
    const beforeAccepting = await call('GET', `/api/rooms/${room.id}/messages`, { token: invitee.token });
    probe('reading a private room one was only invited to', beforeAccepting.status === 403);
    expect(beforeAccepting.status).toBe(403);
    expect(await send(inviteeSocket, room.id, 'not yet')).toEqual({ ok: false, ...errorOf('FORBIDDEN') });
    const stolen = await call('POST', `/api/invitations/${room.id}/accept`, { token: mallory.token });
    probe("accepting someone else's invitation", stolen.status === 404);
    expect([stolen.status, stolen.body]).toEqual([404, errorOf('NOT_FOUND')]);
    const joined = nextEvent(inviteeSocket, 'room:joined', (r) => r.id === room.id, 5_000);
    expect((await call('POST', `/api/invitations/${room.id}/accept`, { token: invitee.token })).status).toBe(200);
    await joined;
    expect(await send(inviteeSocket, room.id, 'now I am in')).toMatchObject({ ok: true });
    // Declined: gone, and no membership.
    const other = await newUser();
    await call('POST', `/api/rooms/${room.id}/members`, { token: owner.token, body: { username: other.user.username } });
    expect((await call('POST', `/api/invitations/${room.id}/decline`, { token: other.token })).status).toBe(204);
    expect((await call('GET', `/api/rooms/${room.id}/messages`, { token: other.token })).status).toBe(403);
    expect((await call('POST', `/api/invitations/${room.id}/accept`, { token: other.token })).status).toBe(404);
  });
});

describe('sessions', () => {
  /** Logs a fresh user in: its access token and the refresh cookie a browser would keep. */
  async function loggedIn(): Promise<{ token: string; cookie: string; user: AuthResponse['user']; password: string }> {
    const user = await newUser();
    const login = await call<AuthResponse>('POST', '/api/auth/login', { body: { username: user.user.username, password: user.password } });
    const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0]!;
    secrets.add(login.body.token).add(cookie.split('=')[1]!);
    return { token: login.body.token, cookie, user: login.body.user, password: user.password };
  }
  const refresh = (cookie: string, headers: Record<string, string> = { origin: WEB_ORIGIN }) =>
    call<AuthResponse>('POST', '/api/auth/refresh', { headers: { cookie, ...headers } });

  it('a replayed refresh token ends its session: the replay, the successor and the access token are all refused', async () => {
    const victim = await loggedIn();
    const rotated = await refresh(victim.cookie);
    expect(rotated.status).toBe(200);
    const successor = (rotated.headers.getSetCookie()[0] ?? '').split(';')[0]!;
    secrets.add(rotated.body.token).add(successor.split('=')[1]!);
    const replay = await refresh(victim.cookie);
    probe('a replayed (spent) refresh token', replay.status === 401);
    expect(replay.body).toEqual(errorOf('UNAUTHORIZED'));
    const next = await refresh(successor);
    probe("the successor of a replayed refresh token", next.status === 401);
    const access = await call('GET', '/api/me', { token: rotated.body.token });
    probe('the access token of a session ended by a replay', access.status === 401);
    expect([next.status, access.status]).toEqual([401, 401]);
  });

  it('refuses the refresh cookie from another origin or site, and a guessed one', async () => {
    const user = await loggedIn();
    const attempts = {
      'a refresh with a foreign Origin': await refresh(user.cookie, { origin: 'https://evil.example' }),
      'a refresh without Origin': await refresh(user.cookie, {}),
      'a cross-site refresh (Sec-Fetch-Site)': await refresh(user.cookie, { origin: WEB_ORIGIN, 'sec-fetch-site': 'cross-site' }),
      'a guessed refresh token': await refresh(`chat_refresh=${crypto.randomBytes(32).toString('base64url')}`),
    };
    for (const [what, result] of Object.entries(attempts)) {
      probe(what, result.status === 403 || result.status === 401);
      expect(result.body).toEqual(errorOf(what === 'a guessed refresh token' ? 'UNAUTHORIZED' : 'FORBIDDEN'));
    }
    expect((await refresh(user.cookie)).status).toBe(200);
  });

  it('a logged-out access token is refused over REST and in the handshake; a token naming no session is never accepted', async () => {
    const user = await loggedIn();
    expect((await call('POST', '/api/auth/logout', { token: user.token })).status).toBe(204);
    const rest = await call('GET', '/api/me', { token: user.token });
    probe('an access token after logout, over REST', rest.status === 401);
    const handshake = await handshakeError(user.token);
    probe('an access token after logout, in the handshake', (handshake.data as { code?: string })?.code === 'UNAUTHORIZED');
    const claims = { name: user.user.username };
    const options = { subject: user.user.id, expiresIn: 60, issuer: 'chat-gateway', audience: 'chat-user' } as const;
    for (const [what, token] of [
      ['a correctly signed token without a session', sign(claims, options)],
      ['a correctly signed token naming a made-up session', sign({ ...claims, sid: crypto.randomUUID() }, options)],
    ] as const) {
      const result = await call('GET', '/api/me', { token });
      probe(what, result.status === 401);
      expect(result.body).toEqual(errorOf('UNAUTHORIZED'));
    }
  });

  it("refuses a password change without the current password, and ending someone else's session", async () => {
    const owner = await loggedIn();
    const other = await loggedIn();
    const change = await call('POST', '/api/auth/password', { token: owner.token, body: { currentPassword: 'guessed password', newPassword: 'taken over now' } });
    probe('a password change with a wrong current password', change.status === 403);
    const sessions = await call<{ sessions: { id: string }[] }>('GET', '/api/sessions', { token: other.token });
    const theirs = sessions.body.sessions[0]!.id;
    const ended = await call('DELETE', `/api/sessions/${theirs}`, { token: owner.token });
    probe("ending another user's session", ended.status === 404);
    expect((await call('GET', '/api/me', { token: other.token })).status).toBe(200);
    expect((await call('POST', '/api/auth/login', { body: { username: owner.user.username, password: owner.password } })).status).toBe(200);
  });
});

describe('one user against everyone', () => {
  it('caps the sockets of one token at MAX_SOCKETS_PER_USER, and their presence:list floods share one budget', async () => {
    const user = await newUser();
    const room = (await call<{ room: Room }>('POST', '/api/rooms', { token: user.token, body: { name: 'crowd of one', visibility: 'public' } })).body.room;
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => connect(user.token)));
    const connected = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.filter((r) => r.status === 'rejected');
    probe('30 sockets on one token (cap 20)', connected.length <= 20);
    expect(connected).toHaveLength(20);
    expect(refused.every((r) => (r as PromiseRejectedResult).reason?.data?.code === 'RATE_LIMITED')).toBe(true);
    const answers = await Promise.all(connected.flatMap((s) => Array.from({ length: 50 }, () => s.timeout(10_000).emitWithAck('presence:list', { roomId: room.id }))));
    const ok = answers.filter((a) => a.ok).length;
    probe('20 sockets × 50 presence:list (a budget per socket would allow all 1,000)', ok < 200);
    expect(ok).toBeLessThan(200);
  });
});

describe('the edge (nginx in front of a gateway)', () => {
  let edge: TestSystem;
  beforeAll(async () => {
    edge = await startSystem({ gateways: 1, persister: false, env: { REGISTER_RATE_LIMIT: '30' } });
  }, 120_000);
  afterAll(async () => {
    await edge?.stop();
  });

  it('keys the sign-up limit on the address nginx saw: a rotated X-Forwarded-For does not reset it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const result = await api(edge.baseUrl, 'POST', '/api/auth/register', {
        headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        body: { username: `xff${i}${crypto.randomBytes(3).toString('hex')}`, password: 'long enough password' },
      });
      statuses.push(result.status);
    }
    probe('40 sign-ups past a limit of 30 with a rotated X-Forwarded-For', statuses.filter((s) => s === 201).length <= 30);
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    expect(statuses.slice(30)).toEqual(Array(10).fill(429));
  });

  it('cuts a request whose body trickles in within seconds, not a connection held for minutes', async () => {
    const { port, hostname } = new URL(edge.baseUrl);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(`POST /api/auth/login HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"username":`);
      });
      let text = '';
      socket.on('data', (chunk) => void (text += String(chunk)));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      setTimeout(() => (socket.destroy(), reject(new Error('still open after 30 s'))), 30_000).unref();
    });
    probe('a request body trickled in slowly', Date.now() - started < 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    // nginx ends it with 408 in its log and, as a rule, closes without writing an answer.
    expect(answer === '' || /^HTTP\/1\.1 408/.test(answer)).toBe(true);
  }, 40_000);

  it('serves the web app with a strict CSP, Referrer-Policy and Permissions-Policy on every page', async () => {
    for (const page of ['/', '/some/client/route']) {
      const response = await fetch(`${edge.baseUrl}${page}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]) expect(csp).toContain(directive);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('permissions-policy')).toMatch(/camera=\(\)/);
    }
  });
});

describe('secrets', () => {
  it('no answer of the suite and no line of the logs holds a token, a password, a hash or a stack trace', async () => {
    expect(secrets.size).toBeGreaterThan(20);
    const hashes = await (async () => {
      const db = new Client({ connectionString: system.databaseUrl });
      await db.connect();
      try {
        return (await db.query<{ password_hash: string }>('SELECT password_hash FROM users')).rows.map((r) => r.password_hash);
      } finally {
        await db.end();
      }
    })();
    expect(hashes.length).toBeGreaterThan(10);
    const forbidden = [...secrets, ...hashes, system.env.JWT_SECRET!];
    const stackTrace = /\bat .+\.(js|ts):\d+|node_modules|\$argon2/;

    for (const answer of answers) {
      expect(forbidden.filter((s) => answer.includes(s))).toEqual([]);
      expect(answer).not.toMatch(stackTrace);
    }
    const logs = ['gateway-g1', 'persister'].map((name) => fs.readFileSync(path.join(system.dir, `${name}.log`), 'utf8'));
    expect(logs[0]!.length).toBeGreaterThan(0);
    for (const log of logs) {
      expect(forbidden.filter((s) => log.includes(s))).toEqual([]);
      expect(log).not.toMatch(/\$argon2/);
    }
  });
});

describe('summary', () => {
  it('accepted none of the hostile inputs it tried', () => {
    expect(hostile.tried).toBeGreaterThan(30);
    expect(hostile.accepted).toEqual([]);
  });
});
