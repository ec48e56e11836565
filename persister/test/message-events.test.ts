// The applier against the real Kafka and PostgreSQL: every kind of the envelope, next to version-1
// records, applied exactly once in the final state, whatever is re-applied, reordered or cut by a kill -9.
import { randomUUID } from 'node:crypto';
import type { MessageEventInput, MessageRecord } from '@chat/protocol';
import { eventually } from '@chat/testing';
import { messageRecord, timeOrderedIds, usePersisterSystem } from './support';

const harness = usePersisterSystem({ KAFKA_SESSION_TIMEOUT_MS: '6000' });
const produce = harness.produce;

/** Time-ordered ids, as the gateway's UUIDv7 event ids: `n` orders them (and their `at`). */
const clock = timeOrderedIds(Date.UTC(2026, 11, 1, 10, 0, 0));
const nextId = clock.next;

/** Builders of one room's records, each with a fresh time-ordered eventId. */
function roomLog(roomId = randomUUID()) {
  const base = (actorId: string, kind: string) => {
    const { id, at } = nextId();
    return { v: 2 as const, eventId: id, roomId, actorId, at, kind };
  };
  return {
    roomId,
    sendV1: (senderId: string, body: string): MessageRecord => ({ ...messageRecord({ roomId, senderId, body }), ...(({ id, at }) => ({ id, createdAt: at }))(nextId()) }),
    reply: (senderId: string, parentId: string, body: string) => {
      const b = base(senderId, 'message.sent');
      return { ...b, kind: 'message.sent' as const, messageId: b.eventId, senderUsername: 'bob', body, clientMsgId: randomUUID(), parentId };
    },
    edit: (actorId: string, messageId: string, body: string) => ({ ...base(actorId, ''), kind: 'message.edited' as const, messageId, body }),
    remove: (actorId: string, messageId: string) => ({ ...base(actorId, ''), kind: 'message.deleted' as const, messageId }),
    react: (actorId: string, messageId: string, emoji: string, add = true) => ({ ...base(actorId, ''), kind: add ? ('reaction.added' as const) : ('reaction.removed' as const), messageId, emoji }),
  };
}

interface StoredMessage {
  body: string;
  edited_at: Date | null;
  deleted_at: Date | null;
  reply_count: number;
  last_reply_at: Date | null;
  parent_id: string | null;
}
const stored = async (id: string) => (await harness.db.query<StoredMessage>('SELECT body, edited_at, deleted_at, reply_count, last_reply_at, parent_id::text FROM messages WHERE id = $1', [id])).rows[0];
const reactions = async (id: string) =>
  (await harness.db.query<{ emoji: string; users: string[] }>('SELECT emoji, array_agg(user_id::text ORDER BY user_id) AS users FROM message_reactions WHERE message_id = $1 AND present GROUP BY emoji ORDER BY emoji COLLATE "C"', [id])).rows;

/** Produces a last send in the room and waits for it: everything before it (same partition) is applied. */
async function settle(log: ReturnType<typeof roomLog>) {
  const sentinel = log.sendV1(randomUUID(), 'sentinel');
  await produce([sentinel]);
  await eventually(() => stored(sentinel.id), (row) => row !== undefined, 20_000, 'sentinel stored');
}

const alice = randomUUID();
const bob = randomUUID();
const carol = randomUUID();

