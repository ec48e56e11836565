import type { Redis } from 'ioredis';
import { type ChatMessage, freshMessageFields } from '@chat/protocol';
import { createMissedMessages } from './missed-messages';

const message = (id: string, roomId: string): ChatMessage => ({
  id,
  roomId,
  body: `body ${id}`,
  clientMsgId: `c${id}`,
  sender: { id: 'u1', username: 'ann' },
  createdAt: '2026-11-27T00:00:00.000Z',
  ...freshMessageFields(),
});
const news = (...messages: ChatMessage[]) => messages.map((m) => ['message:new', m]);

/** A stream entry as the Redis streams adapter writes a broadcast (plaintext JSON data). */
const broadcast = (id: string, event: string, payload: unknown, rooms: string[], nsp = '/', type = '3'): [string, string[]] => [
  id,
  ['uid', 'gateway-uid', 'nsp', nsp, 'type', type, 'data', JSON.stringify({ packet: { type: 2, data: [event, payload], nsp }, opts: { rooms, except: [], flags: {} } })],
];

/** Just enough of ioredis: XRANGE start (exclusive with "(") to "+" with COUNT, over a fixed stream. */
function fakeRedis(entries: [string, string[]][]): { redis: Redis; calls: string[] } {
  const calls: string[] = [];
  const after = (a: string, b: string) => {
    const [am, as] = a.split('-').map(Number);
    const [bm, bs] = b.split('-').map(Number);
    return am! - bm! || as! - bs!;
  };
  const redis = {
    xrange: async (_stream: string, start: string, _end: string, _count: string, count: number) => {
      calls.push(start);
      const from = start.slice(1);
      return entries.filter(([id]) => after(id, from) > 0).slice(0, count);
    },
  } as unknown as Redis;
  return { redis, calls };
}

describe('missed messages from the Socket.IO stream', () => {
  it('returns the chat messages of the given rooms after the offset, oldest first, and nothing else', async () => {
    const a = message('m1', 'A');
    const b = message('m2', 'B');
    const a2 = message('m3', 'A');
    const { redis } = fakeRedis([
      broadcast('100-0', 'message:new', message('m0', 'A'), ['room:A']), // at the offset: already seen
      broadcast('101-0', 'message:new', a, ['room:A']),
      broadcast('102-0', 'message:new', b, ['room:B']),
      broadcast('103-0', 'typing', { roomId: 'A' }, ['room:A']),
      broadcast('104-0', 'message:new', message('x', 'A'), ['room:A'], '/admin'),
      broadcast('105-0', 'message:new', message('y', 'A'), ['room:A'], '/', '1'),
      ['106-0', ['uid', 'u', 'nsp', '/', 'type', '3', 'data', 'not json']],
      broadcast('107-0', 'message:new', a2, ['room:A', 'room:C']),
    ]);
    const missed = createMissedMessages(redis, 'stream', 100);
    expect(await missed.since('100-0', new Set(['room:A']))).toEqual(news(a, a2));
    expect(await missed.since('100-0', new Set(['room:A', 'room:B']))).toEqual(news(a, b, a2));
  });

  it('replays message:updated broadcasts too, in stream order among the new messages', async () => {
    const a = message('m1', 'A');
    const edited = { message: { ...a, body: 'edited', editedAt: '2026-11-27T00:00:01.000Z', revision: 1 } };
    const { redis } = fakeRedis([broadcast('101-0', 'message:new', a, ['room:A']), broadcast('102-0', 'message:updated', edited, ['room:A']), broadcast('103-0', 'message:updated', edited, ['room:B'])]);
    expect(await createMissedMessages(redis, 'stream', 100).since('100-0', new Set(['room:A']))).toEqual([['message:new', a], ['message:updated', edited]]);
  });

  it('reads page by page up to its limit, and ignores an offset that is not a stream id', async () => {
    const entries = Array.from({ length: 1_200 }, (_, i) => broadcast(`${200 + i}-0`, 'message:new', message(`m${i}`, 'A'), ['room:A']));
    const { redis, calls } = fakeRedis(entries);
    const all = await createMissedMessages(redis, 'stream', 10_000).since('199-0', new Set(['room:A']));
    expect(all).toHaveLength(1_200);
    expect(calls).toEqual(['(199-0', '(699-0', '(1199-0']);
    const capped = await createMissedMessages(redis, 'stream', 600).since('199-0', new Set(['room:A']));
    expect(capped).toHaveLength(600);
    for (const offset of [undefined, 42, '', '$', '1-0; FLUSHALL']) {
      expect(await createMissedMessages(redis, 'stream', 10).since(offset, new Set(['room:A']))).toEqual([]);
    }
  });
});
