import type { ChatMessage } from '@chat/protocol';
import { fetchMissedMessages } from './catch-up';
import { compareMessageIds } from './message-order';

/** A UUIDv7-shaped id that sorts by `n`, as the gateway's ids sort by acceptance time. */
const messageId = (n: number): string => `0190c000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

const message = (n: number): ChatMessage => ({
  id: messageId(n),
  roomId: '0190b000-0000-7000-8000-000000000001',
  body: `message ${n}`,
  clientMsgId: `c${n}`,
  sender: { id: '0190a000-0000-7000-8000-00000000000b', username: 'bob' },
  createdAt: new Date(Date.UTC(2026, 10, 27, 12, 0, n)).toISOString(),
});

/** A room holding messages 1..count, served in pages like the history API. */
function roomHistory(count: number) {
  const all = Array.from({ length: count }, (_, i) => message(i + 1));
  const calls: (string | undefined)[] = [];
  const fetchPage = async (before: string | undefined, limit: number): Promise<ChatMessage[]> => {
    calls.push(before);
    const older = before ? all.filter((m) => compareMessageIds(m.id, before) < 0) : all;
    return older.slice(-limit);
  };
  return { fetchPage, calls };
}

describe('fetchMissedMessages', () => {
  it('fetches one page when the newest page already reaches the last known message', async () => {
    const { fetchPage, calls } = roomHistory(30);
    const result = await fetchMissedMessages(fetchPage, messageId(25), 10, 5);
    expect(calls).toEqual([undefined]);
    expect(result.contiguous).toBe(true);
    expect(result.messages.map((m) => m.id)).toContain(messageId(26));
  });

  it('walks back page by page until it reaches the last known message, oldest first', async () => {
    const { fetchPage, calls } = roomHistory(100);
    const result = await fetchMissedMessages(fetchPage, messageId(75), 10, 5);
    expect(calls).toEqual([undefined, messageId(91), messageId(81)]);
    expect(result.contiguous).toBe(true);
    expect(result.messages.map((m) => m.id)).toEqual(Array.from({ length: 30 }, (_, i) => messageId(71 + i)));
  });

  it('reports a non-contiguous result after maxPages instead of pulling the whole room', async () => {
    const { fetchPage, calls } = roomHistory(1000);
    const result = await fetchMissedMessages(fetchPage, messageId(10), 10, 3);
    expect(calls).toHaveLength(3);
    expect(result.contiguous).toBe(false);
    expect(result.messages).toHaveLength(30);
  });

  it('is contiguous when it reaches the beginning of the room (a short page)', async () => {
    // The known message is older than anything left in the room: the walk ends at the room's first page.
    const { fetchPage, calls } = roomHistory(15);
    const result = await fetchMissedMessages(fetchPage, messageId(0), 10, 5);
    expect(calls).toEqual([undefined, messageId(6)]);
    expect(result.contiguous).toBe(true);
    expect(result.messages).toHaveLength(15);
  });

  it('needs one page when nothing was known, and none to walk in an empty room', async () => {
    expect((await fetchMissedMessages(roomHistory(80).fetchPage, undefined, 50, 3)).messages).toHaveLength(50);
    expect(await fetchMissedMessages(async () => [], messageId(3), 10, 2)).toEqual({ messages: [], contiguous: true });
  });
});
