// One user cannot starve everyone (two real gateways, Redis, PostgreSQL, Kafka): a cap on a user's open
// sockets across gateways that a crashed gateway does not hold forever, one event budget per user, and
// presence:list answered from one lookup per room however many sockets ask.
import type { Room } from '@chat/protocol';
import { api, type ChatSocket, connectSocket, eventually, inviteAndAccept, registerUser, scrapeMetric, startSystem, type TestSystem } from '@chat/testing';

const MAX_SOCKETS = 5;
const LEASE_MS = 3_000;
let system: TestSystem;
const opened: ChatSocket[] = [];

beforeAll(async () => {
  system = await startSystem({
    gateways: 2,
    persister: false,
    nginx: false,
    env: { MAX_SOCKETS_PER_USER: String(MAX_SOCKETS), SOCKET_LEASE_MS: String(LEASE_MS), REGISTER_RATE_LIMIT: '1000' },
  });
}, 120_000);

afterEach(() => {
  for (const socket of opened.splice(0)) socket.close();
});

afterAll(async () => {
  await system?.stop();
});

const gw = (i: number) => system.gateways[i]!.url;
async function open(i: number, token: string): Promise<ChatSocket> {
  const socket = await connectSocket(gw(i), token);
  opened.push(socket);
  return socket;
}
/** The code a refused handshake carries, or 'connected'. */
async function attempt(i: number, token: string): Promise<string> {
  try {
    await open(i, token);
    return 'connected';
  } catch (error) {
    return String((error as { data?: { code?: string } }).data?.code ?? (error as Error).message);
  }
}

describe('sockets per user', () => {
  it('caps one user’s sockets across gateways; closing one frees a slot; other users are unaffected', async () => {
    const user = await registerUser(gw(0));
    const sockets = [];
    for (let i = 0; i < MAX_SOCKETS; i++) sockets.push(await open(i % 2, user.token));
    expect(await attempt(0, user.token)).toBe('RATE_LIMITED');
    expect(await attempt(1, user.token)).toBe('RATE_LIMITED');
    const other = await registerUser(gw(0));
    expect(await attempt(1, other.token)).toBe('connected');

    const closed = sockets[1]!;
    closed.close();
    expect(await eventually(() => attempt(1, user.token), (r) => r === 'connected', 5_000, 'a freed slot')).toBe('connected');
  });

  it('the sockets of a crashed gateway stop counting once their lease lapses', async () => {
    const user = await registerUser(gw(0));
    for (let i = 0; i < MAX_SOCKETS; i++) await open(1, user.token);
    await system.gateways[1]!.kill();
    try {
      // Right after the crash its sockets still count (nobody released them) ...
      expect(await attempt(0, user.token)).toBe('RATE_LIMITED');
      // ... and no longer than a lease: nothing renews them.
      const started = Date.now();
      await eventually(() => attempt(0, user.token), (r) => r === 'connected', LEASE_MS * 3, 'the crashed gateway’s slots lapsing');
      expect(Date.now() - started).toBeLessThan(LEASE_MS * 2 + 1_000);
    } finally {
      await system.gateways[1]!.start();
    }
  });

  it('a live gateway renews its leases: sockets held past the lease still count', async () => {
    const user = await registerUser(gw(0));
    for (let i = 0; i < MAX_SOCKETS; i++) await open(0, user.token);
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS * 1.5)); // what is being tested is time passing
    expect(await attempt(1, user.token)).toBe('RATE_LIMITED');
  });
});

describe('events per user', () => {
  it('shares one event budget among all of a user’s sockets on a gateway', async () => {
    const user = await registerUser(gw(0));
    const room = (await api<{ room: Room }>(gw(0), 'POST', '/api/rooms', { token: user.token, body: { name: 'budget', visibility: 'public' } })).body.room;
    const sockets = await Promise.all(Array.from({ length: 4 }, () => open(0, user.token)));
    // 4 × 50 = 200 events: each socket alone is within the per-second budget, the user is not.
    const answers = await Promise.all(sockets.flatMap((s) => Array.from({ length: 50 }, () => s.timeout(10_000).emitWithAck('presence:list', { roomId: room.id }))));
    const ok = answers.filter((a) => a.ok).length;
    const limited = answers.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').length;
    expect(ok + limited).toBe(200);
    expect(ok).toBeGreaterThanOrEqual(50);
    expect(ok).toBeLessThan(90); // one budget of 50 (plus what refilled meanwhile), not four
  });
});

describe('presence:list', () => {
  it('answers a burst of requests from one lookup per room, with who is online', async () => {
    const [owner, ...others] = await Promise.all(Array.from({ length: 5 }, () => registerUser(gw(0))));
    const room = (await api<{ room: Room }>(gw(0), 'POST', '/api/rooms', { token: owner!.token, body: { name: 'presence burst', visibility: 'private' } })).body.room;
    for (const other of others) await inviteAndAccept(gw(0), owner!.token, room.id, other);
    const sockets = await Promise.all([owner!, ...others].map((u, i) => open(i % 2, u.token)));
    const metrics = `${gw(0)}/metrics`;
    const before = (await scrapeMetric(metrics, 'chat_gateway_presence_lookups_total')) ?? 0;
    const onG1 = sockets.filter((_, i) => i % 2 === 0);
    const answers = await Promise.all(onG1.flatMap((s) => Array.from({ length: 40 }, () => s.timeout(10_000).emitWithAck('presence:list', { roomId: room.id }))));
    const lookups = ((await scrapeMetric(metrics, 'chat_gateway_presence_lookups_total')) ?? 0) - before;
    expect(answers.every((a) => a.ok)).toBe(true);
    const online = answers[0]!.ok ? answers[0]!.online.map((u: { id: string }) => u.id).sort() : [];
    expect(online).toEqual([owner!, ...others].map((u) => u.user.id).sort());
    expect(answers).toHaveLength(120);
    expect(lookups).toBeGreaterThanOrEqual(1);
    expect(lookups).toBeLessThanOrEqual(3); // 120 answers; one lookup per room per second
  });
});
