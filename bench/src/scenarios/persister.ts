import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { v7 } from 'uuid';
import type { MessageRecord } from '@chat/protocol';
import { applyMigrations } from '@chat/db';
import { freePort, repoRoot, waitFor } from '@chat/local';
import { fmt, measured, type ScenarioContext, type ScenarioResult } from '../scenario';
import { scrape } from '../system';

export interface PersisterOptions {
  /** Records in the backlog. */
  rows: number;
  /** Partitions of the backlog topic (the messages topic's default). */
  partitions?: number;
}

/** The target: rows/s, and the least fraction of raw COPY's rate on the same machine. */
const TARGET = { rowsPerSecond: 100_000, ofCopy: 0.2 };

/** Chat-shaped records: 500 rooms (keys, so partitions), 2,000 senders, UUIDv7 ids like the gateway's. */
function backlog(n: number): MessageRecord[] {
  const rooms = Array.from({ length: 500 }, () => randomUUID());
  const senders = Array.from({ length: 2_000 }, () => randomUUID());
  const start = Date.now() - n;
  return Array.from({ length: n }, (_, i) => ({
    v: 1,
    id: v7(),
    roomId: rooms[i % rooms.length]!,
    senderId: senders[i % senders.length]!,
    senderUsername: `bench.user${i % senders.length}`,
    body: `message ${i}: the quick brown fox jumps over the lazy dog, again and again, to fill a typical chat line`,
    clientMsgId: `b${i.toString(36)}`,
    createdAt: new Date(start + i).toISOString(),
  }));
}

const copyEscape = (text: string) => text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');

/**
 * Kafka -> PostgreSQL drain rate of a backlog beside a raw COPY of the same rows into the same
 * PostgreSQL. The backlog goes to a topic of its own; a persister started for it (the built one, with
 * the production settings) writes into a database of its own, so the running system is not disturbed
 * and nothing else writes there. The ratio drain/COPY is the figure that matters: it is what the
 * persister's design costs over the fastest way PostgreSQL takes rows, on whatever machine runs it.
 */
