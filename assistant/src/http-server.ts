import http from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from './logger';

/** Settings of {@link createHttpServer}. */
export interface HttpServerOptions {
  /** Resolves true when the worker can answer prompts. */
  isReady(): Promise<boolean>;
  registry: Registry;
  logger: Logger;
}

/**
 * The worker's only HTTP surface, for the orchestrator and Prometheus: GET /healthz (200 while the
 * process lives), GET /readyz (200 when ready, 503 otherwise), GET /metrics (Prometheus text).
 */
export function createHttpServer(options: HttpServerOptions): http.Server {
  const log = options.logger.child({ module: 'assistant.http' });
  const json = (response: http.ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify(body));
  };
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(response, 405, { error: { code: 'VALIDATION', message: 'only GET is served' } });
    const answer = async () => {
      if (path === '/healthz') return json(response, 200, { status: 'ok' });
      if (path === '/readyz') return (await options.isReady()) ? json(response, 200, { status: 'ready' }) : json(response, 503, { status: 'not ready' });
      if (path === '/metrics') {
        response.writeHead(200, { 'content-type': options.registry.contentType });
        return void response.end(await options.registry.metrics());
      }
      return json(response, 404, { error: { code: 'NOT_FOUND', message: `no route ${path}` } });
    };
    answer().catch((error: unknown) => {
      log.error({ err: error, path }, 'request failed');
      if (!response.headersSent) json(response, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
    });
  });
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
