import type { PrismaClient } from '@chat/db';
import { Prisma } from '@chat/db';
import type { PublicUser } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import { newId } from './ids';

export interface StoredUser extends PublicUser {
  passwordHash: string;
}

export interface UserRepository {
  /** CONFLICT when the username (compared without case) is taken. */
  create(username: string, passwordHash: string): Promise<PublicUser>;
  findByUsername(username: string): Promise<StoredUser | undefined>;
  findById(id: string): Promise<PublicUser | undefined>;
  delete(id: string): Promise<void>;
  /** The stored password hash of a user, undefined when the user is gone. */
  passwordHashOf(id: string): Promise<string | undefined>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
}

export function createUserRepository(db: PrismaClient): UserRepository {
  return {
    async create(username, passwordHash) {
      try {
        const user = await db.user.create({ data: { id: newId(), username, passwordHash }, select: { id: true, username: true } });
        return user;
      } catch (error) {
        // The unique index on lower(username) settles registration races: exactly one wins.
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw new AppError('CONFLICT', 'that username is taken', { cause: error });
        }
        if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'that username is taken', { cause: error });
        throw error;
      }
    },
    async findByUsername(username) {
      const rows = await db.$queryRaw<{ id: string; username: string; password_hash: string }[]>`
        SELECT id::text, username, password_hash FROM users WHERE lower(username) = lower(${username}) LIMIT 1`;
      const row = rows[0];
      return row && { id: row.id, username: row.username, passwordHash: row.password_hash };
    },
    async findById(id) {
      const user = await db.user.findUnique({ where: { id }, select: { id: true, username: true } });
      return user ?? undefined;
    },
    async delete(id) {
      await db.user.deleteMany({ where: { id } });
    },
    async passwordHashOf(id) {
      const user = await db.user.findUnique({ where: { id }, select: { passwordHash: true } });
      return user?.passwordHash;
    },
    async setPasswordHash(id, passwordHash) {
      await db.user.updateMany({ where: { id }, data: { passwordHash } });
    },
  };
}

/** A unique-constraint violation however the driver adapter reports it (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const text = String((error as { message?: string })?.message ?? '') + JSON.stringify((error as { meta?: unknown })?.meta ?? {});
  return /23505|unique constraint/i.test(text);
}
