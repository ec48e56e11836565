// The Node.js release the platform runs on: one version (.nvmrc) for the images, CI, `engines` and the
// local toolchain, and a local toolchain that really runs the services' native add-ons on it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { appProcess, ensureLtsNode, majorOf, nodeLtsVersion, nodePackageOf, pinnedNodeIntegrity, repoRoot } from '@chat/local';
import { parse } from 'yaml';
import { createTestDatabase } from '../src';

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');
const major = majorOf(nodeLtsVersion());

/** `npm run services -- node <args>` as npm runs it: the CLI through tsx, on the Node.js running jest. */
const cliNode = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(process.execPath, [require.resolve('tsx/cli'), path.join(repoRoot, 'local', 'src', 'cli.ts'), 'node', ...args], { cwd: repoRoot, env, encoding: 'utf8' });

describe('the Node.js release line', () => {
  it('is one major everywhere: .nvmrc, engines, both images, every CI workflow', () => {
    expect(nodeLtsVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(major).toBeGreaterThanOrEqual(24);
    expect(JSON.parse(read('package.json')).engines.node).toBe(`>=${major}`);
    for (const dockerfile of ['Dockerfile', 'web/Dockerfile']) expect(read(dockerfile)).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${major}-`, 'm'));
    const workflows = fs.readdirSync(path.join(repoRoot, '.github', 'workflows'));
    const setups = workflows.flatMap((file) =>
      Object.values((parse(read(`.github/workflows/${file}`)) as { jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }> }).jobs).flatMap((job) =>
        (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/setup-node@')).map((s) => ({ file, with: s.with })),
      ),
    );
    expect(setups.length).toBeGreaterThan(3);
    for (const setup of setups) expect(setup).toEqual({ file: setup.file, with: expect.objectContaining({ 'node-version-file': '.nvmrc' }) });
  });

  it('has a pinned build of that version for the Linux machines the local system runs on', () => {
    for (const arch of ['x64', 'arm64']) expect(pinnedNodeIntegrity(nodePackageOf(nodeLtsVersion(), 'linux', arch))).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });
});

describe('the local toolchain', () => {
  // This jest may itself run on the pinned build (npm test) or on an older or newer machine Node.js (npx jest).
  const expected = majorOf(process.version) >= major ? process.version : `v${nodeLtsVersion()}`;
  const lts = { ...process.env, LOCAL_NODE: 'lts' };
  const unset = { ...process.env };
  delete unset.LOCAL_NODE;

  it('runs the CLI, and the npm and node it starts, on that release by default and with LOCAL_NODE=lts, on the machine\'s with system', () => {
    const script = 'console.log(process.version, require("node:child_process").execSync("node --version").toString().trim())';
    expect(cliNode(['-e', script], lts).trim()).toBe(`${expected} ${expected}`);
    expect(cliNode(['-p', 'process.version'], { ...process.env, LOCAL_NODE: 'system' }).trim()).toBe(process.version);
    expect(cliNode(['-p', 'process.version'], unset).trim()).toBe(expected);
    expect(() => cliNode(['-p', '1'], { ...process.env, LOCAL_NODE: 'newest' })).toThrow();
  });

  it("starts the platform's services on the Node.js the setting picks, whatever Node.js the starter runs on", () => {
    expect(appProcess({ app: 'gateway', name: 'gateway-x', dir: '/tmp', port: 1, env: {} }).command).toBe(ensureLtsNode(() => undefined));
    expect(execFileSync(ensureLtsNode(() => undefined, lts), ['--version'], { encoding: 'utf8' }).trim()).toBe(expected);
  });

  it("loads and uses the services' native add-ons on it: sharp, argon2, Prisma on the pg adapter, swc", async () => {
    const url = await createTestDatabase('noderuntime');
    const script = `
      (async () => {
        const sharp = require('sharp');
        const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toBuffer();
        const thumb = await sharp(png).resize(4, 4).webp().toBuffer();
        const { hash, verify } = require('@node-rs/argon2');
        const hashed = await hash('correct horse');
        const { createPrisma } = require('./db/dist');
        const prisma = createPrisma({ url: process.env.URL });
        const [row] = await prisma.$queryRaw\`SELECT current_database() AS db\`;
        const users = await prisma.user.count();
        await prisma.$disconnect();
        const swc = require('@swc/core').transformSync('const a: number = 1', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }).code;
        console.log(JSON.stringify({
          node: process.version, napi: process.versions.napi,
          thumbnail: (await sharp(thumb).metadata()).width,
          argon2: (await verify(hashed, 'correct horse')) && !(await verify(hashed, 'wrong')),
          prisma: row.db === new URL(process.env.URL).pathname.slice(1) && users === 0,
          swc: swc.includes('const a = 1'),
        }));
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const output = execFileSync(ensureLtsNode(() => undefined, lts), ['-e', script], { cwd: repoRoot, env: { ...process.env, URL: url }, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ node: expected, napi: expect.any(String), thumbnail: 4, argon2: true, prisma: true, swc: true });
  });
});
