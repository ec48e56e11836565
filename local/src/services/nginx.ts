import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LocalStackError } from '../errors';
import { nginxBinary } from '../installer';
import { repoRoot } from '../paths';
import { isListening } from '../ports';
import { type ManagedProcess } from '../processes';

export interface NginxOptions {
  dir: string;
  port: number;
  /** Gateway id (the GATEWAY_ID it runs with, sent back in x-gateway-id) and its port. */
  gateways: { id: string; port: number }[];
  /** The built web app (web/dist). */
  webRoot: string;
  /**
   * The object store, served on this origin under `/<bucket>/` (path-style presigned URLs), so the
   * page's CSP keeps `connect-src 'self'` and `img-src 'self'`. Absent: no such path.
   */
  objectStore?: { url: string; bucket: string; maxBodyBytes: number };
}

/**
 * How long nginx leaves a gateway alone after one failed or timed-out request (max_fails=1): long enough
 * that a hung gateway costs one slow request per window, not one per request; short enough that a
 * restarted one gets its clients back within seconds.
 */
const FAIL_TIMEOUT_S = 5;

const MIME_TYPES = ['/etc/nginx/mime.types', '/usr/local/etc/nginx/mime.types', '/opt/homebrew/etc/nginx/mime.types'];

const hasIpv6Loopback = (): boolean => {
  try {
    return fs.readFileSync('/proc/net/if_inet6', 'utf8').includes('00000000000000000000000000000001');
  } catch {
    return false;
  }
};

/** Renders nginx/local.conf.template for these gateways. */
export function renderNginxConfig(o: NginxOptions): string {
  if (o.gateways.length === 0) throw new LocalStackError('nginx needs at least one gateway');
  const server = (port: number, backup = false) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=${FAIL_TIMEOUT_S}s${backup ? ' backup' : ''};`;
  const pinned = o.gateways
    .map((g) =>
      [
        `  upstream gateway_${g.id} {`,
        server(g.port),
        ...o.gateways.filter((other) => other !== g).map((other) => server(other.port, true)),
        '    keepalive 32;',
        '  }',
      ].join('\n'),
    )
    .join('\n');
  const mimeTypes = MIME_TYPES.find((f) => fs.existsSync(f));
  if (!mimeTypes) throw new LocalStackError(`nginx's mime.types not found in ${MIME_TYPES.join(', ')}`);
  // reuseport: one listening socket per worker, so the kernel spreads connections over the workers (with one
  // shared socket, nearly all land on one worker, which then runs out of descriptors first).
  const listen = [`    listen 127.0.0.1:${o.port} reuseport;`, ...(hasIpv6Loopback() ? [`    listen [::1]:${o.port} reuseport;`] : [])];
  const values: Record<string, string> = {
    RUN_DIR: o.dir,
    MIME_TYPES: mimeTypes,
    ANY_GATEWAY_SERVERS: o.gateways.map((g) => server(g.port)).join('\n'),
    PINNED_UPSTREAMS: pinned,
    COOKIE_TO_UPSTREAM: o.gateways.map((g) => `    ${g.id} gateway_${g.id};`).join('\n'),
    LISTEN: listen.join('\n'),
    WEB_ROOT: o.webRoot,
    OBJECT_STORE: o.objectStore ? objectStoreLocation(o.objectStore) : '',
  };
  const template = fs.readFileSync(path.join(repoRoot, 'nginx', 'local.conf.template'), 'utf8');
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new LocalStackError(`nginx template: no value for {{${key}}}`);
    return value;
  });
}

/**
 * The bucket's path, passed on to the object store unchanged, Host included: a presigned URL's
 * signature covers the host and the path, so nothing may be rewritten. Downloads get a sandboxing CSP
 * (a file opened directly can run nothing) and nosniff.
 */
function objectStoreLocation(s: NonNullable<NginxOptions['objectStore']>): string {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s.bucket)) throw new LocalStackError(`not a bucket name: ${s.bucket}`);
  return [
    `    location /${s.bucket}/ {`,
    `      client_max_body_size ${s.maxBodyBytes};`,
    `      proxy_pass ${new URL(s.url).origin};`,
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_set_header Host $http_host;',
    '      proxy_request_buffering off;',
    '      proxy_buffering off;',
    '      proxy_read_timeout 60s;',
    '      proxy_hide_header Content-Security-Policy;',
    `      add_header Content-Security-Policy "default-src 'none'; sandbox" always;`,
    '      add_header X-Content-Type-Options "nosniff" always;',
    '    }',
  ].join('\n');
}

export function nginxProcess(o: NginxOptions): ManagedProcess {
  fs.mkdirSync(o.dir, { recursive: true });
  const config = path.join(o.dir, 'nginx.conf');
  fs.writeFileSync(config, renderNginxConfig(o));
  const binary = nginxBinary();
  try {
    execFileSync(binary, ['-t', '-q', '-c', config, '-p', o.dir], { stdio: 'pipe' });
  } catch (error) {
    throw new LocalStackError(`nginx rejected ${config}: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`);
  }
  return {
    name: 'nginx',
    dir: o.dir,
    command: binary,
    args: ['-c', config, '-p', o.dir, '-g', 'daemon off;'],
    isReady: () => isListening(o.port),
    readyTimeoutMs: 10_000,
  };
}
