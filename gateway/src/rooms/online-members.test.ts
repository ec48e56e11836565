// Who is online in a room, for members pages: how long a set serves first pages and next pages, and that
// a busy room's first pages do not wait for its renewal. A real in-process Socket.IO server, alone: its
// in-memory adapter's server-side emit is given the cluster adapter's answer for a gateway with no
// others (no answers), counted and held open here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { roomChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import { Server } from 'socket.io';
import { type ChatSocket, connectSocket } from '@chat/testing';
import type { ChatServer } from '../realtime/types';
import { createOnlineMembers } from './online-members';

const ROOM = '0190b000-0000-7000-8000-000000000001';
let httpServer: http.Server;
let io: ChatServer;
let baseUrl: string;
const clients: ChatSocket[] = [];

beforeAll(async () => {
  httpServer = http.createServer();
  io = new Server(httpServer) as ChatServer;
  io.use((socket, next) => {
    // The client's token names its user: enough identity for presence.
    const id = String((socket.handshake.auth as { token?: string }).token);
    socket.data.user = { id, username: id };
    next();
  });
  io.on('connection', (socket) => void socket.join(roomChannel(ROOM)));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await io.close();
});

const connectAs = async (userId: string) => {
  const socket = await connectSocket(baseUrl, userId);
  clients.push(socket);
  const joined = () => [...io.of('/').sockets.values()].some((s) => s.data.user.id === userId && s.rooms.has(roomChannel(ROOM)));
  while (!joined()) await new Promise((r) => setImmediate(r));
  return socket;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('online members', () => {
  it('serves first pages a set at most freshMs old, renewed behind them past half of it; next pages reuse it for reuseMs', async () => {
    const online = createOnlineMembers(io, { warn: jest.fn() } as unknown as Logger, { freshMs: 400, reuseMs: 1_200 });
    const adapter = io.of('/').adapter;
    const emit = adapter.serverSideEmit.bind(adapter);
    let lookups = 0;
    let hold: Promise<void> = Promise.resolve();
    adapter.serverSideEmit = (packet: unknown[]) => {
      lookups++;
      const ack = packet.pop() as (error: null, answers: string[][]) => void;
      void hold.then(() => ack(null, []));
    };
    try {
      await connectAs('ann');
      const first = online.onlineIn(ROOM, true);
      expect([...(await first)]).toEqual(['ann']);
      expect(lookups).toBe(1);

      // Within half the freshness: the same set, no lookup.
      await connectAs('bob');
      expect(await online.onlineIn(ROOM, true)).toBe(await first);
      expect(lookups).toBe(1);

      // Past half of it: the old set at once while the renewal (held open here) runs, one renewal only.
      await sleep(220);
      let release!: () => void;
      hold = new Promise<void>((resolve) => (release = resolve));
      expect(await online.onlineIn(ROOM, true)).toBe(await first);
      expect(await online.onlineIn(ROOM, true)).toBe(await first);
      expect(lookups).toBe(2);
      release();
      await sleep(10);
      const renewed = await online.onlineIn(ROOM, true);
      expect([...renewed].sort()).toEqual(['ann', 'bob']);

      // A next page reuses the set long after first pages stopped taking it.
      await sleep(450);
      expect(await online.onlineIn(ROOM)).toBe(renewed);
      expect(lookups).toBe(2);
      // A first page then waits for a new lookup: nothing older than freshMs.
      await connectAs('cat');
      expect([...(await online.onlineIn(ROOM, true))].sort()).toEqual(['ann', 'bob', 'cat']);
      expect(lookups).toBe(3);
    } finally {
      adapter.serverSideEmit = emit;
    }
  });

  it('answers room:online with the user ids of its own sockets in the room, each once', async () => {
    createOnlineMembers(io, { warn: jest.fn() } as unknown as Logger).attach();
    await connectAs('dan');
    await connectAs('dan');
    const answer = await new Promise<string[]>((resolve) => io.of('/')._onServerSideEmit(['room:online', ROOM, resolve]));
    expect(answer.filter((id) => id === 'dan')).toEqual(['dan']);
    expect(new Set(answer).size).toBe(answer.length);
    const none = await new Promise<string[]>((resolve) => io.of('/')._onServerSideEmit(['room:online', 42, resolve]));
    expect(none).toEqual([]);
  });
});
