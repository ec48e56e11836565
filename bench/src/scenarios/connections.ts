import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { localConfig, localNginx, servicesEnv } from '@chat/local';
import type { WorkerCommand, WorkerReport } from '../connect-worker';
import { treePssKiB } from '../proc-stats';
import { removePopulation, seedPopulation } from '../population';
import { fmt, measured, type ScenarioContext, type ScenarioResult } from '../scenario';
import { gatewayHealth, type SystemUnderTest } from '../system';

export interface ConnectionsOptions {
  /** Idle authenticated sockets to open, half on each gateway. */
  sockets: number;
}

/** Members of the rooms the idle users are in: realistic users are in rooms, which costs memory. */
const ROOM_SIZE = 20;
/** Loopback source addresses the sockets come from (each one has its own ~28,000 ephemeral ports). */
const SOURCE_ADDRESSES = 4;
/** The issue's targets: this many sockets at this much gateway memory each; gateway CPU per handshake. */
const TARGET = { sockets: 20_000, bytesPerSocket: 25 * 1024, handshakeCpuMs: 1 };

/** The soft limit on open files of a process, from /proc/<pid>/limits. */
function openFileLimit(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 0);
}

/**
 * Every socket costs a descriptor in a load-generator process, two in an nginx worker and one in a
 * gateway. nginx gets the current template's worker limits by a graceful reload (open connections
 * stay); a gateway whose limit is too low is named, as only a restart can change it.
 */
function ensureDescriptorLimits(system: SystemUnderTest, sockets: number, log: (line: string) => void): void {
  const nginx = system.processes.find((p) => p.name === 'nginx');
  if (nginx) {
    const c = localConfig();
    const file = path.join(c.services.dir, 'nginx', 'nginx.conf');
    const running = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    localNginx(c, servicesEnv(c.services));
    if (fs.readFileSync(file, 'utf8') !== running) {
      log('connections: nginx runs an older configuration: reloading it gracefully with nginx/local.conf.template');
      process.kill(nginx.pid, 'SIGHUP');
    }
  }
  for (const g of system.processes.filter((p) => p.name.startsWith('gateway-'))) {
    const limit = openFileLimit(g.pid);
    if (limit < sockets / system.gateways.length + 1_000) {
      throw new Error(`${g.name} may open only ${limit} files, too few for ${sockets / system.gateways.length} sockets: restart the system from a shell with a higher \`ulimit -n\``);
    }
  }
}

/** Sockets per load-generator process: well inside the 20,000 open files a process may have here. */
const SOCKETS_PER_WORKER = 8_000;

/** A child process holding a share of the sockets (see connect-worker.ts). */
class ConnectWorker {
  private readonly child: ChildProcess;
  private readonly waiting: ((report: WorkerReport) => void)[] = [];

