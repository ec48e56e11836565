import pg from 'pg';
import type { DatabaseOptions } from './client';

/** A node-postgres pool: what `createPrisma` runs on, and what hot reads query directly. */
export type PgPool = pg.Pool;
/** A row as node-postgres returns it. */
export type PgRow = pg.QueryResultRow;

/**
 * The pool one process opens to PostgreSQL. Hand it to `createPrisma({pool})` so that Prisma's queries and
 * the hot reads sent through `pg` directly (a named query is parsed and planned once per connection)
 * share its connections and its bound.
 */
export function createPgPool(options: DatabaseOptions): PgPool {
  // A bounded connect: a silently dropped network path fails fast (and is retried) instead of hanging for minutes.
  const pool = new pg.Pool({
    connectionString: options.durableCommits ? withStartupOption(options.url, '-c synchronous_commit=on') : options.url,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: options.poolIdleMs ?? 10_000,
  });
  // An idle connection that breaks (PostgreSQL restarted) is dropped by the pool; unheard, the event would end the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * The URL with a server setting added to its `options` parameter (the startup options of each connection),
 * after any it already carries: pg reads `options` from the URL over its config, so it must go there.
 */
function withStartupOption(url: string, option: string): string {
  const parsed = new URL(url);
  const existing = parsed.searchParams.get('options');
  parsed.searchParams.set('options', existing ? `${existing} ${option}` : option);
  return parsed.toString();
}
