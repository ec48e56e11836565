// The REST contract against one real gateway (PostgreSQL, Redis, Kafka): auth, rooms, membership, errors.
import crypto from 'node:crypto';
import type { AuthResponse, Room } from '@chat/protocol';
import { api, registerUser, startSystem, type TestSystem } from '@chat/testing';

let system: TestSystem;
let url: string;

beforeAll(async () => {
  system = await startSystem({ gateways: 1, persister: false, nginx: false, env: { LOGIN_RATE_LIMIT: '5', REGISTER_RATE_LIMIT: '1000' } });
  url = system.baseUrl;
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

const name = () => `u${crypto.randomBytes(5).toString('hex')}`;
const errorOf = (code: string) => ({ error: { code, message: expect.any(String) } });

describe('auth', () => {
  it('registers a user, refuses a taken name regardless of case, and logs in', async () => {
    const username = `Alice${crypto.randomBytes(3).toString('hex')}`;
    const registered = await api<AuthResponse>(url, 'POST', '/api/auth/register', { body: { username, password: 'a good password' } });
    expect(registered.status).toBe(201);
    expect(registered.body.user).toEqual({ id: expect.any(String), username });

    const taken = await api(url, 'POST', '/api/auth/register', { body: { username: username.toLowerCase(), password: 'another password' } });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual(errorOf('CONFLICT'));

    const login = await api<AuthResponse>(url, 'POST', '/api/auth/login', { body: { username, password: 'a good password' } });
    expect(login.status).toBe(200);
    const me = await api(url, 'GET', '/api/me', { token: login.body.token });
    expect(me.body).toEqual({ user: registered.body.user });
  });

  it('answers a wrong password and an unknown user alike', async () => {
    const user = await registerUser(url);
    const wrong = await api(url, 'POST', '/api/auth/login', { body: { username: user.user.username, password: 'not the password' } });
    const unknown = await api(url, 'POST', '/api/auth/login', { body: { username: name(), password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it.each([
    ['a short username', { username: 'ab', password: 'long enough' }],
    ['a username with spaces', { username: 'a b c', password: 'long enough' }],
    ['a short password', { username: 'validname', password: 'short' }],
    ['a password over 128 characters', { username: 'validname', password: 'x'.repeat(129) }],
    ['a number for a username', { username: 12345, password: 'long enough' }],
    ['extra fields', { username: 'validname', password: 'long enough', admin: true }],
    ['no body', undefined],
  ])('rejects %s with VALIDATION', async (_, body) => {
    const result = await api(url, 'POST', '/api/auth/register', { body });
    expect(result.status).toBe(400);
    expect(result.body).toEqual(errorOf('VALIDATION'));
  });

  it('rejects malformed JSON and oversized bodies with clear codes', async () => {
    const malformed = await api(url, 'POST', '/api/auth/login', { rawBody: '{"username": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual(errorOf('VALIDATION'));
    const huge = await api(url, 'POST', '/api/auth/login', { rawBody: JSON.stringify({ username: 'x', password: 'y'.repeat(100_000) }) });
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual(errorOf('PAYLOAD_TOO_LARGE'));
  });

  it('locks an account after repeated failed logins, even for the right password', async () => {
    const user = await registerUser(url);
    const attempts = [];
    for (let i = 0; i < 7; i++) {
      attempts.push((await api(url, 'POST', '/api/auth/login', { body: { username: user.user.username, password: `guess number ${i}` } })).status);
    }
    expect(attempts.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(attempts.slice(5)).toEqual([429, 429]);
    const right = await api(url, 'POST', '/api/auth/login', { body: { username: user.user.username, password: user.password } });
    expect(right.status).toBe(429);
    expect(right.body).toEqual(errorOf('RATE_LIMITED'));
    expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('refuses missing, forged and deleted-account tokens', async () => {
    const user = await registerUser(url);
    expect((await api(url, 'GET', '/api/me')).status).toBe(401);
    expect((await api(url, 'GET', '/api/me', { token: `${user.token}x` })).status).toBe(401);
    expect((await api(url, 'DELETE', '/api/me', { token: user.token })).status).toBe(204);
    const after = await api(url, 'GET', '/api/me', { token: user.token });
    expect(after.status).toBe(401);
    expect(after.body).toEqual(errorOf('UNAUTHORIZED'));
  });

  it('sends security headers and no stack traces', async () => {
    const result = await api(url, 'GET', '/api/nope', { token: (await registerUser(url)).token });
    expect(result.status).toBe(404);
    expect(result.body).toEqual(errorOf('NOT_FOUND'));
    expect(result.headers.get('x-content-type-options')).toBe('nosniff');
    expect(result.headers.get('x-powered-by')).toBeNull();
    expect(JSON.stringify(result.body)).not.toMatch(/\bat .*\.(js|ts):\d+/);
  });
});

describe('rooms', () => {
  it('creates rooms, lists mine and the public ones I can join, and joins a public room', async () => {
    const owner = await registerUser(url);
    const other = await registerUser(url);
    const pub = await api<{ room: Room }>(url, 'POST', '/api/rooms', { token: owner.token, body: { name: '  general  ', visibility: 'public' } });
    expect(pub.status).toBe(201);
    expect(pub.body.room).toMatchObject({ name: 'general', visibility: 'public', memberCount: 1 });
    const priv = await api<{ room: Room }>(url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'secret', visibility: 'private' } });

    const mine = await api<{ rooms: Room[] }>(url, 'GET', '/api/rooms', { token: owner.token });
    expect(mine.body.rooms.map((r) => r.id)).toEqual([priv.body.room.id, pub.body.room.id]);
    const joinable = await api<{ rooms: Room[] }>(url, 'GET', '/api/rooms/public', { token: other.token });
    expect(joinable.body.rooms.map((r) => r.id)).toContain(pub.body.room.id);
    expect(joinable.body.rooms.map((r) => r.id)).not.toContain(priv.body.room.id);

    const joined = await api<{ room: Room }>(url, 'POST', `/api/rooms/${pub.body.room.id}/join`, { token: other.token });
    expect(joined.body.room.memberCount).toBe(2);
    const members = await api<{ members: unknown[] }>(url, 'GET', `/api/rooms/${pub.body.room.id}/members`, { token: owner.token });
    // Each member carries its role, presence and profile too (issue 16): the users, in join order.
    expect(members.body.members).toMatchObject([
      { ...owner.user, role: 'owner' },
      { ...other.user, role: 'member' },
    ]);
  });

  it('only members invite, private rooms cannot be joined, and leaving ends access', async () => {
    const owner = await registerUser(url);
    const guest = await registerUser(url);
    const room = (await api<{ room: Room }>(url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'inner circle', visibility: 'private' } })).body.room;

    expect((await api(url, 'POST', `/api/rooms/${room.id}/join`, { token: guest.token })).status).toBe(404);
    const self = await api(url, 'POST', `/api/rooms/${room.id}/members`, { token: guest.token, body: { username: guest.user.username } });
    expect(self.status).toBe(403);
    const unknown = await api(url, 'POST', `/api/rooms/${room.id}/members`, { token: owner.token, body: { username: name() } });
    expect(unknown.status).toBe(404);

    // An invitation is not a membership: the guest is in only after accepting.
    const invited = await api<{ invitation: { room: Room; inviter: unknown } }>(url, 'POST', `/api/rooms/${room.id}/members`, { token: owner.token, body: { username: guest.user.username } });
    expect([invited.status, invited.body.invitation.inviter]).toEqual([201, owner.user]);
    expect((await api(url, 'GET', `/api/rooms/${room.id}/messages`, { token: guest.token })).status).toBe(403);
    const pending = await api<{ invitations: { room: Room }[] }>(url, 'GET', '/api/invitations', { token: guest.token });
    expect(pending.body.invitations.map((i) => i.room.id)).toEqual([room.id]);
    const accepted = await api<{ room: Room }>(url, 'POST', `/api/invitations/${room.id}/accept`, { token: guest.token });
    expect([accepted.status, accepted.body.room.memberCount]).toEqual([200, 2]);
    expect((await api(url, 'POST', `/api/invitations/${room.id}/accept`, { token: guest.token })).status).toBe(404);
    expect((await api(url, 'GET', `/api/rooms/${room.id}/messages`, { token: guest.token })).status).toBe(200);
    expect((await api(url, 'POST', `/api/rooms/${room.id}/leave`, { token: guest.token })).status).toBe(204);
    expect((await api(url, 'GET', `/api/rooms/${room.id}/messages`, { token: guest.token })).status).toBe(403);
  });

  it('gives two users one direct room, named after the other person', async () => {
    const ann = await registerUser(url);
    const ben = await registerUser(url);
    const first = await api<{ room: Room }>(url, 'POST', '/api/dm', { token: ann.token, body: { username: ben.user.username } });
    const again = await api<{ room: Room }>(url, 'POST', '/api/dm', { token: ben.token, body: { username: ann.user.username } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.room.id).toBe(first.body.room.id);
    expect(first.body.room).toMatchObject({ visibility: 'direct', name: ben.user.username, memberCount: 2 });
    expect(again.body.room.name).toBe(ann.user.username);
    const self = await api(url, 'POST', '/api/dm', { token: ann.token, body: { username: ann.user.username } });
    expect(self.status).toBe(400);
  });

  it('validates ids and history parameters', async () => {
    const user = await registerUser(url);
    expect((await api(url, 'GET', '/api/rooms/not-a-uuid/messages', { token: user.token })).status).toBe(400);
    const room = (await api<{ room: Room }>(url, 'POST', '/api/rooms', { token: user.token, body: { name: 'r', visibility: 'public' } })).body.room;
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'before=xyz']) {
      const result = await api(url, 'GET', `/api/rooms/${room.id}/messages?${query}`, { token: user.token });
      expect([query, result.status]).toEqual([query, 400]);
    }
    // A guessed room id: forbidden, exactly like a private room one is not in.
    const guessed = await api(url, 'GET', `/api/rooms/${crypto.randomUUID()}/messages`, { token: user.token });
    expect(guessed.status).toBe(403);
  });

  it('readyz reports ready with every dependency up', async () => {
    const ready = await api(url, 'GET', '/readyz');
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready' } });
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('chat_gateway_connections');
  });
});
