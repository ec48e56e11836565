// The client against a real Socket.IO server whose handshake middleware is scripted per attempt: what
// every client of the platform does when a gateway refuses a handshake for a moment (UNAVAILABLE), for
// good (UNAUTHORIZED), or never answers the CONNECT packet at all.
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { type ChatClient, createChatClient, openChatClient } from './chat-client';

/** What the server does with one handshake: refuse it with a code, hold it unanswered, or accept it. */
type Answer = string | 'hold' | undefined;

let server: Server;
let url: string;
let answers: Answer[];
let tokens: unknown[];
const clients: ChatClient[] = [];

beforeEach(async () => {
  answers = [];
  tokens = [];
  server = new Server(0 as never);
  server.use((socket, next) => {
    tokens.push(socket.handshake.auth.token);
    const answer = answers.shift();
    if (answer === 'hold') return; // never calls next: the client waits for a CONNECT answer that never comes
    if (answer === undefined) return next();
    const error = new Error(answer) as Error & { data: unknown };
    error.data = { code: answer, message: answer };
    next(error);
  });
  await new Promise<void>((resolve) => server.httpServer.once('listening', () => resolve()));
  url = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

function client(options: Partial<Parameters<typeof createChatClient>[0]> = {}): ChatClient {
  let n = 0;
  const created = createChatClient({ url, transports: ['websocket'], token: () => `token-${++n}`, retryMinMs: 20, retryMaxMs: 50, ...options });
  clients.push(created);
  return created;
}

const connected = (c: ChatClient) => new Promise<void>((resolve) => c.onConnect(() => resolve()));

describe('createChatClient', () => {
  it('tries again after a handshake refused with a retriable code, asking for the token at every attempt', async () => {
    answers = ['UNAVAILABLE', 'RATE_LIMITED'];
    const c = client();
    const up = connected(c);
    c.open();
    await up;
    expect(c.connected).toBe(true);
    expect(tokens).toEqual(['token-1', 'token-2', 'token-3']);
  });

  it('ends the session on a refused token when no fresh one can be had', async () => {
    answers = ['UNAUTHORIZED'];
    const refresh = jest.fn(async () => false);
    const c = client({ refreshToken: refresh });
    const ended = new Promise<void>((resolve) => c.onUnauthorized(resolve));
    c.open();
    await ended;
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(c.connected).toBe(false);
  });

  it('connects again at once with the fresh token after a refresh', async () => {
    answers = ['UNAUTHORIZED'];
    let token = 'expired';
    const c = client({
      token: () => token,
      refreshToken: async () => {
        token = 'fresh';
        return true;
      },
    });
    const up = connected(c);
    c.open();
    await up;
    expect(tokens).toEqual(['expired', 'fresh']);
  });

  it('does not retry a refusal that trying again cannot fix', async () => {
    answers = ['FORBIDDEN'];
    const c = client();
    const refused = new Promise<Error>((resolve) => c.onConnectError(resolve));
    c.open();
    expect((await refused).message).toBe('FORBIDDEN');
    // Any retry would be a second handshake within a few backoffs of 20-50 ms.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tokens).toHaveLength(1);
  });

  it('starts over a connection whose CONNECT packet is never answered (the watchdog)', async () => {
    answers = ['hold'];
    const c = client({ connectWatchdogMs: 300 });
    const up = connected(c);
    const started = Date.now();
    c.open();
    await up;
    expect(tokens).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('reconnects after the server closed the socket on purpose (a gateway shutting down)', async () => {
    const c = client();
    const first = connected(c);
    c.open();
    await first;
    const again = new Promise<boolean>((resolve) => c.onConnect(({ first }) => resolve(first)));
    for (const socket of await server.fetchSockets()) socket.disconnect(true);
    expect(await again).toBe(false);
  });

  it('openChatClient resolves at the first connection and leaves nothing behind that acts on a later failed reconnection', async () => {
    const c = client({ reconnectionDelayMs: 20, reconnectionDelayMaxMs: 50 });
    await openChatClient(c);
    // The connection drops (not on purpose) and the first reconnection is refused; the next one must come.
    answers = ['UNAVAILABLE'];
    const refused = new Promise<void>((resolve) => c.onConnectError(() => resolve()));
    const again = new Promise<boolean>((resolve) => c.onConnect(({ first }) => resolve(first)));
    for (const socket of server.of('/').sockets.values()) socket.conn.close();
    await refused;
    expect(await again).toBe(false);
    expect(c.connected).toBe(true);
  });

  it('openChatClient rejects with the refusal of a first handshake and closes the client', async () => {
    answers = ['FORBIDDEN'];
    const c = client();
    await expect(openChatClient(c)).rejects.toThrow('FORBIDDEN');
    expect(c.socket.active).toBe(false);
  });

  it('answers a request with TIMEOUT when no ack comes in time, never with a rejection', async () => {
    server.on('connection', (socket) => socket.on('presence:list', () => undefined)); // never acks
    const c = client({ ackTimeoutMs: 100 });
    const up = connected(c);
    c.open();
    await up;
    const result = await c.request('presence:list', { roomId: 'r' });
    expect(result).toEqual({ ok: false, error: { code: 'TIMEOUT', message: 'no answer within 100 ms' } });
  });

  it('resends a send with the same clientMsgId after a retriable failure, until it is acked', async () => {
    const seen: unknown[] = [];
    server.on('connection', (socket) =>
      socket.on('message:send', (input: { clientMsgId: string }, ack: (r: unknown) => void) => {
        seen.push(input.clientMsgId);
        if (seen.length === 1) return; // the first ack is lost
        if (seen.length === 2) return ack({ ok: false, error: { code: 'UNAVAILABLE', message: 'Kafka away' } });
        ack({ ok: true, message: { id: 'm1', ...input } });
      }),
    );
    const c = client({ ackTimeoutMs: 100 });
    const up = connected(c);
    c.open();
    await up;
    const failures: string[] = [];
    const outcome = await c.send({ roomId: 'r', body: 'hi', clientMsgId: 'c-1' }, { backoffMinMs: 10, onFailure: (f) => failures.push(f.code) });
    expect(outcome).toMatchObject({ ok: true, message: { id: 'm1', clientMsgId: 'c-1' } });
    expect(seen).toEqual(['c-1', 'c-1', 'c-1']);
    expect(failures).toEqual(['TIMEOUT', 'UNAVAILABLE']);
  });

  it('gives up at once on a failure retrying cannot fix', async () => {
    server.on('connection', (socket) =>
      socket.on('message:send', (_input: unknown, ack: (r: unknown) => void) => ack({ ok: false, error: { code: 'FORBIDDEN', message: 'not a member' } })),
    );
    const c = client();
    const up = connected(c);
    c.open();
    await up;
    const outcome = await c.send({ roomId: 'r', body: 'hi', clientMsgId: 'c-2' });
    expect(outcome).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'not a member' }, retriable: false });
  });
});
