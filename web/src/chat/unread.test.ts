import { ann, message, messageId, messages, ROOM_ID } from '../test-support/factories';
import { EMPTY_TIMELINE, addPending, mergeMessages } from './timeline';
import { advanceMarker, baselineMarker, countUnread, formatUnread } from './unread';

describe('countUnread', () => {
  it('counts messages from others newer than the read marker', () => {
    const t = mergeMessages(EMPTY_TIMELINE, messages(1, 5));
    expect(countUnread(t.entries, messageId(3), ann.id)).toBe(2);
  });

  it('never counts my own messages, sent or pending', () => {
    let t = mergeMessages(EMPTY_TIMELINE, [message(1), message(2, { sender: ann })]);
    t = addPending(t, { clientMsgId: 'p', roomId: ROOM_ID, body: 'x', sender: ann, createdAt: '2026-11-27T12:00:00Z' });
    expect(countUnread(t.entries, undefined, ann.id)).toBe(1);
  });

  it('counts a message delivered twice (live, then replayed after a reconnect) once', () => {
    let t = mergeMessages(EMPTY_TIMELINE, [message(4)]);
    t = mergeMessages(t, [message(4)]);
    t = mergeMessages(t, messages(3, 4));
    expect(countUnread(t.entries, messageId(2), ann.id)).toBe(2);
  });

  it('is zero for a room read up to its newest message', () => {
    const t = mergeMessages(EMPTY_TIMELINE, messages(1, 3));
    expect(countUnread(t.entries, messageId(3), ann.id)).toBe(0);
  });
});

describe('read markers', () => {
  it('move forward and never backward', () => {
    const read = advanceMarker({}, ROOM_ID, messageId(5));
    expect(read[ROOM_ID]).toBe(messageId(5));
    expect(advanceMarker(read, ROOM_ID, messageId(3))).toBe(read);
    expect(advanceMarker(read, ROOM_ID, messageId(8))[ROOM_ID]).toBe(messageId(8));
  });

  it('start at the newest history of a room seen for the first time, and only then', () => {
    const first = baselineMarker({}, ROOM_ID, messageId(9));
    expect(first[ROOM_ID]).toBe(messageId(9));
    expect(baselineMarker(first, ROOM_ID, messageId(12))).toBe(first);
    expect(baselineMarker({}, ROOM_ID, undefined)).toEqual({});
  });
});

describe('formatUnread', () => {
  it('shows exact counts up to 99 and "99+" above', () => {
    expect(formatUnread(1)).toBe('1');
    expect(formatUnread(99)).toBe('99');
    expect(formatUnread(100)).toBe('99+');
  });
});
