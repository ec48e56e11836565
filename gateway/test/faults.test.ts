// Fault injection: real gateways, persister, PostgreSQL, Redis and Kafka (the suite's own, so stopping them
// disturbs no other suite) are killed and restarted while clients send at a steady rate. Each scenario
// checks the guarantees of DESIGN.md: every acknowledged message is stored exactly once, every member
// gets every message of its rooms (live, replayed, or caught up from history) once and in order, and a
// send that failed during the outage succeeds when the client retries it with the same clientMsgId.
// Each scenario prints one row of figures (scenario, sent, acked, delivered, persisted, lost, duplicated,
// recovery time); the whole table is printed again at the end. Scenario 9 runs the living-message
// traffic (sends, replies, edits, deletions, reactions) through several crashes and compares the final
// state of every message, in PostgreSQL and in every member's view, with what was acknowledged.
import { Supervisor } from '@chat/local';
import type { ChatMessage, PublicUser, Room } from '@chat/protocol';
import { PROBES } from '@chat/service-kit';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import {
  api,
  type ChatClient,
  connectClient,
  eventually,
  inviteAndAccept,
  joinAsMember,
  livingHistory,
  livingMismatches,
  longestAckGap,
  registerUser,
  type RoomMember,
  scrapeMetric,
  startLivingTraffic,
  startSteadySender,
  startSystem,
  type SteadySender,
  type TestSystem,
} from '@chat/testing';

/** How long PostgreSQL stays down in scenario 4 (the issue asks for 20 s; shorter for a quick local run). */
const POSTGRES_OUTAGE_MS = Number(process.env.FAULT_POSTGRES_OUTAGE_MS ?? 20_000);
/** The recovery window of the gateways here: short, so scenario 7 can outlast it quickly. */
const RECOVERY_WINDOW_MS = 4_000;
/** Pause between a sender's ack and its next message: two senders make about 40 msgs/s. */
const SEND_INTERVAL_MS = 40;

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem({
    gateways: 2,
    ownServices: true,
    env: {
      // The senders' pace is the load here, not a user to throttle.
      MESSAGE_RATE_LIMIT: '1000000',
      REGISTER_RATE_LIMIT: '1000',
      // A send waits at most 3 s for Kafka before it is answered UNAVAILABLE (the client then retries).
      KAFKA_SEND_TIMEOUT_MS: '3000',
      RECOVERY_WINDOW_MS: String(RECOVERY_WINDOW_MS),
      SHUTDOWN_GRACE_MS: '2000',
      // A persister killed with -9 holds its partitions until its session times out: the restarted one
      // waits that long before it may consume. 10 s (the default is 30 s) keeps the suite short.
      KAFKA_SESSION_TIMEOUT_MS: '10000',
    },
  });
}, 180_000);

const rows: FaultRow[] = [];

afterAll(async () => {
  if (rows.length > 0) console.log(['Fault suite figures:', TABLE_HEADER, ...rows.map(formatRow)].join('\n'));
  await system?.stop();
}, 120_000);

interface FaultRow {
  scenario: string;
  sent: number;
  acked: number;
  /** Distinct acknowledged messages members ended up with, summed over members. */
  delivered: number;
  persisted: number;
  /** Acknowledged messages not stored, plus acknowledged messages some member never got. */
  lost: number;
  /** Stored rows beyond one per message, plus messages a member has twice after merging by id. */
  duplicated: number;
  /** What "recovered" means is per scenario (see each one); in ms. */
  recoveryMs: number;
  /** Live deliveries of an id the member already had (the client merges them by id). */
  redelivered: number;
  /** Live deliveries older than the member's newest: gaps filled by the replay after a reconnect. */
  late: number;
  /** Failed send attempts (error acks or timeouts), all retried. */
  failedAttempts: number;
}

const TABLE_HEADER =
  '| scenario | sent | acked | delivered | persisted | lost | duplicated | recovery ms | failed attempts (retried) | redelivered (merged by id) | late (gap filled) |\n|---|---|---|---|---|---|---|---|---|---|---|';
