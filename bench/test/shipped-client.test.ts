// The benchmark's traffic path with a member on the shipped client (@chat/client) beside one on the raw
// load generator: real gateways behind nginx, Kafka, Redis, the persister and PostgreSQL.
import { roomOfTwo, useGatewaySystem } from '@chat/testing';
import { pickShippedMembers } from '../src/clients';
import type { Population } from '../src/population';
import { RoomTraffic } from '../src/room-traffic';
import { ShippedClient } from '../src/shipped-client';
import { SioClient } from '../src/sio-client';

const suite = useGatewaySystem({ gateways: 2 });

describe('the benchmark on the shipped client', () => {
  it('picks shipped members spread over the rooms first, within the limit', () => {
    const rooms = [{ members: [0, 1, 2] }, { members: [3, 4] }, { members: [5] }];
    expect([...pickShippedMembers(rooms, 4)]).toEqual([0, 3, 5, 1]);
    expect([...pickShippedMembers(rooms, 10)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('accounts for every message between a shipped-client member and a raw one: acked, delivered once to both, persisted', async () => {
    const { alice, bob, room } = await roomOfTwo(suite.url, { name: 'bench on the shipped client' });
    // Registered through the API: the gateway made their sessions (the seeded ones of population.ts are not used).
    const population: Population = { users: [alice, bob].map((p) => ({ id: p.user.id, username: p.user.username, token: p.token, sessionId: 'made-by-registration' })), rooms: [{ id: room.id, members: [0, 1] }] };
    let traffic: RoomTraffic | undefined;
    const shipped = await ShippedClient.connect({ baseUrl: suite.url, token: alice.token, gateway: 'g1', onMessage: (m) => traffic?.onDelivery(0, m) });
    const raw = await SioClient.connect({ baseUrl: suite.url, token: bob.token, gateway: 'g2', onMessage: (m) => traffic?.onDelivery(1, m) });
    try {
      expect(shipped.isOpen).toBe(true);
      traffic = new RoomTraffic(population, [shipped, raw], suite.db, new Set([0]));
      await traffic.warmUp();
      const r = await traffic.run({ messagesPerSecond: 20, durationMs: 2_000, persistTimeoutMs: 30_000 }, 2);
      expect(r.sent).toBe(40);
      expect(r.acknowledged).toBe(r.sent);
      expect({ lost: r.lost, duplicates: r.duplicates, persistedDuplicates: r.persistedDuplicates }).toEqual({ lost: 0, duplicates: 0, persistedDuplicates: 0 });
      expect(r.delivered).toBe(2 * r.acknowledged);
      expect(r.persisted).toBe(r.acknowledged);
      // Every acknowledged message reached the shipped member once (its own included), and was timed there.
      expect(r.shippedSendToDeliver.count).toBe(r.acknowledged);
      expect(r.shippedSendToDeliver.max).toBeGreaterThan(0);
    } finally {
      await Promise.all([shipped.close(), raw.close()]);
    }
  });
});
