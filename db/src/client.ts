import { PrismaPg } from '@prisma/adapter-pg';
import type { PgPool } from './pg-pool';
import { PrismaClient } from './generated/prisma/client';
import { createStatementNames } from './statement-names';

export interface DatabaseOptions {
  url: string;
  /** Most connections this process opens. Default 10. */
  poolMax?: number;
  /** How long opening a connection may take before it fails, in milliseconds. Default 5 000. */
  connectionTimeoutMs?: number;
  /** How long an unused connection of `createPgPool`'s pool stays open, in milliseconds; 0 keeps it. Default 10 000 (pg's). */
  poolIdleMs?: number;
  /** A pool to run on (`createPgPool`), shared with reads sent through `pg` directly; else Prisma opens its own. */
  pool?: PgPool;
  /**
   * Every connection runs with `synchronous_commit = on` whatever the server's default (`createPgPool` only):
   * a commit it reports has reached the WAL on disk. Set as a startup option of each connection, so a
   * single statement needs no transaction (and no `SET LOCAL`) to be durable, and a proxy that cannot
   * pass the option refuses the connection instead of ignoring it. Default false.
   */
  durableCommits?: boolean;
}

/** A Prisma client on the pg driver adapter: pure JavaScript, no query engine binary at run time. */
export function createPrisma(options: DatabaseOptions): PrismaClient {
  // A bounded connect: a silently dropped network path fails fast (and is retried) instead of hanging for minutes.
  const adapter = new PrismaPg(
    options.pool ?? { connectionString: options.url, max: options.poolMax ?? 10, connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000 },
    // A name of undefined leaves that query unprepared, as without the option (pg's default).
    // A pool handed in ends with the client ($disconnect), as Prisma's own would.
    { statementNameGenerator: createStatementNames() as (query: { sql: string; args: unknown[] }) => string, disposeExternalPool: true },
  );
  return new PrismaClient({ adapter });
}

export type { PrismaClient };
