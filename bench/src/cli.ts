// The benchmark (not a test): `npm run bench -- [--quick] [--scenarios a,b] [sizes]`. Drives the local
// system (nginx, two gateways, persister, Redis, Kafka, PostgreSQL; started when not running) and prints,
// per scenario, throughput, latency, loss and each process's CPU and memory; writes the same as JSON.
// `npm run bench -- --help` lists the flags. docs/performance.md has the latest figures.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { repoRoot } from '@chat/local';
import { HISTORY_ROOM_NAME } from './scenarios/history';
import { removeLeftovers } from './population';
import { machineDescription, renderReport } from './report';
import type { ScenarioContext, ScenarioResult } from './scenario';
import { runRoomListScenario, runSearchScenario } from './scenarios/attention';
import { runConnectionsScenario } from './scenarios/connections';
import { runHistoryScenario } from './scenarios/history';
import { runIdleScenario } from './scenarios/idle';
import { runMembersScenario } from './scenarios/members';
import { runMixedScenario } from './scenarios/mixed';
import { runPersisterScenario } from './scenarios/persister';
import { runRoomScenario } from './scenarios/rooms';
import { runUploadsScenario } from './scenarios/uploads';
import { ensureSystem } from './system';

const SCENARIOS = ['fan-out', 'mixed', 'big-room', 'connections', 'persister', 'history', 'room-list', 'search', 'members', 'trickle', 'uploads', 'idle'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** Sizes of the full run (the targets) and of --quick (the whole run in under two minutes). */
/** The sizes. */
const FULL = {
  duration: 60,
  'fanout-rooms': 100,
  'fanout-room-size': 20,
  'fanout-rates': '2000,20000',
  'bigroom-rooms': 10,
  'bigroom-size': 1000,
  'bigroom-rate': 50000,
  connections: 20000,
  'persister-rows': 500000,
  'history-messages': 1000000,
  'history-rate': 1000,
  'history-seconds': 30,
  'attention-seconds': 30,
  'room-members': 10000,
  'room-list-rate': 200,
  'search-rate': 50,
  'members-rate': 100,
  'search-rooms': 50,
  'search-room-messages': 2000,
  'trickle-seconds': 60,
  'idle-seconds': 30,
  'upload-concurrency': 100,
  'upload-bytes': 1048576,
} as const;

/** Small sizes, under two minutes in all: only durations and sizes differ from the full profile. */
const PRESETS = {
  full: FULL,
  quick: {
    ...FULL,
    duration: 8,
    'fanout-rooms': 40,
    'fanout-rates': '2000,8000',
    'bigroom-rooms': 1,
    'bigroom-rate': 5000,
    connections: 2000,
    'persister-rows': 50000,
    'history-seconds': 4,
    'attention-seconds': 5,
    'trickle-seconds': 10,
    'idle-seconds': 10,
    'upload-concurrency': 20,
  },
} as const;

const HELP = `npm run bench -- [flags]

  --quick                  small sizes, the whole run in under two minutes
  --scenarios LIST         comma-separated, of: ${SCENARIOS.join(', ')} (default: all)
  --duration S             seconds of each fan-out rate and of the big room          (full ${PRESETS.full.duration}, quick ${PRESETS.quick.duration})
  --fanout-rooms N         rooms of the fan-out scenario                             (full ${PRESETS.full['fanout-rooms']}, quick ${PRESETS.quick['fanout-rooms']})
  --fanout-room-size N     members per room, each sending in turn                    (${PRESETS.full['fanout-room-size']})
  --fanout-rates LIST      deliveries/s to run one after the other                   (full ${PRESETS.full['fanout-rates']}, quick ${PRESETS.quick['fanout-rates']})
  --bigroom-rooms N        big rooms at once                                         (full ${PRESETS.full['bigroom-rooms']}, quick ${PRESETS.quick['bigroom-rooms']})
  --bigroom-size N         members of each big room                                  (${PRESETS.full['bigroom-size']})
  --bigroom-rate N         deliveries/s over all big rooms                           (full ${PRESETS.full['bigroom-rate']}, quick ${PRESETS.quick['bigroom-rate']})
  --connections N          idle authenticated sockets to open                        (full ${PRESETS.full.connections}, quick ${PRESETS.quick.connections})
  --persister-rows N       backlog the persister drains                              (full ${PRESETS.full['persister-rows']}, quick ${PRESETS.quick['persister-rows']})
  --persister-batch-max N  PERSISTER_BATCH_MAX of the drained persister              (its default)
  --history-messages N     messages in the history room (seeded once, then reused)   (${PRESETS.full['history-messages']})
  --history-rate N         history requests per second                               (${PRESETS.full['history-rate']})
  --history-seconds S      duration of the history load                              (full ${PRESETS.full['history-seconds']}, quick ${PRESETS.quick['history-seconds']})
  --attention-seconds S    duration of the room-list (200 rooms, 10,000 unread, 200/s) and search (50/s) loads (full ${PRESETS.full['attention-seconds']}, quick ${PRESETS.quick['attention-seconds']})
  --search-rooms N         rooms of varied lines beside the history room, for search  (${PRESETS.full['search-rooms']})
  --search-room-messages N lines in each of them                                      (${PRESETS.full['search-room-messages']})
  --room-list-rate N       GET /api/rooms per second (the target's 200), --search-rate N (50), --members-rate N (100)
  --room-members N         members of the members-page room (100 pages/s, for --attention-seconds) (${PRESETS.full['room-members']})
  --trickle-seconds S      duration of the 100 messages/s trickle                    (full ${PRESETS.full['trickle-seconds']}, quick ${PRESETS.quick['trickle-seconds']})
  --idle-seconds S         duration of the idle measurement                          (full ${PRESETS.full['idle-seconds']}, quick ${PRESETS.quick['idle-seconds']})
  --upload-concurrency N   uploads at once through presigned URLs                    (full ${PRESETS.full['upload-concurrency']}, quick ${PRESETS.quick['upload-concurrency']})
  --upload-bytes N         bytes of each uploaded file                               (${PRESETS.full['upload-bytes']})
  --socket-gateways LIST   pin fan-out and big-room sockets to these gateways, e.g. g1 (the others then
                           only read the room traffic: the scaling measurement)
  --batching on|off        fan-out, mixed and big-room sockets ask for frame batching (events:batch), as the
                           shipped client does (default on; the gateways' SOCKET_BATCHING decides whether they get it)
  --out FILE               where to write the JSON report (default .data/bench/<time>.json)

The system's own settings come from the environment when the benchmark starts it, e.g.
MESSAGE_RATE_LIMIT=1000 npm run bench. A running system (npm start) is used as it is.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      scenarios: { type: 'string', default: SCENARIOS.join(',') },
      out: { type: 'string' },
      'persister-batch-max': { type: 'string' },
      'socket-gateways': { type: 'string' },
      batching: { type: 'string', default: 'on' },
      ...Object.fromEntries(Object.keys(PRESETS.full).map((k) => [k, { type: 'string' as const }])),
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const preset = values.quick ? PRESETS.quick : PRESETS.full;
  const flag = (name: keyof typeof PRESETS.full): string => String((values as Record<string, unknown>)[name] ?? preset[name]);
  const int = (name: keyof typeof PRESETS.full): number => {
    const n = Number(flag(name));
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, not "${flag(name)}"`);
    return n;
  };
  const chosen = values.scenarios.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = chosen.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}: choose from ${SCENARIOS.join(', ')}`);

  const started = Date.now();
  const log = (line: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  const system = await ensureSystem(log);
  const db = new Client({ connectionString: system.databaseUrl });
  await db.connect();
  const ctx: ScenarioContext = { system, db, log };
  const results: ScenarioResult[] = [];
  try {
    const removed = await removeLeftovers(db, HISTORY_ROOM_NAME);
    if (removed > 0) log(`removed ${removed} users and rooms an interrupted earlier run left behind`);
    const socketGateways = values['socket-gateways']?.split(',').filter(Boolean);
    const unknownGateways = socketGateways?.filter((g) => !system.gateways.some((s) => s.id === g)) ?? [];
    if (unknownGateways.length > 0) throw new Error(`--socket-gateways: no gateway ${unknownGateways.join(', ')} (there are ${system.gateways.map((g) => g.id).join(', ')})`);
    if (values.batching !== 'on' && values.batching !== 'off') throw new Error(`--batching must be on or off, not "${values.batching}"`);
    const batch = values.batching === 'on';
    const run: Record<Scenario, () => Promise<ScenarioResult>> = {
      // Each scenario is judged against its row of issue 19's table (docs/performance.md).
      'fan-out': () =>
        runRoomScenario(
          ctx,
          'fan-out',
          { rooms: int('fanout-rooms'), roomSize: int('fanout-room-size'), deliveriesPerSecond: flag('fanout-rates').split(',').map(Number), durationSeconds: int('duration'), socketGateways, batch },
          { deliveries: { atLeastPerSecond: 20_000, p99Ms: 100 } },
        ),
      // Living-message traffic beside sends alone, at the fan-out's sizes and first rate (issue 14).
      mixed: () =>
        runMixedScenario(ctx, {
          rooms: int('fanout-rooms'),
          roomSize: int('fanout-room-size'),
          eventsPerSecond: Number(flag('fanout-rates').split(',')[0]) / int('fanout-room-size'),
          durationSeconds: int('duration'),
          batch,
        }),
      'big-room': () =>
        runRoomScenario(
          ctx,
          'big-room',
          { rooms: int('bigroom-rooms'), roomSize: int('bigroom-size'), deliveriesPerSecond: [int('bigroom-rate')], durationSeconds: int('duration'), socketGateways, batch },
          { deliveries: { atLeastPerSecond: 50_000, p99Ms: 150 }, connectSeconds: 3 },
        ),
      connections: () => runConnectionsScenario(ctx, { sockets: int('connections') }),
      persister: () => runPersisterScenario(ctx, { rows: int('persister-rows'), batchMax: values['persister-batch-max'] ? Number(values['persister-batch-max']) : undefined }),
      history: () => runHistoryScenario(ctx, { messages: int('history-messages'), requestsPerSecond: int('history-rate'), seconds: int('history-seconds') }),
      // Issue 15's targets: the sidebar's counts and search.
      'room-list': () => runRoomListScenario(ctx, { rooms: 200, unread: 10_000, requestsPerSecond: int('room-list-rate'), seconds: int('attention-seconds') }),
      search: () => runSearchScenario(ctx, { rooms: int('search-rooms'), messagesPerRoom: int('search-room-messages'), requestsPerSecond: int('search-rate'), seconds: int('attention-seconds') }),
      // Issue 16's target: a big room's members pages.
      members: () => runMembersScenario(ctx, { members: int('room-members'), requestsPerSecond: int('members-rate'), seconds: int('attention-seconds') }),
      // 100 messages/s: 10 rooms of 10, 1,000 deliveries/s.
      trickle: () =>
        runRoomScenario(ctx, 'trickle', { rooms: 10, roomSize: 10, deliveriesPerSecond: [1_000], durationSeconds: int('trickle-seconds') }, { cpuPercent: { persister: 10, kafka: 10 } }),
      uploads: () => runUploadsScenario(ctx, { concurrent: int('upload-concurrency'), bytes: int('upload-bytes') }),
      idle: () => runIdleScenario(ctx, { seconds: int('idle-seconds') }),
    };
    for (const name of SCENARIOS.filter((s) => chosen.includes(s))) results.push(await run[name]());
  } finally {
    await db.end();
  }

  const report = {
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    finishedAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    machine: machineDescription(),
    systemBootedByThisRun: system.booted,
    results,
  };
  const out = values.out ?? path.join(repoRoot, '.data', 'bench', `${report.finishedAt.replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${renderReport(results)}\n\n`);
  const failures = results.flatMap((r) => r.failures);
  const missed = results.flatMap((r) => r.targets.filter((t) => !t.met));
  log(`done in ${report.seconds} s; JSON report: ${path.relative(process.cwd(), out)}`);
  if (missed.length > 0) log(`${missed.length} performance target(s) missed on this machine (see above and docs/performance.md)`);
  if (failures.length > 0) {
    log(`FAILED: ${failures.length} correctness failure(s): loss, duplicates or unpersisted messages`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
