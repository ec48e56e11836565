// socketConnection against a real Socket.IO server: what the browser's link does when a gateway refuses
// a handshake for a moment (its middleware answers UNAVAILABLE) or for good (UNAUTHORIZED).
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import type { ChatSocket } from './chat-socket';
import { socketConnection } from './realtime-connection';

let server: Server;
let url: string;
let refusals: string[];

beforeEach(async () => {
  refusals = [];
  server = new Server(0 as never);
  server.use((_socket, next) => {
    const code = refusals.shift();
    next(code ? new Error(code) : undefined);
  });
  await new Promise<void>((resolve) => server.httpServer.once('listening', () => resolve()));
  url = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await server.close();
});

const socketTo = (target: string): ChatSocket => io(target, { autoConnect: false, transports: ['websocket'], forceNew: true });

describe('socketConnection', () => {
  it('tries again after a handshake refused with a temporary error, and connects', async () => {
    refusals = ['UNAVAILABLE', 'UNAVAILABLE'];
    const socket = socketTo(url);
    const connection = socketConnection(socket);
    const connected = new Promise<void>((resolve) => connection.onConnect(() => resolve()));
    connection.open();
    await connected;
    expect(socket.connected).toBe(true);
    expect(refusals).toEqual([]);
    connection.close();
  });

  it('reports a refused token as the end of the session', async () => {
    refusals = ['UNAUTHORIZED'];
    const connection = socketConnection(socketTo(url));
    const unauthorized = new Promise<void>((resolve) => connection.onUnauthorized(resolve));
    connection.open();
    await unauthorized;
    connection.close();
  });
});
