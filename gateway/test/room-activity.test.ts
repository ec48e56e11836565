// Membership and moderation changes on the event log (issue 16): two gateways behind nginx, the real
// PostgreSQL, Redis and Kafka, and the persister. A change's timeline entry is durable in Kafka before
// the REST answer, sits among the room's messages in the log's order, reaches live and reconnecting
// members as `room:activity`, and never goes missing when Kafka refuses it (the outbox).
import crypto from 'node:crypto';
import { createPrisma, type PrismaClient } from '@chat/db';
import type { ChatMessage, MyRoomsResponse, Room, RoomActivity, RoomActivityResponse } from '@chat/protocol';
import { AppError, createLogger } from '@chat/service-kit';
import { Kafka, logLevel } from 'kafkajs';
import { api, type ChatSocket, collect, createSocket, createTestDatabase, createTopics, eventually, inviteAndAccept, nextEvent, registerUser, testServices, useGatewaySystem } from '@chat/testing';
import { createKafkaMessageBus, type MessageBus } from '../src/message-bus';
import { createMetrics } from '../src/metrics';
import { createRoomActivityLog } from '../src/realtime/room-activity-log';
import { newId } from '../src/store/ids';
import { createRoomActivityRepository } from '../src/store/room-activity';

let prisma: PrismaClient;

const suite = useGatewaySystem({ gateways: 2, env: { REGISTER_RATE_LIMIT: '1000' } });

beforeAll(async () => {
  prisma = createPrisma({ url: suite.system.databaseUrl, poolMax: 2 });
}, 120_000);

afterAll(async () => {
  await prisma?.$disconnect();
});

const { connect } = suite;

const send = async (socket: ChatSocket, roomId: string, body: string): Promise<ChatMessage> => {
  const ack = await socket.timeout(15_000).emitWithAck('message:send', { roomId, body, clientMsgId: crypto.randomUUID() });
  if (!ack.ok) throw new Error(`send refused: ${ack.error.code} ${ack.error.message}`);
  return ack.message;
};

/** A private room of owner (creator) and two members. */
async function roomOfThree() {
  const [owner, ann, bob] = [await registerUser(suite.url), await registerUser(suite.url), await registerUser(suite.url)];
  const room = (await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'timeline', visibility: 'private' } })).body.room;
  await inviteAndAccept(suite.url, owner.token, room.id, ann);
  await inviteAndAccept(suite.url, owner.token, room.id, bob);
  return { owner, ann, bob, room };
}

/** The timeline as the persister stored it, once it holds `n` entries. */
const timeline = (roomId: string, token: string, n: number) =>
  eventually(async () => (await api<RoomActivityResponse>(suite.url, 'GET', `/api/rooms/${roomId}/activity`, { token })).body.activity ?? [], (a) => a.length >= n, 15_000, `${n} timeline entries`);

const stored = async (id: string) => (await suite.db.query<{ n: number }>('SELECT count(*)::int AS n FROM room_activity WHERE id = $1', [id])).rows[0]!.n;
const outbox = async (roomId: string) => (await suite.db.query<{ id: string; action: string }>('SELECT id::text, action FROM room_activity_outbox WHERE room_id = $1 ORDER BY id', [roomId])).rows;

