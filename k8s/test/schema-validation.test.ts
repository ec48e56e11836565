import { configFor, type Manifest, synthManifests } from '../src';
import { kubeconform, schemaProblems } from '../src/kubeconform';
import { SCHEMA_CATALOG_ENV, schemaCatalogDir, schemaLocations } from '../src/schema-catalog';
import { CASES, everyShippedObject, gitopsObjects, oneOfEachKind } from './shipped-objects';
import { find } from './support';

const withField = (manifest: Manifest, at: 'top' | 'spec' | 'metadata'): Manifest => {
  const copy = JSON.parse(JSON.stringify(manifest)) as Record<string, any>;
  if (at === 'top') copy.bogusField = 'x';
  else copy[at] = { ...(copy[at] ?? {}), bogusField: 'x' };
  return copy as Manifest;
};

describe('validation against the upstream schemas of the pinned versions (kubeconform, strict, offline)', () => {
  test('the catalog comes from K8S_SCHEMA_CATALOG, else ../shared/k8s-schemas beside the repository', () => {
    expect(schemaCatalogDir({ [SCHEMA_CATALOG_ENV]: '/somewhere/schemas' })).toBe('/somewhere/schemas');
    expect(schemaCatalogDir({})).toMatch(/[/\\]shared[/\\]k8s-schemas$/);
    expect(() => schemaLocations('1.35.0', '/nonexistent/catalog')).toThrow(SCHEMA_CATALOG_ENV);
  });

  test.each(CASES)('every %s object (%s routing) is valid, custom resources included', (environment, routing) => {
    expect(schemaProblems(synthManifests(configFor(environment, { routing })))).toEqual([]);
  });

  test('every object of the GitOps tree (Argo CD, cluster configuration, platform components) is valid', () => {
    const objects = gitopsObjects();
    expect(objects.length).toBeGreaterThan(20);
    expect(schemaProblems(objects.map(({ manifest }) => manifest))).toEqual([]);
  });

  test('an unknown field in spec.kafka of the Strimzi Kafka fails', () => {
    const kafka = find(synthManifests(configFor('prod')), 'Kafka', 'chat-kafka') as Record<string, any>;
    const broken = { ...kafka, spec: { ...kafka.spec, kafka: { ...kafka.spec.kafka, bogusField: true } } } as Manifest;
    expect(schemaProblems([broken])).toEqual([expect.stringContaining("'bogusField' not allowed")]);
  });

  test('a malformed value fails: replicas as text, and a Gateway API duration over five digits', () => {
    const [deployment] = synthManifests(configFor('dev')).filter((m) => m.kind === 'Deployment') as any[];
    const route = find(synthManifests(configFor('prod', { routing: 'gateway-api' })), 'HTTPRoute', 'chat') as any;
    const longTimeout = JSON.parse(JSON.stringify(route));
    longTimeout.spec.rules[0].sessionPersistence.absoluteTimeout = '172800s';
    const report = kubeconform([{ ...deployment, spec: { ...deployment.spec, replicas: 'three' } }, longTimeout]);
    expect(report.summary.invalid).toBe(2);
  });

  // The guard for every other check: a schema that accepts anything proves nothing. One kubeconform run
  // for all copies (each renamed after its kind and where the field went), then each must have failed.
  test('every kind shipped is checked: an unknown field fails at the top level, in metadata and in spec', () => {
    const kinds = oneOfEachKind(everyShippedObject());
    expect(kinds.length).toBeGreaterThanOrEqual(30);
    const copies = kinds.flatMap((manifest) =>
      (['top', 'metadata', ...('spec' in manifest ? ['spec' as const] : [])] as const).map((at) => {
        const copy = withField(manifest, at) as Manifest & { metadata: { name: string } };
        copy.metadata.name = `${manifest.kind.toLowerCase()}-${at}`;
        return copy;
      }),
    );
    const problems = schemaProblems(copies);
    const failed = new Set(copies.filter((copy) => problems.some((p) => p.startsWith(`${copy.kind}/${copy.metadata.name}:`))).map((c) => `${c.kind}/${c.metadata.name}`));
    expect(copies.map((c) => `${c.kind}/${c.metadata.name}`).filter((id) => !failed.has(id))).toEqual([]);
    // The unmodified objects are valid, so each failure is the unknown field's.
    expect(schemaProblems(kinds)).toEqual([]);
  });
});
