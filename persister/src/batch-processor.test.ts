import { randomUUID } from 'node:crypto';
import { createLogger } from '@chat/service-kit';
import { BatchProcessor, type ConsumedRecord, type PartitionContext } from './batch-processor';
import type { DeadLetter, DeadLetterPublisher } from './dead-letter-publisher';
import type { MessageStore } from './message-store';
import { createMetrics } from './metrics';
import type { MessageRow } from './record-decoder';

// In-memory twins of the seams: the logic above them is tested here, the real Postgres and Kafka
// behind them in persister/test.

/** Errors shaped as Prisma's pg adapter raises them. */
const refused = () => Object.assign(new Error('Raw query failed'), { code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '22008', kind: 'postgres', message: 'date/time field value out of range' } } } });
const unreachable = () => Object.assign(new Error('Raw query failed'), { code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } } });
const missingTable = () => Object.assign(new Error('Raw query failed'), { code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '42P01', kind: 'TableDoesNotExist' } } } });

class MemoryStore implements MessageStore {
  readonly rows = new Map<string, MessageRow>();
  readonly statements: number[] = [];
  /** Failures to raise on the next calls, in order. */
  failures: (() => Error)[] = [];
  /** Rows whose body makes any statement containing them fail as refused data. */
  poison = new Set<string>();

  constructor(private readonly journal: string[]) {}

  async insert(rows: readonly MessageRow[]): Promise<number> {
    const failure = this.failures.shift();
    if (failure) throw failure();
    if (rows.some((r) => this.poison.has(r.body))) throw refused();
    this.statements.push(rows.length);
    let added = 0;
    for (const row of rows) {
      if (this.rows.has(row.id)) continue;
      this.rows.set(row.id, row);
      added += 1;
    }
    this.journal.push(`insert ${rows.length}`);
    return added;
  }

  async ping(): Promise<void> {}
}

class MemoryDeadLetters implements DeadLetterPublisher {
  readonly letters: DeadLetter[] = [];
  constructor(private readonly journal: string[]) {}
  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    this.letters.push(...letters);
    this.journal.push(`dead-letter ${letters.length}`);
  }
}

const record = (offset: number, overrides: Record<string, unknown> = {}): ConsumedRecord => {
  const value = { v: 1, id: randomUUID(), roomId: randomUUID(), senderId: randomUUID(), senderUsername: 'bob', body: `m${offset}`, clientMsgId: `c${offset}`, createdAt: '2026-11-27T12:00:00.000Z', ...overrides };
  return { offset: String(offset), key: Buffer.from(value.roomId), value: Buffer.from(JSON.stringify(value)) };
};

function setup(batchMax = 100) {
  const journal: string[] = [];
  const store = new MemoryStore(journal);
  const deadLetters = new MemoryDeadLetters(journal);
  const metrics = createMetrics();
  const processor = new BatchProcessor({ store, deadLetters, metrics, logger: createLogger({ service: 'persister', level: 'silent' }), batchMax, retryMaxMs: 5 });
  let stopping = false;
  const context: PartitionContext & { stop(): void } = {
    topic: 'chat.messages.v1',
    partition: 3,
    heartbeat: async () => void journal.push('heartbeat'),
    shouldStop: () => stopping,
    commit: async (offset) => void journal.push(`commit ${offset}`),
    stop: () => (stopping = true),
  };
  const count = async (result: string) => (await metrics.messages.get()).values.find((v) => v.labels.result === result)?.value;
  return { journal, store, deadLetters, metrics, processor, context, count };
}

