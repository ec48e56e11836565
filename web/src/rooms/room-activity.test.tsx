/** @jest-environment jsdom */
import type { RoomActivity } from '@chat/protocol';
import { render } from '@testing-library/react';
import { sentEntry } from '../chat/timeline';
import { ann, bob, message, messageId, ROOM_ID } from '../test-support/factories';
import { MessageList } from '../ui/message-list';
import { describeActivity } from './room-activity';

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
