import type { AddressInfo } from 'node:net';
import { createLogger } from './logger';
import { closeProbeServer, createProbeServer, listen } from './probe-server';
import { conditionCheck, createReadiness } from './readiness';

describe('createProbeServer', () => {
  it('answers liveness, readiness with the failing checks, metrics, and 404/405 otherwise', async () => {
    let joined = false;
    const readiness = createReadiness([conditionCheck('kafka-group', () => joined), { name: 'postgres', check: () => new Promise(() => {}) }], { timeoutMs: 50, cacheMs: 0 });
    const registry = { contentType: 'text/plain; version=0.0.4', metrics: async () => 'up 1\n' };
    const server = createProbeServer({ readiness, registry, log: createLogger({ service: 'test', level: 'silent' }) });
    await listen(server, 0, '127.0.0.1');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', failing: ['kafka-group', 'postgres'] });
      joined = true;
      expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'not ready', failing: ['postgres'] });
      const metrics = await fetch(`${base}/metrics`);
      expect([metrics.headers.get('content-type'), await metrics.text()]).toEqual([registry.contentType, 'up 1\n']);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
      readiness.drain();
      expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'not ready', failing: ['draining'] });
    } finally {
      await closeProbeServer(server); // with fetch's kept-alive connections still open
    }
  });
});
