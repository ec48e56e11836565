// Edits, deletions, reactions and threads end to end: two gateways behind nginx, the real Redis, Kafka,
// persister and PostgreSQL. Every change is acked only once durable, reaches every member on every
// gateway, is refused before anything is broadcast when it must be, and ends in PostgreSQL exactly once.
import crypto from 'node:crypto';
import type { ChatMessage, MessagesResponse } from '@chat/protocol';
import { api, type ChatSocket, collect, eventually, nextEvent, registerUser, roomOfTwo as twoInARoom, useGatewaySystem } from '@chat/testing';

// A thread of more than 100 replies is sent in one go below: above the default per-user send rate.
const suite = useGatewaySystem({ gateways: 2, env: { MESSAGE_RATE_LIMIT: '1000' } });

const { connect } = suite;

/** What a client shows: messages by id, each the newest revision it received (the web app's rule). */
function view(socket: ChatSocket) {
  const byId = new Map<string, ChatMessage>();
  const take = (m: ChatMessage) => {
    const held = byId.get(m.id);
    if (!held || (m.revision ?? 0) >= (held.revision ?? 0)) byId.set(m.id, m);
  };
  socket.on('message:new', take);
  socket.on('message:updated', ({ message }) => take(message));
  return byId;
}

const roomOfTwo = () => twoInARoom(suite.url, { name: 'living messages' });

/**
 * Sends as a client does: a send refused by the per-user event budget (50 a second, which a test sending
 * back to back on a fast machine outruns) goes again after a pause, with the same clientMsgId.
 */
