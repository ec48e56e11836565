// The persister process against the run's real Kafka and PostgreSQL: what reaches the messages
// topic ends up in Postgres exactly once, bad records go to the dead-letter topic, offsets follow
// the inserts, and neither a graceful restart nor a kill -9 loses or duplicates a message.
import { DEAD_LETTER_HEADERS } from '@chat/protocol';
import { eventually, scrapeMetric, startSystem, type SystemProcess, type TestSystem } from '@chat/testing';
import type { Producer } from 'kafkajs';
import { committedOffsets, connectProducer, endOffsets, MessagesTable, messageRecord, produce, readTopic } from './support';

describe('persister', () => {
  let system: TestSystem;
  let persister: SystemProcess;
  let producer: Producer;
  let table: MessagesTable;
  let topic: string;

  beforeAll(async () => {
    // A short session: after a kill -9 the group waits this long for the dead member before rebalancing.
    system = await startSystem({ gateways: 0, nginx: false, env: { KAFKA_SESSION_TIMEOUT_MS: '6000' } });
    persister = system.persister!;
    topic = system.topics.messages;
    producer = await connectProducer();
    table = await MessagesTable.open(system.databaseUrl);
  }, 60_000);

  afterAll(async () => {
    await producer?.disconnect();
    await table?.close();
    await system?.stop();
  });

  const metric = (name: string, labels?: Record<string, string>) => scrapeMetric(`${persister.url}/metrics`, name, labels);
  const storedCount = (ids: string[], what: string) => eventually(() => table.count(ids), (n) => n === ids.length, 20_000, what);

  it('answers /healthz and /readyz once it joined its group and Postgres answers', async () => {
    expect((await fetch(`${persister.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${persister.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${persister.url}/metrics`)).text();
    expect(metrics).toContain('persister_messages_total{result="inserted"}');
    expect(metrics).toContain('process_cpu_seconds_total');
  });

  it('stores every record produced to the topic exactly once, with every field as produced', async () => {
    const records = Array.from({ length: 300 }, (_, i) =>
      messageRecord({ roomId: `00000000-0000-4000-8000-00000000000${i % 7}`, body: `message ${i}: grüße 👋`, senderUsername: `user${i % 5}` }),
    );
    await produce(producer, topic, records);
    await storedCount(records.map((r) => r.id), 'all 300 records stored');

    const stored = await table.rows(records.map((r) => r.id));
    const byId = new Map(stored.map((row) => [row.id, row]));
    for (const { v: _version, ...record } of records) expect(byId.get(record.id)).toEqual(record);
  });

  it('stores a record whose id was produced twice (a gateway retry) as one row', async () => {
    const duplicatesBefore = (await metric('persister_messages_total', { result: 'duplicate' })) ?? 0;
    const record = messageRecord();
    // Same room key, so the same partition: the sentinel is processed after both copies.
    const sentinel = messageRecord({ roomId: record.roomId });
    await produce(producer, topic, [record]);
    await produce(producer, topic, [record]);
    await produce(producer, topic, [sentinel]);
    await storedCount([record.id, sentinel.id], 'the record and its sentinel stored');

    expect(await table.count([record.id])).toBe(1);
    expect(await metric('persister_messages_total', { result: 'duplicate' })).toBe(duplicatesBefore + 1);
  });

  it('dead-letters records that can never be stored, with the reason, and moves the offset past them', async () => {
    const roomId = messageRecord().roomId;
    const withNul = messageRecord({ roomId, body: 'nul \u0000 inside' });
    const after = messageRecord({ roomId });
    await produce(producer, topic, [
      { key: roomId, value: '{"v":1, not json' },
      { key: roomId, value: JSON.stringify({ ...messageRecord({ roomId }), id: 'not-a-uuid' }) },
      withNul,
      after,
    ]);
    // The valid record behind the bad ones is stored: the partition was not blocked.
    await storedCount([after.id], 'the record after the bad ones stored');
    expect(await table.count([withNul.id])).toBe(0);

    const letters = await readTopic(system.topics.deadLetter, 3);
    const header = (message: (typeof letters)[number], name: string) => message.headers?.[name]?.toString();
    expect(letters.map((m) => header(m, DEAD_LETTER_HEADERS.reason))).toEqual([
      expect.stringMatching(/^invalid JSON: /),
      expect.stringMatching(/^schema violation: id: /),
      'unstorable text: body contains a NUL character',
    ]);
    for (const letter of letters) {
      expect(letter.key?.toString()).toBe(roomId);
      expect(header(letter, DEAD_LETTER_HEADERS.sourceTopic)).toBe(topic);
      expect(Number(header(letter, DEAD_LETTER_HEADERS.sourcePartition))).toBeGreaterThanOrEqual(0);
    }
    // The original value travels untouched, for a later replay.
    expect(letters[0]!.value?.toString()).toBe('{"v":1, not json');
    expect(letters[2]!.value?.toString()).toBe(JSON.stringify(withNul));
    const offsets = letters.map((m) => Number(header(m, DEAD_LETTER_HEADERS.sourceOffset)));
    expect(offsets).toEqual([offsets[0], offsets[0]! + 1, offsets[0]! + 2]);
    // The group's committed offset is past the bad records (and the good one after them).
    const partition = Number(header(letters[0]!, DEAD_LETTER_HEADERS.sourcePartition));
    const committed = await eventually(() => committedOffsets(system.env.KAFKA_GROUP_ID!, topic), (c) => (c.get(partition) ?? -1) >= offsets[0]! + 4, 10_000, 'offset committed past the dead letters');
    expect(committed.get(partition)).toBe(offsets[0]! + 4);
    expect(await metric('persister_messages_total', { result: 'dead_lettered' })).toBe(3);
  });

  it('isolates a row Postgres refuses (year 0000) row by row: it is dead-lettered with the SQLSTATE, the rest of the batch is stored', async () => {
    const roomId = messageRecord().roomId;
    // Valid by the schema and for JavaScript's Date, refused by Postgres (22008): only Postgres can tell.
    const yearZero = messageRecord({ roomId, createdAt: '0000-01-01T00:00:00.000Z' });
    const neighbours = Array.from({ length: 20 }, () => messageRecord({ roomId }));
    await produce(producer, topic, [...neighbours.slice(0, 10), yearZero, ...neighbours.slice(10)]);
    await storedCount(neighbours.map((r) => r.id), 'the neighbours of the refused row stored');
    expect(await table.count([yearZero.id])).toBe(0);

    const letters = await readTopic(system.topics.deadLetter, 4);
    const letter = letters.find((m) => m.value?.toString() === JSON.stringify(yearZero));
    expect(letter?.headers?.[DEAD_LETTER_HEADERS.reason]?.toString()).toMatch(/^refused by Postgres: 22008: date\/time field value out of range/);
    expect(await metric('persister_errors_total', { code: 'VALIDATION', reason: '22008' })).toBe(1);
  });

  it('commits offsets only after the insert: after a restart nothing committed is read again and nothing is lost', async () => {
    const before = Array.from({ length: 200 }, () => messageRecord());
    await produce(producer, topic, before);
    await storedCount(before.map((r) => r.id), 'records before the restart stored');
    // Every record in the topic is stored, so the committed offsets must have reached the end.
    const ends = await endOffsets(topic);
    await eventually(
      () => committedOffsets(system.env.KAFKA_GROUP_ID!, topic),
      (committed) => [...ends].every(([partition, end]) => Math.max(0, committed.get(partition) ?? 0) === end),
      10_000,
      'committed offsets at the end of every partition',
    );

    await persister.stop();
    const during = Array.from({ length: 200 }, () => messageRecord());
    await produce(producer, topic, during);
    await persister.start();
    const after = Array.from({ length: 100 }, () => messageRecord());
    await produce(producer, topic, after);
    await storedCount([...during, ...after].map((r) => r.id), 'records produced while stopped and after the restart stored');

    // A fresh process counts from zero: had it re-read committed records, they would show as duplicates.
    expect(await metric('persister_messages_total', { result: 'duplicate' })).toBe(0);
    expect(await metric('persister_messages_total', { result: 'inserted' })).toBe(300);
  });

  it('loses and duplicates nothing when the process is killed (kill -9) mid-stream', async () => {
    const records = Array.from({ length: 6000 }, () => messageRecord());
    const ids = records.map((r) => r.id);
    // Produce in slices while the persister is killed and restarted, so records arrive before, during and after.
    const slices = Array.from({ length: 12 }, (_, i) => records.slice(i * 500, (i + 1) * 500));
    await produce(producer, topic, slices[0]!);
    await eventually(() => table.count(ids), (n) => n > 0, 10_000, 'first rows stored');
    await persister.kill();
    const storedAtKill = await table.count(ids);
    for (const slice of slices.slice(1, 6)) await produce(producer, topic, slice);
    await persister.start();
    for (const slice of slices.slice(6)) await produce(producer, topic, slice);

    await storedCount(ids, 'every record stored after the kill');
    expect(storedAtKill).toBeLessThan(records.length);
    const rows = await table.rows(ids);
    expect(new Set(rows.map((r) => r.id)).size).toBe(records.length);
    expect(rows).toHaveLength(records.length);
  }, 60_000);
});
