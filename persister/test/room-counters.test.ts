// The maintained unread and mention counters (room_counters, issue 15's speed target) through the real
// Kafka, persister and PostgreSQL: exact after sends while a member is away, own messages and thread
// replies never count, a redelivered batch and a retry under a new id count once, a read marker moving
// forward (also in the middle of a batch) recounts, deletions take back what they counted, and a member
// who joins a room with history starts from the join. After every step the rows must equal what
// counting the messages directly gives (the fallback query of GET /api/rooms).
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { MessageEventInput } from '@chat/protocol';
import { eventually } from '@chat/testing';
import { timeOrderedIds, usePersisterSystem } from './support';

const harness = usePersisterSystem();
const produce = harness.produce;

/** Time-ordered UUIDv7 ids (as the gateway makes them), from an hour ago on. */
const clock = timeOrderedIds(Date.now() - 3_600_000);
const nextId = clock.next;

type Sent = Extract<MessageEventInput, { kind: 'message.sent' }>;
const sent = (roomId: string, actorId: string, extra: Partial<Sent> = {}): Sent => {
  const { id, at } = nextId();
  return { v: 2, kind: 'message.sent', eventId: id, messageId: id, roomId, actorId, at, senderUsername: 'u', body: `line ${id}`, clientMsgId: randomUUID(), mentions: [], ...extra };
};
const marker = (roomId: string, actorId: string, messageId: string): MessageEventInput => ({ v: 2, kind: 'read.marked', ...ids(), roomId, actorId, messageId });
const deletion = (roomId: string, actorId: string, messageId: string): MessageEventInput => ({ v: 2, kind: 'message.deleted', ...ids(), roomId, actorId, messageId });
function ids() {
  const { id, at } = nextId();
  return { eventId: id, at };
}

async function user(): Promise<string> {
  const id = randomUUID();
  await harness.db.query(`INSERT INTO users (id, username, password_hash) VALUES ($1, $2, 'x')`, [id, `counters.${id.slice(0, 8)}`]);
  return id;
}
const join = (roomId: string, userId: string, at = new Date(clock.now())) => harness.db.query('INSERT INTO memberships (room_id, user_id, joined_at) VALUES ($1, $2, $3)', [roomId, userId, at]);

interface Counts {
  unread: number;
  mentions: number;
}
/** The maintained rows of a room, by user. */
async function counters(roomId: string): Promise<Record<string, Counts>> {
  const { rows } = await harness.db.query<Counts & { user_id: string }>('SELECT user_id::text, unread, mentions FROM room_counters WHERE room_id = $1', [roomId]);
  return Object.fromEntries(rows.map((r) => [r.user_id, { unread: r.unread, mentions: r.mentions }]));
}
/** What counting the messages after each member's floor gives, by user (GET /api/rooms' fallback). */
async function counted(roomId: string): Promise<Record<string, Counts>> {
  const { rows } = await harness.db.query<Counts & { user_id: string }>(
    `SELECT m.user_id::text,
            (SELECT count(*)::int FROM messages msg WHERE msg.room_id = m.room_id AND msg.parent_id IS NULL AND msg.deleted_at IS NULL
               AND msg.id > f.floor AND msg.sender_id <> m.user_id) AS unread,
            (SELECT count(*)::int FROM message_mentions mm WHERE mm.user_id = m.user_id AND mm.room_id = m.room_id AND mm.message_id > f.floor) AS mentions
       FROM memberships m LEFT JOIN read_markers rm ON rm.user_id = m.user_id AND rm.room_id = m.room_id
       CROSS JOIN LATERAL (SELECT greatest(rm.last_read_id, uuidv7_floor(m.joined_at)) AS floor) f
      WHERE m.room_id = $1`,
    [roomId],
  );
  return Object.fromEntries(rows.map((r) => [r.user_id, { unread: r.unread, mentions: r.mentions }]));
}

