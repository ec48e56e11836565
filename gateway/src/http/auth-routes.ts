import { credentialsSchema, type AuthResponse } from '@chat/protocol';
import { Router } from 'express';
import { AppError } from '@chat/service-kit';
import { dummyHash, hashPassword, verifyPassword } from '../auth/passwords';
import type { TokenService } from '../auth/tokens';
import type { RateLimiter } from '../redis/rate-limiter';
import type { UserRepository } from '../store/users';
import { parse } from './validate';

export interface AuthRouteDeps {
  users: UserRepository;
  tokens: TokenService;
  /** Failed logins per username (guessing one account's password). */
  loginUserLimiter: RateLimiter;
  /** Failed logins per client address (spraying many accounts); a higher limit, as addresses are shared. */
  loginAddressLimiter: RateLimiter;
  /** Registrations, keyed by client address. */
  registerLimiter: RateLimiter;
}

const tooMany = (retryAfterMs: number, what: string) =>
  new AppError('RATE_LIMITED', `too many ${what}: try again in ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterMs });

/** POST /api/auth/register and /api/auth/login. */
export function authRoutes(deps: AuthRouteDeps): Router {
  const router = Router();

  router.post('/register', async (req, res) => {
    const { username, password } = parse(credentialsSchema, req.body);
    const limit = await deps.registerLimiter.hit(req.ip ?? 'unknown');
    if (!limit.allowed) throw tooMany(limit.retryAfterMs, 'sign-ups from this address');
    const user = await deps.users.create(username, await hashPassword(password));
    res.status(201).json({ token: deps.tokens.issue(user), user } satisfies AuthResponse);
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
    res.json({ token: deps.tokens.issue(user), user } satisfies AuthResponse);
  });

  return router;
}