  constructor() {
    this.child = fork(path.join(__dirname, '..', 'connect-worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (report: WorkerReport) => this.waiting.shift()?.(report));
    this.child.on('exit', (code) => {
      for (const resolve of this.waiting.splice(0)) resolve({ kind: 'failed', error: `load generator worker exited (${code})` });
    });
  }

  /** Sends a command and resolves with the worker's answer to it. */
  ask(command: WorkerCommand): Promise<WorkerReport> {
    return new Promise((resolve) => {
      if (!this.child.connected) return resolve({ kind: 'failed', error: 'load generator worker is gone' });
      this.waiting.push(resolve);
      this.child.send(command);
    });
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

/**
 * Gateway memory as the lowest of several samples a fifth of a second apart: the heap in use swings
 * with garbage not yet collected, and the floor is the closest to what is actually retained.
 */
async function settledMemory(system: SystemUnderTest, gateways: { pid: number }[], samples = 6) {
  let pss = gateways.map(() => Number.POSITIVE_INFINITY);
  let health = await gatewayHealth(system);
  for (let i = 0; i < samples; i++) {
    const now = await gatewayHealth(system);
    health = health.map((h, k) => ({ ...now[k]!, heapUsedMiB: Math.min(h.heapUsedMiB, now[k]!.heapUsedMiB) }));
    pss = pss.map((p, k) => Math.min(p, treePssKiB(gateways[k]!.pid)));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { pss, health };
}

/**
 * How many idle authenticated sockets the two gateways hold, and what each costs them: opens the
 * sockets through nginx (half pinned to each gateway), checks that every gateway counts them, and
 * divides the growth of the gateways' memory (PSS, and V8 heap in use) by the number of sockets.
 */
export async function runConnectionsScenario(ctx: ScenarioContext, o: ConnectionsOptions): Promise<ScenarioResult> {
  const { system, db, log } = ctx;
  ensureDescriptorLimits(system, o.sockets, log);
  const population = await seedPopulation(db, Array.from({ length: Math.ceil(o.sockets / ROOM_SIZE) }, (_, k) => Math.min(ROOM_SIZE, o.sockets - k * ROOM_SIZE)));
  const gatewayPids = system.processes.filter((p) => p.name.startsWith('gateway-'));
  const before = await settledMemory(system, gatewayPids);
  log(`connections: opening ${fmt(o.sockets)} idle sockets through nginx (gateways hold ${before.health.map((h) => `${h.id} ${h.connections}`).join(', ')} now)`);

  const workers = Array.from({ length: Math.ceil(o.sockets / SOCKETS_PER_WORKER) }, () => new ConnectWorker());
  const connectStart = performance.now();
  try {
    const run = await measured(ctx, async () => {
      const reports = await Promise.all(
        workers.map((w, k) =>
          w.ask({
            kind: 'connect',
            baseUrl: system.baseUrl,
            users: population.users.slice(k * SOCKETS_PER_WORKER, (k + 1) * SOCKETS_PER_WORKER),
            gateways: system.gateways.map((g) => g.id),
            concurrency: Math.ceil(100 / workers.length),
            sourceAddresses: SOURCE_ADDRESSES,
          }),
        ),
      );
      const failed = reports.find((r) => r.kind === 'failed');
      if (failed?.kind === 'failed') throw new Error(`connections: ${failed.error}`);
    });
    const connectSeconds = (performance.now() - connectStart) / 1000;
    // Gateway CPU while the sockets were opened (nothing else runs then), per authenticated connect.
    const gatewayCpuSeconds = run.processes.filter((p) => p.name.startsWith('gateway-')).reduce((sum, p) => sum + (p.cpuPercent / 100) * connectSeconds, 0);
    const handshakeCpuMs = (gatewayCpuSeconds * 1000) / o.sockets;
    log(`connections: ${fmt(o.sockets)} open after ${connectSeconds.toFixed(1)} s; measuring the gateways' memory`);
    const after = await settledMemory(system, gatewayPids);
    const statuses = await Promise.all(workers.map((w) => w.ask({ kind: 'report' })));
    const open = statuses.reduce((sum, r) => sum + (r.kind === 'status' ? r.open : 0), 0);
    const closed = statuses.reduce((sum, r) => sum + (r.kind === 'status' ? r.closed : 0), 0);
    const held = after.health.reduce((sum, h) => sum + h.connections, 0) - before.health.reduce((sum, h) => sum + h.connections, 0);
    const pssPerSocket = (after.pss.reduce((a, b) => a + b, 0) - before.pss.reduce((a, b) => a + b, 0)) * 1024 / o.sockets;
    const heapPerSocket = (after.health.reduce((a, h) => a + h.heapUsedMiB, 0) - before.health.reduce((a, h) => a + h.heapUsedMiB, 0)) * 2 ** 20 / o.sockets;
    const failures: string[] = [];
    if (open !== o.sockets || closed > 0) failures.push(`connections: ${o.sockets - open} of ${o.sockets} sockets closed while idle`);
    if (held < o.sockets) failures.push(`connections: the gateways count ${held} new connections, ${o.sockets} were opened`);
    return {
      scenario: 'connections',
      parameters: { sockets: o.sockets, roomSize: ROOM_SIZE, sourceAddresses: SOURCE_ADDRESSES, loadGeneratorProcesses: workers.length },
      measurements: [
        {
          label: `${fmt(o.sockets)} idle sockets`,
          figures: {
            'sockets open (gateways count)': `${fmt(open)} (${fmt(held)})`,
            'per gateway': after.health.map((h) => `${h.id} ${fmt(h.connections)}`).join(', '),
            'handshakes/s': fmt(o.sockets / connectSeconds),
            'gateway CPU per handshake ms': fmt(handshakeCpuMs, 2),
            'gateway memory per socket (PSS)': `${fmt(pssPerSocket / 1024, 1)} KiB`,
            'gateway V8 heap per socket': `${fmt(heapPerSocket / 1024, 1)} KiB`,
            'gateway PSS before -> after MiB': gatewayPids.map((g, i) => `${g.name} ${fmt(before.pss[i]! / 1024)} -> ${fmt(after.pss[i]! / 1024)}`).join(', '),
          },
          processes: run.processes,
          generator: run.generator,
          machine: run.machine,
          details: { connectSeconds, handshakeCpuMs, pssPerSocket, heapPerSocket, before, after },
        },
      ],
      targets: [
        {
          target: `>= ${fmt(TARGET.sockets)} sockets, <= ${TARGET.bytesPerSocket / 1024} KB of gateway memory each`,
          actual: `${fmt(held)} sockets, ${fmt(pssPerSocket / 1024, 1)} KiB each`,
          met: held >= TARGET.sockets && pssPerSocket <= TARGET.bytesPerSocket,
          measurement: `${fmt(o.sockets)} idle sockets`,
        },
        {
          target: `<= ${TARGET.handshakeCpuMs} ms of gateway CPU per authenticated connect`,
          actual: `${fmt(handshakeCpuMs, 2)} ms`,
          met: handshakeCpuMs <= TARGET.handshakeCpuMs,
          measurement: `${fmt(o.sockets)} idle sockets`,
        },
      ],
      failures,
    };
  } finally {
    await Promise.all(workers.map((w) => w.ask({ kind: 'close' })));
    for (const w of workers) w.kill();
    await removePopulation(db, population);
  }
}
