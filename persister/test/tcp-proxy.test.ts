// The test-support TCP proxy the outage test relies on, proven against the run's real PostgreSQL.
import { createTestDatabase, startTcpProxy } from '@chat/testing';
import { Client } from 'pg';

describe('startTcpProxy', () => {
  it('forwards connections, cuts open ones and refuses new ones, and forwards again after restore', async () => {
    const url = new URL(await createTestDatabase('proxy'));
    const proxy = await startTcpProxy({ targetHost: url.hostname, targetPort: Number(url.port) });
    const viaProxy = () => {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      return new Client({ connectionString: proxied.toString() });
    };
    try {
      const client = viaProxy();
      client.on('error', () => undefined); // the cut below is expected
      await client.connect();
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
      expect(proxy.connections()).toBe(1);

      await proxy.cut();
      await expect(client.query('SELECT 1')).rejects.toThrow();
      await expect(viaProxy().connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(proxy.connections()).toBe(0);

      await proxy.restore();
      const again = viaProxy();
      await again.connect();
      expect((await again.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
      await again.end();
    } finally {
      await proxy.close();
    }
  });
});
