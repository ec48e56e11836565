import crypto from 'node:crypto';
import type { PrismaClient } from '@chat/db';
import type { RoomInvite } from '@chat/protocol';
import { newId } from './ids';
import { writeJoinedEntry } from './room-activity';

/** 24 random bytes: 32 base64url characters, 192 bits no one guesses. */
export const newInviteCode = (): string => crypto.randomBytes(24).toString('base64url');
/** Only this is stored: a lookup probes the unique index on the hash, the same work for any code. */
export const hashInviteCode = (code: string): string => crypto.createHash('sha256').update(code).digest('hex');

interface InviteRow {
  id: string;
  roomId: string;
  maxUses: number | null;
  uses: number;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const usable = (row: InviteRow, now = Date.now()) =>
  row.revokedAt === null && (row.expiresAt === null || row.expiresAt.getTime() > now) && (row.maxUses === null || row.uses < row.maxUses);

const toInvite = (row: InviteRow): RoomInvite => ({
  id: row.id,
  expiresAt: row.expiresAt?.toISOString() ?? null,
  uses: row.uses,
  maxUses: row.maxUses,
  createdAt: row.createdAt.toISOString(),
});

/** The outcome of using a link: the room joined (or already a member of), or no usable link. */
export type InviteUse = { kind: 'joined' | 'member'; roomId: string } | { kind: 'invalid' };

export interface InviteLinkRepository {
  create(roomId: string, createdBy: string, maxUses: number | null, expiresAt: Date | null): Promise<RoomInvite & { code: string }>;
  /** The room's usable links (not revoked, not expired, not used up), newest first. */
  list(roomId: string): Promise<RoomInvite[]>;
  /** The usable link of a code, or undefined (unknown, revoked, expired and used-up codes look the same). */
  find(code: string): Promise<{ invite: RoomInvite; roomId: string } | undefined>;
  /**
   * Joins the user through the link in one transaction (the link row locked): counted only when it made
   * the user a member, never past `maxUses`; a pending invitation to the room goes with it.
   */
  use(code: string, userId: string): Promise<InviteUse>;
  /** Revokes by code or by the link's id; false when the room has no such usable link. */
  revoke(roomId: string, codeOrId: string): Promise<boolean>;
}

export function createInviteLinkRepository(db: PrismaClient): InviteLinkRepository {
  return {
    async create(roomId, createdBy, maxUses, expiresAt) {
      const code = newInviteCode();
      const row = await db.roomInvite.create({ data: { id: newId(), codeHash: hashInviteCode(code), roomId, createdBy, maxUses, expiresAt } });
      return { ...toInvite(row), code };
    },
    async list(roomId) {
      const rows = await db.roomInvite.findMany({ where: { roomId, revokedAt: null }, orderBy: { id: 'desc' }, take: 200 });
      return rows.filter((r) => usable(r)).map(toInvite);
    },
    async find(code) {
      const row = await db.roomInvite.findUnique({ where: { codeHash: hashInviteCode(code) } });
      return row && usable(row) ? { invite: toInvite(row), roomId: row.roomId } : undefined;
    },
    async use(code, userId) {
      return db.$transaction(async (tx) => {
        const [row] = await tx.$queryRaw<{ id: string; room_id: string; max_uses: number | null; uses: number; expires_at: Date | null; revoked_at: Date | null }[]>`
          SELECT id::text, room_id::text, max_uses, uses, expires_at, revoked_at FROM room_invites WHERE code_hash = ${hashInviteCode(code)} FOR UPDATE`;
        if (!row || !usable({ id: row.id, roomId: row.room_id, maxUses: row.max_uses, uses: row.uses, expiresAt: row.expires_at, revokedAt: row.revoked_at, createdAt: new Date() })) {
          return { kind: 'invalid' as const };
        }
        const joined = await tx.$executeRaw`INSERT INTO memberships (room_id, user_id) VALUES (${row.room_id}::uuid, ${userId}::uuid) ON CONFLICT DO NOTHING`;
        if (joined === 0) return { kind: 'member' as const, roomId: row.room_id };
        await writeJoinedEntry(tx, row.room_id, userId, 'invite link');
        await tx.roomInvite.update({ where: { id: row.id }, data: { uses: { increment: 1 } } });
        await tx.invitation.deleteMany({ where: { roomId: row.room_id, inviteeId: userId } });
        return { kind: 'joined' as const, roomId: row.room_id };
      });
    },
    async revoke(roomId, codeOrId) {
      const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(codeOrId);
      const { count } = await db.roomInvite.updateMany({
        where: { roomId, revokedAt: null, ...(byId ? { id: codeOrId } : { codeHash: hashInviteCode(codeOrId) }) },
        data: { revokedAt: new Date() },
      });
      return count > 0;
    },
  };
}
