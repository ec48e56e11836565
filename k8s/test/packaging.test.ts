import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { devConfig, prodConfig, synthManifests } from '../src';
import { NGINX_UID, NODE_UID } from '../src/security';
import { synthOutputFile } from '../src/outputs';
import { requireTool, toolPath } from '../src/tools';
import { podTemplates, pomKafkaVersion, repoRoot } from './support';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, any> };
const skaffold = parse(read('skaffold.yaml')) as any;
/** The Dockerfile a compose build uses (compose's default: Dockerfile in the context). */
const dockerfileOf = (build: { context: string; dockerfile?: string }) => path.join(build.context, build.dockerfile ?? 'Dockerfile');
/** The Node.js services, built from the one parametrised Dockerfile at the root. */
const SERVICES = ['gateway', 'persister', 'assistant'];
// Documented: set (`NAME=…`) or shown commented out (`# NAME=`, an optional variable without a default).
const envExample = new Set([...read('.env.example').matchAll(/^(?:# )?([A-Z0-9_]+)=/gm)].map((m) => m[1]));

/** Final stage of a Dockerfile: the lines after its last FROM. */
function finalStage(dockerfile: string): string {
  const text = read(dockerfile);
  return text.slice(text.lastIndexOf('\nFROM '));
}

/**
 * Loads a compose file with compose-go (the library docker compose itself uses): schema of the
 * Compose Specification plus consistency checks. Variables stay uninterpolated (checked below
 * against .env.example), so no .env is needed.
 */
function composeSpecCheck(file: string): { status: number | null; stdout: string; stderr: string } {
  const binary = requireTool(toolPath('cmd'), 'build it with `npm run services -- install` (local/go-tools.txt: compose-go cmd)');
  const result = spawnSync(binary, ['-no-interpolation', '-format', 'json', path.basename(file)], { cwd: path.dirname(file), encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('docker-compose.yml', () => {
  test('conforms to the Compose Specification (compose-go)', () => {
    const result = composeSpecCheck(path.join(repoRoot, 'docker-compose.yml'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const loaded = JSON.parse(result.stdout) as { services: Record<string, { depends_on?: Record<string, unknown> }> };
    expect(Object.keys(loaded.services).sort()).toEqual(Object.keys(compose.services).sort());
    // The YAML anchors resolve to the same wiring compose will run.
    expect(Object.keys(loaded.services['gateway-3']?.depends_on ?? {}).sort()).toEqual(['kafka', 'migrate', 'minio', 'redis', 'secrets']);
  });

  test('the Compose Specification check rejects a misspelt key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-'));
    try {
      const broken = path.join(dir, 'docker-compose.yml');
      copyFileSync(path.join(repoRoot, 'docker-compose.yml'), broken);
      writeFileSync(broken, readFileSync(broken, 'utf8').replace('    restart: unless-stopped', '    restarts: unless-stopped'));
      const result = composeSpecCheck(broken);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('restarts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('runs nginx on 8080, three gateways, a persister, web, Redis, Kafka, Postgres and the migration', () => {
    expect(Object.keys(compose.services).filter((name) => !compose.services[name].profiles).sort()).toEqual(['gateway-1', 'gateway-2', 'gateway-3', 'kafka', 'migrate', 'minio', 'nginx', 'persister', 'postgres', 'redis', 'secrets', 'thumbnails', 'web']);
    expect(compose.services.nginx.ports).toEqual(['8080:8080']);
    expect(compose.services.migrate.command).toEqual(['node', 'db/dist/migrate-cli.js']);
    expect(new Set(['gateway-1', 'gateway-2', 'gateway-3'].map((name) => compose.services[name].environment.GATEWAY_ID)).size).toBe(3);
  });

  test('runs the room assistant, and a local Ollama for it, only when their profiles are asked for', () => {
    expect(compose.services.assistant.profiles).toEqual(['assistant']);
    expect(compose.services.ollama.profiles).toEqual(['ollama']);
    expect(compose.services.assistant.environment.ASSISTANT_URL).toBe('${ASSISTANT_URL:-http://ollama:11434}');
    // The gateways announce the assistant only when ASSISTANT_NAME is set.
    expect(compose.services['gateway-1'].environment.ASSISTANT_NAME).toBe('${ASSISTANT_NAME:-}');
  });

  test('stores files in MinIO at a pinned release, which the gateways and the thumbnail worker use and nginx serves on the web origin', () => {
    const minio = compose.services.minio;
    expect(minio.image).toMatch(/^minio\/minio:RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
    expect(minio.ports).toBeUndefined(); // reached through nginx only
    for (const name of ['gateway-1', 'gateway-2', 'gateway-3', 'thumbnails']) {
      const env = compose.services[name].environment;
      expect({ name, endpoint: env.S3_ENDPOINT, path: env.S3_FORCE_PATH_STYLE, bucket: env.S3_BUCKET }).toEqual({ name, endpoint: 'http://minio:9000', path: 'true', bucket: 'chat-files' });
      // The store's root user is the gateways' access key; the secret is the generated one unless .env sets it.
      expect(env.S3_ACCESS_KEY_ID).toBe(minio.environment.MINIO_ROOT_USER);
      expect(compose.services[name].entrypoint.join(' ')).toContain('cat /run/chat-secrets/s3');
    }
    expect(minio.entrypoint.join(' ')).toContain('cat /run/chat-secrets/s3');
    expect(compose.services.secrets.command[0]).toContain("'s3'");
    // The gateway image with the worker's entry point (the shared entrypoint runs `node <command>`).
    expect(compose.services.thumbnails.command).toEqual(['gateway/dist/thumbnail-worker-main.js']);
    expect(compose.services['gateway-1'].command).toEqual(['main.js']);
    expect(existsSync(path.join(repoRoot, 'gateway', 'src', 'thumbnail-worker-main.ts'))).toBe(true);
    // Presigned URLs name the web origin; nginx passes /<bucket>/ on to MinIO with the Host they were signed for.
    const conf = read('nginx/docker-compose.conf');
    expect(new URL(compose.services['gateway-1'].environment.S3_PUBLIC_ENDPOINT.replace(/^\$\{S3_PUBLIC_ENDPOINT:-(.*)\}$/, '$1')).port).toBe(compose.services.nginx.ports[0].split(':')[0]);
    expect(conf).toMatch(/location \/chat-files\/ \{[^}]*proxy_pass http:\/\/minio:9000;[^}]*proxy_set_header Host \$http_host;[^}]*sandbox/s);
  });

  test('runs Kafka at the version of the local broker', () => {
    expect(compose.services.kafka.image).toBe(`apache/kafka:${pomKafkaVersion()}`);
    expect(compose.services.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  });

  test('builds only Dockerfiles that exist and mounts only files that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) expect({ name, exists: existsSync(path.join(repoRoot, dockerfileOf(service.build))) }).toEqual({ name, exists: true });
      for (const volume of service.volumes ?? []) {
        const source = String(volume).split(':')[0] as string;
        if (source.startsWith('.')) expect({ name, source, exists: existsSync(path.join(repoRoot, source)) }).toEqual({ name, source, exists: true });
      }
    }
  });

  test('reads only variables that .env.example documents', () => {
    const used = [...read('docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string);
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((name) => !envExample.has(name))).toEqual([]);
  });

  test('waits on health checks that exist: declared in compose or in the image Dockerfile', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries<{ condition: string }>(service.depends_on ?? {})) {
        const target = compose.services[dependency];
        expect({ name, dependency, known: target !== undefined }).toEqual({ name, dependency, known: true });
        if (condition !== 'service_healthy') continue;
        const inImage = target.build ? /^HEALTHCHECK /m.test(finalStage(dockerfileOf(target.build))) : false;
        expect({ name, dependency, healthcheck: Boolean(target.healthcheck?.test) || inImage }).toEqual({ name, dependency, healthcheck: true });
      }
    }
  });

  test('nginx proxies to compose services and pins Socket.IO with a hashed affinity cookie', () => {
    const conf = read('nginx/docker-compose.conf');
    const hosts = [...conf.matchAll(/server ([a-z0-9-]+):(\d+)/g)].map((m) => m[1] as string);
    expect(hosts.length).toBeGreaterThan(0);
    for (const host of hosts) expect(Object.keys(compose.services)).toContain(host);
    expect(conf).toMatch(/hash \$chat_affinity consistent;/);
    expect(conf).toMatch(/location \/socket\.io\/[^}]*proxy_pass http:\/\/gateways_sticky;[^}]*Upgrade/s);
  });
});

describe('Dockerfiles', () => {
  test.each(['Dockerfile', 'web/Dockerfile'])('%s is multi-stage and runs as a non-root user with a health check', (dockerfile) => {
    const text = read(dockerfile);
    expect((text.match(/^FROM /gm) ?? []).length).toBeGreaterThanOrEqual(2);
    const final = finalStage(dockerfile);
    expect(final).toMatch(/^USER \d+:\d+$/m);
    expect(final).toMatch(/^HEALTHCHECK /m);
    // Every file copied from the build context exists in the repository (for every SERVICE).
    for (const [, source] of text.matchAll(/^COPY (?!--from)([^\s]+) /gm)) {
      for (const resolved of new Set(SERVICES.map((service) => (source as string).replaceAll('${SERVICE}', service)))) {
        expect({ dockerfile, resolved, exists: existsSync(path.join(repoRoot, resolved)) }).toEqual({ dockerfile, resolved, exists: true });
      }
    }
  });

  test('each image runs as the numeric uid >= 10000 that its pods run as, and compose hands the secrets to that uid', () => {
    const userOf = (dockerfile: string) => {
      const [, uid, gid] = /^USER (\d+):(\d+)$/m.exec(finalStage(dockerfile)) ?? [];
      return { uid: Number(uid), gid: Number(gid) };
    };
    const expected: Record<string, { uid: number; gid: number }> = { Dockerfile: { uid: NODE_UID, gid: NODE_UID }, 'web/Dockerfile': { uid: NGINX_UID, gid: NGINX_UID } };
    for (const [dockerfile, user] of Object.entries(expected)) {
      expect(user.uid).toBeGreaterThanOrEqual(10000);
      expect({ dockerfile, ...userOf(dockerfile) }).toEqual({ dockerfile, ...user });
    }
    // Every container of the platform's own images, in both environments, runs as its image's USER.
    const ownImage = /(^|\/)chat-(gateway|persister|assistant|web):/;
    const containers = [devConfig(), prodConfig()].flatMap((config) =>
      podTemplates(synthManifests(config)).flatMap(({ owner, template }) =>
        [...(template.spec.initContainers ?? []), ...template.spec.containers].filter((c: any) => ownImage.test(c.image)).map((c: any) => ({ owner, container: c, pod: template.spec })),
      ),
    );
    expect(containers.length).toBeGreaterThan(8);
    for (const { owner, container, pod } of containers) {
      const user = expected[/chat-web:/.test(container.image) ? 'web/Dockerfile' : 'Dockerfile']!;
      const runAs = { uid: container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser, gid: container.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup };
      expect({ owner, image: container.image, ...runAs }).toEqual({ owner, image: container.image, ...user });
    }
    const chown = /fs\.chownSync\(file, (\d+), (\d+)\)/.exec(compose.services.secrets.command.join('\n'));
    expect({ uid: Number(chown?.[1]), gid: Number(chown?.[2]) }).toEqual(expected.Dockerfile);
  });

  test('the services share one Dockerfile on the current Node.js LTS, which installs production dependencies only and carries the migrations', () => {
    const text = read('Dockerfile');
    expect(text).toMatch(/^ARG NODE_IMAGE=node:24-/m);
    expect(text).toMatch(/npm ci --omit=dev[^\n]*\\\n\s*&& node \/tmp\/prune-dev-optional\.js/);
    expect(finalStage('Dockerfile')).toContain('db/prisma');
    // Each stage takes SERVICE, which picks the workspace to build and the program to run.
    expect((text.match(/^ARG SERVICE$/gm) ?? []).length).toBe((text.match(/^FROM /gm) ?? []).length);
    for (const service of SERVICES) expect(existsSync(path.join(repoRoot, service, 'Dockerfile'))).toBe(false);
  });

  test('compose, Skaffold and the release workflow build each service from it with its SERVICE', () => {
    const composeBuilds = Object.entries(compose.services).filter(([, service]) => service.build && !service.build.dockerfile);
    expect(composeBuilds.map(([name, service]) => [name, service.build.args.SERVICE])).toEqual([
      ['gateway-1', 'gateway'],
      ['gateway-2', 'gateway'],
      ['gateway-3', 'gateway'],
      ['thumbnails', 'gateway'],
      ['persister', 'persister'],
      ['assistant', 'assistant'],
      // The one-shot that generates the compose secrets runs the gateway image.
      ['secrets', 'gateway'],
      ['migrate', 'persister'],
    ]);
    for (const artifact of (skaffold.build.artifacts as any[]).filter((a) => a.image !== 'chat-web')) {
      expect(artifact.docker).toEqual({ dockerfile: 'Dockerfile', buildArgs: { SERVICE: artifact.image.replace(/^chat-/, '') } });
    }
    const release = parse(read('.github/workflows/release.yml')) as any;
    const build = release.jobs.images.steps.find((step: any) => String(step.uses).startsWith('docker/build-push-action')).with;
    expect(build.file).toBe("${{ matrix.image == 'web' && 'web/Dockerfile' || 'Dockerfile' }}");
    expect(build['build-args']).toBe('${{ steps.bases.outputs.args }}');
    const pin = release.jobs.images.steps.find((step: any) => step.id === 'bases').run as string;
    expect(pin).toContain('echo "SERVICE=$IMAGE"');
  });

  test('prune-dev-optional removes the packages the lockfile marks devOptional, and nothing else', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prune-'));
    try {
      const packages = {
        '': { name: 'root' },
        'node_modules/prisma': { devOptional: true },
        'node_modules/@prisma/studio-core': { devOptional: true },
        'node_modules/@prisma/client': {},
        'node_modules/@node-rs/argon2-linux-x64-gnu': { optional: true },
        'node_modules/typescript': { devOptional: true },
      };
      writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }));
      for (const location of Object.keys(packages).filter(Boolean)) {
        mkdirSync(path.join(dir, location), { recursive: true });
        writeFileSync(path.join(dir, location, 'package.json'), '{}');
      }
      const result = spawnSync(process.execPath, [path.join(repoRoot, 'k8s', 'images', 'prune-dev-optional.js')], { cwd: dir, encoding: 'utf8' });
      expect(result.status).toBe(0);
      const present = (location: string) => existsSync(path.join(dir, location));
      expect(['node_modules/prisma', 'node_modules/@prisma/studio-core', 'node_modules/typescript'].filter(present)).toEqual([]);
      expect(['node_modules/@prisma/client', 'node_modules/@node-rs/argon2-linux-x64-gnu'].filter(present)).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('.dockerignore keeps dependencies, build output and local data out of the context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git', '.data', '.env']) expect(ignored).toContain(entry);
  });
});

