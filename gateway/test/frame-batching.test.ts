// Frame batching through nginx, two gateways, the real Redis, Kafka and PostgreSQL: a client that asks
// for batches (the shipped one) and a plain Socket.IO client that does not see the same events in the
// same order, and the batching one recovers after a drop exactly where its last batch left it.
import crypto from 'node:crypto';
import { io as plainSocket, type Socket } from 'socket.io-client';
import type { ChatMessage, ClientToServerEvents, ServerToClientEvents } from '@chat/protocol';
import { type ChatSocket, collect, createSocket, eventually, roomOf, scrapeMetric, useGatewaySystem } from '@chat/testing';

// A write delay makes batches certain on any machine: messages sent together reach g2 within it.
const suite = useGatewaySystem({ gateways: 2, env: { SOCKET_BATCH_DELAY_MS: '40', MESSAGE_RATE_LIMIT: '200' } });

const batchFrames = () => scrapeMetric(`${suite.system.gateways[1]!.url}/metrics`, 'chat_gateway_batch_frames_total').then((v) => v ?? 0);

/** Sends every body at once (acks awaited together), so that their broadcasts reach the readers together. */
async function sendAll(sender: ChatSocket, roomId: string, bodies: string[]): Promise<ChatMessage[]> {
  const acks = await Promise.all(bodies.map((body) => sender.timeout(15_000).emitWithAck('message:send', { roomId, body, clientMsgId: crypto.randomUUID() })));
  return acks.map((ack) => {
    if (!ack.ok) throw new Error(`send refused: ${ack.error.code}`);
    return ack.message;
  });
}

/** Every message:new and message:updated the socket gets, in arrival order, as comparable lines. */
function timeline(typed: unknown): string[] {
  const socket = typed as { on(event: string, listener: (payload: never) => void): unknown };
  const lines: string[] = [];
  socket.on('message:new', (message: ChatMessage) => lines.push(`new ${message.id} ${message.body}`));
  socket.on('message:updated', ({ message }: { message: ChatMessage }) => lines.push(`updated ${message.id} ${JSON.stringify(message.reactions)}`));
  return lines;
}

describe('frame batching (events:batch)', () => {
  it('gives a batching client and a plain Socket.IO client the same events in the same order, the batching one in fewer frames', async () => {
    const { users, room } = await roomOf(suite.url, 3, { name: 'batched and plain' });
    const [alice, bob, carol] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]];
    const sender = await suite.connect(alice.token, 'g1');
    const batched = await suite.connect(bob.token, 'g2');
    // What outside checks use: socket.io-client with a token and nothing else.
    const plain: Socket<ServerToClientEvents, ClientToServerEvents> = plainSocket(suite.url, {
      auth: { token: carol.token },
      transports: ['websocket'],
      extraHeaders: { cookie: 'chat_gw=g2' },
      forceNew: true,
    });
    suite.closeAfterTest(plain as unknown as ChatSocket);
    await new Promise<void>((resolve) => plain.once('connect', () => resolve()));
    const seenBatched = timeline(batched);
    const seenPlain = timeline(plain);
    const framesBefore = await batchFrames();

    const sent = await sendAll(sender, room.id, Array.from({ length: 20 }, (_, i) => `burst ${i}`));
    const reactions = await Promise.all(sent.slice(0, 5).map((m) => sender.timeout(15_000).emitWithAck('reaction:add', { messageId: m.id, emoji: '👍' })));
    expect(reactions.every((ack) => ack.ok)).toBe(true);
    await eventually(async () => [seenBatched.length, seenPlain.length], ([b, p]) => b === 25 && p === 25, 15_000, 'every event at both readers');

    expect(seenBatched).toEqual(seenPlain);
    // Messages in the order of their ids, as without batching.
    const ids = seenPlain.filter((line) => line.startsWith('new ')).map((line) => line.split(' ')[1]!);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids)).toEqual(new Set(sent.map((m) => m.id)));
    // The batching client really got batches (g2 wrote them: only bob asked there).
    expect((await batchFrames()) - framesBefore).toBeGreaterThan(0);
  });

  it('recovers a batching client after a drop from the offset of its last batch: nothing missed, nothing twice', async () => {
    const { users, room } = await roomOf(suite.url, 2, { name: 'batched recovery' });
    const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];
    const sender = await suite.connect(alice.token, 'g1');
    const reader = suite.closeAfterTest(createSocket(suite.url, bob.token, { gateway: 'g2', reconnection: false }));
    await new Promise<void>((resolve) => reader.once('connect', () => resolve()));
    const seen = collect(reader, 'message:new');
    const framesBefore = await batchFrames();
    const first = await sendAll(sender, room.id, Array.from({ length: 10 }, (_, i) => `before ${i}`));
    await eventually(async () => seen.length, (n) => n === 10, 10_000, 'the first burst');
    expect((await batchFrames()) - framesBefore).toBeGreaterThan(0);

    const dropped = new Promise((resolve) => reader.once('disconnect', resolve));
    (reader.io.engine as unknown as { close(): void }).close();
    await dropped;
    const missed = await sendAll(sender, room.id, Array.from({ length: 5 }, (_, i) => `missed ${i}`));
    reader.connect();
    await new Promise<void>((resolve) => reader.once('connect', () => resolve()));
    expect(reader.recovered).toBe(true);
    await eventually(async () => seen.length, (n) => n >= 15, 10_000, 'the missed messages replayed');
    // A moment for a duplicate to show up, if the recovery offset were behind the last batch.
    const more = await sendAll(sender, room.id, ['after']);
    await eventually(async () => seen.length, (n) => n >= 16, 10_000, 'the message after the recovery');
    const byId = (a: ChatMessage, b: ChatMessage) => (a.id < b.id ? -1 : 1);
    expect(seen.map((m) => m.id)).toEqual([...first, ...missed].sort(byId).concat(more).map((m) => m.id));
  });
});
