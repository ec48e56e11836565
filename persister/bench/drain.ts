// Drain benchmark (not a test): fills a fresh topic with N message records, starts the built persister
// on it and measures how fast it writes them to Postgres (rows/s), then, in the same run and on the
// same PostgreSQL, a raw COPY of the same rows into a scratch table, the ceiling for comparison.
//
//   npx tsx persister/bench/drain.ts --rows 200000 [--partitions 12] [--batch-max 5000]
//
// Services: DATABASE_URL and KAFKA_BROKERS from the environment, else `npm start`'s defaults
// (postgresql://chat:chat@127.0.0.1:5432/chat, 127.0.0.1:9092). It creates and drops its own
// database and topics, and leaves nothing behind.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { applyMigrations } from '@chat/db';
import { freePort } from '@chat/local';
import type { MessageRecord } from '@chat/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const repoRoot = path.resolve(__dirname, '..', '..');
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    partitions: { type: 'string', default: '12' },
    'batch-max': { type: 'string', default: '5000' },
  },
});
const rows = Number(args.rows);
const partitions = Number(args.partitions);
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://chat:chat@127.0.0.1:5432/chat';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * A UUIDv7 (RFC 9562) for the millisecond `ms`, as the gateway assigns message ids: time-ordered ids
 * land at the right end of the primary key's B-tree, which is what the real insert load looks like.
 */
function uuidv7(ms: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Rooms of realistic size: records of one room share a key and so a partition. */
function makeRecords(n: number): MessageRecord[] {
  const rooms = Array.from({ length: 500 }, () => randomUUID());
  const senders = Array.from({ length: 2000 }, () => randomUUID());
  const start = Date.now() - n;
  return Array.from({ length: n }, (_, i) => ({
    v: 1,
    id: uuidv7(start + i),
    roomId: rooms[i % rooms.length]!,
    senderId: senders[i % senders.length]!,
    senderUsername: `user${i % senders.length}`,
    body: `message ${i}: the quick brown fox jumps over the lazy dog, again and again, to fill a typical chat line`,
    clientMsgId: randomUUID(),
    createdAt: new Date(start + i).toISOString(),
  }));
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  if (!Number.isInteger(rows) || rows <= 0) throw new Error('--rows must be a positive integer');
  const name = `bench_${randomUUID().slice(0, 8)}`;
  const benchUrl = new URL(databaseUrl);
  benchUrl.pathname = `/${name}`;
  const kafka = new Kafka({ clientId: name, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const topics = { messages: `${name}.messages`, deadLetter: `${name}.dlq` };
  const groupId = `${name}-persister`;

  say(`building the persister (tsc -b persister)`);
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'persister'], { cwd: repoRoot, stdio: 'inherit' });
  await withClient(databaseUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  await applyMigrations(benchUrl.toString());
  await admin.connect();
  let persister: ReturnType<typeof spawn> | undefined;
  try {
    await admin.createTopics({ topics: [{ topic: topics.messages, numPartitions: partitions }, { topic: topics.deadLetter, numPartitions: 1 }], waitForLeaders: true });

    const records = makeRecords(rows);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const produceStart = performance.now();
    for (let i = 0; i < records.length; i += 5000) {
      const slice = records.slice(i, i + 5000);
      await producer.send({ topic: topics.messages, acks: -1, messages: slice.map((r) => ({ key: r.roomId, value: JSON.stringify(r) })) });
    }
    const produceSeconds = (performance.now() - produceStart) / 1000;
    await producer.disconnect();
    say(`produced ${rows} records to ${topics.messages} (${partitions} partitions) in ${produceSeconds.toFixed(1)} s`);

    // The persister drains what is already in the topic: time from its joining the group to the last row.
    const port = await freePort();
    persister = spawn(process.execPath, [path.join(repoRoot, 'persister', 'dist', 'main.js')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATABASE_URL: benchUrl.toString(),
        KAFKA_BROKERS: brokers.join(','),
        KAFKA_MESSAGES_TOPIC: topics.messages,
        KAFKA_DLQ_TOPIC: topics.deadLetter,
        KAFKA_GROUP_ID: groupId,
        KAFKA_CREATE_TOPICS: 'false',
        PERSISTER_PORT: String(port),
        PERSISTER_BATCH_MAX: args['batch-max'],
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise<never>((_, reject) => persister!.once('exit', (code) => reject(new Error(`the persister exited with code ${code}`))));
    const sample = async (series: string) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return Number(line?.slice(series.length + 1) ?? 0);
    };
    const inserted = () => sample('persister_messages_total{result="inserted"}');
    const poll = async (check: () => Promise<boolean>) => {
      // Polling is how one learns another process's progress; 20 ms is well below the drain time.
      while (!(await check().catch(() => false))) await Promise.race([new Promise((r) => setTimeout(r, 20)), exited]);
    };
    await poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200);
    const cpuAtStart = await sample('process_cpu_seconds_total');
    const drainStart = performance.now();
    await poll(async () => (await inserted()) >= rows);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const insertSeconds = await sample('persister_insert_duration_seconds_sum');
    const inserts = await sample('persister_insert_duration_seconds_count');
    const persisterCpu = (await sample('process_cpu_seconds_total')) - cpuAtStart;
    const stored = await withClient(benchUrl.toString(), async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM messages')).rows[0]!.n);
    if (stored !== rows) throw new Error(`expected ${rows} rows, found ${stored}`);

    // The same rows through COPY (text format) into a table shaped like messages, with its indexes.
    const copySeconds = await withClient(benchUrl.toString(), async (c) => {
      await c.query('CREATE TABLE messages_copy (LIKE messages INCLUDING ALL)');
      const escape = (text: string) => text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
      const lines = function* () {
        for (const r of records) {
          yield `${r.id}\t${r.roomId}\t${r.senderId}\t${escape(r.senderUsername)}\t${escape(r.body)}\t${escape(r.clientMsgId)}\t${r.createdAt}\n`;
        }
      };
      const start = performance.now();
      await pipeline(Readable.from(lines()), c.query(copyFrom('COPY messages_copy (id, room_id, sender_id, sender_username, body, client_msg_id, created_at) FROM STDIN')));
      return (performance.now() - start) / 1000;
    });

    const drainRate = rows / drainSeconds;
    const copyRate = rows / copySeconds;
    say('');
    // Other processes on the machine change every figure here: the load average puts them in context.
    say(`machine              ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    say(`rows                 ${rows}`);
    say(`persister drain      ${drainSeconds.toFixed(2)} s   ${Math.round(drainRate).toLocaleString('en')} rows/s   (PERSISTER_BATCH_MAX=${args['batch-max']})`);
    say(`  of which INSERT    ${insertSeconds.toFixed(2)} s in ${inserts} statements (summed over concurrent partitions)`);
    say(`  persister CPU      ${persisterCpu.toFixed(2)} s (decode, Prisma, kafkajs)`);
    say(`raw COPY             ${copySeconds.toFixed(2)} s   ${Math.round(copyRate).toLocaleString('en')} rows/s`);
    say(`persister / COPY     ${(drainRate / copyRate).toFixed(2)}`);
  } finally {
    if (persister && persister.exitCode === null) {
      const gone = new Promise((resolve) => persister!.once('exit', resolve));
      persister.kill('SIGTERM');
      await gone;
    }
    // Best effort: a failed benchmark still tries to leave nothing behind.
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topics.messages, topics.deadLetter] }).catch(() => undefined);
    await admin.disconnect();
    await withClient(databaseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`drain benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