describe('skaffold.yaml', () => {
  const artifacts = skaffold.build.artifacts as { image: string; context: string; docker: { dockerfile: string } }[];

  test('builds the three images from Dockerfiles that exist', () => {
    expect(artifacts.map((a) => a.image).sort()).toEqual(['chat-gateway', 'chat-persister', 'chat-web']);
    for (const artifact of artifacts) expect(existsSync(path.join(repoRoot, artifact.context, artifact.docker.dockerfile))).toBe(true);
  });

  test('deploys the files the synth writes, dev by default and prod in the eks profile', () => {
    expect(skaffold.manifests.rawYaml).toEqual([path.relative(repoRoot, synthOutputFile('dev'))]);
    const profiles = Object.fromEntries((skaffold.profiles as any[]).map((p) => [p.name, p]));
    expect(Object.keys(profiles).sort()).toEqual(['eks', 'kind', 'minikube']);
    expect(profiles.eks.manifests.rawYaml).toEqual([path.relative(repoRoot, synthOutputFile('prod'))]);
    expect(profiles.kind.build.local.push).toBe(false);
    expect(profiles.minikube.build.local.push).toBe(false);
    expect(profiles.eks.build.local.push).toBe(true);
    // --force (delete and re-create on immutable changes) is for the dev loop only.
    expect(skaffold.deploy.kubectl.flags.apply).toEqual(['--force']);
    expect(profiles.eks.deploy.kubectl.flags).toBeUndefined();
    const synthScript = JSON.parse(read('k8s/package.json')).scripts.synth as string;
    expect(synthScript).toBeTruthy();
    expect(skaffold.manifests.hooks.before[0].host.command).toEqual(['npm', 'run', 'synth', '-w', '@chat/k8s']);
  });

  test('every platform image in the dev manifests is a Skaffold artifact, so Skaffold rewrites its tag', () => {
    const images = podTemplates(synthManifests(devConfig()))
      .flatMap(({ template }) => template.spec.containers.map((c: { image: string }) => c.image))
      .filter((image: string) => image.startsWith('chat-'));
    const artifactNames = new Set(artifacts.map((a) => a.image));
    for (const image of images) expect(artifactNames.has(image.split(':')[0] as string)).toBe(true);
  });
});

describe('values of the upstream platform charts', () => {
  test.each(['ingress-nginx', 'strimzi-kafka-operator', 'cert-manager'])('helm/platform/%s.values.yaml parses to a mapping', (chart) => {
    const values = parse(read(`helm/platform/${chart}.values.yaml`));
    expect(typeof values).toBe('object');
    expect(values).not.toBeNull();
  });

  test('the Strimzi operator watches the chat namespace, generates NetworkPolicies and restricted pods', () => {
    const values = parse(read('helm/platform/strimzi-kafka-operator.values.yaml'));
    expect(values.watchNamespaces).toEqual([devConfig().namespace]);
    expect(values.generateNetworkPolicy).toBe(true);
    // The namespace enforces the restricted Pod Security Standard (see the Namespace object).
    const namespace = synthManifests(devConfig()).find((m) => m.kind === 'Namespace') as any;
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(values.extraEnvs).toContainEqual({ name: 'STRIMZI_POD_SECURITY_PROVIDER_CLASS', value: 'restricted' });
  });
});
