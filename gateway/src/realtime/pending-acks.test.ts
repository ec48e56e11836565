// A transport closed on purpose (Redis came back, a graceful stop) waits for the acks its socket owes:
// a real in-process Socket.IO server whose `message:send` answers only when the test lets it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { type ChatSocket, connectSocket } from '@chat/testing';
import { createPendingAcks } from './pending-acks';
import type { ChatServer, ChatSocket as ServerSocket } from './types';

let httpServer: http.Server;
let io: ChatServer;
let baseUrl: string;
const pending = createPendingAcks();
/** Answers of the sends the server holds, in arrival order. */
let held: ((result: unknown) => void)[] = [];
let serverSocket: ServerSocket | undefined;
const clients: ChatSocket[] = [];

beforeAll(async () => {
  httpServer = http.createServer();
  io = new Server(httpServer) as ChatServer;
  io.use((socket, next) => {
    socket.data.user = { id: 'u', username: 'u' };
    next();
  });
  io.on('connection', (socket) => {
    pending.track(socket);
    serverSocket = socket;
    socket.on('message:send', (_input, ack) => void held.push(ack as (result: unknown) => void));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  held = [];
});

afterAll(async () => {
  await io.close();
});

async function clientWithHeldSend(): Promise<{ socket: ChatSocket; answer: Promise<unknown>; closed: Promise<string> }> {
  const socket = await connectSocket(baseUrl, 'token');
  clients.push(socket);
  // Rejected when the transport closes first (the ack never came): observed, not left unhandled.
  const answer = socket.emitWithAck('message:send', { roomId: 'r', body: 'hi', clientMsgId: 'c' }).catch((error: unknown) => error);
  const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
  while (held.length === 0) await new Promise((resolve) => setImmediate(resolve));
  return { socket, answer, closed };
}

describe('pending acks', () => {
  it('closes a transport only once the ack its socket owes is out, and the client gets it', async () => {
    const { answer, closed } = await clientWithHeldSend();
    const order: string[] = [];
    void answer.then(() => order.push('ack'));
    void closed.then(() => order.push('closed'));
    const closing = pending.closeWhenAnswered(serverSocket!, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]); // still open: the ack is owed
    held[0]!({ ok: true });
    await closing;
    await closed;
    expect(order).toEqual(['ack', 'closed']);
    expect(await answer).toEqual({ ok: true });
  });

  it('closes a socket that owes nothing at once', async () => {
    const socket = await connectSocket(baseUrl, 'token');
    clients.push(socket);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await pending.closeWhenAnswered(serverSocket!, 10_000);
    expect(await closed).toBe('transport close');
  });

  it('does not wait past its limit for an ack that never comes', async () => {
    const { closed } = await clientWithHeldSend();
    const started = Date.now();
    await pending.closeWhenAnswered(serverSocket!, 200);
    expect(await closed).toBe('transport close');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});