/** Produces, waits until `applied` holds, then checks the rows against `expected` and against counting. */
async function step(records: MessageEventInput[], applied: () => Promise<boolean>, roomId: string, expected: Record<string, Partial<Counts>>) {
  await produce(records);
  await eventually(applied, (done) => done, 15_000, 'batch applied');
  const rows = await counters(roomId);
  for (const [u, want] of Object.entries(expected)) expect({ user: u, ...rows[u] }).toMatchObject({ user: u, ...want });
  expect(rows).toEqual(await counted(roomId));
}
const stored = (messageId: string) => async () => (await harness.db.query('SELECT 1 FROM messages WHERE id = $1', [messageId])).rowCount === 1;
const deleted = (messageId: string) => async () => (await harness.db.query('SELECT 1 FROM messages WHERE id = $1 AND deleted_at IS NOT NULL', [messageId])).rowCount === 1;
const markedAt = (userId: string, roomId: string, messageId: string) => async () =>
  (await harness.db.query('SELECT 1 FROM read_markers WHERE user_id = $1 AND room_id = $2 AND last_read_id = $3', [userId, roomId, messageId])).rowCount === 1;

async function newRoom(): Promise<{ roomId: string; sam: string; ann: string; bob: string }> {
  const [sam, ann, bob] = [await user(), await user(), await user()];
  const roomId = randomUUID();
  await harness.db.query(`INSERT INTO rooms (id, name, visibility, created_by) VALUES ($1, $2, 'private', $3)`, [roomId, `counters.${roomId.slice(0, 8)}`, sam]);
  for (const u of [sam, ann, bob]) await join(roomId, u);
  return { roomId, sam, ann, bob };
}