describe('the applier', () => {
  const log = roomLog();
  const top = log.sendV1(alice, 'hello **world**');
  const reply1 = log.reply(bob, top.id, 'first reply');
  const reply2 = log.reply(carol, top.id, 'second reply');
  const edit1 = log.edit(alice, top.id, 'hello, edited once');
  const edit2 = log.edit(alice, top.id, 'hello, edited twice');
  const changes = [
    reply1,
    reply2,
    edit1,
    log.react(bob, top.id, '👍'),
    log.react(carol, top.id, '👍'),
    log.react(bob, top.id, '🎉'),
    edit2,
    log.react(bob, top.id, '🎉', false),
    log.remove(carol, reply2.messageId),
    log.edit(carol, reply2.messageId, 'an edit after the deletion'),
  ];

  async function expectFinalState() {
    const message = await stored(top.id);
    expect(message).toMatchObject({ body: 'hello, edited twice', edited_at: new Date(edit2.at), deleted_at: null, reply_count: 1, last_reply_at: new Date(reply2.at) });
    expect(await reactions(top.id)).toEqual([{ emoji: '👍', users: [bob, carol].sort() }]);
    expect(await stored(reply1.messageId)).toMatchObject({ body: 'first reply', parent_id: top.id, deleted_at: null });
    expect(await stored(reply2.messageId)).toMatchObject({ body: '', deleted_at: expect.any(Date), edited_at: null });
  }

  it('applies a version-1 send and every version-2 kind after it to the acknowledged state', async () => {
    await produce([top, ...changes]);
    await settle(log);
    await expectFinalState();
  });

  it('re-applied twice and then in reverse order (older edits, adds and removes after newer ones), the state stays the newest', async () => {
    await produce([top, ...changes]);
    await produce([top, ...changes]);
    await produce([...changes].reverse());
    await settle(log);
    await expectFinalState();
  });

  it('an older edit or add applied first still loses to the newer one; a deleted message takes no reaction', async () => {
    const other = roomLog();
    const m = other.sendV1(alice, 'original');
    const older = other.edit(alice, m.id, 'older edit');
    const newer = other.edit(alice, m.id, 'newer edit');
    const add = other.react(bob, m.id, '🔥');
    const removeNewer = other.react(bob, m.id, '🔥', false);
    const gone = other.sendV1(alice, 'to be deleted');
    const deletion = other.remove(alice, gone.id);
    const lateReaction = other.react(bob, gone.id, '👍');
    await produce([m, newer, older, removeNewer, add, gone, deletion, lateReaction]);
    await settle(other);
    expect(await stored(m.id)).toMatchObject({ body: 'newer edit', edited_at: new Date(newer.at) });
    expect(await reactions(m.id)).toEqual([]);
    expect(await stored(gone.id)).toMatchObject({ body: '', deleted_at: new Date(deletion.at) });
    expect(await reactions(gone.id)).toEqual([]);
  });

  it('after a kill -9 in the middle of a stream of edits and reactions, the rows equal what was produced', async () => {
    const stream = roomLog();
    const m = stream.sendV1(alice, 'counted');
    const users = Array.from({ length: 40 }, () => randomUUID());
    const records: (MessageRecord | MessageEventInput)[] = [m];
    for (let i = 0; i < 400; i++) {
      const user = users[i % users.length]!;
      records.push(i % 5 === 0 ? stream.edit(alice, m.id, `edit ${i}`) : stream.react(user, m.id, i % 2 ? '👍' : '❤️', i % 3 !== 0));
    }
    // The expected state, computed the way the log means it: the last event per key wins.
    const expected = new Map<string, boolean>();
    let body = '';
    for (const r of records) {
      if (r.v === 2 && r.kind === 'message.edited') body = r.body;
      if (r.v === 2 && (r.kind === 'reaction.added' || r.kind === 'reaction.removed')) expected.set(`${r.emoji} ${r.actorId}`, r.kind === 'reaction.added');
    }
    const persister = harness.system.persister!;
    for (let i = 0; i < records.length; i += 50) {
      await produce(records.slice(i, i + 50));
      if (i === 150) await persister.kill();
      if (i === 250) await persister.start();
    }
    await settle(stream);
    expect((await stored(m.id))?.body).toBe(body);
    const present = (emoji: string) => [...expected].filter(([k, v]) => v && k.startsWith(`${emoji} `)).map(([k]) => k.split(' ')[1]!).sort();
    expect(await reactions(m.id)).toEqual(
      ['❤️', '👍'].map((emoji) => ({ emoji, users: present(emoji) })).filter((r) => r.users.length > 0).sort((a, b) => (a.emoji < b.emoji ? -1 : 1)),
    );
  }, 90_000);
});
