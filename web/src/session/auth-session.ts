import { type AuthResponse, type PublicUser, SESSION_ROUTES } from '@chat/protocol';
import { tokenExpiry } from './jwt';

/** A signed-in user and the access token that proves it, valid until `expiresAt` (epoch milliseconds). */
export interface Session {
  token: string;
  user: PublicUser;
  expiresAt: number;
}

/** Where the app kept its token before sessions: removed at start, so no old token stays readable. */
const LEGACY_STORAGE_KEY = 'chat.session';
/** The Web Locks name that serializes refreshes across this origin's tabs (a refresh token is single-use). */
const REFRESH_LOCK = 'chat-refresh';
/** Renew this long before the access token expires (a 15 min token is renewed after about 14 min). */
const RENEW_AHEAD_MS = 60_000;

/** Makes a session from a login, sign-up or refresh answer; undefined when the token carries no expiry. */
export function sessionFromAuth(answer: Pick<AuthResponse, 'token' | 'user'>): Session | undefined {
  const expiresAt = tokenExpiry(answer.token);
  return expiresAt === undefined ? undefined : { token: answer.token, user: answer.user, expiresAt };
}

/** What an {@link AuthSession} needs from the page (the defaults are the browser's). */
export interface AuthSessionOptions {
  fetch?: typeof fetch;
  locks?: Pick<LockManager, 'request'>;
  storage?: Pick<Storage, 'removeItem'>;
  now?: () => number;
}

/**
 * The session of this tab, in memory only: a script injected into the page finds no token in storage,
 * and the refresh token is in an HttpOnly cookie it cannot read. A reload gets a fresh access token
 * from the cookie (`restore`); the token is renewed silently before it expires and whenever the server
 * refuses it (`refresh`). Refreshes of all tabs take turns (Web Locks): two tabs presenting the same
 * single-use token at once would look like a replay and end the session.
 */
export class AuthSession {
  private current: Session | undefined;
  private pending: Promise<Session | undefined> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(session: Session | undefined) => void>();
  private readonly doFetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: AuthSessionOptions = {}) {
    this.doFetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
    (options.storage ?? globalThis.localStorage)?.removeItem(LEGACY_STORAGE_KEY);
  }

  get session(): Session | undefined {
    return this.current;
  }

  /** The access token for the next request or handshake. */
  token(): string | undefined {
    return this.current?.token;
  }

  /** Called with the session whenever it changes (undefined: signed out). */
  subscribe(listener: (session: Session | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Starts the session a login or sign-up answered with. */
  start(answer: Pick<AuthResponse, 'token' | 'user'>): boolean {
    const session = sessionFromAuth(answer);
    this.set(session);
    return session !== undefined;
  }

  /** After a reload: the session the refresh cookie still holds, if any. */
  restore(): Promise<Session | undefined> {
    return this.refresh();
  }

  /**
   * A fresh access token from the refresh cookie; undefined (and signed out) when the session has ended.
   * Concurrent callers in this tab share one request.
   */
  refresh(): Promise<Session | undefined> {
    this.pending ??= this.locked(() => this.renew()).finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Ends this session on the server (its sockets everywhere are disconnected) and here. */
  async logout(): Promise<void> {
    const token = this.token();
    this.set(undefined);
    if (!token) return;
    await this.doFetch(SESSION_ROUTES.logout, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
  }

  /** Forgets the session here only (the server already ended it). */
  end(): void {
    this.set(undefined);
  }

  private async renew(): Promise<Session | undefined> {
    let response: Response;
    try {
      response = await this.doFetch(SESSION_ROUTES.refresh, { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } });
    } catch {
      // Offline: keep what we have; the next try (a reconnect, the timer) asks again.
      return this.current;
    }
    // 204: no refresh cookie at all (never signed in here, or logged out); 401/403: the session ended.
    if (response.status === 204 || response.status === 401 || response.status === 403) {
      this.set(undefined);
      return undefined;
    }
    if (!response.ok) return this.current;
    const session = sessionFromAuth((await response.json()) as AuthResponse);
    // The same user keeps the same object: what is keyed on it (the chat controller) is not rebuilt.
    if (session && this.current?.user.id === session.user.id) session.user = this.current.user;
    this.set(session);
    return session;
  }

  private locked<T>(task: () => Promise<T>): Promise<T> {
    const locks = this.options.locks ?? (typeof navigator !== 'undefined' ? navigator.locks : undefined);
    return locks ? (locks.request(REFRESH_LOCK, task) as Promise<T>) : task();
  }

  private set(session: Session | undefined): void {
    this.current = session;
    clearTimeout(this.timer);
    if (session) {
      const wait = Math.max(session.expiresAt - this.now() - RENEW_AHEAD_MS, 1_000);
      this.timer = setTimeout(() => void this.refresh(), Math.min(wait, 2 ** 31 - 1));
      (this.timer as unknown as { unref?: () => void }).unref?.(); // browsers have none; Node tests must not wait
    }
    for (const listener of this.listeners) listener(session);
  }
}
