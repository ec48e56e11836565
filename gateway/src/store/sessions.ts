import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '@chat/db';
import type { PublicUser, SessionInfo } from '@chat/protocol';
import { newId } from './ids';

/** Where a session was opened or last refreshed from: shown in the sessions list. */
export interface SessionDevice {
  userAgent: string;
  address: string;
}

/** A session just opened or renewed: its id and the refresh token to hand out (never stored as such). */
export interface IssuedSession {
  sessionId: string;
  user: PublicUser;
  refreshToken: string;
}

/** What presenting a refresh token came to. */
export type RotateResult =
  | ({ outcome: 'rotated' } & IssuedSession)
  /** A spent token came back: a copy is in someone else's hands. The session is ended (its sockets must go). */
  | { outcome: 'replayed'; sessionId: string; userId: string }
  /** Unknown, or its session has ended or expired. */
  | { outcome: 'invalid' };

export interface SessionRepository {
  open(userId: string, device: SessionDevice): Promise<IssuedSession>;
  /** Spends a refresh token and issues its successor (single use, atomically: two racing uses cannot both win). */
  rotate(refreshToken: string, device: SessionDevice): Promise<RotateResult>;
  /** The user of a session that is still active (not ended, not expired); undefined otherwise. */
  findActive(sessionId: string): Promise<PublicUser | undefined>;
  /** The user's active sessions, most recently seen first. */
  list(userId: string): Promise<Omit<SessionInfo, 'current'>[]>;
  /** Ends the named sessions of this user (others' ids are ignored); returns the ids it ended. */
  end(userId: string, sessionIds: string[], reason: string): Promise<string[]>;
  /** Ends every active session of the user except `keep`; returns the ids it ended. */
  endAll(userId: string, reason: string, keep?: string): Promise<string[]>;
}

/** 256 random bits, URL-safe: guessing one is hopeless, so a fast digest is the right storage (no salt, no KDF). */
const newRefreshToken = (): string => randomBytes(32).toString('base64url');
const digest = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** What is kept of a user agent and an address: enough to recognise a device, bounded. */
const bounded = (device: SessionDevice): SessionDevice => ({ userAgent: device.userAgent.slice(0, 256), address: device.address.slice(0, 64) });

/**
 * Sessions in PostgreSQL (auth_sessions, refresh_tokens). `ttlSeconds` is the idle lifetime of a refresh
 * token: every rotation moves the session's expiry that far ahead, so a device in use stays signed in.
 */
export function createSessionRepository(db: PrismaClient, ttlSeconds: number): SessionRepository {
  const issueToken = async (sessionId: string): Promise<string> => {
    const token = newRefreshToken();
    await db.$executeRaw`INSERT INTO refresh_tokens (token_hash, session_id) VALUES (${digest(token)}, ${sessionId}::uuid)`;
    return token;
  };

  return {
    async open(userId, device) {
      const { userAgent, address } = bounded(device);
      const sessionId = newId();
      const rows = await db.$queryRaw<{ username: string }[]>`
        WITH s AS (
          INSERT INTO auth_sessions (id, user_id, user_agent, address, expires_at)
          VALUES (${sessionId}::uuid, ${userId}::uuid, ${userAgent}, ${address}, now() + make_interval(secs => ${ttlSeconds}))
          RETURNING user_id)
        SELECT u.username FROM s JOIN users u ON u.id = s.user_id`;
      const username = rows[0]?.username;
      if (username === undefined) throw new Error('session opened for a user that does not exist');
      // Ended and long-expired sessions of this user are of no more use (not even for replay detection).
      await db.$executeRaw`DELETE FROM auth_sessions WHERE user_id = ${userId}::uuid AND COALESCE(ended_at, expires_at) < now() - interval '30 days'`;
      return { sessionId, user: { id: userId, username }, refreshToken: await issueToken(sessionId) };
    },

    async rotate(refreshToken, device) {
      const hash = digest(refreshToken);
      const { userAgent, address } = bounded(device);
      // Spend the token only if unspent and its session is live; the row lock settles a race of two uses.
      const spent = await db.$queryRaw<{ session_id: string; user_id: string; username: string }[]>`
        WITH t AS (
          UPDATE refresh_tokens r SET used_at = now()
          FROM auth_sessions s
          WHERE r.token_hash = ${hash} AND r.used_at IS NULL AND s.id = r.session_id AND s.ended_at IS NULL AND s.expires_at > now()
          RETURNING r.session_id),
        s AS (
          UPDATE auth_sessions s SET last_seen_at = now(), user_agent = ${userAgent}, address = ${address},
            expires_at = now() + make_interval(secs => ${ttlSeconds})
          FROM t WHERE s.id = t.session_id
          RETURNING s.id, s.user_id)
        SELECT s.id::text AS session_id, s.user_id::text AS user_id, u.username FROM s JOIN users u ON u.id = s.user_id`;
      const row = spent[0];
      if (row) {
        return { outcome: 'rotated', sessionId: row.session_id, user: { id: row.user_id, username: row.username }, refreshToken: await issueToken(row.session_id) };
      }
      // Not spendable: a spent token of a live session is a replay, and ends that session (the whole family).
      const replayed = await db.$queryRaw<{ session_id: string; user_id: string }[]>`
        UPDATE auth_sessions s SET ended_at = now(), end_reason = 'refresh token replayed'
        FROM refresh_tokens r
        WHERE r.token_hash = ${hash} AND r.used_at IS NOT NULL AND s.id = r.session_id AND s.ended_at IS NULL
        RETURNING s.id::text AS session_id, s.user_id::text AS user_id`;
      const family = replayed[0];
      return family ? { outcome: 'replayed', sessionId: family.session_id, userId: family.user_id } : { outcome: 'invalid' };
    },

    async findActive(sessionId) {
      const rows = await db.$queryRaw<PublicUser[]>`
        SELECT u.id::text AS id, u.username FROM auth_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = ${sessionId}::uuid AND s.ended_at IS NULL AND s.expires_at > now()`;
      return rows[0];
    },

    async list(userId) {
      const rows = await db.$queryRaw<{ id: string; user_agent: string; address: string; created_at: Date; last_seen_at: Date }[]>`
        SELECT id::text, user_agent, address, created_at, last_seen_at FROM auth_sessions
        WHERE user_id = ${userId}::uuid AND ended_at IS NULL AND expires_at > now()
        ORDER BY last_seen_at DESC LIMIT 100`;
      return rows.map((r) => ({ id: r.id, userAgent: r.user_agent, address: r.address, createdAt: r.created_at.toISOString(), lastSeenAt: r.last_seen_at.toISOString() }));
    },

    async end(userId, sessionIds, reason) {
      if (sessionIds.length === 0) return [];
      const rows = await db.$queryRaw<{ id: string }[]>`
        UPDATE auth_sessions SET ended_at = now(), end_reason = ${reason}
        WHERE user_id = ${userId}::uuid AND id = ANY(${sessionIds}::uuid[]) AND ended_at IS NULL
        RETURNING id::text`;
      return rows.map((r) => r.id);
    },

    async endAll(userId, reason, keep) {
      const rows = await db.$queryRaw<{ id: string }[]>`
        UPDATE auth_sessions SET ended_at = now(), end_reason = ${reason}
        WHERE user_id = ${userId}::uuid AND ended_at IS NULL AND (${keep ?? null}::uuid IS NULL OR id <> ${keep ?? null}::uuid)
        RETURNING id::text`;
      return rows.map((r) => r.id);
    },
  };
}