const formatRow = (r: FaultRow) =>
  `| ${r.scenario} | ${r.sent} | ${r.acked} | ${r.delivered} | ${r.persisted} | ${r.lost} | ${r.duplicated} | ${r.recoveryMs} | ${r.failedAttempts} | ${r.redelivered} | ${r.late} |`;

/** Two rooms, each with its own steady sender (one on each gateway), and two members in both rooms. */
interface Traffic {
  rooms: Room[];
  /** The users behind `senders` and `members`, in the same order. */
  users: { senders: PublicUser[]; members: PublicUser[] };
  senders: SteadySender[];
  senderClients: ChatClient[];
  members: RoomMember[];
  close(): void;
}

async function startTraffic(label: string): Promise<Traffic> {
  const url = system.baseUrl;
  const [s1, s2, m1, m2] = await Promise.all([registerUser(url), registerUser(url), registerUser(url), registerUser(url)]);
  const rooms: Room[] = [];
  for (const owner of [s1!, s2!]) {
    const created = await api<{ room: Room }>(url, 'POST', '/api/rooms', { token: owner.token, body: { name: `${label} of ${owner.user.username}`, visibility: 'private' } });
    if (created.status !== 201) throw new Error(`create room: ${created.status}`);
    for (const member of [m1!, m2!]) {
      await inviteAndAccept(url, owner.token, created.body.room.id, member);
    }
    rooms.push(created.body.room);
  }
  const roomIds = rooms.map((r) => r.id);
  const members = [
    await joinAsMember({ baseUrl: url, token: m1!.token, roomIds, gateway: 'g1' }),
    await joinAsMember({ baseUrl: url, token: m2!.token, roomIds, gateway: 'g2' }),
  ];
  // The shipped client, as the web app and the assistant run it: the suite proves the code users run.
  const senderClients = [await connectClient(url, s1!.token, { gateway: 'g1' }), await connectClient(url, s2!.token, { gateway: 'g2' })];
  const senders = senderClients.map((client, i) =>
    startSteadySender({ client, roomId: rooms[i]!.id, label: `${label} room ${i}`, intervalMs: SEND_INTERVAL_MS, ackTimeoutMs: 5_000 }),
  );
  // Traffic flows on both gateways before the fault.
  await Promise.all(senders.map((s) => s.ackedMore(10)));
  return {
    rooms,
    users: { senders: [s1!.user, s2!.user], members: [m1!.user, m2!.user] },
    senders,
    senderClients,
    members,
    close: () => {
      for (const m of members) m.close();
      for (const s of senderClients) s.close();
    },
  };
}

/** A fresh connection per query: PostgreSQL itself is restarted in one scenario. */
async function storedRows(roomIds: string[]): Promise<{ id: string; body: string }[]> {
  const db = new Client({ connectionString: system.databaseUrl });
  await db.connect();
  try {
    return (await db.query<{ id: string; body: string }>('SELECT id::text, body FROM messages WHERE room_id = ANY($1::uuid[])', [roomIds])).rows;
  } finally {
    await db.end();
  }
}

/** Resolves at the first ack any of `senders` gets after `since`; rejects after `timeoutMs`. */
async function firstAckAfter(senders: SteadySender[], since: number, timeoutMs = 60_000): Promise<number> {
  const times = await eventually(
    async () => senders.map((s) => s.ackedAt.find((t) => t > since)),
    (found) => found.every((t) => t !== undefined),
    timeoutMs,
    'every sender acknowledged again',
  );
  return Math.max(...(times as number[]));
}

/** Waits until everything acknowledged so far is stored; resolves with when that happened. */
async function allStored(traffic: Traffic, timeoutMs = 60_000): Promise<number> {
  const ids = new Set(traffic.senders.flatMap((s) => s.acked.map((m) => m.id)));
  await eventually(
    async () => (await storedRows(traffic.rooms.map((r) => r.id)).catch(() => [])).filter((r) => ids.has(r.id)).length,
    (n) => n === ids.size,
    timeoutMs,
    `${ids.size} acknowledged messages stored`,
  );
  return Date.now();
}

/**
 * Stops the traffic (each sender's last message acknowledged, after retries), waits until members and
 * the database have everything, records the row, and asserts the guarantees.
 */
