/** @jest-environment jsdom */
import type { RoomActivity } from '@chat/protocol';
import { act, render, renderHook, waitFor } from '@testing-library/react';
import { sentEntry } from '../chat/timeline';
import { ann, bob, message, messageId, ROOM_ID } from '../test-support/factories';
import { MessageList } from '../ui/message-list';
import { ACTIVITY_PAGE, describeActivity, type RoomActivitySource, useRoomActivity } from './room-activity';

/** An entry with the id `messageId(n)`: it sorts among the messages by that number. */
const entry = (n: number, action: RoomActivity['action'], details: Record<string, unknown> = {}): RoomActivity => ({
  id: messageId(n),
  roomId: ROOM_ID,
  action,
  actor: ann,
  target: action === 'member.kicked' || action === 'role.changed' ? bob : null,
  details,
  at: '2026-12-01T12:00:00.000Z',
});

describe('room activity lines', () => {
  it('reads each entry as a sentence, naming me "you"', () => {
    expect(describeActivity(entry(1, 'member.kicked'), bob.id)).toBe('ann removed you');
    expect(describeActivity(entry(1, 'member.kicked'), ann.id)).toBe('You removed bob');
    expect(describeActivity(entry(1, 'room.updated', { name: 'news', topic: '' }), bob.id)).toBe('ann renamed the room to “news” and cleared the topic');
    expect(describeActivity(entry(1, 'member.joined'), bob.id)).toBe('ann joined');
    expect(describeActivity(entry(1, 'role.changed', { from: 'member', to: 'admin' }), ann.id)).toBe('You made bob an admin');
  });

  it('puts each line among the messages by id, and waits with those older than the loaded pages', () => {
    const timeline = { entries: [message(20), message(30), message(40)].map((m) => sentEntry(m)), historyLoaded: true, hasOlder: true };
    const activity = [entry(10, 'member.joined'), entry(25, 'member.kicked'), entry(45, 'room.archived')];
    const { container } = render(
      <MessageList roomId={ROOM_ID} timeline={timeline} activity={activity} myUserId={bob.id} loadingOlder={false} onLoadOlder={() => undefined} onRetry={() => undefined} onDiscard={() => undefined} />,
    );
    const rows = [...container.querySelectorAll('ol.messages > li')].map((li) => (li.classList.contains('activity-line') ? `[${li.textContent}]` : li.classList.contains('day-separator') ? 'day' : 'message'));
    expect(rows.filter((r) => r !== 'day')).toEqual(['message', '[ann removed you]', 'message', 'message', '[ann archived the room]']);
  });
});

describe('room activity paging', () => {
  // A stored timeline of 250 entries (ids 1..250) behind the route's contract: the newest page, or the page before an id.
  const stored = Array.from({ length: 250 }, (_, i) => entry(i + 1, 'member.joined'));
  const source = (asked: (string | undefined)[]): RoomActivitySource => ({
    roomActivity: async (_roomId, before) => {
      asked.push(before);
      const older = before === undefined ? stored : stored.filter((e) => e.id < before);
      return older.slice(-ACTIVITY_PAGE);
    },
    onActivity: () => () => undefined,
  });

  it('loads the newest page, then the pages before it only as far back as the messages loaded reach', async () => {
    const asked: (string | undefined)[] = [];
    const src = source(asked);
    const { result, rerender } = renderHook(({ reach }: { reach?: string }) => useRoomActivity(src, ROOM_ID, reach), { initialProps: { reach: messageId(200) } });
    await waitFor(() => expect(result.current).toHaveLength(100));
    expect(result.current[0]!.id).toBe(messageId(151));
    // The messages loaded reach back to 200: nothing older is needed yet.
    expect(asked).toEqual([undefined]);

    // The reader scrolled back to message 120: one page before entry 151 (51..150).
    rerender({ reach: messageId(120) });
    await waitFor(() => expect(result.current).toHaveLength(200));
    expect(asked).toEqual([undefined, messageId(151)]);

    // Back to message 5: the page before 51 holds the last 50, and then there is nothing older to ask.
    rerender({ reach: messageId(5) });
    await waitFor(() => expect(result.current).toHaveLength(250));
    rerender({ reach: messageId(1) });
    await act(async () => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(asked).toEqual([undefined, messageId(151), messageId(51)]);
    expect(result.current.map((e) => e.id)).toEqual(stored.map((e) => e.id));
  });
});
