/**
 * What the images carry for prod's settings, and how their bases are named: the RDS CA bundle that
 * the DATABASE_URL in Secrets Manager points at, and base images that are never `latest` and that the
 * release resolves to digests.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { postgresUrl, RDS_CA_BUNDLE_PATH } from '../src/app-secrets';
import { REPO_ROOT } from './support/repo-files';

const read = (relative: string) => readFileSync(path.join(REPO_ROOT, relative), 'utf8');
const DOCKERFILES = ['Dockerfile', 'web/Dockerfile'];

/** The PEM certificates of a bundle. */
const certificates = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c));

test('prod\'s DATABASE_URL verifies the server against the CA bundle that the services\' image carries at that path', () => {
  const url = new URL(postgresUrl({ username: 'chat', password: 'p', host: 'chat-prod.abc.eu-west-1.rds.amazonaws.com', port: 5432, database: 'chat' }));
  expect(url.searchParams.get('sslmode')).toBe('verify-full');
  expect(url.searchParams.get('sslrootcert')).toBe(RDS_CA_BUNDLE_PATH);
  const dockerfile = read('Dockerfile');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  expect(runtime).toContain(`COPY --from=build /app/rds-global-bundle.pem ${RDS_CA_BUNDLE_PATH}`);
  expect(dockerfile).toContain('RUN node /tmp/rds-ca-bundle.js > rds-global-bundle.pem');
  // The build step itself, run here: every certificate parses, and the current RDS CAs of a region are in.
  const bundle = execFileSync('node', [path.join(REPO_ROOT, 'k8s/images/rds-ca-bundle.js')], { cwd: REPO_ROOT, encoding: 'utf8' });
  const subjects = certificates(bundle).map((c) => c.subject);
  expect(subjects.length).toBeGreaterThan(50);
  for (const key of ['RSA2048', 'RSA4096', 'ECC384']) expect(subjects.some((s) => s.includes(`CN=Amazon RDS eu-west-1 Root CA ${key} G1`))).toBe(true);
});

test.each(DOCKERFILES)('%s builds only on base images named by a tag (never latest) in an ARG the release pins by digest, and runs as a uid >= 10000', (file) => {
  const text = read(file);
  const args = Object.fromEntries([...text.matchAll(/^ARG ([A-Z_]+_IMAGE)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const stages = new Set([...text.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]));
  const bases = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
  expect(bases.length).toBeGreaterThanOrEqual(2);
  for (const base of bases) {
    const arg = /^\$\{([A-Z_]+)\}$/.exec(base)?.[1];
    expect({ base, pinnable: stages.has(base) || (arg !== undefined && arg in args) }).toEqual({ base, pinnable: true });
  }
  for (const ref of Object.values(args)) expect(ref).toMatch(/^[a-z0-9./-]+:(?!latest$)[A-Za-z0-9._-]+$/);
  // It runs as a numeric uid and gid >= 10000, never root nor one of the base image's or a node's users.
  const user = /^USER (\d+):(\d+)$/m.exec(text.slice(text.lastIndexOf('\nFROM ')));
  expect(Number(user?.[1])).toBeGreaterThanOrEqual(10000);
  expect(Number(user?.[2])).toBeGreaterThanOrEqual(10000);
  // The release workflow's pin step reads exactly these ARG lines.
  const pin = (parse(read('.github/workflows/release.yml')) as any).jobs.images.steps.find((s: any) => s.id === 'bases').run as string;
  expect(pin).toContain("sed -n 's/^ARG \\([A-Z_]*_IMAGE\\)=\\(.*\\)$/\\1=\\2/p'");
  expect(pin).toContain('docker buildx imagetools inspect');
});

test('compose runs no image by `latest` or without a tag', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, { image?: string }> };
  const images = Object.values(compose.services).flatMap((s) => (s.image ? [s.image] : []));
  expect(images.length).toBeGreaterThan(3);
  for (const image of images) expect(image).toMatch(/^[a-z0-9./-]+(:(?!latest$)[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$/);
});
