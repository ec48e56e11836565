import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { localConfig, nginxProcess, repoRoot } from '../../../local/src';
import { closeAll, connectAll } from '../clients';
import { treePssKiB } from '../process-sampler';
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
/** The issue's target: at least this many sockets at this much gateway memory each. */
const TARGET = { sockets: 20_000, bytesPerSocket: 30 * 1024 };

/** The soft limit on open files of a process, from /proc/<pid>/limits. */
function openFileLimit(pid: number | 'self'): number {
  const line = fs.readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 0);
}

/**
 * Every socket costs a descriptor in this process, two in nginx and one in a gateway: check the limits
 * before opening thousands, raising what can be raised (this process; nginx by a graceful reload of the
 * configuration, whose worker_rlimit_nofile is high) and naming what cannot.
 */
function ensureDescriptorLimits(system: SystemUnderTest, sockets: number, log: (line: string) => void): void {
  const needed = sockets + 2_000;
  if (openFileLimit('self') < needed) {
    try {
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${needed}:${needed}`], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`this process may open ${openFileLimit('self')} files, ${needed} are needed: run it from a shell with \`ulimit -n ${needed}\` (${String(error)})`);
    }
  }
  const nginx = system.processes.find((p) => p.name === 'nginx');
  const worker = nginx && fs.readFileSync(`/proc/${nginx.pid}/task/${nginx.pid}/children`, 'utf8').trim().split(/\s+/).map(Number)[0];
  if (nginx && worker && openFileLimit(worker) < 2 * sockets + 1_000) {
    log(`connections: nginx's worker may open ${openFileLimit(worker)} files: reloading nginx gracefully with nginx/local.conf.template's limits`);
    const c = localConfig();
    nginxProcess({ dir: path.join(c.services.dir, 'nginx'), port: c.httpPort, gateways: c.gateways, webRoot: path.join(repoRoot, 'web', 'dist') });
    process.kill(nginx.pid, 'SIGHUP');
  }
  for (const g of system.processes.filter((p) => p.name.startsWith('gateway-'))) {
    const limit = openFileLimit(g.pid);
    if (limit < sockets / system.gateways.length + 1_000) {
      throw new Error(`${g.name} may open only ${limit} files, too few for ${sockets / system.gateways.length} sockets: restart the system from a shell with a higher \`ulimit -n\``);
    }
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

  let closed = 0;
  const connectStart = performance.now();
  let clients: Awaited<ReturnType<typeof connectAll>> = [];
  const run = await measured(ctx, async () => {
    clients = await connectAll({
      baseUrl: system.baseUrl,
      users: population.users,
      gateways: system.gateways.map((g) => g.id),
      concurrency: 100,
      sourceAddresses: SOURCE_ADDRESSES,
      onClose: () => closed++,
      onConnected: (n) => n % 5000 === 0 && log(`connections: ${fmt(n)} open`),
    });
  });
  const connectSeconds = (performance.now() - connectStart) / 1000;
  try {
    const after = await settledMemory(system, gatewayPids);
    const held = after.health.reduce((sum, h) => sum + h.connections, 0) - before.health.reduce((sum, h) => sum + h.connections, 0);
    const pssPerSocket = (after.pss.reduce((a, b) => a + b, 0) - before.pss.reduce((a, b) => a + b, 0)) * 1024 / o.sockets;
    const heapPerSocket = (after.health.reduce((a, h) => a + h.heapUsedMiB, 0) - before.health.reduce((a, h) => a + h.heapUsedMiB, 0)) * 2 ** 20 / o.sockets;
    const open = clients.filter((c) => c.isOpen).length;
    const failures: string[] = [];
    if (open !== o.sockets || closed > 0) failures.push(`connections: ${o.sockets - open} of ${o.sockets} sockets closed while idle`);
    if (held < o.sockets) failures.push(`connections: the gateways count ${held} new connections, ${o.sockets} were opened`);
    return {
      scenario: 'connections',
      parameters: { sockets: o.sockets, roomSize: ROOM_SIZE, sourceAddresses: SOURCE_ADDRESSES },
      measurements: [
        {
          label: `${fmt(o.sockets)} idle sockets`,
          figures: {
            'sockets open (gateways count)': `${fmt(open)} (${fmt(held)})`,
            'per gateway': after.health.map((h) => `${h.id} ${fmt(h.connections)}`).join(', '),
            'handshakes/s': fmt(o.sockets / connectSeconds),
            'gateway memory per socket (PSS)': `${fmt(pssPerSocket / 1024, 1)} KiB`,
            'gateway V8 heap per socket': `${fmt(heapPerSocket / 1024, 1)} KiB`,
            'gateway PSS before -> after MiB': gatewayPids.map((g, i) => `${g.name} ${fmt(before.pss[i]! / 1024)} -> ${fmt(after.pss[i]! / 1024)}`).join(', '),
          },
          processes: run.processes,
          machine: run.machine,
          details: { connectSeconds, pssPerSocket, heapPerSocket, before, after },
        },
      ],
      targets: [
        {
          target: `>= ${fmt(TARGET.sockets)} sockets, <= ${TARGET.bytesPerSocket / 1024} KB of gateway memory each`,
          actual: `${fmt(held)} sockets, ${fmt(pssPerSocket / 1024, 1)} KiB each`,
          met: held >= TARGET.sockets && pssPerSocket <= TARGET.bytesPerSocket,
        },
      ],
      failures,
    };
  } finally {
    await closeAll(clients);
    await removePopulation(db, population);
  }
}
