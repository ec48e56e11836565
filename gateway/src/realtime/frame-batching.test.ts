// Frame batching on a real in-process Socket.IO server (its in-memory adapter, with connection state
// recovery so that broadcasts carry offsets): what leaves on the wire, and what clients see.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import WebSocket from 'ws';
import { createChatSocket, type ChatSocket } from '@chat/client';
import { createFrameBatcher, type EngineWriter, trailingString } from './frame-batching';
import type { ChatServer } from './types';

let httpServer: http.Server;
let io: ChatServer;
let baseUrl: string;
const batchSizes: number[] = [];
const closers: (() => void)[] = [];

beforeAll(async () => {
  httpServer = http.createServer();
  io = new Server(httpServer, { connectionStateRecovery: {} }) as ChatServer;
  const batcher = createFrameBatcher({ onBatch: (n) => batchSizes.push(n) });
  io.on('connection', (socket) => {
    if (socket.handshake.auth?.batch === true) batcher.adopt(socket.client as unknown as EngineWriter);
    void socket.join('r');
    // An acked event whose handler broadcasts around its ack (as message:send does): the ack is no broadcast.
    const room = () => io.to('r') as unknown as { emit(event: string, payload: unknown): void };
    (socket as unknown as { on(event: string, handler: (ack: (answer: string) => void) => void): void }).on('probe', (ack) => {
      room().emit('message:new', { id: 'a' });
      room().emit('message:new', { id: 'b' });
      ack('answer');
      room().emit('message:new', { id: 'c' });
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const close of closers) close();
  await new Promise((resolve) => io.close(resolve));
});

/** The shipped client's socket, connected. */
async function chatSocket(batch: boolean): Promise<ChatSocket> {
  const socket = createChatSocket({ url: baseUrl, token: () => 'token', transports: ['websocket'], reconnection: false, batch });
  closers.push(() => socket.close());
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.connect();
  await connected;
  return socket;
}

/** A raw WebSocket asking for batches: every text frame it reads after the CONNECT, in order. */
async function rawSocket(): Promise<{ frames: string[]; ws: WebSocket }> {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  closers.push(() => ws.terminate());
  const frames: string[] = [];
  await new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const frame = data.toString();
      if (frame.startsWith('0')) ws.send(`40${JSON.stringify({ batch: true })}`);
      else if (frame.startsWith('40')) resolve();
      else if (frame === '2') ws.send('3');
      else frames.push(frame);
    });
  });
  return { frames, ws };
}

/** Every event the socket's listeners get, in order, as [event, payload]. */
function record(socket: ChatSocket, events: string[]): unknown[][] {
  const seen: unknown[][] = [];
  const untyped = socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void };
  for (const event of events) untyped.on(event, (...args) => seen.push([event, ...args]));
  return seen;
}

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('frame batching', () => {
  it('sends the broadcasts of one tick to a batching connection in one frame, and every event alone to the others, in the same order', async () => {
    const batched = await chatSocket(true);
    const plain = await chatSocket(false);
    const raw = await rawSocket();
    const names = ['message:new', 'typing', 'message:updated'];
    const seenBatched = record(batched, names);
    const seenPlain = record(plain, names);
    batchSizes.length = 0;
    const room = io.to('r') as unknown as { emit(event: string, payload: unknown): void };
    room.emit('message:new', { id: 'm1', body: 'one' });
    room.emit('typing', { roomId: 'r', user: 'u' });
    room.emit('message:new', { id: 'm2', body: 'quote " and \\ backslash' });
    room.emit('message:updated', { message: { id: 'm1' } });
    await until(() => seenPlain.length === 4 && seenBatched.length === 4 && raw.frames.length > 0);
    // The same events with the same arguments (the recovery offset last), in the same order.
    expect(seenBatched).toEqual(seenPlain);
    expect(seenPlain.map((e) => e[0])).toEqual(['message:new', 'typing', 'message:new', 'message:updated']);
    expect(seenPlain.every((e) => e.length === 3 && typeof e[2] === 'string')).toBe(true);
    // One frame for the four on the batching connections (the raw one and the shipped client), none for the plain one.
    expect(raw.frames).toHaveLength(1);
    const [event, items, offset] = JSON.parse(raw.frames[0]!.slice(2)) as [string, unknown[][], string];
    expect(event).toBe('events:batch');
    expect(items.map((item) => item.slice(0, 2))).toEqual(seenPlain.map((e) => e.slice(0, 2)));
    // The batch's own offset is its last event's: where the client's recovery offset would have been.
    expect(offset).toBe(items[3]![2]);
    expect(batchSizes).toEqual([4, 4]);
  });

  it('sends one broadcast alone as it always did, and writes what is queued before any other packet', async () => {
    const raw = await rawSocket();
    const room = io.to('r') as unknown as { emit(event: string, payload: unknown): void };
    room.emit('message:new', { id: 'alone' });
    await until(() => raw.frames.length === 1);
    expect(raw.frames[0]).toMatch(/^42\["message:new",\{"id":"alone"\},"[^"]+"\]$/);
    raw.ws.send('421["probe"]');
    await until(() => raw.frames.length === 4);
    expect(raw.frames[1]).toMatch(/^42\["events:batch",\[\["message:new",\{"id":"a"\},"[^"]+"\],\["message:new",\{"id":"b"\},"[^"]+"\]\],"[^"]+"\]$/);
    expect(raw.frames[2]).toBe('431["answer"]');
    // Alone: the ack emptied the queue, so c had nothing to share a frame with.
    expect(raw.frames[3]).toMatch(/^42\["message:new",\{"id":"c"\},"[^"]+"\]$/);
  });
});

describe('trailingString', () => {
  it('finds the string that ends an encoded event, escapes and all, and nothing else', () => {
    expect(trailingString('["e",{"a":1},"17-0"]')).toBe('"17-0"');
    expect(trailingString('["e","a \\" b"]')).toBe('"a \\" b"');
    expect(trailingString('["e","ends in \\\\"]')).toBe('"ends in \\\\"');
    expect(trailingString('["e",{"a":"x"}]')).toBeUndefined();
    expect(trailingString('["e",["x","y"]]')).toBeUndefined();
    expect(trailingString('["e",{"a":"b"},["c"]]')).toBeUndefined();
  });
});
