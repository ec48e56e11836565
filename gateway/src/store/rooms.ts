import type { PrismaClient } from '@chat/db';
import type { PublicUser, Room, RoomVisibility } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import { newId } from './ids';
import { isUniqueViolation } from './users';

export interface RoomRepository {
  create(name: string, visibility: 'public' | 'private', creator: PublicUser): Promise<Room>;
  /** Public rooms the user has not joined, newest first (at most `limit`). */
  listPublic(userId: string, limit: number): Promise<Room[]>;
  /** The room as `viewer` sees it, or undefined if it does not exist. */
  get(roomId: string, viewerId: string): Promise<Room | undefined>;
  isMember(roomId: string, userId: string): Promise<boolean>;
  /** Adds a member; true when the user was not a member before. */
  addMember(roomId: string, userId: string): Promise<boolean>;
  /** Removes a member; true when the user was a member. */
  removeMember(roomId: string, userId: string): Promise<boolean>;
  members(roomId: string): Promise<PublicUser[]>;
  memberRoomIds(userId: string): Promise<string[]>;
  /** The direct room of two users, created on first use; `created` says whether it is new. */
  direct(a: PublicUser, b: PublicUser): Promise<{ room: Room; created: boolean }>;
}

interface RoomRow {
  id: string;
  name: string;
  visibility: RoomVisibility;
  created_at: Date;
  member_count: bigint | number;
  topic: string;
  description: string;
  archived_at: Date | null;
  owner_id: string | null;
}

const toRoom = (row: RoomRow): Room => ({
  id: row.id,
  name: row.name,
  visibility: row.visibility,
  createdAt: row.created_at.toISOString(),
  memberCount: Number(row.member_count),
  topic: row.topic,
  description: row.description,
  archivedAt: row.archived_at?.toISOString() ?? null,
  ownerId: row.owner_id,
});

export function createRoomRepository(db: PrismaClient): RoomRepository {
  /** Rooms with their member count; a direct room's name is the other member's username. */
  const select = async (where: ReturnType<typeof sqlWhere>, viewerId: string, limit = 1000): Promise<Room[]> => {
    const rows = await db.$queryRawUnsafe<RoomRow[]>(
      `SELECT r.id::text, r.visibility::text AS visibility, r.created_at,
              CASE WHEN r.visibility = 'direct'
                   THEN coalesce((SELECT u.username FROM memberships m2 JOIN users u ON u.id = m2.user_id
                                   WHERE m2.room_id = r.id AND m2.user_id <> $1::uuid LIMIT 1), r.name)
                   ELSE r.name END AS name,
              (SELECT count(*) FROM memberships m3 WHERE m3.room_id = r.id) AS member_count,
              r.topic, r.description, r.archived_at,
              (SELECT mo.user_id::text FROM memberships mo WHERE mo.room_id = r.id AND mo.role = 'owner') AS owner_id
         FROM rooms r
        WHERE ${where.sql}
        ORDER BY r.created_at DESC, r.id DESC
        LIMIT ${Number(limit)}`,
      viewerId,
      ...where.params,
    );
    return rows.map(toRoom);
  };

  return {
    async create(name, visibility, creator) {
      const id = newId();
      await db.$transaction([
        db.room.create({ data: { id, name, visibility, createdBy: creator.id } }),
        db.membership.create({ data: { roomId: id, userId: creator.id, role: 'owner' } }),
      ]);
      return (await select(sqlWhere('r.id = $2::uuid', id), creator.id))[0]!;
    },
    listPublic: (userId, limit) =>
      select(sqlWhere(`r.visibility = 'public' AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.room_id = r.id AND m.user_id = $2::uuid)`, userId), userId, limit),
    async get(roomId, viewerId) {
      return (await select(sqlWhere('r.id = $2::uuid', roomId), viewerId))[0];
    },
    async isMember(roomId, userId) {
      const found = await db.membership.findUnique({ where: { roomId_userId: { roomId, userId } }, select: { userId: true } });
      return found !== null;
    },
    async addMember(roomId, userId) {
      const inserted = await db.$executeRaw`
        INSERT INTO memberships (room_id, user_id) VALUES (${roomId}::uuid, ${userId}::uuid) ON CONFLICT DO NOTHING`;
      return inserted > 0;
    },
    async removeMember(roomId, userId) {
      const { count } = await db.membership.deleteMany({ where: { roomId, userId } });
      return count > 0;
    },
    async members(roomId) {
      const rows = await db.membership.findMany({
        where: { roomId },
        select: { user: { select: { id: true, username: true } } },
        orderBy: { joinedAt: 'asc' },
      });
      return rows.map((r) => r.user);
    },
    async memberRoomIds(userId) {
      const rows = await db.membership.findMany({ where: { userId }, select: { roomId: true } });
      return rows.map((r) => r.roomId);
    },
    async direct(a, b) {
      if (a.id === b.id) throw new AppError('VALIDATION', 'a direct conversation needs another user');
      const directKey = [a.id, b.id].sort().join(':');
      const existing = await db.room.findUnique({ where: { directKey }, select: { id: true } });
      if (existing) return { room: (await this.get(existing.id, a.id))!, created: false };
      const id = newId();
      try {
        await db.$transaction([
          db.room.create({ data: { id, name: [a.username, b.username].sort().join(', '), visibility: 'direct', directKey, createdBy: a.id } }),
          db.membership.createMany({ data: [{ roomId: id, userId: a.id, role: null }, { roomId: id, userId: b.id, role: null }] }),
        ]);
        return { room: (await this.get(id, a.id))!, created: true };
      } catch (error) {
        // Both users opened the conversation at once: the other request created it.
        if (!isUniqueViolation(error)) throw error;
        const room = await db.room.findUnique({ where: { directKey }, select: { id: true } });
        if (!room) throw error;
        return { room: (await this.get(room.id, a.id))!, created: false };
      }
    },
  };
}

/** A WHERE clause whose parameters start at $2 ($1 is the viewer). */
function sqlWhere(sql: string, ...params: unknown[]) {
  return { sql, params };
}
