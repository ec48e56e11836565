// The local supervisor against real processes: a tiny HTTP server that is killed, or frozen with SIGSTOP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isAlive, type ManagedProcess, readRestartState, runningPid, startProcess, stopProcess, Supervisor, type SupervisorEvent } from '@chat/local';

const SERVER = "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')";
// Fast probes so that the test takes seconds; the shape is the Kubernetes probe's.
const liveness = { path: '/healthz', periodSeconds: 0.3, timeoutSeconds: 0.2, failureThreshold: 2 };

describe('Supervisor', () => {
  let dir: string;
  let p: ManagedProcess;
  let supervisor: Supervisor;
  const events: SupervisorEvent[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supervisor-'));
    const port = await freePort();
    p = {
      name: 'web',
      dir,
      command: process.execPath,
      args: ['-e', SERVER, String(port)],
      isReady: async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true,
    };
    await startProcess(p);
    events.length = 0;
    supervisor = new Supervisor(
      [{ name: 'web', pid: () => runningPid(p), start: () => startProcess(p), kill: () => stopProcess(p, 0), livenessUrl: `http://127.0.0.1:${port}/healthz` }],
      { liveness, initialBackoffMs: 200, stateDir: dir, onEvent: (e) => events.push(e) },
    );
    supervisor.start();
  });

  afterEach(async () => {
    supervisor.stop();
    const pid = runningPid(p);
    if (pid) process.kill(pid, 'SIGCONT');
    await stopProcess(p, 1_000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const restarted = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not restarted ${count} times: ${JSON.stringify(events)}`)), 15_000);
      const poll = setInterval(() => {
        if ((supervisor.restarts.get('web') ?? 0) >= count) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 50);
    });

  it('restarts a process that crashed, with a growing backoff, and records the count for status', async () => {
    process.kill(runningPid(p)!, 'SIGKILL');
    await restarted(1);
    const second = runningPid(p)!;
    process.kill(second, 'SIGKILL');
    await restarted(2);
    expect(events.filter((e) => e.kind === 'crashed')).toHaveLength(2);
    const backoffs = events.filter((e) => e.kind === 'restarted').map((e) => Number(/after (\d+) ms/.exec(e.detail ?? '')?.[1]));
    expect(backoffs).toEqual([200, 400]);
    expect(readRestartState(dir, 'web').restarts).toBe(2);
    expect(await p.isReady()).toBe(true);
  });

  it('kills and restarts a process that stops answering its liveness probe (SIGSTOP)', async () => {
    const frozen = runningPid(p)!;
    process.kill(frozen, 'SIGSTOP');
    await restarted(1);
    expect(isAlive(frozen)).toBe(false);
    expect(events.map((e) => e.kind)).toEqual(['unresponsive', 'restarted']);
    expect(runningPid(p)).not.toBe(frozen);
    expect(await p.isReady()).toBe(true);
  });
});