describe('BatchProcessor', () => {
  it('writes each chunk of at most batchMax records in one INSERT and commits its last offset afterwards', async () => {
    const { processor, context, store, journal } = setup(100);
    const records = Array.from({ length: 250 }, (_, i) => record(i + 10));
    await expect(processor.process(records, context)).resolves.toBe(true);
    expect(store.statements).toEqual([100, 100, 50]);
    expect(journal.filter((j) => j !== 'heartbeat')).toEqual(['insert 100', 'commit 109', 'insert 100', 'commit 209', 'insert 50', 'commit 259']);
    expect(store.rows.size).toBe(250);
  });

  it('counts a record whose id is stored already as a duplicate, not as inserted', async () => {
    const { processor, context, count } = setup();
    const first = record(0);
    await processor.process([first, { ...first, offset: '1' }], context);
    expect(await count('inserted')).toBe(1);
    expect(await count('duplicate')).toBe(1);
  });

  it('dead-letters undecodable records before committing, and stores the rest', async () => {
    const { processor, context, store, deadLetters, journal, count } = setup();
    const bad = { offset: '1', key: Buffer.from('room'), value: Buffer.from('not json') };
    await processor.process([record(0), bad, record(2)], context);
    expect(store.rows.size).toBe(2);
    expect(deadLetters.letters).toEqual([expect.objectContaining({ offset: '1', partition: 3, topic: 'chat.messages.v1', value: bad.value, reason: expect.stringMatching(/^invalid JSON/) })]);
    expect(journal.filter((j) => j !== 'heartbeat')).toEqual(['insert 2', 'dead-letter 1', 'commit 2']);
    expect(await count('dead_lettered')).toBe(1);
  });

  it('isolates a row Postgres refuses by inserting row by row, dead-letters it with the SQLSTATE, and stores the others', async () => {
    const { processor, context, store, deadLetters } = setup();
    store.poison.add('poison');
    await processor.process([record(0), record(1, { body: 'poison' }), record(2)], context);
    expect([...store.rows.values()].map((r) => r.body).sort()).toEqual(['m0', 'm2']);
    expect(deadLetters.letters).toEqual([expect.objectContaining({ offset: '1', reason: expect.stringMatching(/^refused by Postgres: 22008/) })]);
    // One failed batch INSERT, then one per row.
    expect(store.statements).toEqual([1, 1]);
  });

  it('retries while Postgres is unreachable, heartbeating and committing nothing until the insert succeeds', async () => {
    const { processor, context, store, journal, metrics } = setup();
    store.failures = [unreachable, unreachable, unreachable];
    await expect(processor.process([record(0), record(1)], context)).resolves.toBe(true);
    const firstInsert = journal.indexOf('insert 2');
    expect(journal.slice(0, firstInsert)).not.toContain('commit 1');
    expect(journal.slice(0, firstInsert)).toContain('heartbeat');
    expect(journal.slice(firstInsert)).toContain('commit 1');
    expect((await metrics.insertRetries.get()).values[0]!.value).toBe(3);
    expect((await metrics.databaseUp.get()).values[0]!.value).toBe(1);
  });

  it('gives up without committing when the consumer stops while Postgres is unreachable', async () => {
    const { processor, context, store, journal } = setup();
    store.failures = Array.from({ length: 1000 }, () => unreachable);
    const heartbeat = context.heartbeat;
    let beats = 0;
    context.heartbeat = async () => {
      // Stop after a few waits, as consumer.stop() would.
      if (++beats === 3) context.stop();
      await heartbeat();
    };
    await expect(processor.process([record(0)], context)).resolves.toBe(false);
    expect(journal.some((j) => j.startsWith('commit'))).toBe(false);
    expect(store.rows.size).toBe(0);
  });

  it('fails without committing on an error that is neither transient nor the data (a missing table)', async () => {
    const { processor, context, store, journal } = setup();
    store.failures = [missingTable];
    const failure = processor.process([record(0)], context);
    await expect(failure).rejects.toMatchObject({ name: 'AppError', code: 'INTERNAL', retriable: false });
    await expect(failure).rejects.toMatchObject({ code: 'INTERNAL', retriable: false, message: expect.stringContaining('42P01') });
    expect(journal.some((j) => j.startsWith('commit'))).toBe(false);
    expect(store.rows.size).toBe(0);
  });
});
