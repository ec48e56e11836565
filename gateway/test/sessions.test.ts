// Sessions against two real gateways (PostgreSQL, Redis, Kafka): short access tokens, the refresh cookie
// rotated with replay detection, logout, logout everywhere, password change, the sessions list, and the
// sockets of an ended session disconnected on every gateway.
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AuthResponse, SessionsResponse } from '@chat/protocol';
import { api, type ChatSocket, connectSocket, startSystem, type TestSystem } from '@chat/testing';

let system: TestSystem;
let origin: string;

beforeAll(async () => {
  system = await startSystem({ gateways: 2, persister: false, nginx: false, env: { LOGIN_RATE_LIMIT: '50', REGISTER_RATE_LIMIT: '1000' } });
  origin = system.gateways[0]!.url;
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

const gw = (i: number) => system.gateways[i]!.url;

/** One signed-in device: its access token and the refresh cookie its browser would keep. */
interface Device {
  token: string;
  cookie: string;
  user: AuthResponse['user'];
  setCookie: string;
}

const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;

async function login(username: string, password: string, userAgent = 'test device'): Promise<Device> {
  const result = await api<AuthResponse>(gw(0), 'POST', '/api/auth/login', { body: { username, password }, headers: { 'user-agent': userAgent } });
  expect(result.status).toBe(200);
  const setCookie = result.headers.getSetCookie()[0] ?? '';
  return { token: result.body.token, user: result.body.user, cookie: cookieOf(setCookie), setCookie };
}

async function signUp(): Promise<{ first: Device; username: string; password: string }> {
  const username = `s${crypto.randomBytes(5).toString('hex')}`;
  const password = 'correct horse battery';
  const registered = await api(gw(0), 'POST', '/api/auth/register', { body: { username, password }, headers: { 'user-agent': 'sign-up' } });
  expect(registered.status).toBe(201);
  return { first: await login(username, password, 'first device'), username, password };
}

const refresh = (cookie: string, headers: Record<string, string> = { origin }) => api<AuthResponse>(gw(1), 'POST', '/api/auth/refresh', { headers: { cookie, ...headers } });
const me = (token: string, i = 0) => api(gw(i), 'GET', '/api/me', { token });

/** Resolves with the reason once the socket is disconnected; rejects after `timeoutMs`. */
function disconnected(socket: ChatSocket, timeoutMs = 5_000): Promise<string> {
  if (!socket.connected) return Promise.resolve('already');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still connected after ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

describe('sessions', () => {
  it('a login answers a short access token naming its session and sets the refresh cookie on the refresh path only', async () => {
    const { first } = await signUp();
    expect(first.setCookie).toMatch(/^chat_refresh=[A-Za-z0-9_-]{43};/);
    expect(first.setCookie).toContain('Path=/api/auth/refresh');
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Strict']) expect(first.setCookie).toContain(attribute);
    const claims = jwt.decode(first.token) as jwt.JwtPayload;
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(15 * 60);
    expect(claims.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await me(first.token)).status).toBe(200);
  });

  it('refresh rotates the cookie; replaying a spent one ends the whole session, its sockets on every gateway included', async () => {
    const { first } = await signUp();
    const socket = await connectSocket(gw(1), first.token);
    const renewed = await refresh(first.cookie);
    expect(renewed.status).toBe(200);
    const next = cookieOf(renewed.headers.getSetCookie()[0] ?? '');
    expect(next).not.toBe(first.cookie);
    expect((jwt.decode(renewed.body.token) as jwt.JwtPayload).sid).toBe((jwt.decode(first.token) as jwt.JwtPayload).sid);
    expect((await me(renewed.body.token)).status).toBe(200);

    const gone = disconnected(socket);
    const replay = await refresh(first.cookie);
    expect(replay.status).toBe(401);
    expect(replay.headers.getSetCookie()[0]).toContain('Max-Age=0');
    await gone;
    // The thief's copy and the rightful successor alike: the family is over.
    expect((await refresh(next)).status).toBe(401);
    expect((await me(renewed.body.token)).status).toBe(401);
    expect((await me(first.token, 1)).status).toBe(401);
  });

  it('refresh is refused from another origin, from another site, and without a cookie', async () => {
    const { first } = await signUp();
    expect((await refresh(first.cookie, {})).status).toBe(403);
    expect((await refresh(first.cookie, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await refresh(first.cookie, { origin, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await refresh('other=1')).status).toBe(204); // no cookie: no session, nothing refused
    expect((await refresh('chat_refresh=not-a-token')).status).toBe(401);
    // None of the refused attempts spent it.
    expect((await refresh(first.cookie)).status).toBe(200);
  });

  it('a handshake with the token of an ended session is refused', async () => {
    const { first } = await signUp();
    expect((await api(gw(0), 'POST', '/api/auth/logout', { token: first.token })).status).toBe(204);
    await expect(connectSocket(gw(1), first.token)).rejects.toMatchObject({ message: 'UNAUTHORIZED' });
  });

  it('logout ends this session only, and disconnects its sockets on the other gateway within seconds', async () => {
    const { first, username, password } = await signUp();
    const second = await login(username, password, 'second device');
    const firstSocket = await connectSocket(gw(1), first.token);
    const secondSocket = await connectSocket(gw(1), second.token);
    const gone = disconnected(firstSocket);
    const started = Date.now();
    const out = await api(gw(0), 'POST', '/api/auth/logout', { token: first.token });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toContain('Max-Age=0');
    await gone;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await me(first.token)).status).toBe(401);
    expect((await refresh(first.cookie)).status).toBe(401);
    expect(secondSocket.connected).toBe(true);
    expect((await me(second.token)).status).toBe(200);
    secondSocket.close();
  });

  it('logout everywhere ends every session of the user, on both gateways', async () => {
    const { first, username, password } = await signUp();
    const second = await login(username, password);
    const sockets = [await connectSocket(gw(0), first.token), await connectSocket(gw(1), second.token)];
    const gone = sockets.map((s) => disconnected(s));
    expect((await api(gw(1), 'POST', '/api/auth/logout-all', { token: first.token })).status).toBe(204);
    await Promise.all(gone);
    for (const device of [first, second]) {
      expect((await me(device.token)).status).toBe(401);
      expect((await refresh(device.cookie)).status).toBe(401);
    }
  });

  it('a password change needs the current password and ends every other session', async () => {
    const { first, username, password } = await signUp();
    const other = await login(username, password, 'stolen laptop');
    const otherSocket = await connectSocket(gw(1), other.token);
    const wrong = await api(gw(0), 'POST', '/api/auth/password', { token: first.token, body: { currentPassword: 'not it at all', newPassword: 'a brand new password' } });
    expect(wrong.status).toBe(403);
    expect(otherSocket.connected).toBe(true);
    const short = await api(gw(0), 'POST', '/api/auth/password', { token: first.token, body: { currentPassword: password, newPassword: 'x' } });
    expect(short.status).toBe(400);

    const gone = disconnected(otherSocket);
    const changed = await api(gw(0), 'POST', '/api/auth/password', { token: first.token, body: { currentPassword: password, newPassword: 'a brand new password' } });
    expect(changed.status).toBe(204);
    await gone;
    expect((await me(other.token)).status).toBe(401);
    expect((await refresh(other.cookie)).status).toBe(401);
    expect((await me(first.token)).status).toBe(200);
    expect((await refresh(first.cookie)).status).toBe(200);
    const oldLogin = await api(gw(0), 'POST', '/api/auth/login', { body: { username, password } });
    expect(oldLogin.status).toBe(401);
    await login(username, 'a brand new password');
  });

  it('lists my active sessions with device, address and the current one, and ends one by id (only mine)', async () => {
    const { first, username, password } = await signUp();
    const second = await login(username, password, 'Mozilla/5.0 second browser');
    const listed = await api<SessionsResponse>(gw(1), 'GET', '/api/sessions', { token: first.token });
    expect(listed.status).toBe(200);
    // Signing up opened one too; most recently seen first.
    expect(listed.body.sessions.map((s) => s.userAgent)).toEqual(['Mozilla/5.0 second browser', 'first device', 'sign-up']);
    expect(listed.body.sessions.filter((s) => s.current)).toHaveLength(1);
    const mine = listed.body.sessions.find((s) => s.current);
    const theirs = listed.body.sessions[0];
    expect(mine).toMatchObject({ userAgent: 'first device', address: expect.stringMatching(/127\.0\.0\.1/), lastSeenAt: expect.any(String) });
    expect(theirs).toMatchObject({ userAgent: 'Mozilla/5.0 second browser' });

    const stranger = await signUp();
    expect((await api(gw(0), 'DELETE', `/api/sessions/${theirs!.id}`, { token: stranger.first.token })).status).toBe(404);
    expect((await me(second.token)).status).toBe(200);
    const secondSocket = await connectSocket(gw(0), second.token);
    const gone = disconnected(secondSocket);
    expect((await api(gw(0), 'DELETE', `/api/sessions/${theirs!.id}`, { token: first.token })).status).toBe(204);
    await gone;
    expect((await me(second.token)).status).toBe(401);
    expect((await api(gw(0), 'DELETE', `/api/sessions/${theirs!.id}`, { token: first.token })).status).toBe(404);
    expect((await api(gw(0), 'DELETE', '/api/sessions/not-an-id', { token: first.token })).status).toBe(400);
    const after = await api<SessionsResponse>(gw(1), 'GET', '/api/sessions', { token: first.token });
    expect(after.body.sessions.map((s) => s.userAgent)).toEqual(['first device', 'sign-up']);
  });

  it('a correctly signed people token that names no session is refused', async () => {
    const { first } = await signUp();
    const claims = jwt.decode(first.token) as jwt.JwtPayload;
    const forged = jwt.sign({ name: claims.name }, system.env.JWT_SECRET!, { algorithm: 'HS256', subject: claims.sub, expiresIn: 60, issuer: 'chat-gateway', audience: 'chat-user' });
    expect((await me(forged)).status).toBe(401);
    const unknownSession = jwt.sign({ name: claims.name, sid: crypto.randomUUID() }, system.env.JWT_SECRET!, { algorithm: 'HS256', subject: claims.sub, expiresIn: 60, issuer: 'chat-gateway', audience: 'chat-user' });
    expect((await me(unknownSession)).status).toBe(401);
  });
});
