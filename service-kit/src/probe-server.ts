import http from 'node:http';
import type { Logger } from './logger';
import type { Readiness } from './readiness';

/** What /metrics serves: a prom-client Registry fits. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** Options of {@link probeHandler} and {@link createProbeServer}. */
export interface ProbeOptions {
  readiness: Readiness;
  registry: MetricsSource;
  /** Where a failed answer is logged. */
  log: Logger;
}

/** The probe paths, the same in every service (and in every Kubernetes probe and Prometheus scrape). */
export const PROBE_PATHS = { liveness: '/healthz', readiness: '/readyz', metrics: '/metrics' } as const;

/**
 * Answers GET /healthz (200 while the process serves requests), GET /readyz (200 when ready, 503 with
 * the failing checks otherwise) and GET /metrics (Prometheus text). Returns false, touching nothing,
 * for any other request, so a server with routes of its own (the gateway's) can mount it first.
 */
export function probeHandler(options: ProbeOptions): (request: http.IncomingMessage, response: http.ServerResponse) => boolean {
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !Object.values(PROBE_PATHS).includes(path as never)) return false;
    answer(path!, response, options).catch((error: unknown) => {
      options.log.error({ err: error, path }, 'probe failed');
      if (!response.headersSent) json(response, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
    });
    return true;
  };
}

async function answer(path: string, response: http.ServerResponse, options: ProbeOptions): Promise<void> {
  if (path === PROBE_PATHS.liveness) return json(response, 200, { status: 'ok' });
  if (path === PROBE_PATHS.readiness) {
    const { ready, failing } = await options.readiness.status();
    return json(response, ready ? 200 : 503, ready ? { status: 'ready' } : { status: 'not ready', failing });
  }
  const body = await options.registry.metrics();
  response.writeHead(200, { 'content-type': options.registry.contentType, 'cache-control': 'no-store' });
  response.end(body);
}

function json(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/**
 * The only HTTP surface of a worker (persister, assistant): the probes above, 404 for other paths and
 * 405 for other methods, with short timeouts (probes and scrapes are tiny; a stuck client must not
 * hold a socket).
 */
export function createProbeServer(options: ProbeOptions): http.Server {
  const handle = probeHandler(options);
  const server = http.createServer((request, response) => {
    if (handle(request, response)) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return json(response, 405, { error: { code: 'VALIDATION', message: 'only GET is served' } });
    }
    json(response, 404, { error: { code: 'NOT_FOUND', message: `no route ${(request.url ?? '/').split('?')[0]}` } });
  });
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return server;
}

/** Listens on `port` (and `host`, default every address) and resolves once listening. */
export function listen(server: http.Server, port: number, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Closes a probe server at shutdown, dropping its kept-alive connections (a scraper's) instead of waiting for them. */
export async function closeProbeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
