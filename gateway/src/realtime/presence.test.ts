// Presence's batching and its large-room form, on a real in-process Socket.IO server (one gateway, the
// in-memory adapter): the cross-gateway behaviour is in gateway/test/presence.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { type PresenceDiffEvent, roomChannel, userChannel } from '@chat/protocol';
import { type ChatSocket, collect, connectSocket, eventually } from '@chat/testing';
import type { Logger } from '@chat/service-kit';
import { createPresence } from './presence';
import type { ChatServer } from './types';

const ROOM = '0190a000-0000-7000-8000-0000000000aa';
let httpServer: http.Server;
let io: ChatServer;
let baseUrl: string;
const warnings: unknown[] = [];
const sockets: ChatSocket[] = [];

beforeAll(async () => {
  httpServer = http.createServer();
  io = new Server(httpServer) as ChatServer;
  const presence = createPresence(io, { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger, { intervalMs: 50, largeRoomSockets: 3 });
  // The token is the user's name here: the handshake's checks are not what this test is about.
  io.use((socket, next) => {
    const name = String(socket.handshake.auth.token);
    socket.data.user = { id: name, username: name };
    next();
  });
  io.on('connection', (socket) => {
    socket.join([userChannel(socket.data.user.id), roomChannel(ROOM)]);
    presence.changed(socket.data.user, 'opened', socket.rooms);
    socket.on('disconnecting', () => presence.changed(socket.data.user, 'closed', socket.rooms));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await io.close();
});

const connect = async (name: string) => {
  const socket = await connectSocket(baseUrl, name);
  sockets.push(socket);
  return socket;
};

it('batches the joins of one interval into one diff, and sends only counts while the room is large', async () => {
  const watcher = await connect('watcher');
  const diffs: PresenceDiffEvent[] = collect(watcher, 'presence:diff');
  await eventually(async () => diffs.length, (n) => n === 1, 5_000, 'the watcher announced'); // its own arrival
  await Promise.all([connect('a'), connect('b')]);
  await eventually(async () => diffs.length, (n) => n === 2, 5_000, 'one diff for both');
  expect(diffs[1]).toEqual({ roomId: ROOM, online: expect.arrayContaining([{ id: 'a', username: 'a' }, { id: 'b', username: 'b' }]), offline: [] });

  // Four sockets in the room now (more than largeRoomSockets): counts, no users.
  const c = await connect('c');
  await eventually(async () => diffs.length, (n) => n === 3, 5_000, 'a counted diff');
  expect(diffs[2]).toEqual({ roomId: ROOM, large: true, cameOnline: 1, wentOffline: 0 });
  c.close();
  // Back to three sockets: at the threshold, users are listed again.
  await eventually(async () => diffs.length, (n) => n === 4, 5_000, 'a departure');
  expect(diffs[3]).toEqual({ roomId: ROOM, online: [], offline: [{ id: 'c', username: 'c' }] });
  expect(warnings).toEqual([]);
});
