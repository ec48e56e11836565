import type { PrismaClient } from '@chat/db';
import type { ActivityQuery, RoomActivity, RoomActivityAction } from '@chat/protocol';
import { newId } from './ids';

/**
 * The room timeline in PostgreSQL: the outbox of entries not yet on the log, the membership changes
 * that write their entry in the same statement, and the timeline the persister applied.
 *
 * Audited actions (kicks, bans, mutes, roles, transfers, settings, archive) get their outbox row from a
 * trigger on `room_audit` (migration 20261201221835_room_activity), with the audit entry's id; joins and
 * leaves are not audited, so {@link RoomActivityRepository.join} and `leave` write theirs themselves.
 */
export interface RoomActivityRepository {
  /** Adds a member with its `member.joined` entry in one statement; false when it was a member already. */
  join(roomId: string, userId: string): Promise<boolean>;
  /** Removes a member with its `member.left` entry in one statement; false when it was not a member. */
  leave(roomId: string, userId: string): Promise<boolean>;
  /**
   * An account being deleted leaves every room it is in, with a `member.left` entry (details
   * `{reason: 'account.deleted'}`) for each room but its direct conversations (which have no timeline), in
   * one statement; resolves the rooms it left. The deletion then finds no membership to cascade.
   */
  leaveAll(userId: string): Promise<string[]>;
  /** The room's entries still in the outbox, oldest first. */
  pending(roomId: string): Promise<RoomActivity[]>;
  /**
   * One sweep of the outbox, in one transaction: claims the entries of any room that have waited longer
   * than `olderThanMs` (oldest first, at most `limit`) and that no other gateway's sweep holds (`FOR
   * UPDATE SKIP LOCKED`: two sweeps never produce the same entry), hands them to `publish`, deletes the
   * ones it returns, and commits. Resolves how many were claimed.
   */
  sweepStale(olderThanMs: number, limit: number, publish: (entries: RoomActivity[]) => Promise<readonly string[]>): Promise<number>;
  /** Drops entries from the outbox: Kafka acknowledged them. */
  published(ids: readonly string[]): Promise<void>;
  /** The timeline as the persister stored it (see `activityQuerySchema`), oldest first. */
  page(roomId: string, query: ActivityQuery): Promise<RoomActivity[]>;
}

/** How long a sweep waits for a pooled connection for its transaction. */
const SWEEP_MAX_WAIT_MS = 5_000;
/** Longest a sweep's transaction may stay open (its entries are produced meanwhile). */
const SWEEP_TRANSACTION_MS = 60_000;

interface ActivityRow {
  id: string;
  room_id: string;
  action: RoomActivityAction;
  actor_id: string;
  actor_username: string | null;
  target_id: string | null;
  target_username: string | null;
  details: unknown;
  at: Date;
}

/** Selects an entry of `table` (aliased `a`) with its people's names. */
const SELECT = (table: 'room_activity' | 'room_activity_outbox') => `
  SELECT a.id::text, a.room_id::text, a.action, a.actor_id::text, au.username AS actor_username,
         a.target_id::text, tu.username AS target_username, a.details, a.at
    FROM ${table} a LEFT JOIN users au ON au.id = a.actor_id LEFT JOIN users tu ON tu.id = a.target_id`;

function toActivity(r: ActivityRow): RoomActivity {
  return {
    id: r.id,
    roomId: r.room_id,
    action: r.action,
    // A deleted account keeps its id on the timeline; its name is gone with it.
    actor: { id: r.actor_id, username: r.actor_username ?? '(deleted)' },
    target: r.target_id ? { id: r.target_id, username: r.target_username ?? '(deleted)' } : null,
    details: (r.details ?? {}) as Record<string, unknown>,
    at: r.at.toISOString(),
  };
}

