import crypto from 'node:crypto';
import type { PrismaClient } from '@chat/db';
import type { PublicUser } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import jwt from 'jsonwebtoken';
import { v7 } from 'uuid';

/**
 * The password hash of service accounts: not an argon2 hash, so no password ever matches it (the
 * gateway's verify fails on it), and its prefix tells a service account from a person's account.
 */
const SERVICE_HASH_PREFIX = '!service-account:';

/** The bot's account cannot be used: a person owns the name, or it is missing and may not be created. */
export class BotIdentityError extends AppError {
  override name = 'BotIdentityError';
}

/**
 * The bot's user row, created when missing (`create`). Several workers may start at once: the insert
 * does nothing on a taken name and the row is read back, so all of them end with the same id. A name
 * a person registered is never taken over.
 */
export async function ensureBotUser(db: PrismaClient, name: string, create: boolean): Promise<PublicUser> {
  const find = () =>
    db.$queryRaw<{ id: string; username: string; password_hash: string }[]>`
      SELECT id::text, username, password_hash FROM users WHERE lower(username) = lower(${name}) LIMIT 1`;
  let row = (await find())[0];
  if (!row && create) {
    const hash = SERVICE_HASH_PREFIX + crypto.randomBytes(24).toString('base64url');
    await db.$executeRaw`INSERT INTO users (id, username, password_hash) VALUES (${v7()}::uuid, ${name}, ${hash}) ON CONFLICT DO NOTHING`;
    row = (await find())[0];
  }
  if (!row) throw new BotIdentityError('NOT_FOUND', `no user "${name}" and ASSISTANT_CREATE_USER is false`);
  if (!row.password_hash.startsWith(SERVICE_HASH_PREFIX)) {
    throw new BotIdentityError('CONFLICT', `the username "${name}" belongs to a person's account: choose another ASSISTANT_NAME`);
  }
  return { id: row.id, username: row.username };
}

/** How long one service token is valid; a new one is signed at every (re)connection. */
const TOKEN_TTL_SECONDS = 3600;

/** A gateway token for the bot with `role: "service"`, signed with the gateways' secret (HS256). */
export function signServiceToken(bot: PublicUser, secret: string): string {
  return jwt.sign({ name: bot.username, role: 'service' }, secret, { algorithm: 'HS256', subject: bot.id, expiresIn: TOKEN_TTL_SECONDS });
}
