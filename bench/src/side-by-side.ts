// Two gateways on one running local system, the same work on each in alternating rounds: gateway CPU
// per operation (from /proc/<pid>/stat) and latency, side by side in the same minutes (a shared machine's
// load moves too much between sittings for anything else). For comparing a build with another one, e.g.
// main's gateway started beside the system on a port of its own:
//   npx tsx bench/src/side-by-side.ts --ports 3301,3303 --work history --rounds 3 --count 1000 [--postgres-port 5432]
// --work history: pages of 50 of the history room (bench scenario history; seed it first), half the
// newest page and half before a random message. --work connect: authenticated Socket.IO connects of one
// user who is in a room (opened, connected, closed), --concurrency at a time. --work first-connect: a
// connect storm of users the gateway has never seen (each round seeds --count new users in rooms of 20,
// opens one socket each, --concurrency at a time, and holds them; the CPU of the opens and of the
// closes after are reported apart): what a room filling up or a reconnect storm on a fresh gateway costs.
// --work room-list: GET /api/rooms of the room-list scenario's reader (200 rooms, 10,000 unread; seeded for
// the run and removed after it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { localConfig, servicesEnv } from '@chat/local';
import { removeSeeded, seedUnread } from './scenarios/attention';
import { HttpLoad } from './http-load';
import { LatencyRecorder } from './latency';
import { benchToken, removePopulation, seedPopulation } from './population';
import { HISTORY_ROOM_NAME } from './scenarios/history';
import { SioClient } from './sio-client';