/** Inside a transaction that just added a member: its `member.joined` entry (`via`: how it came in). */
export async function writeJoinedEntry(tx: Pick<PrismaClient, '$executeRaw'>, roomId: string, userId: string, via: string): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO room_activity_outbox (id, room_id, actor_id, action, details, at)
    VALUES (${newId()}::uuid, ${roomId}::uuid, ${userId}::uuid, 'member.joined', jsonb_build_object('via', ${via}::text), now())`;
}

export function createRoomActivityRepository(db: PrismaClient): RoomActivityRepository {
  const rows = async (sql: string, ...params: unknown[]) => (await db.$queryRawUnsafe<ActivityRow[]>(sql, ...params)).map(toActivity);
  return {
    async join(roomId, userId) {
      const written = await db.$executeRaw`
        WITH joined AS (
          INSERT INTO memberships (room_id, user_id) VALUES (${roomId}::uuid, ${userId}::uuid) ON CONFLICT DO NOTHING RETURNING room_id, user_id
        )
        INSERT INTO room_activity_outbox (id, room_id, actor_id, action, at)
        SELECT ${newId()}::uuid, room_id, user_id, 'member.joined', now() FROM joined`;
      return written > 0;
    },
    async leave(roomId, userId) {
      const written = await db.$executeRaw`
        WITH left_room AS (
          DELETE FROM memberships WHERE room_id = ${roomId}::uuid AND user_id = ${userId}::uuid RETURNING room_id, user_id
        )
        INSERT INTO room_activity_outbox (id, room_id, actor_id, action, at)
        SELECT ${newId()}::uuid, room_id, user_id, 'member.left', now() FROM left_room`;
      return written > 0;
    },
    async leaveAll(userId) {
      return db.$transaction(async (tx) => {
        // The rooms first, locked, so that each entry gets its id here (time-ordered, as every id).
        const rooms = await tx.$queryRaw<{ room_id: string; visibility: string }[]>`
          SELECT m.room_id::text, r.visibility::text FROM memberships m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = ${userId}::uuid FOR UPDATE OF m`;
        const timeline = rooms.filter((r) => r.visibility !== 'direct').map((r) => r.room_id);
        await tx.$executeRaw`
          INSERT INTO room_activity_outbox (id, room_id, actor_id, action, details, at)
          SELECT id, room_id, ${userId}::uuid, 'member.left', '{"reason":"account.deleted"}'::jsonb, now()
            FROM unnest(${timeline.map(() => newId())}::uuid[], ${timeline}::uuid[]) AS e(id, room_id)`;
        await tx.$executeRaw`DELETE FROM memberships WHERE user_id = ${userId}::uuid`;
        return rooms.map((r) => r.room_id);
      });
    },
    pending: (roomId) => rows(`${SELECT('room_activity_outbox')} WHERE a.room_id = $1::uuid ORDER BY a.id`, roomId),
    sweepStale: (olderThanMs, limit, publish) =>
      db.$transaction(
        async (tx) => {
          const claimed = (
            await tx.$queryRawUnsafe<ActivityRow[]>(
              `${SELECT('room_activity_outbox')} WHERE a.at < now() - make_interval(secs => $1::float8 / 1000) ORDER BY a.id LIMIT $2::int FOR UPDATE OF a SKIP LOCKED`,
              olderThanMs,
              limit,
            )
          ).map(toActivity);
          if (claimed.length === 0) return 0;
          const done = await publish(claimed);
          if (done.length > 0) await tx.$executeRaw`DELETE FROM room_activity_outbox WHERE id = ANY(${done}::uuid[])`;
          return claimed.length;
        },
        // The rows stay locked while Kafka is asked (at most the bus's send timeout per entry batch).
        { maxWait: SWEEP_MAX_WAIT_MS, timeout: SWEEP_TRANSACTION_MS },
      ),
    async published(ids) {
      if (ids.length > 0) await db.$executeRaw`DELETE FROM room_activity_outbox WHERE id = ANY(${ids}::uuid[])`;
    },
    async page(roomId, { before, after, limit }) {
      if (after) return rows(`${SELECT('room_activity')} WHERE a.room_id = $1::uuid AND a.id > $2::uuid ORDER BY a.id LIMIT $3::int`, roomId, after, limit);
      const newest = await rows(
        `${SELECT('room_activity')} WHERE a.room_id = $1::uuid AND ($2::uuid IS NULL OR a.id < $2::uuid) ORDER BY a.id DESC LIMIT $3::int`,
        roomId,
        before ?? null,
        limit,
      );
      return newest.reverse();
    },
  };
}
