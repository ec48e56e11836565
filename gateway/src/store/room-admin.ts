import type { PrismaClient } from '@chat/db';
import type { AuditAction, AuditEntry, RoomBan, RoomMember, RoomRole, RoomSettingsInput } from '@chat/protocol';
import { newId } from './ids';
import { PROFILE_COLUMNS, type ProfileRow, toProfile } from './profiles';

/** A membership's role: undefined when not a member, null in a direct conversation. */
export type MembershipRole = RoomRole | null | undefined;

export interface AuditInput {
  roomId: string;
  actorId: string;
  action: AuditAction;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Roles, bans, mutes, settings and the audit log of rooms, in PostgreSQL. Each write that moderates also
 * writes its audit entry in the same transaction: no action without its record, no record without the action.
 */
export interface RoomAdminRepository {
  roleOf(roomId: string, userId: string): Promise<MembershipRole>;
  /** True when the user was a member (not the owner) whose role is now `role`. */
  setRole(roomId: string, userId: string, role: 'admin' | 'member', audit: AuditInput): Promise<boolean>;
  /** The owner becomes an admin and `toId` (a member) the owner, atomically; false when `toId` is not a member. */
  transfer(roomId: string, fromId: string, toId: string, audit: AuditInput): Promise<boolean>;
  /**
   * Before an account is deleted: each room it owns passes to its longest-standing admin, or else to its
   * longest-standing member; a room with nobody else in it is archived. Audited, in one transaction.
   */
  handOverOwnedRooms(userId: string): Promise<OwnedRoomHandOver[]>;
  /** Removes a member; true when it was one. */
  kick(roomId: string, userId: string, audit: AuditInput): Promise<boolean>;
  /** Bans (or re-bans) a user, removing the membership and any pending invitation; true when it was a member. */
  ban(roomId: string, userId: string, bannedBy: string, reason: string, until: Date | null, audit: AuditInput): Promise<boolean>;
  unban(roomId: string, userId: string, audit: AuditInput): Promise<boolean>;
  /** Whether a ban keeps the user out now (an expired ban does not). */
  isBanned(roomId: string, userId: string): Promise<boolean>;
  bans(roomId: string): Promise<RoomBan[]>;
  mute(roomId: string, userId: string, mutedBy: string, until: Date | null, audit: AuditInput): Promise<void>;
  unmute(roomId: string, userId: string, audit: AuditInput): Promise<boolean>;
  updateSettings(roomId: string, settings: RoomSettingsInput, audit: AuditInput): Promise<void>;
  setArchived(roomId: string, archived: boolean, audit: AuditInput): Promise<boolean>;
  /** One member with profile, role and mute (online is the caller's to fill in). */
  member(roomId: string, userId: string): Promise<RoomMember | undefined>;
  audit(entry: AuditInput): Promise<void>;
  auditPage(roomId: string, limit: number, before?: string): Promise<AuditEntry[]>;
}

/** What became of one room whose owner deleted the account: its new owner, or archived (heirId null). */
export interface OwnedRoomHandOver {
  roomId: string;
  heirId: string | null;
}

export interface MemberRow extends ProfileRow {
  role: RoomRole | null;
  joined_at: Date;
  muted_until: Date | null;
  muted: boolean;
}

/** Selects a member row (memberships `m` joined to users `u`, with the room's mute), see {@link toMember}. */
export const MEMBER_COLUMNS = `${PROFILE_COLUMNS}, m.role::text AS role, m.joined_at,
  mu.until AS muted_until, (mu.user_id IS NOT NULL AND (mu.until IS NULL OR mu.until > now())) AS muted`;
export const MEMBER_FROM = `memberships m JOIN users u ON u.id = m.user_id
  LEFT JOIN room_mutes mu ON mu.room_id = m.room_id AND mu.user_id = m.user_id`;

/** An indefinite mute reads as this far-future moment, so clients compare one date. */
const FOREVER = '9999-12-31T23:59:59.999Z';

export function toMember(row: MemberRow, online: boolean): RoomMember {
  return {
    ...toProfile(row),
    role: row.role,
    online,
    joinedAt: row.joined_at.toISOString(),
    mutedUntil: row.muted ? (row.muted_until?.toISOString() ?? FOREVER) : null,
  };
}

export function createRoomAdminRepository(db: PrismaClient): RoomAdminRepository {
  const auditRow = (a: AuditInput) =>
    db.roomAudit.create({ data: { id: newId(), roomId: a.roomId, actorId: a.actorId, action: a.action, targetId: a.targetId ?? null, details: (a.details ?? {}) as object } });

  return {
    async roleOf(roomId, userId) {
      const found = await db.membership.findUnique({ where: { roomId_userId: { roomId, userId } }, select: { role: true } });
      return found === null ? undefined : found.role;
    },
    async setRole(roomId, userId, role, audit) {
      const [updated] = await db.$transaction([
        db.membership.updateMany({ where: { roomId, userId, role: { in: ['admin', 'member'] } }, data: { role } }),
        auditRow(audit),
      ]);
      return updated.count > 0;
    },
    async transfer(roomId, fromId, toId, audit) {
      return db.$transaction(async (tx) => {
        const target = await tx.membership.findUnique({ where: { roomId_userId: { roomId, userId: toId } }, select: { role: true } });
        if (!target || target.role === null || target.role === 'owner') return false;
        // Demote first: the partial unique index allows one owner per room at every moment.
        const demoted = await tx.membership.updateMany({ where: { roomId, userId: fromId, role: 'owner' }, data: { role: 'admin' } });
        if (demoted.count === 0) return false;
        await tx.membership.update({ where: { roomId_userId: { roomId, userId: toId } }, data: { role: 'owner' } });
        await tx.roomAudit.create({ data: { id: newId(), roomId, actorId: audit.actorId, action: audit.action, targetId: toId, details: (audit.details ?? {}) as object } });
        return true;
      });
    },
    async handOverOwnedRooms(userId) {
      return db.$transaction(async (tx) => {
        const rooms = await tx.$queryRaw<OwnedRoomHandOver[]>`
          SELECT o.room_id::text AS "roomId",
                 (SELECT m.user_id::text FROM memberships m
                   WHERE m.room_id = o.room_id AND m.user_id <> o.user_id
                   ORDER BY (m.role = 'admin') DESC, m.joined_at, m.user_id LIMIT 1) AS "heirId"
            FROM memberships o WHERE o.user_id = ${userId}::uuid AND o.role = 'owner' FOR UPDATE`;
        for (const { roomId, heirId } of rooms) {
          // Demote first: the partial unique index allows one owner per room at every moment.
          await tx.membership.update({ where: { roomId_userId: { roomId, userId } }, data: { role: 'admin' } });
          if (heirId) await tx.membership.update({ where: { roomId_userId: { roomId, userId: heirId } }, data: { role: 'owner' } });
          else await tx.room.updateMany({ where: { id: roomId, archivedAt: null }, data: { archivedAt: new Date() } });
          const action = heirId ? 'ownership.transferred' : 'room.archived';
          await tx.roomAudit.create({ data: { id: newId(), roomId, actorId: userId, action, targetId: heirId, details: { reason: 'the owner deleted the account' } } });
        }
        return rooms;
      });
    },
    async kick(roomId, userId, audit) {
      const [removed] = await db.$transaction([db.membership.deleteMany({ where: { roomId, userId, NOT: { role: 'owner' } } }), auditRow(audit)]);
      return removed.count > 0;
    },
    async ban(roomId, userId, bannedBy, reason, until, audit) {
      const [, removed] = await db.$transaction([
        db.roomBan.upsert({ where: { roomId_userId: { roomId, userId } }, create: { roomId, userId, bannedBy, reason, until }, update: { bannedBy, reason, until, createdAt: new Date() } }),
        db.membership.deleteMany({ where: { roomId, userId, NOT: { role: 'owner' } } }),
        db.invitation.deleteMany({ where: { roomId, inviteeId: userId } }),
        auditRow(audit),
      ]);
      return removed.count > 0;
    },
    async unban(roomId, userId, audit) {
      const [removed] = await db.$transaction([db.roomBan.deleteMany({ where: { roomId, userId } }), auditRow(audit)]);
      return removed.count > 0;
    },
    async isBanned(roomId, userId) {
      const ban = await db.roomBan.findUnique({ where: { roomId_userId: { roomId, userId } }, select: { until: true } });
      return ban !== null && (ban.until === null || ban.until.getTime() > Date.now());
    },
    async bans(roomId) {
      const rows = await db.$queryRaw<{ user_id: string; username: string; by_id: string; by_username: string; reason: string; until: Date | null; created_at: Date }[]>`
        SELECT b.user_id::text, u.username, b.banned_by::text AS by_id, coalesce(bu.username, '') AS by_username, b.reason, b.until, b.created_at
          FROM room_bans b JOIN users u ON u.id = b.user_id LEFT JOIN users bu ON bu.id = b.banned_by
         WHERE b.room_id = ${roomId}::uuid AND (b.until IS NULL OR b.until > now())
         ORDER BY b.created_at DESC LIMIT 500`;
      return rows.map((r) => ({
        user: { id: r.user_id, username: r.username },
        bannedBy: { id: r.by_id, username: r.by_username },
        reason: r.reason,
        until: r.until?.toISOString() ?? null,
        createdAt: r.created_at.toISOString(),
      }));
    },
    async mute(roomId, userId, mutedBy, until, audit) {
      await db.$transaction([
        db.roomMute.upsert({ where: { roomId_userId: { roomId, userId } }, create: { roomId, userId, mutedBy, until }, update: { mutedBy, until, createdAt: new Date() } }),
        auditRow(audit),
      ]);
    },
    async unmute(roomId, userId, audit) {
      const [removed] = await db.$transaction([db.roomMute.deleteMany({ where: { roomId, userId } }), auditRow(audit)]);
      return removed.count > 0;
    },
    async updateSettings(roomId, settings, audit) {
      await db.$transaction([db.room.updateMany({ where: { id: roomId }, data: settings }), auditRow(audit)]);
    },
    async setArchived(roomId, archived, audit) {
      const [updated] = await db.$transaction([
        db.room.updateMany({ where: { id: roomId, archivedAt: archived ? null : { not: null } }, data: { archivedAt: archived ? new Date() : null } }),
        auditRow(audit),
      ]);
      return updated.count > 0;
    },
    async member(roomId, userId) {
      const rows = await db.$queryRawUnsafe<MemberRow[]>(`SELECT ${MEMBER_COLUMNS} FROM ${MEMBER_FROM} WHERE m.room_id = $1::uuid AND m.user_id = $2::uuid`, roomId, userId);
      return rows[0] && toMember(rows[0], false);
    },
    async audit(entry) {
      await auditRow(entry);
    },
    async auditPage(roomId, limit, before) {
      const rows = await db.$queryRaw<{ id: string; actor_id: string; actor_username: string | null; action: AuditAction; target_id: string | null; target_username: string | null; details: unknown; created_at: Date }[]>`
        SELECT a.id::text, a.actor_id::text, au.username AS actor_username, a.action, a.target_id::text, tu.username AS target_username, a.details, a.created_at
          FROM room_audit a LEFT JOIN users au ON au.id = a.actor_id LEFT JOIN users tu ON tu.id = a.target_id
         WHERE a.room_id = ${roomId}::uuid AND (${before ?? null}::uuid IS NULL OR a.id < ${before ?? null}::uuid)
         ORDER BY a.id DESC LIMIT ${limit}`;
      return rows.map((r) => ({
        id: r.id,
        roomId,
        // A deleted account keeps its id in the log; its name is gone with it.
        actor: { id: r.actor_id, username: r.actor_username ?? '(deleted)' },
        action: r.action,
        target: r.target_id ? { id: r.target_id, username: r.target_username ?? '(deleted)' } : null,
        details: (r.details ?? {}) as Record<string, unknown>,
        createdAt: r.created_at.toISOString(),
      }));
    },
  };
}
