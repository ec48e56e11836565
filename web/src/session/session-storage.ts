import type { PublicUser } from '@chat/protocol';
import { tokenExpiry } from './jwt';

/** A logged-in user and the token that proves it, valid until `expiresAt` (epoch milliseconds). */
export interface Session {
  token: string;
  user: PublicUser;
  expiresAt: number;
}

const KEY = 'chat.session';

/** Makes a session from a login or sign-up answer; undefined when the token carries no expiry. */
export function sessionFromAuth(token: string, user: PublicUser): Session | undefined {
  const expiresAt = tokenExpiry(token);
  return expiresAt === undefined ? undefined : { token, user, expiresAt };
}

/**
 * The session kept from an earlier page load, if it has not expired. localStorage (not a cookie) is
 * where it lives because the socket sends the token in its handshake, not as a cookie.
 */
export function loadSession(storage: Storage, now: number): Session | undefined {
  try {
    const raw = storage.getItem(KEY);
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as Partial<Session>;
    if (typeof stored.token !== 'string' || !stored.user?.id || !stored.user.username) return undefined;
    const session = sessionFromAuth(stored.token, stored.user);
    if (!session || session.expiresAt <= now) {
      storage.removeItem(KEY);
      return undefined;
    }
    return session;
  } catch {
    return undefined;
  }
}

/** Keeps the session for the next page load. */
export function saveSession(storage: Storage, session: Session): void {
  storage.setItem(KEY, JSON.stringify({ token: session.token, user: session.user }));
}

/** Forgets the session (log out, expiry, or a token the server rejected). */
export function clearSession(storage: Storage): void {
  storage.removeItem(KEY);
}
