import type { PublicUser } from '@chat/protocol';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '@chat/service-kit';
import { bearerToken, type TokenService } from '../auth/tokens';
import type { UserRepository } from '../store/users';

const USER = Symbol('user');
type AuthenticatedRequest = Request & { [USER]?: PublicUser };

/** Requires a valid bearer token of a user who still exists; UNAUTHORIZED otherwise. */
export function authenticate(tokens: TokenService, users: UserRepository) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const claimed = tokens.verify(bearerToken(req.headers.authorization));
    const user = await users.findById(claimed.id);
    if (!user) throw new AppError('UNAUTHORIZED', 'this account no longer exists');
    (req as AuthenticatedRequest)[USER] = user;
    next();
  };
}

/** The user `authenticate` let in. */
export function authenticatedUser(req: Request): PublicUser {
  const user = (req as AuthenticatedRequest)[USER];
  if (!user) throw new AppError('UNAUTHORIZED', 'log in first');
  return user;
}
