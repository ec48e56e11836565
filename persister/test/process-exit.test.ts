// The persister process itself: a bad variable stops it at start with a message naming it, and a
// failure that is neither transient nor the data's fault crashes it (exit code 1, for the
// orchestrator to restart it) without committing the record it could not store.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, repoRoot } from '@chat/local';
import { createTestDatabase, createTopics, eventually, testServices, uniqueName } from '@chat/testing';
import { Client } from 'pg';
import { committedOffsets, connectProducer, messageRecord, produce } from './support';

/** Runs the built persister with `env`; resolves with its exit code and everything it printed. */
function runPersister(env: Record<string, string>): { child: ChildProcess; exited: Promise<{ code: number | null; output: string }> } {
  const child = spawn(process.execPath, [path.join(repoRoot, 'persister', 'dist', 'main.js')], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; output: string }>((resolve) => child.once('exit', (code) => resolve({ code, output })));
  return { child, exited };
}

describe('persister process', () => {
  it('refuses to start with a malformed variable, naming it (exit code 78)', async () => {
    const { exited } = runPersister({ DATABASE_URL: 'postgresql://chat@127.0.0.1/chat', KAFKA_BROKERS: 'broker-without-port' });
    const { code, output } = await exited;
    expect(code).toBe(78);
    expect(output).toContain('KAFKA_BROKERS: each broker must be host:port');
  });

  it('exits with code 1 on a fatal database error (no messages table) and commits nothing', async () => {
    const databaseUrl = await createTestDatabase('fatal');
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query('DROP TABLE messages');
    await admin.end();
    const [messages, deadLetter] = await createTopics([{ prefix: 'fatal', partitions: 1 }, { prefix: 'fatal.dlq', partitions: 1 }]);
    const groupId = uniqueName('fatal');
    const port = await freePort();
    const { child, exited } = runPersister({
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: testServices().env.KAFKA_BROKERS,
      KAFKA_MESSAGES_TOPIC: messages!,
      KAFKA_DLQ_TOPIC: deadLetter!,
      KAFKA_GROUP_ID: groupId,
      PERSISTER_PORT: String(port),
      LOG_LEVEL: 'info',
    });
    try {
      await eventually(() => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0), (status) => status === 200, 30_000, 'persister ready');
      const producer = await connectProducer();
      await produce(producer, messages!, [messageRecord()]);
      await producer.disconnect();

      const { code, output } = await exited;
      expect(code).toBe(1);
      expect(output).toContain('consumer crashed; exiting');
      expect(output).toContain('42P01');
      // Nothing committed: the record waits for a persister that can store it.
      expect((await committedOffsets(groupId, messages!)).get(0)).toBe(-1);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