async function finish(traffic: Traffic, scenario: string, recoveryMs: number): Promise<FaultRow> {
  try {
    return await measureAndCheck(traffic, scenario, recoveryMs);
  } finally {
    traffic.close(); // also when a check failed: no socket may outlive its scenario
  }
}

async function measureAndCheck(traffic: Traffic, scenario: string, recoveryMs: number): Promise<FaultRow> {
  await Promise.all(traffic.senders.map((s) => s.stop(60_000)));
  const acked: ChatMessage[][] = traffic.senders.map((s) => [...s.acked]);
  const allAcked = acked.flat();
  await Promise.all(traffic.members.map((m) => m.settled()));
  // Live deliveries of the last messages may still be on their way.
  await eventually(
    async () => traffic.members.every((m) => traffic.rooms.every((room, i) => m.check(room.id, acked[i]!).missing.length === 0)),
    (done) => done,
    20_000,
    'every member has every acknowledged message',
  ).catch(() => undefined); // the assertions below say what is missing
  await allStored(traffic).catch(() => undefined);

  const stored = await storedRows(traffic.rooms.map((r) => r.id));
  const storedIds = new Set(stored.map((r) => r.id));
  const checks = traffic.members.flatMap((m) => traffic.rooms.map((room, i) => ({ member: m, room, check: m.check(room.id, acked[i]!) })));
  const mergedTwice = traffic.members.reduce(
    (n, m) => n + traffic.rooms.reduce((k, room) => k + m.messages(room.id).length - new Set(m.messages(room.id).map((x) => x.id)).size, 0),
    0,
  );
  const row: FaultRow = {
    scenario,
    sent: traffic.senders.reduce((n, s) => n + s.sent, 0),
    acked: allAcked.length,
    delivered: checks.reduce((n, c) => n + acked[traffic.rooms.indexOf(c.room)]!.length - c.check.missing.length, 0),
    persisted: stored.length,
    lost: allAcked.filter((m) => !storedIds.has(m.id)).length + checks.reduce((n, c) => n + c.check.missing.length, 0),
    duplicated: stored.length - new Set(stored.map((r) => r.body)).size + mergedTwice,
    recoveryMs: Math.round(recoveryMs),
    redelivered: traffic.members.reduce((n, m) => n + m.redelivered, 0),
    late: traffic.members.reduce((n, m) => n + m.outOfOrder, 0),
    failedAttempts: traffic.senders.reduce((n, s) => n + s.failures.length, 0),
  };
  rows.push(row);
  console.log(`${TABLE_HEADER}\n${formatRow(row)}`);

  // No process crashed: every gateway and the persister run (the scenario restarted what it stopped).
  expect([...system.gateways, system.persister!].filter((p) => p.pid() === undefined).map((p) => p.name)).toEqual([]);
  // Every failure was one a client may retry, and every message was acknowledged in the end.
  for (const sender of traffic.senders) {
    expect(sender.failures.filter((f) => !f.retriable)).toEqual([]);
    expect(sender.abandoned).toBe(0);
    expect(sender.acked).toHaveLength(sender.sent);
  }
  // Stored exactly once: every acknowledged id, nothing else, one row per message.
  expect(allAcked.filter((m) => !storedIds.has(m.id)).map((m) => m.body)).toEqual([]);
  expect(stored).toHaveLength(allAcked.length);
  expect(new Set(stored.map((r) => r.body)).size).toBe(stored.length);
  // Every member has every message of its rooms once, in id order (live, replayed after a reconnect, or
  // from history, merged by id as the web app does).
  for (const { member, room, check } of checks) {
    if (check.missing.length > 0) {
      // What explains a gap: when the missing messages were acknowledged, and the member's connection history.
      const ackTimes = traffic.senders.flatMap((s) => s.acked.map((m, i) => ({ id: m.id, at: s.ackedAt[i]! })));
      console.log(
        `${scenario}: member ${traffic.members.indexOf(member) + 1} misses ${JSON.stringify(ackTimes.filter((a) => check.missing.includes(a.id)))}; ` +
          `connections ${JSON.stringify(member.connectionLog)}`,
      );
    }
    expect({ room: room.name, ...check }).toEqual({ room: room.name, missing: [], unexpected: [] });
    const ids = member.messages(room.id).map((m) => m.id);
    expect(ids).toEqual(acked[traffic.rooms.indexOf(room)]!.map((m) => m.id));
  }
  return row;
}

