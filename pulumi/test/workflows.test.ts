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
type Workflow = { name?: string; on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, any> };  

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
  expect(script).toContain('set-image-tag --env dev --tag "$SHA"');
  expect(script).toContain('git add gitops/dev/images.yaml\n');
  // The release's own commit must not trigger another release: ci skips it, and releases follow ci.
  expect((workflow('ci.yml').on.push as { 'paths-ignore': string[] })['paths-ignore']).toContain('gitops/*/images.yaml');
});

test('every image is built with provenance and an SBOM, scanned (critical fails), and signed keyless by digest', () => {
  const steps = workflow('release.yml').jobs.images.steps as { uses?: string; run?: string; with?: Record<string, unknown> }[];
  const build = steps.find((s) => s.uses?.startsWith('docker/build-push-action'))!;
  expect(build.with).toMatchObject({ provenance: 'mode=max', sbom: true });
  const scan = steps.find((s) => s.uses?.startsWith('aquasecurity/trivy-action'))!;
  expect(scan.with).toMatchObject({ severity: 'CRITICAL', 'exit-code': '1' });
  const sign = steps.findIndex((s) => s.run?.startsWith('cosign sign --yes'));
  expect(sign).toBeGreaterThan(steps.indexOf(scan));
  expect(steps[sign]!.run).toContain('@$DIGEST');
});

test('a release waits for ci on the same commit: it runs only after a successful ci run of main, on that run\'s commit', () => {
  const release = workflow('release.yml');
  expect(release.on.workflow_run).toEqual({ workflows: ['ci'], types: ['completed'], branches: ['main'] });
  expect(release.on.push).toBeUndefined();
  expect(workflow('ci.yml').name).toBe('ci');
  for (const job of Object.values(release.jobs)) {
    expect(job.if ?? '').toContain("github.event.workflow_run.conclusion == 'success'");
    const checkout = job.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/checkout'));
    expect(checkout.with.ref).toBe('${{ github.event.workflow_run.head_sha }}');
  }
});

test('promotion to prod verifies and copies the dev images behind the prod environment and pins prod to the release', () => {
  const promote = workflow('promote.yml');
  const job = promote.jobs.promote;
  expect(job.environment).toBe('prod');
  expect(ciSubjects('o/r', 'prod').images).toEqual(['repo:o/r:environment:prod']);
  const script = job.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
  expect(script).toContain('docker buildx imagetools create');
  expect(script).toContain('cosign verify');
  expect(script).toContain('set-release --env prod --revision "$TAG"');
  expect(script).toContain('git add gitops/prod/release.yaml gitops/prod/apps\n');
  // The input reaches scripts only through an environment variable, never spliced into a script.
  expect(script).not.toContain('${{');
});
