import { localConfig, servicesEnv, status, up } from '@chat/local';
import type { WatchedProcess } from './process-sampler';

/** The local system the benchmark drives (`npm start`'s layout, see .env.example's LOCAL_* variables). */
export interface SystemUnderTest {
  /** nginx: every client request goes through it, like in production through the ingress. */
  baseUrl: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  gateways: { id: string; port: number }[];
  persisterPort: number;
  /** The processes whose CPU and memory the report shows. */
  processes: WatchedProcess[];
  /** True when this run started the system (it is left running either way). */
  booted: boolean;
}

/** Uses the running local system, or brings it up (install, build, start) when any part is down. */
export async function ensureSystem(log: (line: string) => void): Promise<SystemUnderTest> {
  let processes = await status();
  const down = processes.filter((p) => p.pid === undefined);
  if (down.length > 0) {
    log(`starting the local system (${down.map((p) => p.name).join(', ')} not running)`);
    await up(log);
    processes = await status();
  }
  const c = localConfig();
  const env = servicesEnv(c.services);
  return {
    baseUrl: `http://127.0.0.1:${c.httpPort}`,
    databaseUrl: env.DATABASE_URL,
    kafkaBrokers: env.KAFKA_BROKERS.split(','),
    gateways: c.gateways,
    persisterPort: c.persisterPort,
    processes: processes.filter((p): p is WatchedProcess => p.pid !== undefined),
    booted: down.length > 0,
  };
}

/** Values of the named series (exact line match up to the value) from a Prometheus text endpoint. */
export async function scrape(port: number, series: readonly string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const space = line.lastIndexOf(' ');
    const name = line.slice(0, space);
    // Series carry default labels ({gateway="g1"}): match on the name with its labels removed, too.
    const bare = name.replace(/\{.*\}$/, '');
    for (const wanted of series) if (name === wanted || bare === wanted) values[wanted] = (values[wanted] ?? 0) + Number(line.slice(space + 1));
  }
  return values;
}

/** Event-loop delay (p99 over the scrape interval: prom-client resets it on each scrape) and heap of each gateway. */
export async function gatewayHealth(system: SystemUnderTest): Promise<{ id: string; eventLoopP99Ms: number; heapUsedMiB: number; connections: number }[]> {
  return Promise.all(
    system.gateways.map(async (g) => {
      const v = await scrape(g.port, ['chat_gateway_nodejs_eventloop_lag_p99_seconds', 'chat_gateway_nodejs_heap_size_used_bytes', 'chat_gateway_connections']);
      return {
        id: g.id,
        eventLoopP99Ms: Math.round((v.chat_gateway_nodejs_eventloop_lag_p99_seconds ?? 0) * 10_000) / 10,
        heapUsedMiB: Math.round((v.chat_gateway_nodejs_heap_size_used_bytes ?? 0) / 104_857.6) / 10,
        connections: v.chat_gateway_connections ?? 0,
      };
    }),
  );
}
