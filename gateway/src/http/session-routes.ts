import { type AuthResponse, idSchema, type PublicUser, passwordChangeSchema, type SessionsResponse } from '@chat/protocol';
import { type Request, type Response, Router } from 'express';
import { AppError } from '@chat/service-kit';
import { hashPassword, verifyPassword } from '../auth/passwords';
import type { TokenService } from '../auth/tokens';
import type { SessionRevocation } from '../realtime/session-revocation';
import type { RateLimiter } from '../redis/rate-limiter';
import type { SessionDevice, SessionRepository } from '../store/sessions';
import type { UserRepository } from '../store/users';
import { authenticatedSession, authenticatedUser } from './authenticate';
import { clearRefreshCookie, refreshCookie, requireSameOrigin, setRefreshCookie } from './refresh-cookie';
import { parse } from './validate';

export interface SessionRouteDeps {
  users: UserRepository;
  tokens: TokenService;
  sessions: SessionRepository;
  revocation: SessionRevocation;
  /** Wrong current passwords count like failed logins of the account. */
  loginUserLimiter: RateLimiter;
  /** The refresh cookie's lifetime (the session's idle lifetime). */
  refreshTtlSeconds: number;
  /** The web app's origin (CORS_ORIGIN): the cookie route answers it and the request's own host only. */
  appOrigin: string;
}

const device = (req: Request): SessionDevice => ({ userAgent: req.headers['user-agent'] ?? '', address: req.ip ?? '' });

/** The answer of a login, sign-up or refresh: the access token in the body, the refresh token in the cookie. */
function answerSession(deps: SessionRouteDeps, res: Response, status: number, session: { sessionId: string; user: PublicUser; refreshToken: string }): void {
  setRefreshCookie(res, session.refreshToken, deps.refreshTtlSeconds);
  const expiresAt = new Date(Date.now() + deps.tokens.ttlSeconds * 1000).toISOString();
  res.status(status).json({ token: deps.tokens.issue(session.user, session.sessionId), user: session.user, expiresAt } satisfies AuthResponse);
}

/** Opens a session for a user who just proved who they are (login, sign-up) and answers with it. */
export async function startSession(deps: SessionRouteDeps, req: Request, res: Response, user: PublicUser, status: number): Promise<void> {
  answerSession(deps, res, status, await deps.sessions.open(user.id, device(req)));
}

/** POST /api/auth/refresh: public (the cookie is the credential), same-origin only. */
export function refreshRoute(deps: SessionRouteDeps): Router {
  const router = Router();
  router.post('/refresh', requireSameOrigin(deps.appOrigin), async (req, res) => {
    const token = refreshCookie(req);
    // No cookie is no session, not an error: a first visit asks too (and a browser logs every 4xx).
    if (!token) return void res.status(204).end();
    const result = await deps.sessions.rotate(token, device(req));
    if (result.outcome === 'rotated') return answerSession(deps, res, 200, result);
    clearRefreshCookie(res);
    if (result.outcome === 'replayed') {
      // Someone holds a copy of a token this session was given: whoever it is, the session is over.
      deps.revocation.ended([result.sessionId]);
      throw new AppError('UNAUTHORIZED', 'this session was ended: its refresh token was used twice');
    }
    throw new AppError('UNAUTHORIZED', 'this session has ended: log in again');
  });
  return router;
}

/** Logout, logout everywhere, password change and the sessions list (behind `authenticate`). */
export function sessionRoutes(deps: SessionRouteDeps): Router {
  const router = Router();
  const end = async (userId: string, ids: string[], reason: string) => {
    const ended = await deps.sessions.end(userId, ids, reason);
    deps.revocation.ended(ended);
    return ended;
  };

  router.post('/auth/logout', async (req, res) => {
    await end(authenticatedUser(req).id, [authenticatedSession(req)], 'logout');
    clearRefreshCookie(res);
    res.status(204).end();
  });

  router.post('/auth/logout-all', async (req, res) => {
    authenticatedSession(req);
    deps.revocation.ended(await deps.sessions.endAll(authenticatedUser(req).id, 'logout everywhere'));
    clearRefreshCookie(res);
    res.status(204).end();
  });

  router.post('/auth/password', async (req, res) => {
    const current = authenticatedSession(req);
    const user = authenticatedUser(req);
    const { currentPassword, newPassword } = parse(passwordChangeSchema, req.body);
    const stored = await deps.users.passwordHashOf(user.id);
    const limit = await deps.loginUserLimiter.hit(user.username.toLowerCase());
    if (!limit.allowed) throw new AppError('RATE_LIMITED', `too many failed logins: try again in ${Math.ceil(limit.retryAfterMs / 1000)} s`, { retryAfterMs: limit.retryAfterMs });
    // FORBIDDEN, not UNAUTHORIZED: the token is fine, and a client must not take this for a lost session.
    if (!stored || !(await verifyPassword(stored, currentPassword))) throw new AppError('FORBIDDEN', 'the current password is wrong');
    await deps.loginUserLimiter.reset(user.username.toLowerCase());
    await deps.users.setPasswordHash(user.id, await hashPassword(newPassword));
    // Whoever else was signed in (perhaps with the old password) is signed out; this device stays.
    deps.revocation.ended(await deps.sessions.endAll(user.id, 'password changed', current));
    res.status(204).end();
  });

  router.get('/sessions', async (req, res) => {
    const current = authenticatedSession(req);
    const sessions = await deps.sessions.list(authenticatedUser(req).id);
    res.json({ sessions: sessions.map((s) => ({ ...s, current: s.id === current })) } satisfies SessionsResponse);
  });

  router.delete('/sessions/:id', async (req, res) => {
    const current = authenticatedSession(req);
    const id = parse(idSchema, req.params.id);
    const ended = await end(authenticatedUser(req).id, [id], 'signed out from another device');
    if (ended.length === 0) throw new AppError('NOT_FOUND', 'no such active session');
    if (id === current) clearRefreshCookie(res);
    res.status(204).end();
  });

  return router;
}
