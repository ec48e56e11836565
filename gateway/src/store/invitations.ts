import type { PrismaClient } from '@chat/db';
import type { Invitation, PublicUser, Room } from '@chat/protocol';
import { newId } from './ids';

/** Pending invitations to rooms: an invitee becomes a member only by accepting one. */
export interface InvitationRepository {
  /** Records (or keeps) the invitation; false when the invitee is already a member. */
  invite(roomId: string, inviter: PublicUser, inviteeId: string): Promise<boolean>;
  /** My pending invitations, newest first, each with its room as I would see it. */
  listFor(inviteeId: string): Promise<Invitation[]>;
  /** One pending invitation of mine, if there is one. */
  find(roomId: string, inviteeId: string): Promise<Invitation | undefined>;
  /**
   * Accepts: in one transaction the invitation goes and the membership comes. False when there was no
   * pending invitation (never invited, declined, or accepted already).
   */
  accept(roomId: string, inviteeId: string): Promise<boolean>;
  /** Declines: the invitation goes. False when there was none. */
  decline(roomId: string, inviteeId: string): Promise<boolean>;
}

interface InvitationRow {
  room_id: string;
  inviter_id: string;
  inviter_username: string;
  created_at: Date;
}

export function createInvitationRepository(db: PrismaClient, rooms: { get(roomId: string, viewerId: string): Promise<Room | undefined> }): InvitationRepository {
  const withRooms = async (rows: InvitationRow[], inviteeId: string): Promise<Invitation[]> => {
    const found = await Promise.all(rows.map((r) => rooms.get(r.room_id, inviteeId)));
    return rows.flatMap((r, i) => {
      const room = found[i];
      return room ? [{ room, inviter: { id: r.inviter_id, username: r.inviter_username }, createdAt: r.created_at.toISOString() }] : [];
    });
  };
  const select = (inviteeId: string, roomId?: string) => db.$queryRaw<InvitationRow[]>`
    SELECT i.room_id::text, i.inviter_id::text, u.username AS inviter_username, i.created_at
      FROM invitations i JOIN users u ON u.id = i.inviter_id
     WHERE i.invitee_id = ${inviteeId}::uuid AND (${roomId ?? null}::uuid IS NULL OR i.room_id = ${roomId ?? null}::uuid)
     ORDER BY i.created_at DESC
     LIMIT 200`;

  return {
    async invite(roomId, inviter, inviteeId) {
      // Not for a member; a second invitation to the same room keeps the first one.
      const inserted = await db.$executeRaw`
        INSERT INTO invitations (room_id, invitee_id, inviter_id)
        SELECT ${roomId}::uuid, ${inviteeId}::uuid, ${inviter.id}::uuid
         WHERE NOT EXISTS (SELECT 1 FROM memberships WHERE room_id = ${roomId}::uuid AND user_id = ${inviteeId}::uuid)
        ON CONFLICT DO NOTHING`;
      if (inserted > 0) return true;
      return (await select(inviteeId, roomId)).length > 0;
    },
    listFor: async (inviteeId) => withRooms(await select(inviteeId), inviteeId),
    find: async (roomId, inviteeId) => (await withRooms(await select(inviteeId, roomId), inviteeId))[0],
    async accept(roomId, inviteeId) {
      // One statement: the membership exists exactly when an invitation was taken.
      const [row] = await db.$queryRaw<{ taken: bigint }[]>`
        WITH taken AS (
          DELETE FROM invitations WHERE room_id = ${roomId}::uuid AND invitee_id = ${inviteeId}::uuid RETURNING room_id, invitee_id
        ), joined AS (
          INSERT INTO memberships (room_id, user_id) SELECT room_id, invitee_id FROM taken ON CONFLICT DO NOTHING RETURNING room_id, user_id
        ), logged AS (
          -- Its timeline entry, in the same statement (store/room-activity.ts).
          INSERT INTO room_activity_outbox (id, room_id, actor_id, action, details, at)
          SELECT ${newId()}::uuid, room_id, user_id, 'member.joined', '{"via":"invitation"}'::jsonb, now() FROM joined
        )
        SELECT count(*) AS taken FROM taken`;
      return Number(row?.taken ?? 0) > 0;
    },
    async decline(roomId, inviteeId) {
      return (await db.$executeRaw`DELETE FROM invitations WHERE room_id = ${roomId}::uuid AND invitee_id = ${inviteeId}::uuid`) > 0;
    },
  };
}