const send = async (socket: ChatSocket, roomId: string, body: string, parentId?: string) => {
  const input = { roomId, body, clientMsgId: crypto.randomUUID(), ...(parentId ? { parentId } : {}) };
  for (let attempt = 0; ; attempt++) {
    const ack = await socket.timeout(15_000).emitWithAck('message:send', input);
    if (ack.ok) return ack.message;
    if (ack.error.code !== 'RATE_LIMITED' || attempt === 20) throw new Error(`send refused: ${ack.error.code}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const history = async (token: string, roomId: string, query = '') => {
  const res = await api<MessagesResponse>(suite.url, 'GET', `/api/rooms/${roomId}/messages${query}`, { token });
  expect(res.status).toBe(200);
  return res.body.messages;
};

/** A message without its live revision: what history (which has none) must equal. */
const stripped = ({ revision: _revision, ...m }: ChatMessage) => m;

describe('living messages across two gateways', () => {
  it('edit, react, reply and delete on a message acked a moment ago (persister stopped): every member sees each change, PostgreSQL ends with the same state', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const a = await connect(alice.token, 'g1');
    const b = await connect(bob.token, 'g2');
    const atAlice = view(a);
    const atBob = view(b);
    await suite.system.persister!.stop(); // nothing reaches PostgreSQL: the gateways must not need it
    try {
      const top = await send(a, room.id, 'hello **world**');
      expect(top).toMatchObject({ parentId: null, editedAt: null, deletedAt: null, replyCount: 0, lastReplyAt: null, reactions: [] });

      const edited = nextEvent(b, 'message:updated', ({ message }) => message.editedAt !== null);
      const ack = await a.timeout(15_000).emitWithAck('message:edit', { messageId: top.id, body: '  hello, edited  ' });
      expect(ack).toMatchObject({ ok: true, message: { id: top.id, body: 'hello, edited', editedAt: expect.any(String) } });
      expect((await edited).message.body).toBe('hello, edited');

      const reacted = nextEvent(a, 'message:updated', ({ message }) => message.reactions.length === 1);
      expect(await b.timeout(15_000).emitWithAck('reaction:add', { messageId: top.id, emoji: ':thumbsup:' })).toEqual({ ok: true });
      expect((await reacted).message.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [bob.user.id] }]);
      expect(await b.timeout(15_000).emitWithAck('reaction:add', { messageId: top.id, emoji: '👍' })).toEqual({ ok: true }); // a no-op
      expect(await a.timeout(15_000).emitWithAck('reaction:add', { messageId: top.id, emoji: '👍' })).toEqual({ ok: true });
      expect(await a.timeout(15_000).emitWithAck('reaction:add', { messageId: top.id, emoji: '🎉' })).toEqual({ ok: true });
      expect(await a.timeout(15_000).emitWithAck('reaction:remove', { messageId: top.id, emoji: '🎉' })).toEqual({ ok: true });

      const parentCounted = nextEvent(a, 'message:updated', ({ message }) => message.id === top.id && message.replyCount === 2);
      const reply = await send(b, room.id, 'a reply', top.id);
      const replyToReply = await send(a, room.id, 'a reply to the reply', reply.id);
      expect(reply.parentId).toBe(top.id);
      expect(replyToReply.parentId).toBe(top.id); // replies to replies join the same thread
      expect((await parentCounted).message.lastReplyAt).toBe(replyToReply.createdAt);

      const doomed = await send(a, room.id, 'to be deleted');
      await a.timeout(15_000).emitWithAck('reaction:add', { messageId: doomed.id, emoji: '🔥' });
      const tombstone = nextEvent(b, 'message:updated', ({ message }) => message.id === doomed.id && message.deletedAt !== null);
      expect(await a.timeout(15_000).emitWithAck('message:delete', { messageId: doomed.id })).toEqual({ ok: true });
      expect((await tombstone).message).toMatchObject({ body: '', reactions: [] });
      expect(await a.timeout(15_000).emitWithAck('message:edit', { messageId: doomed.id, body: 'resurrected?' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    } finally {
      await suite.system.persister!.start();
    }

    const top = [...atAlice.values()].find((m) => m.body === 'hello, edited')!;
    expect(top.reactions).toEqual([{ emoji: '👍', count: 2, userIds: [bob.user.id, alice.user.id] }]);
    await eventually(() => history(bob.token, room.id), (page) => page.length === 2 && page[0]!.replyCount === 2 && page[1]!.deletedAt !== null, 30_000, 'history caught up');
    // Both members' views equal each other and, once stored, the history: top-level in the room, replies in the thread.
    const topLevel = await history(bob.token, room.id);
    const thread = await history(bob.token, room.id, `?parentId=${top.id}`);
    expect(thread.map((m) => m.body)).toEqual(['a reply', 'a reply to the reply']);
    for (const seen of [atAlice, atBob]) {
      expect([...topLevel, ...thread].map((m) => stripped(seen.get(m.id)!))).toEqual([...topLevel, ...thread]);
    }
  }, 120_000);

  it('refuses edits and deletions of others, changes in rooms one is not in, unknown ids and bad emoji, broadcasting nothing', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const outsider = await registerUser(suite.url);
    const a = await connect(alice.token, 'g1');
    const b = await connect(bob.token, 'g2');
    const o = await connect(outsider.token, 'g1');
    const message = await send(a, room.id, 'mine');
    const updates = collect(a, 'message:updated');
    const refused = [
      [b, 'message:edit', { messageId: message.id, body: 'not yours' }, 'FORBIDDEN'],
      [b, 'message:delete', { messageId: message.id }, 'FORBIDDEN'],
      [o, 'message:edit', { messageId: message.id, body: 'not your room' }, 'NOT_FOUND'],
      [o, 'message:delete', { messageId: message.id }, 'NOT_FOUND'],
      [o, 'reaction:add', { messageId: message.id, emoji: '👍' }, 'NOT_FOUND'],
      [a, 'message:edit', { messageId: crypto.randomUUID(), body: 'who?' }, 'NOT_FOUND'],
      [b, 'reaction:add', { messageId: message.id, emoji: 'not an emoji' }, 'VALIDATION'],
      [b, 'reaction:add', { messageId: message.id, emoji: ':no_such_code:' }, 'VALIDATION'],
      [a, 'message:edit', { messageId: message.id, body: '   ' }, 'VALIDATION'],
      [a, 'message:edit', { messageId: message.id, body: 'x'.repeat(4001) }, 'VALIDATION'],
      [b, 'message:send', { roomId: room.id, body: 'orphan', clientMsgId: crypto.randomUUID(), parentId: crypto.randomUUID() }, 'NOT_FOUND'],
    ] as const;
    for (const [socket, event, input, code] of refused) {
      const ack = await (socket.timeout(15_000).emitWithAck as (e: string, i: unknown) => Promise<unknown>)(event, input);
      expect({ event, ack }).toMatchObject({ event, ack: { ok: false, error: { code } } });
    }
    // The first update anyone sees is the valid change that follows: nothing was broadcast before it.
    const sentinels = [nextEvent(a, 'message:updated'), nextEvent(b, 'message:updated')];
    await a.timeout(15_000).emitWithAck('reaction:add', { messageId: message.id, emoji: '✅' });
    for (const sentinel of await Promise.all(sentinels)) expect(sentinel.message.reactions).toEqual([{ emoji: '✅', count: 1, userIds: [alice.user.id] }]);
    expect(updates.map((u) => u.message.reactions.length)).toEqual([1]);
  }, 60_000);

  it('a client that was away reloads history to the same final state as one that never left', async () => {
    const { alice, bob, room } = await roomOfTwo();
    const a = await connect(alice.token, 'g1');
    const atAlice = view(a);
    const first = await send(a, room.id, 'one');
    const second = await send(a, room.id, 'two');
    const b = await connect(bob.token, 'g2');
    b.close(); // bob leaves; the room goes on
    await a.timeout(15_000).emitWithAck('message:edit', { messageId: first.id, body: 'one, edited' });
    await a.timeout(15_000).emitWithAck('reaction:add', { messageId: first.id, emoji: '❤️' });
    await send(a, room.id, 'in the thread', first.id);
    await a.timeout(15_000).emitWithAck('message:delete', { messageId: second.id });
    await eventually(() => history(bob.token, room.id), (page) => page[1]?.deletedAt != null && page[0]?.replyCount === 1, 30_000, 'changes stored');

    const back = await connect(bob.token, 'g2');
    expect(back.connected).toBe(true);
    const page = await history(bob.token, room.id);
    expect(page).toEqual([first.id, second.id].map((id) => stripped(atAlice.get(id)!)));
    expect(page[0]).toMatchObject({ body: 'one, edited', replyCount: 1, reactions: [{ emoji: '❤️', count: 1, userIds: [alice.user.id] }] });
    expect(page[1]).toMatchObject({ body: '', deletedAt: expect.any(String), reactions: [] });
  }, 60_000);

  it('pages history around a message (a permalink), and lands a reply permalink on its thread parent', async () => {
    const { alice, room } = await roomOfTwo();
    const a = await connect(alice.token, 'g1');
    const sent: ChatMessage[] = [];
    for (let i = 0; i < 9; i++) sent.push(await send(a, room.id, `m${i}`));
    const reply = await send(a, room.id, 'reply to m2', sent[2]!.id);
    await eventually(() => history(alice.token, room.id, `?parentId=${sent[2]!.id}`), (page) => page.length === 1, 30_000, 'stored');
    await eventually(() => history(alice.token, room.id), (page) => page.length === 9, 30_000, 'stored');
    expect((await history(alice.token, room.id, `?around=${sent[4]!.id}&limit=4`)).map((m) => m.body)).toEqual(['m3', 'm4', 'm5', 'm6']);
    expect((await history(alice.token, room.id, `?around=${reply.id}&limit=3`)).map((m) => m.body)).toEqual(['m1', 'm2', 'm3']);
    expect((await api(suite.url, 'GET', `/api/rooms/${room.id}/messages?around=${crypto.randomUUID()}`, { token: alice.token })).status).toBe(404);
    expect((await api(suite.url, 'GET', `/api/rooms/${room.id}/messages?around=${sent[0]!.id}&before=${sent[1]!.id}`, { token: alice.token })).status).toBe(400);
  }, 60_000);

  it('pages a thread of more than 100 replies both ways: back from the newest with before, forward from the parent with after', async () => {
    const { alice, room } = await roomOfTwo();
    const a = await connect(alice.token, 'g1');
    const parent = await send(a, room.id, 'a long thread');
    const replies: ChatMessage[] = [];
    for (let i = 0; i < 130; i++) replies.push(await send(a, room.id, `reply ${i}`, parent.id));
    const thread = (query: string) => history(alice.token, room.id, `?parentId=${parent.id}&limit=100${query}`);
    await eventually(() => history(alice.token, room.id), (page) => page[0]?.replyCount === 130, 30_000, 'thread stored');
    const ids = replies.map((r) => r.id);

    const newest = await thread('');
    const older = await thread(`&before=${newest[0]!.id}`);
    expect([newest.length, older.length]).toEqual([100, 30]);
    expect([...older, ...newest].map((m) => m.id)).toEqual(ids);

    const first = await thread(`&after=${parent.id}`); // the parent is older than every reply: the thread's start
    const next = await thread(`&after=${first.at(-1)!.id}`);
    expect([first.length, next.length]).toEqual([100, 30]);
    expect([...first, ...next].map((m) => m.id)).toEqual(ids);
    expect(await thread(`&after=${ids.at(-1)!}`)).toEqual([]);
    expect((await api(suite.url, 'GET', `/api/rooms/${room.id}/messages?parentId=${parent.id}&after=${ids[0]!}&before=${ids[5]!}`, { token: alice.token })).status).toBe(400);
  }, 90_000);
});
