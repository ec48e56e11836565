import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export interface DatabaseOptions {
  url: string;
  /** Most connections this process opens. Default 10. */
  poolMax?: number;
}

/** A Prisma client on the pg driver adapter: pure JavaScript, no query engine binary at run time. */
export function createPrisma(options: DatabaseOptions): PrismaClient {
  const adapter = new PrismaPg({ connectionString: options.url, max: options.poolMax ?? 10 });
  return new PrismaClient({ adapter });
}

export type { PrismaClient };