/**
 * Waits until nginx sends a client pinned to `gatewayId` to that gateway again (as a rolling update
 * waits for the new pod to be ready behind the load balancer before it replaces the next one).
 */
async function routedTo(gatewayId: string): Promise<void> {
  await eventually(
    async () => (await api(system.baseUrl, 'GET', '/api/me', { headers: { cookie: `chat_gw=${gatewayId}` } })).headers.get('x-gateway-id'),
    (answeredBy) => answeredBy === gatewayId,
    20_000,
    `nginx routes chat_gw=${gatewayId} to ${gatewayId}`,
  );
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Moderation beside the traffic (issue 16: room.activity on the log): the author toggles a member's
 * role every 250 ms through the faults. Answers are counted by status: 200 (the entry was on the log
 * before the answer), 503 (the change is made, the outbox puts its entry on the log later) or others.
 */
function roleChurn(url: string, token: string, roomId: string, userId: string) {
  const answers = new Map<number, number>();
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i += 1) {
      const role = i % 2 === 0 ? 'admin' : 'member';
      const status = await api(url, 'PATCH', `/api/rooms/${roomId}/members/${userId}`, { token, body: { role } }).then((r) => r.status, () => 0);
      answers.set(status, (answers.get(status) ?? 0) + 1);
      await delay(250);
    }
  })();
  return {
    answers,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Every audited role change of the room has its timeline entry exactly once, and the outbox is empty. */
async function timelineOf(roomId: string): Promise<{ audited: string[]; entries: string[]; outbox: number }> {
  const db = new Client({ connectionString: system.databaseUrl });
  await db.connect();
  try {
    const ids = async (sql: string) => (await db.query<{ id: string }>(sql, [roomId])).rows.map((r) => r.id);
    const audited = await ids("SELECT id::text FROM room_audit WHERE room_id = $1 AND action = 'role.changed' ORDER BY id");
    const entries = await ids("SELECT id::text FROM room_activity WHERE room_id = $1 AND action = 'role.changed' ORDER BY id");
    const outbox = (await ids('SELECT id::text FROM room_activity_outbox WHERE room_id = $1')).length;
    return { audited, entries, outbox };
  } finally {
    await db.end();
  }
}

/**
 * Scenario 9's traffic and check: an author sending, replying, editing and deleting and two people
 * reacting, each retrying every event until acknowledged (on the shipped client), while `faults` run;
 * then PostgreSQL (read through history) and every member's view, on the shipped client, must equal
 * the acknowledged state message by message. Its row: sent and acked count events of every kind;
 * delivered and persisted count messages in the acknowledged state (per member, and in PostgreSQL); lost
 * counts messages missing or in another state (a lost edit, a resurrected deletion, a missing reaction);
 * duplicated counts reactions counted more than once and rows stored beyond one per message.
 */
async function mixedTraffic(label: string, faults: (traffic: ReturnType<typeof startLivingTraffic>) => Promise<void>): Promise<FaultRow> {
  const url = system.baseUrl;
  const [author, r1, r2, m1, m2] = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(url)));
  const created = await api<{ room: Room }>(url, 'POST', '/api/rooms', { token: author!.token, body: { name: label, visibility: 'private' } });
  const room = created.body.room;
  for (const u of [r1!, r2!, m1!, m2!]) await inviteAndAccept(url, author!.token, room.id, u);
  const members = [
    await joinAsMember({ baseUrl: url, token: m1!.token, roomIds: [room.id], gateway: 'g1' }),
    await joinAsMember({ baseUrl: url, token: m2!.token, roomIds: [room.id], gateway: 'g2' }),
  ];
  const clients = await Promise.all([connectClient(url, author!.token, { gateway: 'g1' }), connectClient(url, r1!.token, { gateway: 'g1' }), connectClient(url, r2!.token, { gateway: 'g2' })]);
  const [a, b, c] = clients.map((client, i) => ({ client, userId: [author!, r1!, r2!][i]!.user.id }));
  const traffic = startLivingTraffic({ roomId: room.id, author: a!, reactors: [b!, c!], label, intervalMs: SEND_INTERVAL_MS, ackTimeoutMs: 5_000 });
  try {
    await traffic.ackedMore(40, 30_000);
    const startedAt = Date.now();
    const churn = roleChurn(url, author!.token, room.id, r1!.user.id);
    await faults(traffic);
    await traffic.ackedMore(20, 30_000);
    await churn.stop();
    await traffic.stop(60_000);
    const expected = traffic.expected();
    const threads = new Set(expected.flatMap((e) => (e.parentId === null ? [] : [e.parentId]))); // deleted replies too
    const mismatched = (seen: Map<string, ChatMessage>) => expected.filter((e) => livingMismatches(e, seen.get(e.id)).length > 0);
    const overCounted = (seen: Map<string, ChatMessage>) =>
      expected.reduce((n, e) => n + (seen.get(e.id)?.reactions ?? []).reduce((k, r) => k + Math.max(0, r.count - (e.reactions.get(r.emoji)?.size ?? 0)), 0), 0);
    const stored = () => livingHistory(url, m1!.token, room.id, threads);
    await eventually(stored, (h) => mismatched(h).length === 0, 60_000, 'PostgreSQL holds the acknowledged state').catch(() => undefined);
    const inPostgres = await stored();
    await Promise.all(members.map((m) => m.settled()));
    const views = () => members.map((m) => new Map(m.messages(room.id).map((x) => [x.id, x])));
    await eventually(async () => views(), (v) => v.every((seen) => mismatched(seen).length === 0), 20_000, 'every member has the acknowledged state').catch(() => undefined);
    const seenByMembers = views();
    const rowsInRoom = (await storedRows([room.id])).length;
    const row: FaultRow = {
      scenario: `9. ${label}`,
      sent: traffic.sent,
      acked: traffic.ackedAt.length,
      delivered: seenByMembers.reduce((n, seen) => n + expected.length - mismatched(seen).length, 0),
      persisted: expected.length - mismatched(inPostgres).length,
      lost: [inPostgres, ...seenByMembers].reduce((n, seen) => n + mismatched(seen).length, 0),
      duplicated: [inPostgres, ...seenByMembers].reduce((n, seen) => n + overCounted(seen), 0) + Math.max(0, rowsInRoom - expected.length),
      recoveryMs: Math.round(longestAckGap({ ackedAt: traffic.ackedAt } as SteadySender, startedAt)),
      redelivered: members.reduce((n, m) => n + m.redelivered, 0),
      late: members.reduce((n, m) => n + m.outOfOrder, 0),
      failedAttempts: traffic.failures.length,
    };
    rows.push(row);
    console.log(`${TABLE_HEADER}\n${formatRow(row)}\nacknowledged per kind: ${JSON.stringify(traffic.acked)}`);
    // The role changes made through the faults: each on the timeline exactly once, whatever was answered.
    const timeline = await eventually(() => timelineOf(room.id), (t) => t.outbox === 0 && t.entries.length >= t.audited.length, 60_000, 'every role change on the timeline').catch(() => timelineOf(room.id));
    console.log(`role changes: answers ${JSON.stringify(Object.fromEntries(churn.answers))}, audited ${timeline.audited.length}, on the timeline ${timeline.entries.length}, left in the outbox ${timeline.outbox}`);
    expect(churn.answers.get(200) ?? 0).toBeGreaterThan(0);
    expect(timeline.entries).toEqual(timeline.audited);
    expect(timeline.outbox).toBe(0);

    expect([...system.gateways, system.persister!].filter((p) => p.pid() === undefined).map((p) => p.name)).toEqual([]);
    expect(traffic.abandoned).toEqual([]);
    // A refusal retrying cannot fix is either abandoned (none) or a reaction on a message deleted meanwhile.
    expect(traffic.failures.filter((f) => !f.retriable)).toHaveLength(traffic.excused.length);
    expect(Object.keys(traffic.acked).sort()).toEqual(['delete', 'edit', 'react', 'reply', 'send', 'unreact']);
    expect(rowsInRoom).toBe(expected.length); // one row per acknowledged message (replies included)
    const report = (seen: Map<string, ChatMessage>) => expected.flatMap((e) => livingMismatches(e, seen.get(e.id)).map((what) => `${e.id}: ${what}`));
    expect(report(inPostgres)).toEqual([]);
    expect(seenByMembers.map(report)).toEqual([[], []]);
    return row;
  } finally {
    await traffic.stop(1_000).catch(() => undefined);
    for (const client of clients) client.close();
    for (const m of members) m.close();
  }
}

