// send→deliver on the gateways' /metrics: two gateways behind nginx, the real Redis, Kafka and PostgreSQL.
import crypto from 'node:crypto';
import { type ChatSocket, connectSocket, nextEvent, roomOfTwo, scrapeMetric, startSystem, type TestSystem } from '@chat/testing';

let system: TestSystem;
const sockets: ChatSocket[] = [];

beforeAll(async () => {
  system = await startSystem({ gateways: 2 });
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await system?.stop();
});

const deliveries = (gateway: number, le?: string) =>
  scrapeMetric(`${system.gateways[gateway]!.url}/metrics`, le ? 'chat_gateway_deliver_seconds_bucket' : 'chat_gateway_deliver_seconds_count', le ? { le } : {}).then((v) => v ?? 0);

describe('chat_gateway_deliver_seconds', () => {
  it('times each message once on every gateway that fans it out, the sender\'s and the other, within the SLO bucket', async () => {
    const { alice, bob, room } = await roomOfTwo(system.baseUrl, { name: 'timed deliveries' });
    const sender = await connectSocket(system.baseUrl, alice.token, { gateway: 'g1' });
    const reader = await connectSocket(system.baseUrl, bob.token, { gateway: 'g2' });
    sockets.push(sender, reader);
    const before = await Promise.all([deliveries(0), deliveries(1)]);
    const delivered = nextEvent(reader, 'message:new', (m) => m.body === 'timed');
    const ack = await sender.timeout(15_000).emitWithAck('message:send', { roomId: room.id, body: 'timed', clientMsgId: crypto.randomUUID() });
    expect(ack.ok).toBe(true);
    await delivered;
    const after = await Promise.all([deliveries(0), deliveries(1)]);
    // g2 counted the broadcast it read from Redis before writing it to bob, g1 its own before alice's echo.
    expect(after.map((n, i) => n - before[i]!)).toEqual([1, 1]);
    // The SLO's threshold is a bucket of its own (the alert rules read le="0.25"), whatever this machine's load made of it.
    expect(await scrapeMetric(`${system.gateways[1]!.url}/metrics`, 'chat_gateway_deliver_seconds_bucket', { le: '0.25' })).toBeDefined();
    expect(await deliveries(1, '+Inf')).toBe(after[1]);
  });
});
