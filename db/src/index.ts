export { createPrisma, type DatabaseOptions, type PrismaClient } from './client';
export { createPgPool, type PgPool, type PgRow } from './pg-pool';
export { applyMigrations, readMigrations, MigrationError, MIGRATIONS_DIR, type Migration } from './migrate';
export { Prisma } from './generated/prisma/client';
