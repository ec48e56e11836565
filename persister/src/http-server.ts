import http from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from './logger';

/** Settings of {@link createHttpServer}. */
export interface HttpServerOptions {
  /** Resolves true when the persister can do its work (group joined, Postgres answering). */
  isReady(): Promise<boolean>;
  registry: Registry;
  logger: Logger;
}

/**
 * The persister's only HTTP surface, for the orchestrator and Prometheus: GET /healthz (200 while
 * the process lives), GET /readyz (200 when ready, 503 otherwise), GET /metrics (Prometheus text).
 */
export function createHttpServer(options: HttpServerOptions): http.Server {
  const log = options.logger.child({ module: 'persister.http' });
  const send = (response: http.ServerResponse, status: number, contentType: string, body: string) => {
    response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
    response.end(body);
  };
  const json = (response: http.ServerResponse, status: number, body: unknown) => send(response, status, 'application/json', JSON.stringify(body));

  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return json(response, 405, { error: { code: 'VALIDATION', message: 'only GET is served' } });
    }
    const answer = async () => {
      switch (path) {
        case '/healthz':
          return json(response, 200, { status: 'ok' });
        case '/readyz':
          return (await options.isReady()) ? json(response, 200, { status: 'ready' }) : json(response, 503, { status: 'not ready' });
        case '/metrics':
          return send(response, 200, options.registry.contentType, await options.registry.metrics());
        default:
          return json(response, 404, { error: { code: 'NOT_FOUND', message: `no route ${path}` } });
      }
    };
    answer().catch((error: unknown) => {
      log.error({ err: error, path }, 'request failed');
      if (!response.headersSent) json(response, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
    });
  });
  // Probes and scrapes are tiny: a stuck client must not hold a socket open for long.
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
