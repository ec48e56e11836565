import { ann, bob, ROOM_ID } from '../test-support/factories';
import { TYPING_TTL_MS, addTyping, clearTyping, createThrottle, describeTyping, pruneTyping, typingUsers } from './typing';

describe('typing indicators', () => {
  it('shows who is typing, without me, until the signal runs out', () => {
    let state = addTyping({}, ROOM_ID, bob, 1_000);
    state = addTyping(state, ROOM_ID, ann, 1_000);
    expect(typingUsers(state, ROOM_ID, ann.id, 2_000)).toEqual([bob]);
    expect(typingUsers(state, ROOM_ID, ann.id, 1_000 + TYPING_TTL_MS)).toEqual([]);
  });

  it('prunes expired signals and keeps the same object when nothing expired', () => {
    const state = addTyping({}, ROOM_ID, bob, 0);
    expect(pruneTyping(state, 1)).toBe(state);
    expect(typingUsers(pruneTyping(state, TYPING_TTL_MS), ROOM_ID, ann.id, 0)).toEqual([]);
  });

  it('clears a user when their message arrives', () => {
    const state = clearTyping(addTyping({}, ROOM_ID, bob, 0), ROOM_ID, bob.id);
    expect(typingUsers(state, ROOM_ID, ann.id, 0)).toEqual([]);
  });

  it('describes one, two and many typists', () => {
    const carl = { id: 'c', username: 'carl' };
    expect(describeTyping([])).toBe('');
    expect(describeTyping([bob])).toBe('bob is typing…');
    expect(describeTyping([ann, bob])).toBe('ann and bob are typing…');
    expect(describeTyping([ann, bob, carl])).toBe('Several people are typing…');
  });
});

describe('createThrottle', () => {
  it('lets the first call through and then at most one per interval', () => {
    const shouldSend = createThrottle(2_500);
    expect([0, 1_000, 2_499, 2_500, 3_000, 5_000].map((t) => shouldSend(t))).toEqual([
      true,
      false,
      false,
      true,
      false,
      true,
    ]);
  });
});
