import { ann } from '../test-support/factories';
import { tokenExpiry } from './jwt';
import { AuthSession } from './auth-session';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A JWT-shaped token (the client never checks signatures). */
const jwt = (claims: object) => `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}.signature`;

/** An in-memory Storage for the tests. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

describe('tokenExpiry', () => {
  it('reads the exp claim as epoch milliseconds', () => {
    expect(tokenExpiry(jwt({ sub: ann.id, exp: 1_900_000_000 }))).toBe(1_900_000_000_000);
  });

  it('is undefined for tokens without a numeric exp or that are not JWTs', () => {
    expect(tokenExpiry(jwt({ sub: ann.id }))).toBeUndefined();
    expect(tokenExpiry(jwt({ exp: 'soon' }))).toBeUndefined();
    expect(tokenExpiry('not-a-token')).toBeUndefined();
    expect(tokenExpiry('a.%%%.c')).toBeUndefined();
  });
});

/** A refresh route answering with the given statuses in turn (200s with a fresh token). */
function refreshServer(statuses: number[], expiresAt: () => number) {
  const calls: RequestInit[] = [];
  const fetch = jest.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
    calls.push(init ?? {});
    const status = statuses.shift() ?? 401;
    const body = status === 200 ? JSON.stringify({ token: jwt({ exp: expiresAt() / 1000, n: calls.length }), user: { ...ann } }) : '{"error":{"code":"UNAUTHORIZED","message":"x"}}';
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('AuthSession (the token in memory only)', () => {
  afterEach(() => jest.useRealTimers());

  it('removes a token an older version kept in localStorage, and keeps none itself', () => {
    const storage = memoryStorage();
    storage.setItem('chat.session', '{"token":"old"}');
    const auth = new AuthSession({ storage, fetch: refreshServer([], () => 0).fetch });
    expect(auth.start({ token: jwt({ exp: Date.now() / 1000 + 900 }), user: ann })).toBe(true);
    expect(storage.length).toBe(0);
    expect(auth.token()).toBeDefined();
  });

  it('restores a session from the refresh cookie, and is signed out when the cookie is refused', async () => {
    const server = refreshServer([200, 401], () => Date.now() + 900_000);
    const auth = new AuthSession({ storage: memoryStorage(), fetch: server.fetch });
    expect((await auth.restore())?.user.username).toBe('ann');
    expect(server.calls[0]).toMatchObject({ method: 'POST', credentials: 'same-origin' });
    expect(await auth.refresh()).toBeUndefined();
    expect(auth.token()).toBeUndefined();
  });

  it('shares one refresh among concurrent callers, and keeps the same user object across refreshes', async () => {
    const server = refreshServer([200, 200, 200], () => Date.now() + 900_000);
    const auth = new AuthSession({ storage: memoryStorage(), fetch: server.fetch });
    const first = await auth.refresh();
    const [a, b] = await Promise.all([auth.refresh(), auth.refresh()]);
    expect(a).toBe(b);
    expect(server.calls).toHaveLength(2);
    expect(a?.user).toBe(first?.user);
  });

  it('renews the token silently a minute before it expires', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z') });
    const server = refreshServer([200], () => Date.now() + 900_000);
    const auth = new AuthSession({ storage: memoryStorage(), fetch: server.fetch });
    auth.start({ token: jwt({ exp: Date.now() / 1000 + 900 }), user: ann });
    await jest.advanceTimersByTimeAsync(838_000);
    expect(server.calls).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(server.calls).toHaveLength(1);
    auth.end();
  });

  it('runs refreshes under the cross-tab lock, and logout tells the server with the access token', async () => {
    const server = refreshServer([200], () => Date.now() + 900_000);
    const names: string[] = [];
    const locks = { request: jest.fn((name: string, task: () => Promise<unknown>) => (names.push(name), task())) } as unknown as Pick<LockManager, 'request'>;
    const auth = new AuthSession({ storage: memoryStorage(), fetch: server.fetch, locks });
    await auth.refresh();
    expect(names).toEqual(['chat-refresh']);
    const token = auth.token();
    await auth.logout();
    expect(auth.token()).toBeUndefined();
    expect(server.calls[1]).toMatchObject({ method: 'POST', headers: { authorization: `Bearer ${token}` } });
  });
});
