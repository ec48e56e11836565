import type { PrismaClient } from '@chat/db';
import type { MessageEvent, RoomActivityRecord } from '@chat/protocol';

type Statement = ReturnType<PrismaClient['$executeRaw']>;

/**
 * The room timeline part of a batch (`room.activity` records, issue 16): one INSERT of the entries,
 * exactly once by id (ON CONFLICT DO NOTHING), so a redelivered batch or a replay of the topic writes
 * nothing twice, in whatever order the entries come. The change itself (a kick, a role) is already in
 * PostgreSQL, written by the gateway: an entry only records it in the room's order.
 */
export function activityStatements(p: PrismaClient, events: readonly MessageEvent[]): Statement[] {
  const entries = events.filter((e): e is RoomActivityRecord => e.kind === 'room.activity');
  if (entries.length === 0) return [];
  return [
    p.$executeRaw`
      INSERT INTO room_activity (id, room_id, actor_id, action, target_id, details, at)
      SELECT * FROM unnest(
        ${entries.map((e) => e.eventId)}::uuid[], ${entries.map((e) => e.roomId)}::uuid[], ${entries.map((e) => e.actorId)}::uuid[],
        ${entries.map((e) => e.action)}::text[], ${entries.map((e) => e.targetId)}::uuid[],
        ${entries.map((e) => JSON.stringify(e.details))}::jsonb[], ${entries.map((e) => e.at)}::timestamptz[]
      )
      ON CONFLICT DO NOTHING`,
  ];
}
