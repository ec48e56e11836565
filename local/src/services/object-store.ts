import path from 'node:path';
import { httpOk } from '../apps';
import { toolsBin } from '../paths';
import { type ManagedProcess } from '../processes';

/**
 * The local S3-compatible object store: Versity's S3 gateway (versitygw, built by `go install` from
 * local/go-tools.txt) over a folder, one sub-folder per bucket. It speaks the S3 API the gateway uses in
 * production (SigV4 and presigned URLs, HEAD, ranged GET, multipart, DeleteObjects, CORS), so the
 * platform has one S3 code path everywhere.
 */
export interface ObjectStoreOptions {
  dir: string;
  port: number;
  /** The root account's keys (single-account mode: the only credentials it accepts). */
  accessKey: string;
  secretKey: string;
  /** The web app's origin: browsers PUT and GET presigned URLs from there (CORS). */
  corsOrigin?: string;
}

/** The versitygw binary the installer builds. */
export const objectStoreBinary = (): string => path.join(toolsBin, 'versitygw');

export function objectStoreProcess(options: ObjectStoreOptions): ManagedProcess {
  const data = path.join(options.dir, 'buckets');
  return {
    name: 'object-store',
    dir: options.dir,
    command: objectStoreBinary(),
    args: [
      '--port', `127.0.0.1:${options.port}`,
      '--health', '/health',
      '--quiet',
      ...(options.corsOrigin ? ['--cors-allow-origin', options.corsOrigin] : []),
      'posix',
      // Object metadata (content type, ETag) in a side folder instead of extended attributes, which
      // not every file system (tmpfs, overlay in containers) supports.
      '--sidecar', path.join(options.dir, 'meta'),
      data,
    ],
    // Keys in the environment, not on the command line (where `ps` shows them).
    env: { ...process.env, ROOT_ACCESS_KEY: options.accessKey, ROOT_SECRET_KEY: options.secretKey },
    isReady: () => httpOk(options.port, '/health'),
    readyTimeoutMs: 15_000,
  };
}
