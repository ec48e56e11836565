// `room.activity` records (issue 16: membership and moderation changes on the log) against the real
// Kafka and PostgreSQL: each timeline entry is stored exactly once, whatever is redelivered or replayed,
// and an entry that breaks the schema (an action it does not know) is refused while the entries around it are stored.
import { randomUUID } from 'node:crypto';
import type { MessageEventInput } from '@chat/protocol';
import { eventually } from '@chat/testing';
import { messageRecord, timeOrderedIds, usePersisterSystem } from './support';

const harness = usePersisterSystem();
const produce = harness.produce;
const clock = timeOrderedIds(Date.UTC(2026, 11, 1, 12, 0, 0));

function entry(roomId: string, action: string, actorId: string, targetId: string | null = null, details: object = {}) {
  const { id, at } = clock.next();
  return { v: 2, kind: 'room.activity', eventId: id, roomId, actorId, at, action, targetId, details } as MessageEventInput;
}

interface StoredEntry {
  id: string;
  action: string;
  actor_id: string;
  target_id: string | null;
  details: unknown;
  at: Date;
}
const entries = async (roomId: string) =>
  (await harness.db.query<StoredEntry>('SELECT id::text, action, actor_id::text, target_id::text, details, at FROM room_activity WHERE room_id = $1 ORDER BY id', [roomId])).rows;

/** A last send in the room, waited for: everything before it on the partition is applied. */
async function settle(roomId: string) {
  const sentinel = messageRecord({ roomId });
  await produce([sentinel]);
  await eventually(async () => (await harness.db.query('SELECT 1 FROM messages WHERE id = $1', [sentinel.id])).rowCount, (n) => n === 1, 20_000, 'sentinel stored');
}

describe('room.activity records', () => {
  it('are stored exactly once after a redelivered batch and a replay in reverse order, with every field as produced', async () => {
    const roomId = randomUUID();
    const [owner, bob] = [randomUUID(), randomUUID()];
    const batch = [
      entry(roomId, 'member.joined', bob, null, { via: 'invitation' }),
      entry(roomId, 'role.changed', owner, bob, { from: 'member', to: 'admin' }),
      entry(roomId, 'room.updated', owner, null, { name: 'renamed', topic: 'news' }),
      entry(roomId, 'member.kicked', owner, bob),
    ];
    await produce(batch);
    await settle(roomId);
    // The same batch again (a consumer that crashed before committing reads it again), then reversed.
    await produce(batch);
    await produce([...batch].reverse());
    await settle(roomId);

    const rows = await entries(roomId);
    expect(rows).toHaveLength(batch.length);
    expect(rows).toEqual(
      batch.map((e) => {
        const a = e as Extract<MessageEventInput, { kind: 'room.activity' }>;
        return { id: a.eventId, action: a.action, actor_id: a.actorId, target_id: a.targetId ?? null, details: a.details ?? {}, at: new Date(a.at) };
      }),
    );
    // Nothing of it is a message: the room has the two sentinels only.
    expect((await harness.db.query('SELECT 1 FROM messages WHERE room_id = $1', [roomId])).rowCount).toBe(2);
  });

  it('an entry with an unknown action is refused (left to the dead-letter topic, not stored), and the entries around it are stored', async () => {
    const roomId = randomUUID();
    const actor = randomUUID();
    const before = entry(roomId, 'member.joined', actor);
    const unknown = { ...entry(roomId, 'member.teleported', actor) };
    const after = entry(roomId, 'member.left', actor);
    await produce([before, unknown, after]);
    await settle(roomId);
    expect((await entries(roomId)).map((e) => e.action)).toEqual(['member.joined', 'member.left']);
  });
});
