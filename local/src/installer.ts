import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LocalStackError } from './errors';
import { kafkaLibs, repoRoot, toolsBin } from './paths';
import { which } from './which';

/** A program the local system needs, how to find it, and which Debian package brings it. */
interface Requirement {
  name: string;
  find: () => string | undefined;
  debianPackage: string;
}


/** PostgreSQL's server binaries live outside PATH on Debian: /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const majors = fs
      .readdirSync(root)
      .filter((d) => fs.existsSync(path.join(root, d, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (majors[0]) return path.join(root, majors[0], 'bin');
  }
  const initdb = which('initdb');
  return initdb ? path.dirname(fs.realpathSync(initdb)) : undefined;
}

const SERVICES: Requirement[] = [
  { name: 'PostgreSQL', find: () => postgresBinDir(), debianPackage: 'postgresql' },
  { name: 'Redis', find: () => which('redis-server'), debianPackage: 'redis-server' },
  { name: 'nginx', find: () => which('nginx'), debianPackage: 'nginx' },
  { name: 'Java 17+ (runs Kafka)', find: () => which('java'), debianPackage: 'openjdk-17-jre-headless' },
  { name: 'Maven (resolves Kafka from Maven Central)', find: () => which('mvn'), debianPackage: 'maven' },
];

/** Only the tests drive a browser. */
const TEST_ONLY: Requirement[] = [
  { name: 'Chromium (browser tests)', find: () => which('chromium'), debianPackage: 'chromium' },
  { name: 'promtool (PrometheusRule tests)', find: () => which('promtool'), debianPackage: 'prometheus' },
];

export const nginxBinary = (): string => SERVICES[2]!.find() ?? 'nginx';

const isRootOnDebian = () => process.getuid?.() === 0 && fs.existsSync('/etc/debian_version') && !!which('apt-get');

/**
 * Installs the Debian packages the local system lacks. apt's maintainer scripts would start Redis and
 * nginx as system services on their default ports (the ports the local system uses), so a policy-rc.d
 * that forbids starting services is in place during the install.
 */
function aptInstall(packages: string[], log: (line: string) => void): void {
  log(`installing ${packages.join(', ')} with apt-get`);
  const policy = '/usr/sbin/policy-rc.d';
  const hadPolicy = fs.existsSync(policy);
  if (!hadPolicy) fs.writeFileSync(policy, '#!/bin/sh\n# written by the chat platform installer while apt runs\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  } finally {
    if (!hadPolicy) fs.rmSync(policy, { force: true });
  }
}

/** The Kafka version of the platform, from local/kafka/pom.xml (the one source of truth). */
export function kafkaVersion(): string {
  const pom = fs.readFileSync(path.join(repoRoot, 'local', 'kafka', 'pom.xml'), 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match?.[1]) throw new LocalStackError('local/kafka/pom.xml has no <kafka.version> property');
  return match[1];
}

/** Resolves Kafka's jars with Maven into .data/tools/kafka-<version> (once). */
function ensureKafkaJars(log: (line: string) => void): string {
  const version = kafkaVersion();
  const dir = kafkaLibs(version);
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker)) return dir;
  log(`resolving Apache Kafka ${version} from Maven Central`);
  fs.rmSync(dir, { recursive: true, force: true });
  execFileSync(
    'mvn',
    ['-q', '-B', '-f', path.join(repoRoot, 'local', 'kafka', 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${dir}`, '-DincludeScope=runtime'],
    { stdio: 'inherit' },
  );
  fs.writeFileSync(marker, new Date().toISOString());
  return dir;
}

/** The Go programs listed in local/go-tools.txt, each `module/cmd@version`. */
export function goTools(): { binary: string; spec: string }[] {
  const file = path.join(repoRoot, 'local', 'go-tools.txt');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((spec) => ({ spec, binary: path.basename(spec.split('@')[0]!) }));
}

/** The Go program the local system itself runs (the others are test and CI tools). */
const RUNTIME_GO_TOOLS = new Set(['versitygw']);

function ensureGoTools(log: (line: string) => void, only?: Set<string>): void {
  for (const { spec, binary } of goTools()) {
    if (only && !only.has(binary)) continue;
    if (fs.existsSync(path.join(toolsBin, binary))) continue;
    if (!which('go')) throw new LocalStackError(`Go is needed to build ${binary} (${spec}): install Go 1.22+ from https://go.dev/dl`);
    log(`building ${binary} with go install ${spec}`);
    execFileSync('go', ['install', spec], { stdio: 'inherit', env: { ...process.env, GOBIN: toolsBin, CGO_ENABLED: '0' } });
  }
}

export interface InstallOptions {
  /** Also install what only the tests need (Chromium, the Go tools other than the object store). */
  forTests?: boolean;
  log?: (line: string) => void;
}

/** What a person must install by hand, and the command that does it on Debian or Ubuntu. */
export function describeMissing(missing: Pick<Requirement, 'name' | 'debianPackage'>[]): string {
  return (
    'missing: ' +
    missing.map((r) => `${r.name} (Debian/Ubuntu package "${r.debianPackage}")`).join(', ') +
    `.\nInstall them with: sudo apt-get install ${missing.map((r) => r.debianPackage).join(' ')}` +
    "\n(or with your system's package manager), then run the command again."
  );
}

/**
 * Makes sure every program the local system needs is on this machine. As root on Debian it installs
 * what is missing (apt-get, Maven, go install); anywhere else it throws, naming each missing piece and
 * the package that brings it.
 */
export function ensureInstalled(options: InstallOptions = {}): void {
  const log = options.log ?? ((line: string) => console.log(`[install] ${line}`));
  const requirements = options.forTests ? [...SERVICES, ...TEST_ONLY] : SERVICES;
  const missing = requirements.filter((r) => !r.find());
  if (missing.length > 0) {
    if (!isRootOnDebian()) throw new LocalStackError(describeMissing(missing));
    aptInstall(missing.map((r) => r.debianPackage), log);
    const stillMissing = missing.filter((r) => !r.find());
    if (stillMissing.length > 0) throw new LocalStackError(`apt-get did not provide: ${stillMissing.map((r) => r.name).join(', ')}`);
  }
  ensureKafkaJars(log);
  // The object store runs in every local system; the other Go programs only check manifests in tests.
  ensureGoTools(log, options.forTests ? undefined : RUNTIME_GO_TOOLS);
}
