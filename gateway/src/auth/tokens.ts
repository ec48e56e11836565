import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { idSchema, type PublicUser, type SocketRole } from '@chat/protocol';
import { AppError } from '@chat/service-kit';

/**
 * Claims the gateway puts in its tokens: `sub` is the user id, `name` the username. Platform workers
 * (the assistant) sign their own tokens with the same secret and add `role: "service"`.
 */
interface TokenClaims {
  sub: string;
  name: string;
  role?: 'service';
}

/** What a valid token says: the user, and the role its socket gets (people never carry `service`). */
export interface VerifiedToken extends PublicUser {
  role: SocketRole;
}

export interface TokenService {
  issue(user: PublicUser): string;
  /** The user a token names; UNAUTHORIZED if it is missing, malformed, expired, forged or not HS256. */
  verify(token: string | undefined): VerifiedToken;
}

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  // A KeyObject made once: given a string, jsonwebtoken first tries to parse it as a PEM public key on
  // every verify, and that failed parse (an exception) cost ~1.3 ms of CPU per request and handshake.
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return {
    issue: (user) => jwt.sign({ name: user.username } satisfies Omit<TokenClaims, 'sub'>, key, { algorithm: 'HS256', subject: user.id, expiresIn: ttlSeconds }),
    verify(token) {
      if (!token) throw new AppError('UNAUTHORIZED', 'missing token: log in first');
      let claims: jwt.JwtPayload;
      try {
        // Pinning the algorithm rejects "alg: none" and algorithm-confusion tokens.
        const decoded = jwt.verify(token, key, { algorithms: ['HS256'] });
        if (typeof decoded === 'string') throw new Error('payload is not an object');
        claims = decoded;
      } catch (error) {
        const expired = error instanceof jwt.TokenExpiredError;
        throw new AppError('UNAUTHORIZED', expired ? 'token expired: log in again' : 'invalid token', { cause: error });
      }
      // The subject is looked up as a UUID column: anything else is not a token of ours (a correctly
      // signed token with another subject made the lookup fail with INTERNAL; found by the abuse suite).
      const subject = idSchema.safeParse(claims.sub);
      if (!subject.success || typeof claims.name !== 'string') throw new AppError('UNAUTHORIZED', 'invalid token');
      return { id: subject.data, username: claims.name, role: claims.role === 'service' ? 'service' : 'user' };
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}
