// Read markers and mentions through the real Kafka and PostgreSQL (issue 15): a marker never moves back
// whatever order markers arrive in, a replay changes nothing, and a message's mentions are stored with it
// and go with its tombstone.
import { randomUUID } from 'node:crypto';
import type { MessageEventInput } from '@chat/protocol';
import { eventually } from '@chat/testing';
import { timeOrderedIds, usePersisterSystem } from './support';

const harness = usePersisterSystem();
const produce = harness.produce;

/** Time-ordered UUIDv7 ids (as the gateway makes them). */
const clock = timeOrderedIds(Date.UTC(2026, 11, 1, 12, 0, 0));
const nextId = clock.next;

const marker = (roomId: string, actorId: string, messageId: string): MessageEventInput => {
  const { id, at } = nextId();
  return { v: 2, kind: 'read.marked', eventId: id, roomId, actorId, at, messageId };
};

const markerOf = async (userId: string, roomId: string) =>
  (await harness.db.query<{ id: string }>('SELECT last_read_id::text AS id FROM read_markers WHERE user_id = $1 AND room_id = $2', [userId, roomId])).rows[0]?.id;

describe('read.marked', () => {
  it('keeps the greatest marker per user and room, whatever the order, across batches and replays', async () => {
    const roomId = randomUUID();
    const user = randomUUID();
    const other = randomUUID();
    const [m1, m2, m3] = [nextId().id, nextId().id, nextId().id];
    // One batch with the newest first, then an older one alone, then a replay of everything.
    await produce([marker(roomId, user, m3), marker(roomId, user, m1), marker(roomId, other, m1)]);
    await eventually(() => markerOf(other, roomId), (id) => id === m1, 15_000, 'first batch applied');
    expect(await markerOf(user, roomId)).toBe(m3);
    await produce([marker(roomId, user, m2), marker(roomId, other, m2)]);
    await eventually(() => markerOf(other, roomId), (id) => id === m2, 15_000, 'second batch applied');
    expect(await markerOf(user, roomId)).toBe(m3);
  });
});

describe('mentions on message.sent', () => {
  it('are stored on the message and in message_mentions once, and leave with the tombstone', async () => {
    const roomId = randomUUID();
    const sender = randomUUID();
    const [ann, bob] = [randomUUID(), randomUUID()];
    const { id, at } = nextId();
    const sent: MessageEventInput = { v: 2, kind: 'message.sent', eventId: id, messageId: id, roomId, actorId: sender, at, senderUsername: 'sam', body: '@ann @bob', clientMsgId: randomUUID(), mentions: [ann, bob] };
    await produce([sent, sent]);
    const rows = () => harness.db.query<{ user_id: string }>('SELECT user_id::text FROM message_mentions WHERE message_id = $1 ORDER BY user_id', [id]);
    await eventually(rows, (r) => r.rows.length === 2, 15_000, 'mentions stored');
    const [message] = (await harness.db.query<{ mentions: string[] }>('SELECT mentions::text[] FROM messages WHERE id = $1', [id])).rows;
    expect(new Set(message!.mentions)).toEqual(new Set([ann, bob]));
    const deleted = nextId();
    await produce([{ v: 2, kind: 'message.deleted', eventId: deleted.id, roomId, actorId: sender, at: deleted.at, messageId: id }]);
    await eventually(rows, (r) => r.rows.length === 0, 15_000, 'mentions gone with the tombstone');
  });
});
