import { randomUUID } from 'node:crypto';
import { decodeRecord } from './record-decoder';

const valid = () => ({
  v: 1,
  id: randomUUID(),
  roomId: randomUUID(),
  senderId: randomUUID(),
  senderUsername: 'alice',
  body: 'hello, world',
  clientMsgId: 'c-1',
  createdAt: '2026-11-27T10:11:12.345Z',
});
const encode = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('decodeRecord', () => {
  it('turns a valid version-1 record into the message.sent event it meant, every field kept', () => {
    const record = valid();
    expect(decodeRecord(encode(record))).toEqual({
      ok: true,
      event: {
        v: 2,
        kind: 'message.sent',
        eventId: record.id,
        messageId: record.id,
        roomId: record.roomId,
        actorId: record.senderId,
        senderUsername: 'alice',
        body: 'hello, world',
        clientMsgId: 'c-1',
        at: '2026-11-27T10:11:12.345Z',
        parentId: null,
        mentions: [],
      },
    });
  });

  it('keeps non-ASCII text and emoji as they are', () => {
    const record = { ...valid(), body: 'grüße 👋 — 你好' };
    const result = decodeRecord(encode(record));
    expect(result.ok && result.event.kind === 'message.sent' && result.event.body).toBe('grüße 👋 — 你好');
  });

  it('accepts 29 February of a leap year', () => {
    expect(decodeRecord(encode({ ...valid(), createdAt: '2028-02-29T23:59:59.999Z' })).ok).toBe(true);
    expect(decodeRecord(encode({ ...valid(), createdAt: '2000-02-29T00:00:00Z' })).ok).toBe(true);
  });

  it('refuses a record without a value (a tombstone)', () => {
    expect(decodeRecord(null)).toMatchObject({ ok: false, problem: 'empty_value' });
    expect(decodeRecord(Buffer.alloc(0))).toMatchObject({ ok: false, problem: 'empty_value' });
  });

  it('refuses invalid JSON and says so', () => {
    const result = decodeRecord(Buffer.from('{"v":1,'));
    expect(result).toMatchObject({ ok: false, problem: 'invalid_json' });
    expect(!result.ok && result.reason).toMatch(/^invalid JSON: /);
  });

  it.each([
    ['a missing field', { ...valid(), body: undefined }, 'body'],
    ['an id that is not a UUID', { ...valid(), id: 'not-a-uuid' }, 'id'],
    ['an unknown version', { ...valid(), v: 3 }, 'v'],
    ['an empty body', { ...valid(), body: '' }, 'body'],
    ['a body over the limit', { ...valid(), body: 'x'.repeat(4001) }, 'body'],
    ['an extra field', { ...valid(), admin: true }, '(record)'],
    ['a createdAt that is not ISO 8601', { ...valid(), createdAt: 'yesterday' }, 'createdAt'],
    ['a createdAt on a day that does not exist', { ...valid(), createdAt: '2026-02-30T00:00:00.000Z' }, 'createdAt'],
    ['a createdAt on 29 February of a common year', { ...valid(), createdAt: '2100-02-29T00:00:00.000Z' }, 'createdAt'],
    ['JSON that is not an object', [1, 2, 3], '(record)'],
  ])('refuses %s as a schema violation naming the field', (_what, record, field) => {
    const result = decodeRecord(encode(record));
    expect(result).toMatchObject({ ok: false, problem: 'schema_violation' });
    expect(!result.ok && result.reason).toContain(`${field}:`);
  });

  it.each(['body', 'senderUsername', 'clientMsgId'] as const)('refuses a NUL character in %s, which Postgres text cannot hold', (field) => {
    const result = decodeRecord(encode({ ...valid(), [field]: 'a\u0000b' }));
    expect(result).toEqual({ ok: false, problem: 'unstorable_text', reason: `unstorable text: ${field} contains a NUL character` });
  });

  it('refuses a lone surrogate rather than letting it turn into U+FFFD', () => {
    // JSON.stringify escapes the lone surrogate as \ud800, which JSON.parse turns back into one.
    const result = decodeRecord(encode({ ...valid(), body: 'broken \ud800 text' }));
    expect(result).toMatchObject({ ok: false, problem: 'unstorable_text' });
    expect(!result.ok && result.reason).toContain('body');
  });
});

describe('decodeRecord, version 2', () => {
  const base = () => ({ v: 2, eventId: randomUUID(), roomId: randomUUID(), actorId: randomUUID(), at: '2026-12-01T10:00:00.000Z', messageId: randomUUID() });

  it('reads every kind of the envelope', () => {
    for (const extra of [{ kind: 'message.edited', body: 'new' }, { kind: 'message.deleted' }, { kind: 'reaction.added', emoji: '👍' }, { kind: 'reaction.removed', emoji: '👍' }, { kind: 'read.marked' }]) {
      const result = decodeRecord(encode({ ...base(), ...extra }));
      expect(result.ok && result.event.kind).toBe(extra.kind);
    }
  });

  it('refuses an edit whose body Postgres cannot store, and a kind this persister does not know (kept for a later one)', () => {
    expect(decodeRecord(encode({ ...base(), kind: 'message.edited', body: 'a\u0000b' }))).toMatchObject({ ok: false, problem: 'unstorable_text' });
    expect(decodeRecord(encode({ ...base(), kind: 'moderation.banned' }))).toMatchObject({ ok: false, problem: 'schema_violation' });
    expect(decodeRecord(encode({ ...base(), kind: 'message.deleted', at: '2026-02-30T00:00:00.000Z' }))).toMatchObject({ ok: false, problem: 'schema_violation', reason: expect.stringContaining('at: ') });
  });
});