export async function runPersisterScenario(ctx: ScenarioContext, o: PersisterOptions): Promise<ScenarioResult> {
  const { system, db, log } = ctx;
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const databaseUrl = new URL(system.databaseUrl);
  databaseUrl.pathname = `/${name}`;
  const topics = { messages: `${name}.messages`, deadLetter: `${name}.dlq` };
  const kafka = new Kafka({ clientId: name, brokers: system.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();

  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'persister'], { cwd: repoRoot, stdio: 'inherit' });
  await db.query(`CREATE DATABASE ${name}`);
  await admin.connect();
  const target = new Client({ connectionString: databaseUrl.toString() });
  let persister: ReturnType<typeof spawn> | undefined;
  try {
    await applyMigrations(databaseUrl.toString());
    await target.connect();
    await admin.createTopics({ topics: [{ topic: topics.messages, numPartitions: o.partitions ?? 12 }, { topic: topics.deadLetter, numPartitions: 1 }], waitForLeaders: true });
    const records = backlog(o.rows);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const produceStart = performance.now();
    for (let i = 0; i < records.length; i += 5_000) {
      await producer.send({ topic: topics.messages, acks: -1, messages: records.slice(i, i + 5_000).map((r) => ({ key: r.roomId, value: JSON.stringify(r) })) });
    }
    await producer.disconnect();
    log(`persister: ${fmt(o.rows)} records in ${topics.messages} (produced in ${((performance.now() - produceStart) / 1000).toFixed(1)} s); starting a persister on it`);

    const port = await freePort();
    persister = spawn(process.execPath, [path.join(repoRoot, 'persister', 'dist', 'main.js')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATABASE_URL: databaseUrl.toString(),
        KAFKA_BROKERS: system.kafkaBrokers.join(','),
        KAFKA_MESSAGES_TOPIC: topics.messages,
        KAFKA_DLQ_TOPIC: topics.deadLetter,
        KAFKA_GROUP_ID: `${name}-persister`,
        KAFKA_CREATE_TOPICS: 'false',
        PERSISTER_PORT: String(port),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const spawnedAt = performance.now();
    const child = persister;
    const alive = () => {
      if (child.exitCode !== null) throw new Error(`the benchmark's persister exited with code ${child.exitCode}`);
    };
    const inserted = async () => (await scrape(port, ['persister_messages_total{result="inserted"}']))['persister_messages_total{result="inserted"}'] ?? 0;
    if (!(await waitFor(async () => (alive(), (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200), 60_000, 20))) throw new Error('the persister did not become ready in 60 s');
    const readyMs = performance.now() - spawnedAt;

    // Polling its metrics is how one follows another process's progress; 20 ms is far below the drain time.
    const drain = await measured(
      ctx,
      async () => {
        const start = performance.now();
        if (!(await waitFor(async () => (alive(), (await inserted()) >= o.rows), 600_000, 20))) throw new Error('the persister did not drain the backlog in 10 minutes');
        return (performance.now() - start) / 1000;
      },
      [{ name: 'persister (bench)', pid: child.pid! }],
    );
    const insert = await scrape(port, ['persister_insert_duration_seconds_sum', 'persister_insert_duration_seconds_count']);
    const stored = (await target.query<{ n: number; distinct: number }>('SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM messages')).rows[0]!;

    // The same rows through COPY (text format) into a table shaped like messages, with its indexes.
    await target.query('CREATE TABLE messages_copy (LIKE messages INCLUDING ALL)');
    const copy = await measured(ctx, async () => {
      const start = performance.now();
      const lines = function* () {
        for (const r of records) {
          yield `${r.id}\t${r.roomId}\t${r.senderId}\t${copyEscape(r.senderUsername)}\t${copyEscape(r.body)}\t${copyEscape(r.clientMsgId)}\t${r.createdAt}\n`;
        }
      };
      await pipeline(Readable.from(lines()), target.query(copyFrom('COPY messages_copy (id, room_id, sender_id, sender_username, body, client_msg_id, created_at) FROM STDIN')));
      return (performance.now() - start) / 1000;
    });

    const drainRate = o.rows / drain.value;
    const copyRate = o.rows / copy.value;
    const failures: string[] = [];
    if (stored.n !== o.rows) failures.push(`persister: ${stored.n} rows stored of ${o.rows} records`);
    if (stored.distinct !== stored.n) failures.push(`persister: ${stored.n - stored.distinct} rows stored twice`);
    return {
      scenario: 'persister',
      parameters: { rows: o.rows, partitions: o.partitions ?? 12 },
      measurements: [
        {
          label: 'Kafka -> PostgreSQL drain of the backlog',
          figures: {
            rows: fmt(o.rows),
            'drain s': fmt(drain.value, 2),
            'rows/s': fmt(drainRate),
            'INSERT time (summed over partitions) s': `${fmt(insert.persister_insert_duration_seconds_sum ?? 0, 2)} in ${insert.persister_insert_duration_seconds_count ?? 0} statements`,
            'start to ready ms': fmt(readyMs),
            'stored / distinct': `${fmt(stored.n)} / ${fmt(stored.distinct)}`,
          },
          processes: drain.processes,
          machine: drain.machine,
          details: { drainSeconds: drain.value, drainRate, readyMs, insert, stored },
        },
        {
          label: 'raw COPY of the same rows (same PostgreSQL, table with the same indexes)',
          figures: { 'COPY s': fmt(copy.value, 2), 'rows/s': fmt(copyRate), 'persister / COPY': fmt(drainRate / copyRate, 2) },
          processes: copy.processes,
          machine: copy.machine,
          details: { copySeconds: copy.value, copyRate, ratio: drainRate / copyRate },
        },
      ],
      targets: [
        {
          target: `>= ${fmt(TARGET.rowsPerSecond)} rows/s and >= ${TARGET.ofCopy} of raw COPY`,
          actual: `${fmt(drainRate)} rows/s, ${fmt(drainRate / copyRate, 2)} of COPY (${fmt(copyRate)} rows/s)`,
          met: drainRate >= TARGET.rowsPerSecond && drainRate / copyRate >= TARGET.ofCopy,
        },
      ],
      failures,
    };
  } finally {
    if (persister && persister.exitCode === null) {
      const gone = new Promise((resolve) => persister!.once('exit', resolve));
      persister.kill('SIGTERM');
      await gone;
    }
    await target.end().catch(() => undefined);
    await admin.deleteTopics({ topics: [topics.messages, topics.deadLetter] }).catch(() => undefined);
    await admin.disconnect();
    await db.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}
