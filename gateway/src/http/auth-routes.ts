import { credentialsSchema, RESERVED_USERNAMES } from '@chat/protocol';
import { Router } from 'express';
import { AppError } from '@chat/service-kit';
import { dummyHash, hashPassword, verifyPassword } from '../auth/passwords';
import type { RateLimiter } from '../redis/rate-limiter';
import type { UserRepository } from '../store/users';
import { type SessionRouteDeps, startSession } from './session-routes';
import { parse } from './validate';

export interface AuthRouteDeps extends SessionRouteDeps {
  users: UserRepository;
  /** Failed logins per username (guessing one account's password). */
  loginUserLimiter: RateLimiter;
  /** Failed logins per client address (spraying many accounts); a higher limit, as addresses are shared. */
  loginAddressLimiter: RateLimiter;
  /** Registrations, keyed by client address. */
  registerLimiter: RateLimiter;
  /** The room assistant's name (ASSISTANT_NAME), reserved beside RESERVED_USERNAMES; empty for none. */
  assistantName: string;
}

const tooMany = (retryAfterMs: number, what: string) =>
  new AppError('RATE_LIMITED', `too many ${what}: try again in ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterMs });

/** POST /api/auth/register and /api/auth/login: each opens a session (the access token, the refresh cookie). */
export function authRoutes(deps: AuthRouteDeps): Router {
  const router = Router();
  const reserved = new Set([...RESERVED_USERNAMES, deps.assistantName.toLowerCase()].filter(Boolean));

  router.post('/register', async (req, res) => {
    const { username, password } = parse(credentialsSchema, req.body);
    const limit = await deps.registerLimiter.hit(req.ip ?? 'unknown');
    if (!limit.allowed) throw tooMany(limit.retryAfterMs, 'sign-ups from this address');
    // Answered like a taken name: it is one, held for the platform.
    if (reserved.has(username.toLowerCase())) throw new AppError('CONFLICT', 'that username is reserved');
    const user = await deps.users.create(username, await hashPassword(password));
    await startSession(deps, req, res, user, 201);
  });

  router.post('/login', async (req, res) => {
    const { username, password } = parse(credentialsSchema, req.body);
    const userKey = username.toLowerCase();
    const stored = await deps.users.findByUsername(username);
    const valid = await verifyPassword(stored?.passwordHash ?? (await dummyHash), password);
    if (!stored || !valid) {
      const hits = await Promise.all([deps.loginUserLimiter.hit(userKey), deps.loginAddressLimiter.hit(req.ip ?? 'unknown')]);
      const blocked = hits.find((h) => !h.allowed);
      if (blocked) throw tooMany(blocked.retryAfterMs, 'failed logins');
      throw new AppError('UNAUTHORIZED', 'wrong username or password');
    }
    // A correct password does not bypass a lock-out that is in force for this account.
    const lock = await deps.loginUserLimiter.hit(userKey);
    if (!lock.allowed) throw tooMany(lock.retryAfterMs, 'failed logins');
    await deps.loginUserLimiter.reset(userKey);
    const user = { id: stored.id, username: stored.username };
    await startSession(deps, req, res, user, 200);
  });

  return router;
}
