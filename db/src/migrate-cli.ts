#!/usr/bin/env node
// Applies the database migrations to DATABASE_URL: the one-shot migration step of the local system,
// docker-compose and the Kubernetes Job. Exit code 0 when the schema is up to date.
import { applyMigrations } from './migrate';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set: it names the database to migrate (postgresql://user:password@host:port/db)');
    process.exit(2);
  }
  const applied = await applyMigrations(url);
  console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database schema is up to date');
}

main().catch((error: unknown) => {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
