// The claims script against the real Redis: what counts against a sender's rate limit, and what a
// clientMsgId reused in another room gets.
import crypto from 'node:crypto';
import { type ChatMessage, freshMessageFields } from '@chat/protocol';
import { Redis } from 'ioredis';
import { testServices, uniqueRedisPrefix } from '@chat/testing';
import { createMessageClaims } from '../src/redis/message-claims';

let redis: Redis;
beforeAll(() => void (redis = new Redis(testServices().env.REDIS_URL)));
afterAll(() => redis?.disconnect());

const sender = { id: crypto.randomUUID(), username: 'sender' };
const message = (roomId: string, clientMsgId: string = crypto.randomUUID()): ChatMessage => ({
  ...freshMessageFields(),
  id: crypto.randomUUID(),
  roomId,
  body: 'hello',
  clientMsgId,
  sender,
  createdAt: new Date().toISOString(),
});
const claims = (rateLimit = 3) => createMessageClaims(redis, { prefix: uniqueRedisPrefix(), dedupeWindowMs: 60_000, rateLimit, rateWindowMs: 60_000 });

describe('message claims', () => {
  it('does not count refused sends: after any number of RATE_LIMITED answers, a released send makes room for one', async () => {
    const c = claims(3);
    const room = crypto.randomUUID();
    const sent = [message(room), message(room), message(room)];
    for (const m of sent) expect((await c.claim(m)).kind).toBe('new');
    for (let i = 0; i < 20; i++) expect((await c.claim(message(room))).kind).toBe('limited');
    // The third never reached Kafka (an outage): its count is given back, and the next send goes through.
    await c.release(sent[2]!);
    expect((await c.claim(message(room))).kind).toBe('new');
    expect((await c.claim(message(room))).kind).toBe('limited');
  });

  it('lets a resend of a durable message through even at the limit, without counting it', async () => {
    const c = claims(1);
    const m = message(crypto.randomUUID());
    expect((await c.claim(m)).kind).toBe('new');
    await c.commit(m);
    for (let i = 0; i < 3; i++) expect(await c.claim({ ...m, id: crypto.randomUUID() })).toMatchObject({ kind: 'existing', committed: true, message: { id: m.id } });
  });

  it('answers conflict, not the first message, to a clientMsgId reused in another room', async () => {
    const c = claims(10);
    const first = message(crypto.randomUUID(), 'same-id');
    expect((await c.claim(first)).kind).toBe('new');
    expect((await c.claim(message(crypto.randomUUID(), 'same-id'))).kind).toBe('conflict');
    expect(await c.claim(message(first.roomId, 'same-id'))).toMatchObject({ kind: 'existing', message: { id: first.id } });
  });
});
