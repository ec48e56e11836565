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
  };
  const template = fs.readFileSync(path.join(repoRoot, 'nginx', 'local.conf.template'), 'utf8');
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new LocalStackError(`nginx template: no value for {{${key}}}`);
    return value;
  });
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
