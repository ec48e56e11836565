import { ann } from '../test-support/factories';
import { tokenExpiry } from './jwt';
import { clearSession, loadSession, saveSession, sessionFromAuth } from './session-storage';

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

describe('session storage', () => {
  const now = 1_800_000_000_000;

  it('keeps a session across page loads until its token expires', () => {
    const storage = memoryStorage();
    const session = sessionFromAuth(jwt({ exp: now / 1000 + 60 }), ann);
    if (!session) throw new Error('expected a session');
    saveSession(storage, session);
    expect(loadSession(storage, now)).toEqual(session);
    expect(loadSession(storage, now + 61_000)).toBeUndefined();
    // An expired session is forgotten, not just ignored.
    expect(storage.length).toBe(0);
  });

  it('forgets the session on log out', () => {
    const storage = memoryStorage();
    saveSession(storage, sessionFromAuth(jwt({ exp: now / 1000 + 60 }), ann)!);
    clearSession(storage);
    expect(loadSession(storage, now)).toBeUndefined();
  });

  it('ignores malformed stored data', () => {
    const storage = memoryStorage();
    storage.setItem('chat.session', '{not json');
    expect(loadSession(storage, now)).toBeUndefined();
    storage.setItem('chat.session', JSON.stringify({ token: 42 }));
    expect(loadSession(storage, now)).toBeUndefined();
  });
});
