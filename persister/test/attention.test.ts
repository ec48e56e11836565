// Read markers and mentions through the real Kafka and PostgreSQL (issue 15): a marker never moves back
// whatever order markers arrive in, a replay changes nothing, and a message's mentions are stored with it
// and go with its tombstone.
import { randomUUID } from 'node:crypto';
import type { MessageEventInput } from '@chat/protocol';
import { eventually, startSystem, type TestSystem } from '@chat/testing';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { connectProducer } from './support';

let system: TestSystem;
let producer: Producer;
let db: Client;

beforeAll(async () => {
  system = await startSystem({ gateways: 0, nginx: false });
  producer = await connectProducer();
  db = new Client({ connectionString: system.databaseUrl });
  await db.connect();
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await db?.end();
  await system?.stop();
});

const produce = (records: MessageEventInput[]) =>
  producer.send({ topic: system.topics.messages, acks: -1, messages: records.map((r) => ({ key: r.roomId, value: JSON.stringify(r) })) });

/** Time-ordered UUIDv7 ids (as the gateway makes them). */
let clock = Date.UTC(2026, 11, 1, 12, 0, 0);
function nextId(): { id: string; at: string } {
  clock += 1_000;
  const hex = clock.toString(16).padStart(12, '0');
  const rand = randomUUID().replace(/-/g, '');
  return { id: `${hex.slice(0, 8)}-${hex.slice(8)}-7${rand.slice(0, 3)}-8${rand.slice(4, 7)}-${rand.slice(8, 20)}`, at: new Date(clock).toISOString() };
}

const marker = (roomId: string, actorId: string, messageId: string): MessageEventInput => {
  const { id, at } = nextId();
  return { v: 2, kind: 'read.marked', eventId: id, roomId, actorId, at, messageId };
};

const markerOf = async (userId: string, roomId: string) =>
  (await db.query<{ id: string }>('SELECT last_read_id::text AS id FROM read_markers WHERE user_id = $1 AND room_id = $2', [userId, roomId])).rows[0]?.id;

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
    const rows = () => db.query<{ user_id: string }>('SELECT user_id::text FROM message_mentions WHERE message_id = $1 ORDER BY user_id', [id]);
    await eventually(rows, (r) => r.rows.length === 2, 15_000, 'mentions stored');
    const [message] = (await db.query<{ mentions: string[] }>('SELECT mentions::text[] FROM messages WHERE id = $1', [id])).rows;
    expect(new Set(message!.mentions)).toEqual(new Set([ann, bob]));
    const deleted = nextId();
    await produce([{ v: 2, kind: 'message.deleted', eventId: deleted.id, roomId, actorId: sender, at: deleted.at, messageId: id }]);
    await eventually(rows, (r) => r.rows.length === 0, 15_000, 'mentions gone with the tombstone');
  });
});
