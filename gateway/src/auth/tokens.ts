import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { idSchema, type PublicUser, type SocketRole } from '@chat/protocol';
import { AppError } from '@chat/service-kit';

/** Who issues and who may present a token: a token of one kind is never accepted as the other. */
export const TOKEN_KINDS = {
  user: { issuer: 'chat-gateway', audience: 'chat-user' },
  service: { issuer: 'chat-platform', audience: 'chat-service' },
} as const;

/**
 * Claims of a token: `sub` is the user id, `name` the username. The gateway signs people's tokens
 * (audience `chat-user`) with JWT_SECRET; platform workers (the assistant) sign theirs with a key of
 * their own, SERVICE_TOKEN_SECRET, with audience `chat-service` and `role: "service"`.
 */
interface TokenClaims {
  sub: string;
  name: string;
  /** People's tokens: the login session (auth_sessions.id) the token belongs to; ending it ends the token. */
  sid?: string;
  role?: 'service';
}

/** What a valid token says: the user, and the role its socket gets (people never carry `service`). */
export interface VerifiedToken extends PublicUser {
  role: SocketRole;
  /** The session a people's token names (always present for `user`; absent for `service`). */
  sessionId?: string;
}

export interface TokenService {
  /** A people's access token for this session, valid for `ttlSeconds`. */
  issue(user: PublicUser, sessionId: string): string;
  /** The access tokens' lifetime. */
  readonly ttlSeconds: number;
  /** The user a token names; UNAUTHORIZED if it is missing, malformed, expired, forged or not HS256. */
  verify(token: string | undefined): VerifiedToken;
}

/** The keys of one kind of token: the first signs; every one verifies (the others: before a rotation). */
export interface TokenKeys {
  user: string[];
  /** Empty: service tokens are refused. */
  service: string[];
}

/** Most verified tokens remembered (about 300 bytes each); past it the memory starts over. */
const VERIFIED_TOKENS_KEPT = 20_000;

export function createTokenService(keys: TokenKeys, ttlSeconds: number): TokenService {
  // KeyObjects made once: given a string, jsonwebtoken first tries to parse it as a PEM public key on
  // every verify, and that failed parse (an exception) cost ~1.3 ms of CPU per request and handshake.
  const userKeys = keys.user.map((k) => createSecretKey(Buffer.from(k, 'utf8')));
  const serviceKeys = keys.service.map((k) => createSecretKey(Buffer.from(k, 'utf8')));
  const signing = userKeys[0];
  if (!signing) throw new Error('a token service needs at least one user-token key');

  /** The claims of a token of this kind, or the error of the last key tried. */
  const verifyWith = (token: string, candidates: KeyObject[], kind: keyof typeof TOKEN_KINDS): jwt.JwtPayload => {
    let failure: unknown = new Error('no key');
    for (const key of candidates) {
      try {
        // Pinning the algorithm rejects "alg: none" and algorithm-confusion tokens; issuer and audience
        // keep a token of one kind from passing as the other.
        const decoded = jwt.verify(token, key, { algorithms: ['HS256'], ...TOKEN_KINDS[kind] });
        if (typeof decoded === 'string') throw new Error('payload is not an object');
        return decoded;
      } catch (error) {
        failure = error;
        if (!(error instanceof jwt.JsonWebTokenError) || error.message !== 'invalid signature') break;
      }
    }
    throw failure;
  };

  // Verified tokens by their whole text until they expire: a reconnect (a page reload, a storm after a
  // gateway restart) presents the same token again, and the same text under the same keys verifies the
  // same until `exp`. Keyed by the whole token, never by a part of it: any other text is verified afresh.
  const verified = new Map<string, { token: VerifiedToken; untilMs: number }>();
  const remember = (token: string, result: VerifiedToken, exp: unknown): VerifiedToken => {
    if (typeof exp !== 'number') return result;
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.clear();
    verified.set(token, { token: result, untilMs: exp * 1000 });
    return result;
  };

  return {
    ttlSeconds,
    issue: (user, sessionId) =>
      jwt.sign({ name: user.username, sid: sessionId } satisfies Omit<TokenClaims, 'sub'>, signing, { algorithm: 'HS256', subject: user.id, expiresIn: ttlSeconds, ...TOKEN_KINDS.user }),
    verify(token) {
      if (!token) throw new AppError('UNAUTHORIZED', 'missing token: log in first');
      const hit = verified.get(token);
      // jsonwebtoken's own test: expired once the current second reaches `exp`.
      if (hit && Date.now() < hit.untilMs) return { ...hit.token };
      if (hit) verified.delete(token);
      // Which kind it claims to be decides the keys; the signature and audience then must agree.
      const unverified = jwt.decode(token);
      const kind = unverified && typeof unverified === 'object' && unverified.aud === TOKEN_KINDS.service.audience ? 'service' : 'user';
      let claims: jwt.JwtPayload;
      try {
        claims = verifyWith(token, kind === 'service' ? serviceKeys : userKeys, kind);
      } catch (error) {
        const expired = error instanceof jwt.TokenExpiredError;
        throw new AppError('UNAUTHORIZED', expired ? 'token expired: log in again' : 'invalid token', { cause: error });
      }
      // The subject is looked up as a UUID column: anything else is not a token of ours (a correctly
      // signed token with another subject made the lookup fail with INTERNAL; found by the abuse suite).
      const subject = idSchema.safeParse(claims.sub);
      if (!subject.success || typeof claims.name !== 'string') throw new AppError('UNAUTHORIZED', 'invalid token');
      // A people's token never names a role: one that does was not made by a gateway.
      if (kind === 'user' && claims.role !== undefined) throw new AppError('UNAUTHORIZED', 'invalid token');
      if (kind === 'service' && claims.role !== 'service') throw new AppError('UNAUTHORIZED', 'invalid token');
      if (kind === 'service') return { ...remember(token, { id: subject.data, username: claims.name, role: 'service' }, claims.exp) };
      // A people's token without a session could never be ended: not one of ours (tokens before sessions).
      const session = idSchema.safeParse(claims.sid);
      if (!session.success) throw new AppError('UNAUTHORIZED', 'invalid token: log in again');
      return { ...remember(token, { id: subject.data, username: claims.name, role: 'user', sessionId: session.data }, claims.exp) };
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}