describe('room_counters', () => {
  it('count sends while away once, never own messages or replies, and recount when a marker moves, in and across batches', async () => {
    const { roomId, sam, ann, bob } = await newRoom();
    expect(await counters(roomId)).toEqual({ [sam]: { unread: 0, mentions: 0 }, [ann]: { unread: 0, mentions: 0 }, [bob]: { unread: 0, mentions: 0 } });

    const s = [sent(roomId, sam), sent(roomId, sam), sent(roomId, sam), sent(roomId, sam), sent(roomId, sam, { mentions: [ann] })];
    const a1 = sent(roomId, ann);
    const reply = sent(roomId, sam, { parentId: s[0]!.messageId, mentions: [bob] });
    const batch = [...s, a1, reply];
    await step(batch, stored(reply.messageId), roomId, { [ann]: { unread: 5, mentions: 1 }, [bob]: { unread: 6, mentions: 1 }, [sam]: { unread: 1, mentions: 0 } });

    // Redelivered: the same records again, and a retry of one send under a new id (same clientMsgId).
    const retry = { ...s[1]!, ...ids(), messageId: nextId().id };
    const outsider = randomUUID();
    await step([...batch, retry, marker(roomId, outsider, s[0]!.messageId)], markedAt(outsider, roomId, s[0]!.messageId), roomId, {
      [ann]: { unread: 5, mentions: 1 },
      [bob]: { unread: 6, mentions: 1 },
    });

    // The marker moves forward: only what is after it counts; moving it back changes nothing.
    await step([marker(roomId, ann, s[2]!.messageId)], markedAt(ann, roomId, s[2]!.messageId), roomId, { [ann]: { unread: 2, mentions: 1 } });
    await step([marker(roomId, ann, s[0]!.messageId), marker(roomId, bob, a1.messageId)], markedAt(bob, roomId, a1.messageId), roomId, {
      [ann]: { unread: 2, mentions: 1 },
      [bob]: { unread: 0, mentions: 1 }, // the reply after a1 mentions bob
    });

    // A marker between two sends of one batch.
    const [s6, s7] = [sent(roomId, sam), sent(roomId, sam)];
    await step([s6, marker(roomId, ann, s6.messageId), s7], stored(s7.messageId), roomId, { [ann]: { unread: 1, mentions: 0 }, [bob]: { unread: 2 } });
  });

  it('take back deleted unread messages and their mentions, and leave read, own and reply deletions alone', async () => {
    const { roomId, sam, ann, bob } = await newRoom();
    const [s1, s2, s3] = [sent(roomId, sam), sent(roomId, sam, { mentions: [ann, bob] }), sent(roomId, sam)];
    const b1 = sent(roomId, bob);
    const reply = sent(roomId, sam, { parentId: s1.messageId });
    await step([s1, s2, s3, b1, reply, marker(roomId, bob, s2.messageId)], stored(reply.messageId), roomId, {
      [ann]: { unread: 4, mentions: 1 },
      [bob]: { unread: 1, mentions: 0 },
    });
    // s2 is unread (and a mention) for ann, read by bob; b1 is bob's own; the reply never counted.
    await step([deletion(roomId, sam, s2.messageId), deletion(roomId, bob, b1.messageId), deletion(roomId, sam, reply.messageId)], deleted(reply.messageId), roomId, {
      [ann]: { unread: 2, mentions: 0 },
      [bob]: { unread: 1, mentions: 0 },
      [sam]: { unread: 0 },
    });
    // Deleting twice (a replay) takes nothing back twice; a send and its deletion in one batch leave nothing.
    const s4 = sent(roomId, sam, { mentions: [ann] });
    await step([deletion(roomId, sam, s2.messageId), s4, deletion(roomId, sam, s4.messageId)], deleted(s4.messageId), roomId, { [ann]: { unread: 2, mentions: 0 } });
  });

  it('start a member who joins a room with history at the join, and drop the row when they leave', async () => {
    const { roomId, sam, ann } = await newRoom();
    const before = [sent(roomId, sam), sent(roomId, sam, { mentions: [ann] })];
    await step(before, stored(before[1]!.messageId), roomId, { [ann]: { unread: 2, mentions: 1 } });
    const carl = await user();
    await join(roomId, carl, new Date(clock.now() + 500));
    expect((await counters(roomId))[carl]).toEqual({ unread: 0, mentions: 0 });
    const after = sent(roomId, sam, { mentions: [carl] });
    await step([after], stored(after.messageId), roomId, { [carl]: { unread: 1, mentions: 1 }, [ann]: { unread: 3, mentions: 1 } });

    await harness.db.query('DELETE FROM memberships WHERE room_id = $1 AND user_id = $2', [roomId, ann]);
    expect((await counters(roomId))[ann]).toBeUndefined();
    // Back later: counting starts from the new join, not from the old row.
    await join(roomId, ann, new Date(clock.now() + 500));
    const last = sent(roomId, sam);
    await step([last], stored(last.messageId), roomId, { [ann]: { unread: 1, mentions: 0 }, [carl]: { unread: 2 } });

    // Joined between two sends that reach PostgreSQL in one batch: only the later one counts.
    const dana = await user();
    const early = sent(roomId, sam);
    await join(roomId, dana, new Date(clock.now() + 500));
    const late = sent(roomId, sam, { mentions: [dana] });
    await step([early, late], stored(late.messageId), roomId, { [dana]: { unread: 1, mentions: 1 }, [ann]: { unread: 3 } });
  });
  it('let a member leave while a message insert holds the room: the leave waits its turn, neither deadlocks', async () => {
    const { roomId, ann } = await newRoom();
    const [inserter, leaver] = [new Client({ connectionString: harness.system.env.DATABASE_URL }), new Client({ connectionString: harness.system.env.DATABASE_URL })];
    await Promise.all([inserter.connect(), leaver.connect()]);
    try {
      const leaverPid = (await leaver.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      // The message insert trigger's two steps, held apart: the room locked, then every member's row.
      await inserter.query('BEGIN');
      await inserter.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [roomId]);
      const leaving = leaver.query('DELETE FROM memberships WHERE room_id = $1 AND user_id = $2', [roomId, ann]);
      await eventually(
        async () => (await harness.db.query<{ wait: string | null }>('SELECT wait_event_type AS wait FROM pg_stat_activity WHERE pid = $1', [leaverPid])).rows[0]?.wait,
        (wait) => wait === 'Lock',
        10_000,
        'the leave waits for a lock',
      );
      // Had the leave deleted its counters row before waiting for the room, this would wait for it: a deadlock.
      await inserter.query('UPDATE room_counters SET unread = unread + 1 WHERE room_id = $1', [roomId]);
      await inserter.query('COMMIT');
      expect((await leaving).rowCount).toBe(1);
      expect((await counters(roomId))[ann]).toBeUndefined();
    } finally {
      await Promise.all([inserter.end(), leaver.end()]);
    }
  });
});
