import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresBinDir } from '../installer';
import { isListening } from '../ports';
import { type ManagedProcess } from '../processes';
import { LocalStackError } from '../errors';

export interface PostgresOptions {
  dir: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user (which the
 * Debian package creates) and owns its data folder; anyone else runs it as themselves.
 */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new LocalStackError('running as root needs the "postgres" system user (apt-get install postgresql creates it)');
  }
}

/** The data folder must be reachable by the postgres user even when the repository is under /root. */
function makeTraversable(dir: string): void {
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(d, mode | 0o001);
  }
}

/** Creates the cluster on first start (initdb), with password auth on loopback. */
function initCluster(options: PostgresOptions, owner?: { uid: number; gid: number }): void {
  const dataDir = path.join(options.dir, 'data');
  if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const bin = postgresBinDir()!;
  fs.mkdirSync(dataDir, { recursive: true });
  if (owner) {
    makeTraversable(options.dir);
    fs.chownSync(options.dir, owner.uid, owner.gid);
    fs.chownSync(dataDir, owner.uid, owner.gid);
  }
  const pwfile = path.join(os.tmpdir(), `chat-pg-${process.pid}-${Date.now()}`);
  fs.writeFileSync(pwfile, options.password, { mode: 0o600 });
  if (owner) fs.chownSync(pwfile, owner.uid, owner.gid);
  try {
    execFileSync(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-U', options.user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
      { stdio: 'pipe', uid: owner?.uid, gid: owner?.gid },
    );
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new LocalStackError(`initdb failed: ${stderr || (error as Error).message}`);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** A PostgreSQL server on loopback; the database `options.database` is created by `createDatabase`. */
export function postgresProcess(options: PostgresOptions): ManagedProcess {
  const owner = runAs();
  initCluster(options, owner);
  const bin = postgresBinDir()!;
  return {
    name: 'postgres',
    dir: options.dir,
    command: path.join(bin, 'postgres'),
    args: [
      '-D', path.join(options.dir, 'data'),
      '-p', String(options.port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${options.dir}`,
      '-c', 'max_connections=300',
      '-c', 'shared_buffers=256MB',
      // Local and test data is disposable; durability comes from Kafka. Production sets its own.
      '-c', 'synchronous_commit=off',
      '-c', 'fsync=off',
    ],
    uid: owner?.uid,
    gid: owner?.gid,
    isReady: () => isPostgresReady(options),
    readyTimeoutMs: 30_000,
  };
}

async function isPostgresReady(options: PostgresOptions): Promise<boolean> {
  if (!(await isListening(options.port))) return false;
  try {
    execFileSync(path.join(postgresBinDir()!, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(options.port), '-q'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const postgresUrl = (o: Pick<PostgresOptions, 'user' | 'password' | 'port'>, database: string): string =>
  `postgresql://${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}@127.0.0.1:${o.port}/${database}`;
