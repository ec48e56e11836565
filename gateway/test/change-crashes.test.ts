// Crashes in the middle of a stream of living-message events: the real gateways (behind nginx),
// persister, Redis, Kafka and PostgreSQL; the people on the shipped client (`@chat/client`), retrying
// each event until acknowledged. After a kill -9 of a gateway, a kill -9 of the persister and a
// graceful stop of the other gateway, PostgreSQL and every member's view equal what was acknowledged:
// no lost edit, no double-counted reaction, no resurrected deleted message.
import type { ChatMessage, Room } from '@chat/protocol';
import {
  api,
  connectClient,
  eventually,
  type ExpectedMessage,
  inviteAndAccept,
  joinAsMember,
  livingHistory,
  livingMismatches,
  registerUser,
  type RoomMember,
  startLivingTraffic,
  startSystem,
  type TestSystem,
} from '@chat/testing';

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem({
    gateways: 2,
    env: { MESSAGE_RATE_LIMIT: '1000000', KAFKA_SEND_TIMEOUT_MS: '3000', KAFKA_SESSION_TIMEOUT_MS: '10000' },
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
}, 60_000);

/** Until nginx sends a client pinned to `gatewayId` there again (the restarted gateway is ready). */
const routedTo = (gatewayId: string) =>
  eventually(
    async () => (await api(system.baseUrl, 'GET', '/api/me', { headers: { cookie: `chat_gw=${gatewayId}` } })).headers.get('x-gateway-id'),
    (answeredBy) => answeredBy === gatewayId,
    30_000,
    `nginx routes to ${gatewayId}`,
  );

/** Per message, what differs from the acknowledged state; plus messages nobody acknowledged. */
function differences(expected: ExpectedMessage[], seen: Map<string, ChatMessage>): string[] {
  const known = new Set(expected.map((e) => e.id));
  return [
    ...expected.flatMap((e) => livingMismatches(e, seen.get(e.id)).map((what) => `${e.id}: ${what}`)),
    ...[...seen.keys()].filter((id) => !known.has(id)).map((id) => `${id}: never acknowledged`),
  ];
}

describe('living messages through crashes', () => {
  it('kill -9 of a gateway, kill -9 of the persister, SIGTERM of the other gateway mid-stream: PostgreSQL and every member end with exactly what was acknowledged', async () => {
    const url = system.baseUrl;
    const [alice, bob, carol, dave, erin] = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(url)));
    const created = await api<{ room: Room }>(url, 'POST', '/api/rooms', { token: alice!.token, body: { name: 'crashes', visibility: 'private' } });
    const room = created.body.room;
    for (const u of [bob!, carol!, dave!, erin!]) await inviteAndAccept(url, alice!.token, room.id, u);
    const members: RoomMember[] = [
      await joinAsMember({ baseUrl: url, token: dave!.token, roomIds: [room.id], gateway: 'g1' }),
      await joinAsMember({ baseUrl: url, token: erin!.token, roomIds: [room.id], gateway: 'g2' }),
    ];
    const actor = async (u: typeof alice, gateway: string) => ({ client: await connectClient(url, u!.token, { gateway }), userId: u!.user.id });
    const author = await actor(alice, 'g1');
    const reactors = [await actor(bob, 'g1'), await actor(carol, 'g2')];
    const traffic = startLivingTraffic({ roomId: room.id, author, reactors, label: 'crash', intervalMs: 20 });
    const [g1, g2] = system.gateways;
    const persister = system.persister!;
    try {
      await traffic.ackedMore(60, 30_000);
      await g1!.kill();
      await traffic.ackedMore(40, 60_000);
      await g1!.start();
      await routedTo('g1');
      await persister.kill();
      await traffic.ackedMore(40, 30_000);
      await persister.start();
      await g2!.stop();
      await traffic.ackedMore(40, 60_000);
      await g2!.start();
      await routedTo('g2');
      await traffic.ackedMore(30, 30_000);
      await traffic.stop();
    } finally {
      await traffic.stop().catch(() => undefined);
      for (const a of [author, ...reactors]) a.client.close();
    }
    expect(traffic.abandoned).toEqual([]);
    expect(traffic.failures.filter((f) => !f.retriable)).toHaveLength(traffic.excused.length); // reactions on messages deleted meanwhile
    const expected = traffic.expected();
    const threads = new Set(expected.flatMap((e) => (e.parentId === null ? [] : [e.parentId]))); // deleted replies too
    console.log(`acknowledged ${JSON.stringify(traffic.acked)}; ${traffic.failures.length} failed attempts, all retried`);
    expect(Object.keys(traffic.acked).sort()).toEqual(['delete', 'edit', 'react', 'reply', 'send', 'unreact']);

    // PostgreSQL (through history, which reads it) once the persister has caught up.
    const stored = () => livingHistory(url, dave!.token, room.id, threads);
    await eventually(stored, (h) => differences(expected, h).length === 0, 60_000, 'PostgreSQL holds the acknowledged state').catch(() => undefined);
    expect(differences(expected, await stored())).toEqual([]);
    // Every member's view, live and caught up, on the shipped client.
    try {
      for (const m of members) await m.settled();
      const views = () => members.map((m) => differences(expected, new Map(m.messages(room.id).map((x) => [x.id, x]))));
      await eventually(async () => views(), (v) => v.every((d) => d.length === 0), 20_000, 'every member has the acknowledged state').catch(() => undefined);
      expect(views()).toEqual([[], []]);
    } finally {
      for (const m of members) m.close();
    }
  }, 240_000);
});