describe('fault injection under steady traffic', () => {
  it('1. kill -9 of a gateway: its clients reconnect through nginx to the other one and catch up', async () => {
    const traffic = await startTraffic('kill gateway');
    const [g1] = system.gateways;
    const faultAt = Date.now();
    await g1!.kill();
    // Recovered: the sender that was on g1 is acknowledged again (through g2) and its members caught up.
    const backAt = await firstAckAfter([traffic.senders[0]!], faultAt);
    await traffic.members[0]!.settled();
    const recoveryMs = backAt - faultAt;
    expect(traffic.members[0]!.reconnects).toBeGreaterThanOrEqual(1);
    // A crashed gateway saved no session: the member caught up from history instead.
    expect(traffic.members[0]!.catchUps).toBeGreaterThanOrEqual(1);
    await Promise.all(traffic.senders.map((s) => s.ackedMore(10)));
    await g1!.start();
    await routedTo('g1');
    await finish(traffic, '1. kill -9 gateway g1', recoveryMs);
  }, 120_000);

  it('2. rolling restart (SIGTERM) of both gateways: only retriable errors, sessions recovered on the other gateway', async () => {
    const traffic = await startTraffic('rolling restart');
    const startedAt = Date.now();
    for (const gateway of system.gateways) {
      await gateway.stop();
      await Promise.all(traffic.senders.map((s) => s.ackedMore(5)));
      await gateway.start();
      await routedTo(gateway.id);
    }
    await Promise.all(traffic.senders.map((s) => s.ackedMore(10)));
    // A graceful stop saves each session, so the moved clients resume without a history fetch.
    const recovered = traffic.members.reduce((n, m) => n + m.recoveredReconnects, 0);
    expect(recovered).toBeGreaterThanOrEqual(2);
    // Recovered: the longest time any sender went without an ack.
    await finish(traffic, '2. rolling SIGTERM g1 then g2', Math.max(...traffic.senders.map((s) => longestAckGap(s, startedAt))));
  }, 120_000);

  it('3. kill -9 of the persister mid-stream, then restart: nothing lost, no duplicate rows', async () => {
    const traffic = await startTraffic('kill persister');
    const persister = system.persister!;
    await persister.kill();
    // Messages keep being acknowledged: Kafka holds them for the persister.
    await Promise.all(traffic.senders.map((s) => s.ackedMore(20)));
    const restartedAt = Date.now();
    await persister.start();
    // Recovered: from the restart until everything acknowledged while it was down is stored.
    const storedAt = await allStored(traffic);
    await finish(traffic, '3. kill -9 persister, restart', storedAt - restartedAt);
  }, 120_000);

  it(`4. PostgreSQL down for ${POSTGRES_OUTAGE_MS / 1000} s: sending never stops, the persister backs off and then drains`, async () => {
    const traffic = await startTraffic('postgres outage');
    const postgres = system.services!.postgres;
    const persister = system.persister!;
    const downAt = Date.now();
    await postgres.stop();
    // The outage lasts a set time (the scenario's definition); messages are acknowledged throughout.
    await delay(POSTGRES_OUTAGE_MS);
    // The persister noticed, says it is not ready, and keeps retrying with backoff (its offsets stay put).
    expect((await fetch(`${persister.url}/readyz`)).status).toBe(503);
    expect(await scrapeMetric(`${persister.url}/metrics`, 'persister_insert_retries_total')).toBeGreaterThan(0);
    expect(traffic.senders.flatMap((s) => s.failures.filter((f) => f.at >= downAt))).toEqual([]);
    const ackedDuringOutage = traffic.senders.reduce((n, s) => n + s.ackedAt.filter((t) => t >= downAt).length, 0);
    expect(ackedDuringOutage).toBeGreaterThan(POSTGRES_OUTAGE_MS / 1000);
    await postgres.start();
    const upAt = Date.now();
    // Recovered: the backlog of the outage is stored.
    const storedAt = await allStored(traffic);
    await finish(traffic, `4. Postgres down ${POSTGRES_OUTAGE_MS / 1000} s`, storedAt - upAt);
  }, 120_000 + POSTGRES_OUTAGE_MS);

  it('5. Kafka broker restart: sends fail with UNAVAILABLE meanwhile, producers recover, nothing acknowledged is lost', async () => {
    const traffic = await startTraffic('kafka restart');
    const kafka = system.services!.kafka;
    const downAt = Date.now();
    await kafka.stop();
    // Down until a send has been refused (KAFKA_SEND_TIMEOUT_MS): the outage is observed, not raced by a
    // restart quick enough for the producer's own retries to hide it.
    const refused = () => traffic.senders.flatMap((s) => s.failures.filter((f) => f.at >= downAt));
    await eventually(async () => refused().length, (n) => n > 0, 30_000, 'a send refused while Kafka is down');
    await kafka.start();
    const backAt = await firstAckAfter(traffic.senders, Date.now());
    const failed = refused();
    expect(failed.length).toBeGreaterThan(0);
    // Answered UNAVAILABLE (Kafka did not acknowledge in time), or cut off with the connection: both retried.
    expect(failed.filter((f) => f.code !== 'UNAVAILABLE' && f.code !== 'TIMEOUT')).toEqual([]);
    await Promise.all(traffic.senders.map((s) => s.ackedMore(10)));
    // Recovered: from the broker's stop until every sender is acknowledged again.
    await finish(traffic, '5. Kafka broker restart', backAt - downAt);
  }, 180_000);

  it('6. Redis restart: gateways reconnect, cross-gateway delivery and presence recover', async () => {
    const traffic = await startTraffic('redis restart');
    const redis = system.services!.redis;
    const downAt = Date.now();
    await redis.stop();
    await redis.start();
    const backAt = await firstAckAfter(traffic.senders, Date.now());
    await Promise.all(traffic.senders.map((s) => s.ackedMore(10)));
    // Presence spans both gateways again: a member on g1 sees the member on g2 (and the room's sender) online.
    const expected = [traffic.users.senders[0]!.id, ...traffic.users.members.map((u) => u.id)].sort();
    const online = await eventually(
      async () => {
        const answer = await traffic.members[0]!.socket.timeout(5_000).emitWithAck('presence:list', { roomId: traffic.rooms[0]!.id }).catch(() => undefined);
        return answer?.ok ? answer.online.map((u: PublicUser) => u.id).sort() : [];
      },
      (ids) => expected.every((id) => ids.includes(id)),
      20_000,
      'presence lists the members on both gateways',
    );
    expect(online).toEqual(expected);
    await finish(traffic, '6. Redis restart', backAt - downAt);
  }, 120_000);

  it('7. a member offline for longer than the recovery window catches up from history with no gap', async () => {
    const traffic = await startTraffic('long absence');
    const member = traffic.members[1]!;
    const pid = (member.socket as unknown as { _pid?: string })._pid;
    expect(pid).toBeDefined();
    await member.goOffline();
    const offlineAt = Date.now();
    // Away until the server has forgotten the session (its key expires with the recovery window).
    const redis = new Redis(system.env.REDIS_URL!, { lazyConnect: true });
    try {
      await eventually(() => redis.exists(`${system.env.REDIS_KEY_PREFIX}sio:session:${pid}`), (n) => n === 0, RECOVERY_WINDOW_MS + 10_000, 'session expired');
    } finally {
      redis.disconnect();
    }
    expect(Date.now() - offlineAt).toBeGreaterThanOrEqual(RECOVERY_WINDOW_MS - 100);
    const backAt = Date.now();
    const recovered = await member.comeBack();
    expect(recovered).toBe(false);
    expect(member.catchUps).toBe(1);
    await finish(traffic, '7. offline > recovery window, history catch-up', Date.now() - backAt);
  }, 120_000);

  it('8. SIGSTOP of a gateway: nginx answers its pinned REST calls from the other one at once, the liveness probe restarts it, its clients catch up', async () => {
    const traffic = await startTraffic('hung gateway');
    const [g1] = system.gateways;
    const frozen = g1!.pid()!;
    const { token } = await registerUser(system.baseUrl); // before: a POST is never resent to another gateway
    // The kubelet's part, with the Kubernetes probe's settings (the local supervisor of `npm start`).
    const supervisor = new Supervisor([{ name: g1!.name, pid: () => g1!.pid(), start: () => g1!.start(), kill: () => g1!.kill(), livenessUrl: `${g1!.url}${PROBES.liveness.path}` }], {
      liveness: PROBES.liveness,
    });
    supervisor.start();
    try {
      const faultAt = Date.now();
      process.kill(frozen, 'SIGSTOP');
      // A client pinned to the hung gateway gets its REST answer from the other one within nginx's
      // 5 s upstream timeout (it waited over 20 s before), and the system stays ready.
      const pinnedAt = Date.now();
      const pinned = await api(system.baseUrl, 'GET', '/api/me', { token, headers: { cookie: 'chat_gw=g1' } });
      const pinnedMs = Date.now() - pinnedAt;
      expect([pinned.status, pinned.headers.get('x-gateway-id')]).toEqual([200, 'g2']);
      expect(pinnedMs).toBeLessThan(7_000);
      expect((await api(system.baseUrl, 'GET', '/readyz')).status).toBe(200);
      // Recovered: the liveness probe failed its threshold, the hung process was killed and started
      // again, and the sender that was on g1 is acknowledged again.
      await eventually(async () => supervisor.restarts.get(g1!.name) ?? 0, (n) => n === 1, 60_000, 'the supervisor restarted g1');
      // The sender pinned to g1, measured as its longest stall: the first ack after the fault may be one g1
      // wrote just before it froze. Its heartbeat gives g1 up after 5 s, but its new handshake, pinned to g1
      // too, hangs there until g1 is killed (nginx cannot tell a frozen gateway from a slow one: see the README).
      const [pinnedSender] = traffic.senders;
      await pinnedSender!.ackedMore(1);
      const stalledMs = longestAckGap(pinnedSender!, faultAt - 1_000);
      const livenessBudgetMs = PROBES.liveness.periodSeconds * PROBES.liveness.failureThreshold * 1000;
      console.log(
        `8. pinned GET answered in ${pinnedMs} ms; the sender on g1 stalled ${stalledMs} ms; g1 restarted ${Math.round((Date.now() - faultAt) / 1000)} s after SIGSTOP (liveness budget ${livenessBudgetMs / 1000} s)`,
      );
      expect(g1!.pid()).not.toBe(frozen);
      await Promise.all(traffic.senders.map((s) => s.ackedMore(10)));
      await routedTo('g1');
      await finish(traffic, '8. SIGSTOP gateway g1', stalledMs);
    } finally {
      supervisor.stop();
      try {
        process.kill(frozen, 'SIGCONT'); // only if a check failed before the restart
      } catch {
        // gone, as it should be
      }
    }
  }, 150_000);

  it('9. sends, replies, edits, deletions, reactions and role changes through kill -9 of a gateway, kill -9 of the persister, a Kafka broker restart and a SIGTERM of the other gateway: PostgreSQL and every member end with exactly what was acknowledged', async () => {
    const [g1, g2] = system.gateways;
    const kafka = system.services!.kafka;
    await mixedTraffic('mixed living messages', async (traffic) => {
      await g1!.kill();
      await traffic.ackedMore(30, 60_000);
      await g1!.start();
      await routedTo('g1');
      await system.persister!.kill();
      await traffic.ackedMore(30, 30_000);
      await system.persister!.start();
      await kafka.stop();
      const downAt = Date.now();
      await eventually(async () => traffic.failures.filter((f) => f.at >= downAt).length, (n) => n > 0, 30_000, 'an event refused while Kafka is down');
      await kafka.start();
      await traffic.ackedMore(30, 60_000);
      await g2!.stop();
      await traffic.ackedMore(30, 60_000);
      await g2!.start();
      await routedTo('g2');
    });
  }, 300_000);
});
