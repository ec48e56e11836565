// The gateway acks what its send schema accepts; the persister stores what its decoder accepts. A string
// one accepts and the other refuses is an acknowledged message that is lost (or a valid one refused):
// random Unicode, lone surrogates and the characters at the edges of every rule, through both.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { LIMITS, normalizeBody, sendMessageSchema } from '@chat/protocol';
import { decodeRecord } from './record-decoder';

const record = (body: string) =>
  Buffer.from(
    JSON.stringify({ v: 1, id: randomUUID(), roomId: randomUUID(), senderId: randomUUID(), senderUsername: 'alice', body, clientMsgId: 'c-1', createdAt: '2026-11-27T10:11:12.345Z' }),
  );

const gatewayAccepts = (body: string) => sendMessageSchema.safeParse({ roomId: randomUUID(), body, clientMsgId: 'c-1' }).success;
const persisterAccepts = (body: string) => decodeRecord(record(normalizeBody(body))).ok;

/** Any UTF-16 code unit: lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** The characters at the edges of the rules: NUL, controls, CR/LF, tab, whitespace, surrogates, bidi, emoji. */
const edgy = fc.constantFrom('\u0000', '\u0007', '\r', '\n', '\r\n', '\t', ' ', '\u00a0', '\u2028', '\ufeff', '\ud800', '\udfff', '\u202e', '\u007f', '👩🏽‍💻', 'é');
const unit = fc.oneof(codeUnit, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), edgy);

describe('the send schema and the record decoder agree on every body', () => {
  it('accept and refuse the same random strings (after the gateway normalises them)', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (body) => gatewayAccepts(body) === persisterAccepts(body)),
      { numRuns: 20_000 },
    );
  });

  it('agree at the length limit too', () => {
    const long = fc.tuple(fc.integer({ min: LIMITS.bodyMax - 3, max: LIMITS.bodyMax + 3 }), fc.string({ unit, minLength: 1, maxLength: 4 }));
    fc.assert(
      fc.property(long, ([n, tail]) => {
        const body = `${'x'.repeat(n - 1)}${tail}`;
        return gatewayAccepts(body) === persisterAccepts(body);
      }),
      { numRuns: 2_000 },
    );
  });

  it('both refuse a lone surrogate, which PostgreSQL would turn into U+FFFD', () => {
    expect([gatewayAccepts('\ud800'), persisterAccepts('\ud800')]).toEqual([false, false]);
    expect([gatewayAccepts('ok 👋'), persisterAccepts('ok 👋')]).toEqual([true, true]);
  });
});
