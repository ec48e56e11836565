// Postgres goes away mid-stream (a TCP proxy between the persister and the run's PostgreSQL is cut):
// the persister retries without moving its offsets, says so on /readyz and /metrics, and once
// Postgres is back every record produced before and during the outage is stored exactly once.
import { createTestDatabase, eventually, scrapeMetric, startSystem, startTcpProxy, type TcpProxy, type TestSystem } from '@chat/testing';
import type { Producer } from 'kafkajs';
import { committedOffsets, connectProducer, endOffsets, MessagesTable, messageRecord, produce } from './support';

describe('persister during a Postgres outage', () => {
  let proxy: TcpProxy;
  let system: TestSystem;
  let producer: Producer;
  let table: MessagesTable;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase('outage');
    const direct = new URL(databaseUrl);
    proxy = await startTcpProxy({ targetHost: direct.hostname, targetPort: Number(direct.port) });
    const proxied = new URL(databaseUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    // Short retry waits keep the test quick; production waits up to 5 s between attempts.
    system = await startSystem({ gateways: 0, nginx: false, env: { DATABASE_URL: proxied.toString(), PERSISTER_RETRY_MAX_MS: '300' } });
    producer = await connectProducer();
    table = await MessagesTable.open(databaseUrl);
  }, 60_000);

  afterAll(async () => {
    await producer?.disconnect();
    await table?.close();
    await system?.stop();
    await proxy?.close();
  });

  it('retries while Postgres is unreachable and then stores every record exactly once', async () => {
    const persister = system.persister!;
    const topic = system.topics.messages;
    const metric = (name: string) => scrapeMetric(`${persister.url}/metrics`, name);

    const before = Array.from({ length: 200 }, () => messageRecord());
    await produce(producer, topic, before);
    await eventually(() => table.count(before.map((r) => r.id)), (n) => n === before.length, 15_000, 'records before the outage stored');
    // Commits of stored records are deferred (at most one a second): wait for them to reach the end first.
    const ends = await endOffsets(topic);
    const committedBefore = await eventually(
      () => committedOffsets(system.env.KAFKA_GROUP_ID!, topic),
      (committed) => [...ends].every(([partition, end]) => end === 0 || committed.get(partition) === end),
      10_000,
      'offsets of the stored records committed',
    );

    await proxy.cut();
    const during = Array.from({ length: 300 }, () => messageRecord());
    await produce(producer, topic, during);

    // It notices, keeps retrying, and says it is not ready; the offsets stay where they were.
    await eventually(() => metric('persister_insert_retries_total'), (n) => (n ?? 0) >= 3, 15_000, 'insert retries counted');
    expect(await metric('persister_database_up')).toBe(0);
    expect((await fetch(`${persister.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${persister.url}/healthz`)).status).toBe(200);
    expect(await committedOffsets(system.env.KAFKA_GROUP_ID!, topic)).toEqual(committedBefore);
    expect(await table.count(during.map((r) => r.id))).toBe(0);

    await proxy.restore();
    const all = [...before, ...during];
    await eventually(() => table.count(all.map((r) => r.id)), (n) => n === all.length, 20_000, 'every record stored after the outage');
    expect(await table.count()).toBe(all.length);
    expect(await metric('persister_database_up')).toBe(1);
    await eventually(async () => (await fetch(`${persister.url}/readyz`)).status, (status) => status === 200, 10_000, '/readyz 200 again');
  }, 60_000);
});
