// Who is online on a members page (issue 16): three gateways on the real PostgreSQL, Redis and Kafka,
// the pages asked of g1 while the members' sockets are on g2 and g3. Each gateway answers `room:online`
// with its own members; one that crashed or hangs no longer holds the page up, and its members go offline.
import type { MembersPageResponse, Room } from '@chat/protocol';
import { api, type ChatSocket, connectSocket, eventually, inviteAndAccept, registerUser, startSystem, type TestSystem } from '@chat/testing';

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem({ gateways: 3, nginx: false, persister: false, env: { REGISTER_RATE_LIMIT: '1000' } });
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

const sockets: ChatSocket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

const gateway = (id: string) => system.gateways.find((g) => g.id === id)!;

async function roomOfThree() {
  const g1 = gateway('g1').url;
  const [owner, ann, bob] = [await registerUser(g1), await registerUser(g1), await registerUser(g1)];
  const room = (await api<{ room: Room }>(g1, 'POST', '/api/rooms', { token: owner.token, body: { name: 'online', visibility: 'private' } })).body.room;
  await inviteAndAccept(g1, owner.token, room.id, ann);
  await inviteAndAccept(g1, owner.token, room.id, bob);
  /** The first page as g1 answers it: who is listed online, and how long the answer took. */
  const firstPage = async () => {
    const started = Date.now();
    const page = await api<MembersPageResponse>(g1, 'GET', `/api/rooms/${room.id}/members?limit=50`, { token: owner.token });
    expect(page.status).toBe(200);
    return { online: page.body.members.filter((m) => m.online).map((m) => m.id), ms: Date.now() - started, members: page.body.members };
  };
  return { owner, ann, bob, room, firstPage };
}

async function connectTo(id: string, token: string) {
  const socket = await connectSocket(gateway(id).url, token);
  sockets.push(socket);
  return socket;
}

describe('members pages: who is online', () => {
  it('lists members online on other gateways first, and offline within a second after their last socket closed', async () => {
    const { owner, ann, bob, firstPage } = await roomOfThree();
    const annSocket = await connectTo('g2', ann.token);
    await connectTo('g3', bob.token);
    const both = await eventually(firstPage, (p) => p.online.length === 2, 5_000, 'ann and bob online');
    // Online first, each group in join order; the contract's fields unchanged.
    expect(both.members.map((m) => [m.id, m.online])).toEqual([
      [ann.user.id, true],
      [bob.user.id, true],
      [owner.user.id, false],
    ]);
    annSocket.close();
    const closedAt = Date.now();
    await eventually(firstPage, (p) => p.online.length === 1 && p.online[0] === bob.user.id, 5_000, 'ann offline');
    expect(Date.now() - closedAt).toBeLessThan(1_500);
  });

  it("a gateway that stops answering holds a first page up for at most its answer time, then its members are offline; a crashed one's at once", async () => {
    const { bob, firstPage } = await roomOfThree();
    await connectTo('g3', bob.token);
    await eventually(firstPage, (p) => p.online.includes(bob.user.id), 5_000, 'bob online');

    const g3 = gateway('g3');
    process.kill(g3.pid()!, 'SIGSTOP');
    try {
      // Past the freshness of the set read while g3 answered: g1 asks again, g3 is silent.
      await new Promise((resolve) => setTimeout(resolve, 600));
      const hung = await firstPage();
      expect(hung.online).toEqual([]);
      // room:online, then fetchSockets, one second each (the adapter's own wait is five).
      expect(hung.ms).toBeLessThan(3_500);
    } finally {
      process.kill(g3.pid()!, 'SIGCONT');
    }
    await eventually(firstPage, (p) => p.online.includes(bob.user.id), 5_000, 'bob online again');

    await g3.kill();
    const crashed = await eventually(firstPage, (p) => p.online.length === 0, 5_000, 'bob offline after the crash');
    expect(crashed.ms).toBeLessThan(1_000);
  });
});
