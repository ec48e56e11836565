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
  it('turns a valid record into a row with every field', () => {
    const record = valid();
    expect(decodeRecord(encode(record))).toEqual({
      ok: true,
      row: {
        id: record.id,
        roomId: record.roomId,
        senderId: record.senderId,
        senderUsername: 'alice',
        body: 'hello, world',
        clientMsgId: 'c-1',
        createdAt: '2026-11-27T10:11:12.345Z',
      },
    });
  });

  it('keeps non-ASCII text and emoji as they are', () => {
    const record = { ...valid(), body: 'grüße 👋 — 你好' };
    const result = decodeRecord(encode(record));
    expect(result.ok && result.row.body).toBe('grüße 👋 — 你好');
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
    ['an unknown version', { ...valid(), v: 2 }, 'v'],
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
