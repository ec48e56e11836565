// The send path's decisions, above the seams (claims store, message bus), with in-memory twins.
// The real Redis and Kafka paths are proven in gateway/test/realtime.test.ts.
import type { ChatMessage, MessageEvent } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import pino from 'pino';
import type { MessageBus } from '../message-bus';
import { createMetrics } from '../metrics';
import type { LiveMessages } from '../redis/live-messages';
import type { ClaimResult, MessageClaims } from '../redis/message-claims';
import { sendMessage, type SendMessageDeps } from './send-message';

const roomId = '0190f5a0-0000-7000-8000-000000000001';
const sender = { id: '0190f5a0-0000-7000-8000-0000000000aa', username: 'alice' };

function memoryClaims(limit = 100): MessageClaims & { stored: Map<string, { message: ChatMessage; committed: boolean }> } {
  const stored = new Map<string, { message: ChatMessage; committed: boolean }>();
  let count = 0;
  return {
    stored,
    async claim(message): Promise<ClaimResult> {
      const existing = stored.get(message.clientMsgId);
      if (existing && existing.message.roomId !== message.roomId) return { kind: 'conflict' };
      if (existing?.committed) return { kind: 'existing', ...existing };
      if (count >= limit) return { kind: 'limited', retryAfterMs: 1500 };
      count += 1;
      if (existing) return { kind: 'existing', ...existing };
      stored.set(message.clientMsgId, { message, committed: false });
      return { kind: 'new' };
    },
    async commit(message) {
      stored.set(message.clientMsgId, { message, committed: true });
    },
    async release() {
      count = Math.max(0, count - 1);
    },
  };
}

function deps(bus: Partial<MessageBus> = {}, claims = memoryClaims()) {
  const published: MessageEvent[] = [];
  const broadcasts: ChatMessage[] = [];
  const d: SendMessageDeps = {
    claims,
    bus: { publish: async (r) => void published.push(r), connect: async () => undefined, isConnected: () => true, close: async () => undefined, ...bus },
    // Threads are proven against the real Redis (gateway/test/message-events.test.ts); here: top-level sends.
    live: { create: async () => undefined, load: async () => undefined, apply: async () => undefined } satisfies LiveMessages,
    broadcast: (m) => void broadcasts.push(m),
    metrics: createMetrics('test'),
    log: pino({ level: 'silent' }),
  };
  return { d, published, broadcasts, claims };
}

const member = () => true;
const input = (over: object = {}) => ({ roomId, body: '  hello  ', clientMsgId: 'c1', ...over });

describe('sendMessage', () => {
  it('publishes, then broadcasts and returns the trimmed message with a UUIDv7 id', async () => {
    const { d, published, broadcasts } = deps();
    const message = await sendMessage(d, sender, member, input());
    expect(message).toMatchObject({ roomId, body: 'hello', clientMsgId: 'c1', sender });
    expect(message.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(published).toEqual([expect.objectContaining({ v: 2, kind: 'message.sent', messageId: message.id, actorId: sender.id, body: 'hello', parentId: null })]);
    expect(broadcasts).toEqual([message]);
  });

  it('answers UNAVAILABLE and broadcasts nothing when the bus cannot take the message', async () => {
    const failure = new AppError('UNAVAILABLE', 'kafka is down');
    const { d, broadcasts, claims } = deps({ publish: async () => Promise.reject(failure) });
    await expect(sendMessage(d, sender, member, input())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(broadcasts).toEqual([]);
    expect(claims.stored.get('c1')?.committed).toBe(false);
  });

  it('a retry after a failed publish produces the same message (same id) and succeeds', async () => {
    let fail = true;
    const published: MessageEvent[] = [];
    const { d } = deps({ publish: async (r) => (fail ? Promise.reject(new AppError('UNAVAILABLE', 'down')) : void published.push(r)) });
    await expect(sendMessage(d, sender, member, input())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const firstId = [...(d.claims as ReturnType<typeof memoryClaims>).stored.values()][0]!.message.id;
    fail = false;
    const message = await sendMessage(d, sender, member, input());
    expect(message.id).toBe(firstId);
    expect(published.map((r) => (r.kind === 'message.sent' ? r.messageId : r.kind))).toEqual([firstId]);
  });

  it('acks a resend of a committed message without publishing it again', async () => {
    const { d, published, broadcasts } = deps();
    const first = await sendMessage(d, sender, member, input());
    const again = await sendMessage(d, sender, member, input({ body: 'edited text is ignored' }));
    expect(again).toEqual(first);
    expect(published).toHaveLength(1);
    expect(broadcasts).toHaveLength(1);
  });

  it('refuses non-members, bad input and senders over the limit with their codes', async () => {
    const { d, published } = deps({}, memoryClaims(1));
    await expect(sendMessage(d, sender, () => false, input())).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(sendMessage(d, sender, member, input({ body: '' }))).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(sendMessage(d, sender, member, { roomId })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(sendMessage(d, sender, member, input({ parentId: roomId }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await sendMessage(d, sender, member, input());
    await expect(sendMessage(d, sender, member, input({ clientMsgId: 'c2' }))).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1500 });
    expect(published).toHaveLength(1);
  });

  it('answers UNAVAILABLE when the claims store (Redis) is unreachable', async () => {
    const claims = memoryClaims();
    claims.claim = async () => Promise.reject(new Error('connect ECONNREFUSED'));
    const { d } = deps({}, claims);
    await expect(sendMessage(d, sender, member, input())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
