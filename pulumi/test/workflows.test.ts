/**
 * The CI/CD workflows: they pass actionlint, reach AWS only through GitHub OIDC, put every AWS
 * change behind an approved environment, and release by changing nothing but the image tag.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { ciSubjects } from '../src/ci-access';
import { filesUnder, goTool, REPO_ROOT, repoPathExists } from './support/repo-files';

// Workflow files are untyped YAML.
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, any> };  

const WORKFLOWS = '.github/workflows';
const read = (name: string) => readFileSync(path.join(REPO_ROOT, WORKFLOWS, name), 'utf8');
const workflow = (name: string) => parse(read(name)) as Workflow;

test('every workflow passes actionlint', () => {
  const actionlint = goTool('actionlint');
  const files = filesUnder(WORKFLOWS, ['.yml', '.yaml']).map((f) => path.join(REPO_ROOT, f));
  expect(files.length).toBe(4);
  let report = '';
  try {
    execFileSync(actionlint, ['-no-color', ...files], { cwd: REPO_ROOT, encoding: 'utf8' });
  } catch (error) {
    report = String((error as { stdout?: string }).stdout ?? error);
  }
  expect(report).toBe('');
});

test('actionlint catches a broken workflow (so the check above can fail)', () => {
  const actionlint = goTool('actionlint');
  const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n';
  expect(() => execFileSync(actionlint, ['-no-color', '-'], { input: broken, encoding: 'utf8' })).toThrow();
});

test('no workflow holds an AWS key: AWS access is OIDC with id-token only where a job needs it', () => {
  for (const file of filesUnder(WORKFLOWS, ['.yml'])) {
    const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    const wf = parse(text) as Workflow;
    // Defaults are read-only; a job asks for more itself.
    expect(wf.permissions).toEqual({ contents: 'read' });
    for (const [name, job] of Object.entries(wf.jobs)) {
      const usesAws = (job.steps ?? []).some((s: { uses?: string }) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
      expect({ job: name, idToken: job.permissions?.['id-token'] === 'write' }).toEqual({ job: name, idToken: usesAws });
    }
  }
});

test('pull requests run what .ci/run runs', () => {
  const ci = workflow('ci.yml');
  expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['pull_request', 'push']));
  const steps = ci.jobs.test.steps.map((s: { run?: string }) => s.run ?? '');
  expect(steps.some((run: string) => run.includes('.ci/run'))).toBe(true);
  expect(repoPathExists('.ci/run')).toBe(true);
});

test('pulumi preview runs on pull requests; pulumi up only on main, dev then prod, behind approved environments', () => {
  const infra = workflow('infrastructure.yml');
  expect(infra.on).toHaveProperty('pull_request');
  expect(infra.jobs.preview.steps.some((s: { run?: string }) => s.run?.startsWith('pulumi preview'))).toBe(true);
  expect(JSON.stringify(infra.jobs.preview)).not.toContain('pulumi up');
  const up = infra.jobs.up;
  expect(up.needs).toBe('preview');
  expect(up.if).toContain("github.ref == 'refs/heads/main'");
  expect(up.if).toContain("github.event_name != 'pull_request'");
  expect(up.strategy).toMatchObject({ 'max-parallel': 1, matrix: { stack: ['dev', 'prod'] } });
  // The environment names are what the deploy roles trust (pulumi/src/ci-access.ts).
  expect(up.environment).toBe('${{ matrix.stack }}-infra');
  for (const env of ['dev', 'prod'] as const) {
    expect(ciSubjects('o/r', env).deploy).toEqual([`repo:o/r:environment:${env}-infra`]);
  }
  expect(up.steps.some((s: { run?: string }) => s.run?.startsWith('pulumi up'))).toBe(true);
});

test('main builds the three images from their Dockerfiles and changes only gitops/dev/images.yaml', () => {
  const release = workflow('release.yml');
  expect(release.jobs.images.strategy.matrix.image).toEqual(['gateway', 'persister', 'web']);
  // The services share the root Dockerfile (SERVICE picks one); the web app has its own.
  for (const file of ['Dockerfile', 'web/Dockerfile']) expect(repoPathExists(file)).toBe(true);
  const build = release.jobs.images.steps.find((s: { uses?: string }) => s.uses?.startsWith('docker/build-push-action'));
  expect(build.with).toMatchObject({ context: '.', file: "${{ matrix.image == 'web' && 'web/Dockerfile' || 'Dockerfile' }}", push: true });
  const deploy = release.jobs['deploy-dev'];
  const script = deploy.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
  expect(script).toContain('set-image-tag --env dev --tag "$GITHUB_SHA"');
  expect(script).toContain('git add gitops/dev/images.yaml\n');
  // The release's own commit must not trigger another release.
  expect(release.on.push).toMatchObject({ branches: ['main'], 'paths-ignore': expect.arrayContaining(['gitops/**']) });
});

test('promotion to prod copies the dev images behind the prod environment and changes only gitops/prod/images.yaml', () => {
  const promote = workflow('promote.yml');
  const job = promote.jobs.promote;
  expect(job.environment).toBe('prod');
  expect(ciSubjects('o/r', 'prod').images).toEqual(['repo:o/r:environment:prod']);
  const script = job.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
  expect(script).toContain('docker buildx imagetools create');
  expect(script).toContain('set-image-tag --env prod --tag "$TAG"');
  expect(script).toContain('git add gitops/prod/images.yaml\n');
  // The input reaches scripts only through an environment variable, never spliced into a script.
  expect(script).not.toContain('${{');
});
