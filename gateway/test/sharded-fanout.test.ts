// Room-sharded fan-out (FANOUT_MODE=sharded, docs/scaling.md) end to end: two gateways behind nginx on
// the real Redis 7 (sharded pub/sub, standalone), Kafka and PostgreSQL. What only this mode promises: a
// gateway is sent nothing of a room it holds no member of; and what it must keep: recovery, now from
// the per-room logs. The realtime suites run in this mode too (jest project `gateway-sharded`).
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import type { ChatMessage } from '@chat/protocol';
import { api, type ChatSocket, collect, createSocket, eventually, nextEvent, roomOfTwo, scrapeMetric, useGatewaySystem } from '@chat/testing';
import { roomLogKey } from '../src/realtime/room-log';
import { shardChannel } from '../src/realtime/sharded-fanout';

const suite = useGatewaySystem({ gateways: 2, env: { FANOUT_MODE: 'sharded', REGISTER_RATE_LIMIT: '1000' } });

let redis: Redis;
beforeAll(() => void (redis = new Redis(suite.system.env.REDIS_URL!)));
afterAll(() => redis?.quit());

const prefix = () => suite.system.env.REDIS_KEY_PREFIX!;
const channelOf = (roomId: string) => shardChannel(prefix(), `room:${roomId}`);
/** How many gateways are subscribed to a shard channel. */
const subscribers = async (channel: string) => Number(((await redis.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number])[1]);
/** The `message:new` broadcasts a gateway has fanned out to its sockets (its own and those it was sent). */
const fannedOut = async (id: string) => (await scrapeMetric(`${suite.system.gateways.find((g) => g.id === id)!.url}/metrics`, 'chat_gateway_deliver_seconds_count')) ?? 0;

function send(socket: ChatSocket, roomId: string, body: string) {
  return socket.timeout(15_000).emitWithAck('message:send', { roomId, body, clientMsgId: crypto.randomUUID() });
}

async function sent(socket: ChatSocket, roomId: string, body: string): Promise<ChatMessage> {
  const ack = await send(socket, roomId, body);
  if (!ack.ok) throw new Error(`send ${body}: ${ack.error.code}`);
  return ack.message;
}

describe('room-sharded fan-out', () => {
  it('a gateway is subscribed to a room only while it holds a member of it, and is sent nothing of it otherwise', async () => {
    const { alice, bob, room } = await roomOfTwo(suite.url);
    const a = await suite.connect(alice.token, 'g1');
    const b = await suite.connect(bob.token, 'g1');
    // Every gateway is on the namespace's own channel (serverSideEmit, fetchSockets); only g1 on the room's.
    expect(await subscribers(`${prefix()}socket.io#/#`)).toBe(2);
    expect(await subscribers(channelOf(room.id))).toBe(1);

    const before = { g1: await fannedOut('g1'), g2: await fannedOut('g2') };
    const atBob = collect(b, 'message:new');
    const bodies = ['one', 'two', 'three', 'four', 'five'];
    for (const body of bodies) await sent(a, room.id, body);
    await eventually(async () => atBob.length, (n) => n === bodies.length, 10_000, 'bob receives every message');
    expect(atBob.map((m) => m.body)).toEqual(bodies);
    // A fence: a message of another room that g2 does hold, sent after them. Once g2 delivered it, it
    // would have been sent the five before it, had it been sent them at all.
    const other = await roomOfTwo(suite.url);
    const there = await suite.connect(other.bob.token, 'g2');
    const fence = nextEvent(there, 'message:new');
    await sent(await suite.connect(other.alice.token, 'g1'), other.room.id, 'fence');
    await fence;
    expect((await fannedOut('g1')) - before.g1).toBe(bodies.length + 1);
    expect((await fannedOut('g2')) - before.g2).toBe(1);

    // A member arrives on g2: g2 subscribes; the member leaves: it unsubscribes.
    const second = await suite.connect(bob.token, 'g2');
    await eventually(() => subscribers(channelOf(room.id)), (n) => n === 2, 5_000, 'g2 subscribed');
    const onG2 = nextEvent(second, 'message:new', (m) => m.body === 'six');
    await sent(a, room.id, 'six');
    await onG2;
    second.close();
    await eventually(() => subscribers(channelOf(room.id)), (n) => n === 1, 5_000, 'g2 unsubscribed');
  });

  it('a client that reconnects to the other gateway recovers its session and what it missed, in order, from the room log', async () => {
    const { alice, bob, room } = await roomOfTwo(suite.url);
    const a = await suite.connect(alice.token, 'g1');
    const b = suite.closeAfterTest(createSocket(suite.url, bob.token, { gateway: 'g1', reconnection: false }));
    await new Promise<void>((resolve) => b.once('connect', () => resolve()));
    const first = nextEvent(b, 'message:new');
    const kept = await sent(a, room.id, 'before the drop');
    await first;

    const dropped = new Promise((resolve) => b.once('disconnect', resolve));
    (b.io.engine as unknown as { close(): void }).close();
    await dropped;
    // Away: a message, an edit of the first one, and a change of the room's settings (its timeline entry).
    const missed = await sent(a, room.id, 'missed');
    const edit = await a.timeout(15_000).emitWithAck('message:edit', { messageId: kept.id, body: 'edited while away' });
    expect(edit.ok).toBe(true);
    expect((await api(suite.url, 'PATCH', `/api/rooms/${room.id}`, { token: alice.token, body: { topic: 'new topic' } })).status).toBe(200);

    const order: string[] = [];
    const news = collect(b, 'message:new');
    b.on('message:new', (m) => order.push(`new ${m.body}`));
    b.on('message:updated', ({ message }) => order.push(`updated ${message.body}`));
    b.on('room:activity', ({ activity }) => order.push(`activity ${activity.action}`));
    b.io.opts.extraHeaders = { cookie: 'chat_gw=g2' };
    b.connect();
    await new Promise<void>((resolve) => b.once('connect', () => resolve()));
    expect(b.recovered).toBe(true);
    await eventually(async () => order.length, (n) => n >= 3, 10_000, 'the missed events replayed');
    expect(order).toEqual(['new missed', 'updated edited while away', expect.stringMatching(/^activity /)]);
    expect(news).toEqual([missed]);
    // Where they came from: the room's log, written as they were published.
    expect(await redis.xlen(roomLogKey(channelOf(room.id)))).toBeGreaterThanOrEqual(4);
  });

  it('a client whose gateway was killed (no session to restore) is replayed what it missed from the room log', async () => {
    const { alice, bob, room } = await roomOfTwo(suite.url);
    const a = await suite.connect(alice.token, 'g1');
    const b = suite.closeAfterTest(createSocket(suite.url, bob.token, { gateway: 'g2', reconnection: true }));
    await new Promise<void>((resolve) => b.once('connect', () => resolve()));
    const seen = collect(b, 'message:new');
    await sent(a, room.id, 'before the crash');
    await eventually(async () => seen.length, (n) => n === 1, 5_000, 'first delivery');

    const g2 = suite.system.gateways.find((g) => g.id === 'g2')!;
    const dropped = new Promise((resolve) => b.once('disconnect', resolve));
    await g2.kill();
    await dropped;
    await sent(a, room.id, 'during the crash');
    await new Promise<void>((resolve) => b.once('connect', () => resolve()));
    expect(b.recovered).toBe(false);
    await eventually(async () => seen.length, (n) => n >= 2, 10_000, 'the missed message replayed');
    expect(seen.map((m) => m.body)).toEqual(['before the crash', 'during the crash']);
    await g2.start();
    expect((await api(g2.url, 'GET', '/readyz')).status).toBe(200);
  });
});