describe('room activity on the event log', () => {
  it('a kick is durable before the answer, reaches the others live on both gateways, and sits between the messages sent before and after it', async () => {
    const { owner, ann, bob, room } = await roomOfThree();
    const atOwner = await connect(owner.token, 'g1');
    const atAnn = await connect(ann.token, 'g2');
    const before = await send(atOwner, room.id, 'before the kick');
    const heardByAnn = nextEvent(atAnn, 'room:activity', (e) => e.activity.action === 'member.kicked');
    const heardByOwner = nextEvent(atOwner, 'room:activity', (e) => e.activity.action === 'member.kicked');

    expect((await api(suite.url, 'DELETE', `/api/rooms/${room.id}/members/${bob.user.id}`, { token: owner.token })).status).toBe(204);
    // Answered only after Kafka acknowledged: nothing is left in the outbox.
    expect(await outbox(room.id)).toEqual([]);
    const { activity } = await heardByAnn;
    expect(activity).toMatchObject({ roomId: room.id, action: 'member.kicked', actor: { id: owner.user.id, username: owner.user.username }, target: { id: bob.user.id, username: bob.user.username } });
    expect((await heardByOwner).activity.id).toBe(activity.id);
    // The same id as its audit entry.
    expect((await suite.db.query('SELECT 1 FROM room_audit WHERE id = $1 AND action = $2', [activity.id, 'member.kicked'])).rowCount).toBe(1);
    const after = await send(atAnn, room.id, 'after the kick');

    const entries = await timeline(room.id, owner.token, 3);
    // Joins by invitation (ann, bob), then the kick, as the persister stored them from the log.
    expect(entries.map((e) => e.action)).toEqual(['member.joined', 'member.joined', 'member.kicked']);
    expect(entries[2]).toEqual(activity);
    const messages = (await api<{ messages: ChatMessage[] }>(suite.url, 'GET', `/api/rooms/${room.id}/messages`, { token: owner.token })).body.messages;
    const merged = [...messages.map((m) => ({ id: m.id, what: m.body })), ...entries.map((e) => ({ id: e.id, what: e.action }))].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(merged.map((x) => x.what)).toEqual(['member.joined', 'member.joined', 'before the kick', 'member.kicked', 'after the kick']);
    expect(messages.map((m) => m.id)).toEqual([before.id, after.id]);
    // Not counted as unread nor as anything else: ann has exactly one unread message (the owner's).
    const annRooms = (await api<MyRoomsResponse>(suite.url, 'GET', '/api/rooms', { token: ann.token })).body.rooms;
    expect(annRooms.find((r) => r.id === room.id)?.unreadCount).toBe(1);
  });

  it('roles, mutes, bans, settings, a transfer and joins and leaves each put one entry on the timeline, in order', async () => {
    const { owner, ann, bob, room } = await roomOfThree();
    const atAnn = await connect(ann.token, 'g2');
    const heard = collect(atAnn, 'room:activity');
    const ok = async (method: string, path: string, token: string, body?: object) => {
      const res = await api(suite.url, method, path, { token, body });
      expect([200, 201, 204]).toContain(res.status);
    };
    await ok('PATCH', `/api/rooms/${room.id}/members/${ann.user.id}`, owner.token, { role: 'admin' });
    await ok('POST', `/api/rooms/${room.id}/mutes`, ann.token, { userId: bob.user.id });
    await ok('DELETE', `/api/rooms/${room.id}/mutes/${bob.user.id}`, ann.token);
    await ok('PATCH', `/api/rooms/${room.id}`, ann.token, { name: 'renamed', topic: 'news' });
    // The same settings again change nothing, and write nothing (a retried request is idempotent).
    await ok('PATCH', `/api/rooms/${room.id}`, ann.token, { name: 'renamed' });
    await ok('POST', `/api/rooms/${room.id}/bans`, ann.token, { userId: bob.user.id, reason: 'spam' });
    await ok('DELETE', `/api/rooms/${room.id}/bans/${bob.user.id}`, ann.token);
    await ok('POST', `/api/rooms/${room.id}/transfer`, owner.token, { userId: ann.user.id });
    await ok('POST', `/api/rooms/${room.id}/leave`, owner.token);
    const actions = ['role.changed', 'member.muted', 'member.unmuted', 'room.updated', 'member.banned', 'member.unbanned', 'ownership.transferred', 'member.left'];
    await eventually(async () => heard.length, (n) => n >= actions.length, 10_000, 'live entries');
    expect(heard.map((e) => e.activity.action)).toEqual(actions);
    const entries = await timeline(room.id, ann.token, 2 + actions.length);
    expect(entries.slice(2)).toEqual(heard.map((e) => e.activity));
    expect(entries.find((e) => e.action === 'room.updated')?.details).toEqual({ name: 'renamed', topic: 'news' });
    expect(entries.find((e) => e.action === 'role.changed')?.details).toEqual({ from: 'member', to: 'admin' });
    // Pages by id: the two newest, then what came before them.
    const newest = (await api<RoomActivityResponse>(suite.url, 'GET', `/api/rooms/${room.id}/activity?limit=2`, { token: ann.token })).body.activity;
    expect(newest).toEqual(entries.slice(-2));
    const older = (await api<RoomActivityResponse>(suite.url, 'GET', `/api/rooms/${room.id}/activity?limit=3&before=${newest[0]!.id}`, { token: ann.token })).body.activity;
    expect(older).toEqual(entries.slice(-5, -2));
    // Not a member any more: the timeline is closed to the owner who left.
    expect((await api(suite.url, 'GET', `/api/rooms/${room.id}/activity`, { token: owner.token })).status).toBe(403);
  });

  it('a client that reconnects within the recovery window, to the other gateway, gets the room:activity it missed', async () => {
    const { owner, ann, bob, room } = await roomOfThree();
    const atOwner = await connect(owner.token, 'g1');
    const a = createSocket(suite.url, ann.token, { gateway: 'g1', reconnection: false });
    suite.closeAfterTest(a);
    await new Promise<void>((resolve) => a.once('connect', () => resolve()));
    const activity = collect(a, 'room:activity');
    const seen = collect(a, 'message:new');
    // Recovery replays from the last broadcast a client saw, so it must have seen one.
    await send(atOwner, room.id, 'before the drop');
    await eventually(async () => seen.length, (n) => n === 1, 5_000, 'first delivery');

    const dropped = new Promise((resolve) => a.once('disconnect', resolve));
    (a.io.engine as unknown as { close(): void }).close();
    await dropped;
    expect((await api(suite.url, 'DELETE', `/api/rooms/${room.id}/members/${bob.user.id}`, { token: owner.token })).status).toBe(204);
    await send(atOwner, room.id, 'after the kick');

    a.io.opts.extraHeaders = { cookie: 'chat_gw=g2' };
    a.connect();
    await new Promise<void>((resolve) => a.once('connect', () => resolve()));
    expect(a.recovered).toBe(true);
    await eventually(async () => seen.length, (n) => n >= 2, 10_000, 'missed message replayed');
    await eventually(async () => activity.length, (n) => n >= 1, 10_000, 'missed entry replayed');
    expect(activity[0]!.activity).toMatchObject({ action: 'member.kicked', target: { id: bob.user.id } });
  });

  it("an account deletion leaves each of the user's rooms on the timeline (member.left, after the ownership hand-over), before the answer", async () => {
    const { owner, ann, room } = await roomOfThree();
    // A second room, and a direct conversation (which has no timeline).
    const second = (await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'handed over', visibility: 'private' } })).body.room;
    await inviteAndAccept(suite.url, owner.token, second.id, ann);
    const dm = await api<{ room: Room }>(suite.url, 'POST', '/api/dm', { token: owner.token, body: { username: ann.user.username } });
    expect(dm.status).toBeLessThan(300);
    const atAnn = await connect(ann.token, 'g2');
    const heard = collect(atAnn, 'room:activity');

    expect((await api(suite.url, 'DELETE', '/api/me', { token: owner.token })).status).toBe(204);
    // On the log before the answer: nothing of the deleted owner's left in the outbox, none for the conversation.
    for (const id of [room.id, second.id, dm.body.room.id]) expect(await outbox(id)).toEqual([]);
    for (const id of [room.id, second.id]) {
      const left = (e: RoomActivity) => e.roomId === id && e.action === 'member.left' && e.actor.id === owner.user.id;
      await eventually(async () => heard.filter((e) => left(e.activity)).length, (n) => n === 1, 5_000, `member.left heard in ${id}`);
      const mine = await eventually(
        async () => ((await api<RoomActivityResponse>(suite.url, 'GET', `/api/rooms/${id}/activity`, { token: ann.token })).body.activity ?? []).filter((e) => e.actor.id === owner.user.id),
        (entries) => entries.length >= 2,
        15_000,
        'the hand-over and the leave stored',
      );
      // The owner's name went with the account; its id stays on the timeline.
      expect(mine.map((e) => [e.action, e.actor.username, e.details])).toEqual([
        ['ownership.transferred', '(deleted)', expect.objectContaining({ reason: 'the owner deleted the account' })],
        ['member.left', '(deleted)', { reason: 'account.deleted' }],
      ]);
    }
    expect((await suite.db.query('SELECT 1 FROM room_activity WHERE room_id = $1', [dm.body.room.id])).rowCount).toBe(0);
  });

  it('when Kafka refuses the entry the change holds, the answer is UNAVAILABLE, and the outbox puts the entry on the log exactly once', async () => {
    const { owner, ann, room } = await roomOfThree();
    const atOwner = await connect(owner.token, 'g2');
    const heard = collect(atOwner, 'room:activity');
    const activity = createRoomActivityRepository(prisma);
    const log = createLogger({ service: 'test', level: 'silent' });
    const kafka = new Kafka({ clientId: 'activity-test', brokers: testServices().env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const bus = (topic: string): MessageBus => createKafkaMessageBus(kafka, { topic, sendTimeoutMs: 2_000 }, createMetrics('test'), log);
    // A topic that does not exist (and is never created): every produce fails, as while Kafka is away.
    const refusing = bus(`missing-${crypto.randomUUID()}`);
    const broadcasts: RoomActivity[] = [];
    const failing = createRoomActivityLog({ activity, bus: refusing, broadcast: (e) => broadcasts.push(e), log });

    expect(await activity.leave(room.id, ann.user.id)).toBe(true);
    const error = await failing.publishRoom(room.id).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retriable: false, message: expect.stringMatching(/change is made/) });
    // The change holds, nothing was broadcast, and the entry waits in the outbox.
    expect((await suite.db.query('SELECT 1 FROM memberships WHERE room_id = $1 AND user_id = $2', [room.id, ann.user.id])).rowCount).toBe(0);
    expect(broadcasts).toEqual([]);
    const waiting = await outbox(room.id);
    expect(waiting.map((r) => r.action)).toEqual(['member.left']);

    // The gateways' sweeps (Kafka works for them) publish it once it is older than the grace period:
    // broadcast to the room, stored by the persister exactly once, gone from the outbox.
    await eventually(() => outbox(room.id), (rows) => rows.length === 0, 20_000, 'the sweep');
    await eventually(async () => heard.length, (n) => n >= 1, 5_000, 'the swept entry broadcast');
    // Both gateways sweep, but each claims what the other does not hold: the entry is broadcast once.
    expect(heard.map((e) => e.activity.id)).toEqual([waiting[0]!.id]);
    expect(heard[0]!.activity).toMatchObject({ action: 'member.left', actor: { id: ann.user.id, username: ann.user.username } });
    await eventually(() => stored(waiting[0]!.id), (n) => n === 1, 15_000, 'the entry stored by the persister');
    const entries = await timeline(room.id, owner.token, 3);
    expect(entries.filter((e) => e.id === waiting[0]!.id)).toHaveLength(1);
    await refusing.close();
  });
});

