import { normalizeEmoji } from './emoji';
import { parseMessageEvent } from './kafka';
import { historyQuerySchema, reactionSchema } from './schemas';

const room = '0190a1b2-0000-7000-8000-000000000001';
const user = '0190a1b2-0000-7000-8000-000000000002';
const msg = '0190a1b2-0000-7000-8000-000000000003';
const at = '2026-12-01T10:00:00.000Z';

describe('the messages-topic envelope', () => {
  it('reads a version-1 record as the message.sent event it meant', () => {
    const parsed = parseMessageEvent({ v: 1, id: msg, roomId: room, senderId: user, senderUsername: 'alice', body: 'hi', clientMsgId: 'c1', createdAt: at });
    expect(parsed).toEqual({
      ok: true,
      event: { v: 2, kind: 'message.sent', eventId: msg, messageId: msg, roomId: room, actorId: user, at, senderUsername: 'alice', body: 'hi', clientMsgId: 'c1', parentId: null, mentions: [] },
    });
  });

  it('reads each version-2 kind and ignores fields it does not know (a later gateway may add some)', () => {
    const base = { v: 2, eventId: msg, roomId: room, actorId: user, at, messageId: msg };
    for (const extra of [{ kind: 'message.edited', body: 'new' }, { kind: 'message.deleted' }, { kind: 'reaction.added', emoji: '👍' }, { kind: 'reaction.removed', emoji: '👍' }, { kind: 'read.marked' }]) {
      const parsed = parseMessageEvent({ ...base, ...extra, futureField: 1 });
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(parsed.event).toEqual({ ...base, ...extra });
    }
  });

  it('refuses unknown versions and kinds with a reason', () => {
    expect(parseMessageEvent({ v: 3 })).toMatchObject({ ok: false, issues: expect.arrayContaining([expect.stringContaining('unknown record version 3')]) });
    expect(parseMessageEvent({ v: 2, kind: 'moderation.banned', eventId: msg, roomId: room, actorId: user, at })).toMatchObject({ ok: false });
    expect(parseMessageEvent(null)).toMatchObject({ ok: false });
  });
});

describe('reaction emoji', () => {
  it('accepts one emoji (sequences and flags too) and shipped shortcodes, normalized to the emoji', () => {
    expect(normalizeEmoji('👍')).toBe('👍');
    expect(normalizeEmoji('👨‍👩‍👧')).toBe('👨‍👩‍👧');
    expect(normalizeEmoji('🇫🇷')).toBe('🇫🇷');
    expect(normalizeEmoji(':thumbsup:')).toBe('👍');
    expect(reactionSchema.parse({ messageId: msg, emoji: ':tada:' }).emoji).toBe('🎉');
  });

  it('refuses text, two emoji, unknown shortcodes and oversized input', () => {
    for (const bad of ['a', '👍👍', ':nope:', ':constructor:', '1', '', ' 👍', '👍'.repeat(9), '<script>']) expect(normalizeEmoji(bad)).toBeUndefined();
    expect(reactionSchema.safeParse({ messageId: msg, emoji: 'lol' }).success).toBe(false);
  });
});

describe('history query', () => {
  it('takes parentId and around, but not around with before', () => {
    expect(historyQuerySchema.parse({ parentId: msg, around: msg, limit: '10' })).toEqual({ parentId: msg, around: msg, limit: 10 });
    expect(historyQuerySchema.safeParse({ before: msg, around: msg }).success).toBe(false);
  });
});
