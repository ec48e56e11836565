// The live state's apply script against the real Redis: the change and its broadcast are one script,
// and what it broadcasts is exactly the message the gateway would build (toChatMessage), in an entry
// every gateway's Socket.IO adapter accepts.
import crypto from 'node:crypto';
import { type ChatMessage, freshMessageFields, REACTION_USERS_MAX } from '@chat/protocol';
import { Redis } from 'ioredis';
import { testServices, uniqueRedisPrefix } from '@chat/testing';
import { createLiveMessages, type LiveChange, toChatMessage } from '../src/redis/live-messages';
import { newId } from '../src/store/ids';

let redis: Redis;
beforeAll(() => void (redis = new Redis(testServices().env.REDIS_URL)));
afterAll(() => redis?.disconnect());

function setup() {
  const prefix = uniqueRedisPrefix();
  const stream = `${prefix}socket.io`;
  const live = createLiveMessages(redis, { prefix, ttlMs: 60_000, loadStored: () => Promise.resolve(undefined), stream: { name: stream, maxLen: 10_000 } });
  /** The broadcasts in the stream, decoded as the adapter decodes them (plaintext JSON). */
  const broadcasts = async () =>
    (await redis.xrange(stream, '-', '+')).map(([, fields]) => {
      const entry = Object.fromEntries(fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : []))) as Record<string, string>;
      expect(entry).toMatchObject({ uid: 'emitter', nsp: '/', type: '3' });
      return JSON.parse(entry.data!) as { packet: { type: number; nsp: string; data: [string, { message: ChatMessage }] }; opts: { rooms: string[]; except: string[]; flags: object } };
    });
  return { live, broadcasts };
}

const message = (parentId: string | null = null): ChatMessage => ({
  ...freshMessageFields(parentId),
  id: newId(),
  roomId: crypto.randomUUID(),
  body: 'hello "quoted" \\ / ünïcødé 🎉\n<script>',
  clientMsgId: crypto.randomUUID(),
  sender: { id: crypto.randomUUID(), username: 'alice' },
  createdAt: new Date().toISOString(),
});

describe('live messages: apply and announce in one script', () => {
  it('broadcasts every change as the whole message toChatMessage builds, to the room, and nothing for a no-op', async () => {
    const { live, broadcasts } = setup();
    const top = message();
    await live.create(top);
    const users = Array.from({ length: REACTION_USERS_MAX + 3 }, () => crypto.randomUUID());
    const changes: LiveChange[] = [
      { op: 'edit', eventId: newId(), body: 'edited ✏️', at: new Date().toISOString() },
      ...users.map((userId): LiveChange => ({ op: 'react', eventId: newId(), emoji: '👍', userId, present: true })),
      { op: 'react', eventId: newId(), emoji: '🇫🇷', userId: users[0]!, present: true },
      { op: 'react', eventId: newId(), emoji: '👍', userId: users[1]!, present: false },
      { op: 'reply', replyId: newId(), at: new Date().toISOString(), present: true },
    ];
    const acked: ChatMessage[] = [];
    for (const change of changes) {
      const applied = await live.apply(top.id, top.roomId, change);
      expect(applied?.changed).toBe(true);
      expect(applied!.announced).toEqual(toChatMessage(applied!));
      acked.push(applied!.announced!);
    }
    // No-ops: an older edit, a reaction already there, a reply counted already.
    expect((await live.apply(top.id, top.roomId, { op: 'edit', eventId: '00000000-0000-7000-8000-000000000000', body: 'older', at: new Date().toISOString() }))?.announced).toBeUndefined();
    expect((await live.apply(top.id, top.roomId, { op: 'react', eventId: newId(), emoji: '🇫🇷', userId: users[0]!, present: true }))?.changed).toBe(false);

    const sent = await broadcasts();
    expect(sent.map((b) => b.packet.data[1].message)).toEqual(acked);
    for (const b of sent) {
      expect(b.packet).toMatchObject({ type: 2, nsp: '/', data: ['message:updated', expect.anything()] });
      expect(b.opts).toEqual({ rooms: [`room:${top.roomId}`], except: [], flags: {} });
    }
    const last = acked.at(-1)!;
    expect(last).toMatchObject({ body: 'edited ✏️', replyCount: 1, editedAt: expect.any(String), revision: changes.length });
    expect(last.reactions.map((r) => [r.emoji, r.count, r.userIds.length])).toEqual([['👍', REACTION_USERS_MAX + 2, REACTION_USERS_MAX], ['🇫🇷', 1, 1]]);
  });

  it('announces a tombstone without body or reactions, and a reply with no count of its own', async () => {
    const { live, broadcasts } = setup();
    const top = message();
    const reply = message(top.id);
    await Promise.all([live.create(top), live.create({ ...reply, roomId: top.roomId })]);
    await live.apply(reply.id, top.roomId, { op: 'react', eventId: newId(), emoji: '🔥', userId: reply.sender.id, present: true });
    const deleted = await live.apply(reply.id, top.roomId, { op: 'delete', eventId: newId(), at: new Date().toISOString() });
    expect(deleted!.announced).toEqual(toChatMessage(deleted!));
    expect(deleted!.announced).toMatchObject({ body: '', reactions: [], replyCount: 0, parentId: top.id, deletedAt: expect.any(String) });
    expect((await live.apply(reply.id, top.roomId, { op: 'react', eventId: newId(), emoji: '🔥', userId: reply.sender.id, present: true }))?.changed).toBe(false);
    expect((await broadcasts()).map((b) => b.packet.data[1].message.revision)).toEqual([1, 2]);
  });
});
