import type { PublicUser } from '@chat/protocol';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '@chat/service-kit';
import { bearerToken, type TokenService, type VerifiedToken } from '../auth/tokens';
import type { SessionRepository } from '../store/sessions';
import type { UserRepository } from '../store/users';

const USER = Symbol('user');
const SESSION = Symbol('session');
type AuthenticatedRequest = Request & { [USER]?: PublicUser; [SESSION]?: string };

/**
 * The user a verified token stands for, if it still may act: a people's token only while its session is
 * active (logout, a password change or a replayed refresh token end it before the token expires), a
 * service token while its account exists. One query either way; UNAUTHORIZED otherwise.
 */
export async function activeUser(claimed: VerifiedToken, users: UserRepository, sessions: SessionRepository): Promise<PublicUser> {
  if (claimed.role === 'service' || !claimed.sessionId) {
    const user = await users.findById(claimed.id);
    if (!user) throw new AppError('UNAUTHORIZED', 'this account no longer exists');
    return user;
  }
  const user = await sessions.findActive(claimed.sessionId);
  if (!user || user.id !== claimed.id) throw new AppError('UNAUTHORIZED', 'this session has ended: log in again');
  return user;
}

/** Requires a valid bearer token of an active session (or a service token); UNAUTHORIZED otherwise. */
export function authenticate(tokens: TokenService, users: UserRepository, sessions: SessionRepository) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const claimed = tokens.verify(bearerToken(req.headers.authorization));
    (req as AuthenticatedRequest)[USER] = await activeUser(claimed, users, sessions);
    (req as AuthenticatedRequest)[SESSION] = claimed.sessionId;
    next();
  };
}

/** The user `authenticate` let in. */
export function authenticatedUser(req: Request): PublicUser {
  const user = (req as AuthenticatedRequest)[USER];
  if (!user) throw new AppError('UNAUTHORIZED', 'log in first');
  return user;
}

/** The session of the token `authenticate` let in; FORBIDDEN for service tokens, which have none. */
export function authenticatedSession(req: Request): string {
  const session = (req as AuthenticatedRequest)[SESSION];
  if (!session) throw new AppError('FORBIDDEN', 'this token has no session');
  return session;
}
