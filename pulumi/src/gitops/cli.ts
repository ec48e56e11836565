/**
 * GitOps tooling: `npm run gitops -w @chat/pulumi -- <command>`.
 *
 *   generate [--check]                               write (or check) the Argo CD objects of every environment
 *   write-infrastructure --env <env> --outputs <f>   write the stack-derived files from `pulumi stack output --json`
 *   set-image-tag --env <env> --tag <tag>            set dev's image tag (CI, after pushing images)
 *   set-release --env prod --revision <sha>          pin prod to a release and regenerate its Applications (promotion)
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { ENVIRONMENTS, RELEASE_FILE, type Environment } from './catalog';
import { setImageTag } from './image-tag';
import { infrastructureFiles, INFRASTRUCTURE_HEADER, parseStackOutputs } from './infrastructure';
import { environmentManifests, environmentPaths, parseRelease, releaseFile } from './manifests';
import { toYamlFile } from './yaml-documents';

/** The repository root: src/gitops and dist/gitops are both three levels below it. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Every generated file of every environment, as text, keyed by path relative to the repository root. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const env of ENVIRONMENTS) {
    for (const [file, objects] of environmentManifests(env, pinnedRelease(env))) files.set(file, toYamlFile(objects));
  }
  return files;
}

/** The release an environment pins (its release file), or undefined where it follows the branch. */
export function pinnedRelease(env: Environment): string | undefined {
  const file = RELEASE_FILE[env];
  return file ? parseRelease(readFileSync(path.join(REPO_ROOT, file), 'utf8')) : undefined;
}

function write(relative: string, text: string): void {
  const target = path.join(REPO_ROOT, relative);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${relative}`);
}

function environment(value: string | undefined): Environment {
  if (!ENVIRONMENTS.includes(value as Environment)) throw new Error(`--env must be one of ${ENVIRONMENTS.join(', ')}`);
  return value as Environment;
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { env: { type: 'string' }, tag: { type: 'string' }, revision: { type: 'string' }, outputs: { type: 'string' }, check: { type: 'boolean' } },
  });
  switch (command) {
    case 'generate': {
      const stale = [...generatedFiles()].filter(([file, text]) => {
        const target = path.join(REPO_ROOT, file);
        return !existsSync(target) || readFileSync(target, 'utf8') !== text;
      });
      if (values.check) {
        for (const [file] of stale) console.error(`out of date: ${file}`);
        return stale.length === 0 ? 0 : 1;
      }
      for (const [file, text] of stale) write(file, text);
      return 0;
    }
    case 'write-infrastructure': {
      const env = environment(values.env);
      if (!values.outputs) throw new Error('--outputs <file> is required (pulumi stack output --json > file)');
      const outputs = parseStackOutputs(JSON.parse(readFileSync(values.outputs, 'utf8')));
      for (const [file, docs] of infrastructureFiles(env, outputs)) write(file, toYamlFile(docs, INFRASTRUCTURE_HEADER));
      return 0;
    }
    case 'set-release': {
      const env = environment(values.env);
      const file = RELEASE_FILE[env];
      if (!file) throw new Error(`${env} follows the branch and pins no release`);
      if (!values.revision) throw new Error('--revision <full commit sha> is required');
      write(file, releaseFile(values.revision));
      for (const [generated, objects] of environmentManifests(env, values.revision)) write(generated, toYamlFile(objects));
      return 0;
    }
    case 'set-image-tag': {
      const env = environment(values.env);
      if (!values.tag) throw new Error('--tag <tag> is required');
      const file = environmentPaths(env).images;
      write(file, setImageTag(readFileSync(path.join(REPO_ROOT, file), 'utf8'), values.tag));
      return 0;
    }
    default:
      console.error('usage: gitops generate [--check] | write-infrastructure --env <env> --outputs <file> | set-image-tag --env <env> --tag <tag> | set-release --env prod --revision <sha>');
      return 2;
  }
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