/** The pid listening on a TCP port of this machine (from `ss`). */
function pidOn(port: number): number {
  const line = execFileSync('ss', ['-Htlnp', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(line)?.[1];
  if (!pid) throw new Error(`nothing listens on port ${port}`);
  return Number(pid);
}

/** CPU time of a process so far, in milliseconds (user + system; with `reaped`, also of its children that ended). */
function cpuMs(pid: number, reaped = false): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
  return (ticks * 1000) / 100; // clock ticks of 10 ms
}

/** CPU time of PostgreSQL (the postmaster listening on `port` and every backend it forked, ended ones too), in milliseconds. */
function postgresCpuMs(port: number): number {
  const postmaster = pidOn(port);
  // Backends come and go with the pools' idle connections: the ended ones count in the postmaster's children time.
  let total = cpuMs(postmaster, true);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === postmaster) total += cpuMs(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Runs `one(i)` `count` times, `concurrency` at a time; records each one's latency. */
async function closedLoop(count: number, concurrency: number, latency: LatencyRecorder, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const started = performance.now();
      await one(i);
      latency.record(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ports: { type: 'string' },
      work: { type: 'string', default: 'history' },
      rounds: { type: 'string', default: '3' },
      count: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '8' },
      /** Also PostgreSQL's CPU per operation (its port; meaningful while nothing else uses that cluster). */
      'postgres-port': { type: 'string' },
    },
  });
  const ports = (values.ports ?? '').split(',').map(Number);
  if (ports.length < 2 || ports.some((p) => !Number.isInteger(p))) throw new Error('--ports A,B: the gateways to compare');
  const db = new Client({ connectionString: servicesEnv(localConfig().services).DATABASE_URL });
  await db.connect();
  const work = values.work;
  const sidebar = work === 'room-list' ? await seedUnread(db, 200, 50, 'side') : undefined;
  const [room] = (await db.query<{ id: string; owner: string }>('SELECT id::text, created_by::text AS owner FROM rooms WHERE name = $1', [HISTORY_ROOM_NAME])).rows;
  if (!room && work !== 'first-connect' && !sidebar) throw new Error('no history room: run `npm run bench -- --quick --scenarios history` once first');
  const token = sidebar ? await benchToken(db, sidebar.reader) : room ? await benchToken(db, { id: room.owner, username: `${HISTORY_ROOM_NAME}.owner` }) : '';
  const cursors = room ? (await db.query<{ id: string }>('SELECT id::text FROM messages WHERE room_id = $1 AND random() < 0.002 LIMIT 2000', [room.id])).rows.map((r) => r.id) : [];

  const count = Number(values.count);
  const concurrency = Number(values.concurrency);
  const totals = new Map<number, { cpu: number; ops: number }>();
  for (let round = 1; round <= Number(values.rounds); round++) {
    // ABBA: the order alternates each round, so that neither gateway always runs after the other (PostgreSQL
    // is still busy with the previous round's seed and clean-up for a while).
    for (const port of round % 2 === 1 ? ports : [...ports].reverse()) {
      const pid = pidOn(port);
      const latency = new LatencyRecorder();
      if (work === 'first-connect') {
        const spent = await firstConnects(db, port, pid, count, concurrency, latency);
        const total = totals.get(port) ?? { cpu: 0, ops: 0 };
        totals.set(port, { cpu: total.cpu + spent.open, ops: total.ops + count });
        const s = latency.summary();
        console.log(`round ${round} port ${port} (pid ${pid}): ${(spent.open / count).toFixed(2)} ms gateway CPU per first connect, ${(spent.close / count).toFixed(2)} ms per close; connect p50/p99 ${s.p50}/${s.p99} ms; load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
        continue;
      }
      const load = new HttpLoad(`http://127.0.0.1:${port}`, token);
      const pgPort = values['postgres-port'] ? Number(values['postgres-port']) : undefined;
      const pgBefore = pgPort === undefined ? 0 : postgresCpuMs(pgPort);
      const before = cpuMs(pid);
      if (work === 'history') {
        await closedLoop(count, concurrency, latency, (i) => load.get(`/api/rooms/${room!.id}/messages?limit=50${i % 2 === 1 ? `&before=${cursors[i % cursors.length]}` : ''}`));
      } else if (work === 'room-list') {
        await closedLoop(count, concurrency, latency, () => load.hit('/api/rooms'));
      } else if (work === 'connect') {
        await closedLoop(count, concurrency, latency, async () => (await SioClient.connect({ baseUrl: `http://127.0.0.1:${port}`, token })).close());
      } else throw new Error(`--work ${work}: history, room-list, connect or first-connect`);
      const spent = cpuMs(pid) - before;
      const pgSpent = pgPort === undefined ? undefined : postgresCpuMs(pgPort) - pgBefore;
      load.close();
      const errors = load.errorText();
      const total = totals.get(port) ?? { cpu: 0, ops: 0 };
      totals.set(port, { cpu: total.cpu + spent, ops: total.ops + count });
      const s = latency.summary();
      const load1 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      console.log(`round ${round} port ${port} (pid ${pid}): ${(spent / count).toFixed(2)} ms gateway CPU per ${work}${pgSpent === undefined ? '' : `, PostgreSQL ${(pgSpent / count).toFixed(2)} ms`}; latency p50/p99 ${s.p50}/${s.p99} ms; ${errors}; load ${load1}`);
    }
  }
  if (sidebar) await removeSeeded(db, sidebar);
  await db.end();
  const [a, b] = ports.map((p) => totals.get(p)!).map((t) => t.cpu / t.ops);
  console.log(`mean gateway CPU per ${work}: port ${ports[0]} ${a!.toFixed(2)} ms, port ${ports[1]} ${b!.toFixed(2)} ms, ratio ${(a! / b!).toFixed(2)}`);
}

/** One socket for each of `count` new users, opened and held, then closed: the gateway's CPU for each half. */
async function firstConnects(db: Client, port: number, pid: number, count: number, concurrency: number, latency: LatencyRecorder): Promise<{ open: number; close: number }> {
  const population = await seedPopulation(db, Array.from({ length: Math.ceil(count / 20) }, (_, k) => Math.min(20, count - k * 20)));
  const sockets: SioClient[] = [];
  try {
    const before = cpuMs(pid);
    await closedLoop(count, concurrency, latency, async (i) => sockets.push(await SioClient.connect({ baseUrl: `http://127.0.0.1:${port}`, token: population.users[i]!.token })));
    const opened = cpuMs(pid);
    await Promise.all(sockets.map((socket) => socket.close()));
    // The gateway's share of a close ends after the client's (presence, the recovery session): let it finish.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    return { open: opened - before, close: cpuMs(pid) - opened };
  } finally {
    await Promise.all(sockets.map((socket) => socket.close()));
    await removePopulation(db, population);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
