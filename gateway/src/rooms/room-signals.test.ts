// Who is online in a room, for members pages: fresh lookups that arrive while one is in flight share the
// next one, which starts after them. A real in-process Socket.IO server; its adapter's lookup is held
// open by the test (after it has read the sockets) to make "in flight" last.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { roomChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import { Server } from 'socket.io';
import { type ChatSocket, connectSocket } from '@chat/testing';
import type { ChatServer, RoomEvents } from '../realtime/types';
import type { RoomPolicy } from './room-policy';
import { createRoomSignals } from './room-signals';

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
};

describe('room signals: online members', () => {
  it('answers every fresh call with a lookup that started after it, sharing one lookup among the calls that waited', async () => {
    const log = { warn: jest.fn() } as unknown as Logger;
    const signals = createRoomSignals(io, {} as RoomEvents, { get: async () => undefined }, { invalidate: () => undefined } as unknown as RoomPolicy, log);
    await connectAs('ann');

    // Each lookup reads the sockets at once, then waits for the test before it answers.
    const adapter = io.of('/').adapter;
    const read = adapter.fetchSockets.bind(adapter);
    const releases: (() => void)[] = [];
    adapter.fetchSockets = async (options) => {
      const sockets = await read(options);
      await new Promise<void>((resolve) => releases.push(resolve));
      return sockets;
    };
    const release = async (n: number) => {
      while (releases.length < n) await new Promise((r) => setImmediate(r));
      releases[n - 1]!();
    };

    const first = signals.onlineIn(ROOM, true);
    await connectAs('bob'); // after the first lookup read the room
    const second = signals.onlineIn(ROOM, true);
    const third = signals.onlineIn(ROOM, true);
    await release(1);
    expect([...(await first)]).toEqual(['ann']);
    await release(2);
    expect([...(await second)].sort()).toEqual(['ann', 'bob']);
    expect(await third).toBe(await second);
    expect(releases).toHaveLength(2);

    // Not fresh: the set just read is reused; fresh again after it settled: a new lookup.
    expect(await signals.onlineIn(ROOM)).toBe(await second);
    const fourth = signals.onlineIn(ROOM, true);
    await release(3);
    expect([...(await fourth)].sort()).toEqual(['ann', 'bob']);
    adapter.fetchSockets = read;
  });
});