describe('the outbox sweep', () => {
  it('two gateways sweeping at once claim each stale entry once (FOR UPDATE SKIP LOCKED): one produce, one broadcast', async () => {
    // A database of its own, which no running gateway sweeps, and a topic of its own.
    const own = createPrisma({ url: await createTestDatabase('sweep'), poolMax: 4 });
    const [topic] = await createTopics([{ prefix: 'sweep' }]);
    const log = createLogger({ service: 'test', level: 'silent' });
    const kafka = new Kafka({ clientId: 'sweep-test', brokers: testServices().env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const real = createKafkaMessageBus(kafka, { topic: topic!, sendTimeoutMs: 5_000 }, createMetrics('test'), log);
    // The first produce waits for the test: the first sweep holds its claim meanwhile.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const produced: string[] = [];
    const bus: MessageBus = { ...real, publish: async (record) => (produced.push(record.eventId), await held, real.publish(record)) };
    const activity = createRoomActivityRepository(own);
    const broadcasts: string[] = [];
    const [a, b] = [0, 1].map(() => createRoomActivityLog({ activity, bus, broadcast: (e) => broadcasts.push(e.id), log }));
    try {
      const id = newId();
      await own.$executeRaw`INSERT INTO room_activity_outbox (id, room_id, actor_id, action, at) VALUES (${id}::uuid, ${crypto.randomUUID()}::uuid, ${crypto.randomUUID()}::uuid, 'member.left', now() - interval '1 minute')`;
      const first = a!.sweep();
      await eventually(async () => produced.length, (n) => n === 1, 10_000, 'the first sweep producing');
      // The second sweep finds nothing it may claim and is done at once (without the lock it would produce the entry too).
      const second = await Promise.race([b!.sweep(), new Promise((resolve) => setTimeout(() => resolve('still producing'), 3_000))]);
      release();
      expect(second).toBe(0);
      expect(await first).toBe(1);
      expect(produced).toEqual([id]);
      expect(broadcasts).toEqual([id]);
      expect(await own.$queryRaw`SELECT id FROM room_activity_outbox`).toEqual([]);
    } finally {
      release();
      await real.close();
      await own.$disconnect();
    }
  });
});
