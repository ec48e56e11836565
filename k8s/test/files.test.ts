import { devConfig, type Manifest, prodConfig, synthManifests } from '../src';
import { find, identities } from './support';

const dev = synthManifests(devConfig());
const prod = synthManifests(prodConfig());
const podSpec = (m: Manifest & Record<string, any>) => (m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template.spec : m.spec.template.spec);
const egressOf = (manifests: Manifest[], name: string) => JSON.stringify(find(manifests, 'NetworkPolicy', name).spec.egress);

describe('files in Kubernetes', () => {
  test('prod: the gateway, the thumbnail worker and the sweep run as the gateway service account, which carries the bucket role (IRSA)', () => {
    const account = find(prod, 'ServiceAccount', 'chat-gateway');
    expect(account.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/chat-prod-gateway-files' });
    for (const workload of [find(prod, 'Deployment', 'chat-gateway'), find(prod, 'Deployment', 'chat-thumbnails'), find(prod, 'CronJob', 'chat-file-sweep')]) {
      expect({ name: workload.metadata.name, account: podSpec(workload).serviceAccountName }).toEqual({ name: workload.metadata.name, account: 'chat-gateway' });
    }
    // No static keys in prod: the SDK takes the web identity the IRSA webhook projects.
    expect(find(prod, 'ConfigMap', 'chat-gateway-config').data).toMatchObject({ S3_BUCKET: 'chat-prod-files', S3_REGION: 'eu-west-1' });
    expect(JSON.stringify(prod)).not.toContain('S3_ACCESS_KEY_ID');
  });

  test('the thumbnail worker is the gateway image with its own entry point, group and port, scaled on CPU', () => {
    for (const manifests of [dev, prod]) {
      const container = podSpec(find(manifests, 'Deployment', 'chat-thumbnails')).containers[0];
      expect(container.command).toEqual(['node', 'dist/thumbnail-worker-main.js']);
      expect(container.image).toBe(podSpec(find(manifests, 'Deployment', 'chat-gateway')).containers[0].image);
      expect(container.env).toEqual(expect.arrayContaining([{ name: 'PORT', value: '3110' }, { name: 'THUMBNAIL_GROUP_ID', value: 'chat-thumbnails' }]));
    }
    expect(find(dev, 'HorizontalPodAutoscaler', 'chat-thumbnails').spec.metrics[0].resource.name).toBe('cpu');
    expect(find(prod, 'ScaledObject', 'chat-thumbnails').spec.triggers).toEqual([{ type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } }]);
    // Kafka's listener admits it (Strimzi writes the listener's NetworkPolicy from these peers).
    expect(JSON.stringify(find(prod, 'Kafka', 'chat-kafka').spec.kafka.listeners)).toContain('chat-thumbnails');
  });

  test('the orphan sweep is an hourly CronJob that never overlaps itself', () => {
    const cron = find(prod, 'CronJob', 'chat-file-sweep');
    expect(cron.spec).toMatchObject({ schedule: '17 * * * *', concurrencyPolicy: 'Forbid' });
    expect(podSpec(cron).containers[0].command).toEqual(['node', 'dist/sweep-files-main.js']);
  });

  test('dev runs the store in the cluster, serves its bucket on the web host, and reads its keys from chat-secrets', () => {
    expect(identities(dev.filter((m) => m.metadata.name === 'chat-object-store'))).toEqual(['NetworkPolicy/chat-object-store', 'Service/chat-object-store', 'StatefulSet/chat-object-store']);
    const store = podSpec(find(dev, 'StatefulSet', 'chat-object-store')).containers[0];
    expect(store.env.map((e: any) => e.valueFrom.secretKeyRef)).toEqual([
      { name: 'chat-secrets', key: 'S3_ACCESS_KEY_ID' },
      { name: 'chat-secrets', key: 'S3_SECRET_ACCESS_KEY' },
    ]);
    const ingress = find(dev, 'Ingress', 'chat-files');
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({ path: '/chat-files', backend: { service: { name: 'chat-object-store' } } });
    expect(find(dev, 'ConfigMap', 'chat-gateway-config').data).toMatchObject({ S3_PUBLIC_ENDPOINT: 'https://chat.localtest.me', S3_FORCE_PATH_STYLE: 'true' });
    expect(prod.filter((m) => m.metadata.name === 'chat-object-store')).toEqual([]);
  });

  test('NetworkPolicies open exactly the flows of files: S3 for the gateway, worker and sweep; the store only to them and the edge', () => {
    for (const name of ['chat-gateway-files', 'chat-thumbnails', 'chat-file-sweep']) {
      expect(egressOf(prod, name)).toContain('"port":443');
      expect(egressOf(dev, name)).toContain('chat-object-store');
    }
    expect(egressOf(prod, 'chat-file-sweep')).not.toContain('kafka');
    const from = JSON.stringify(find(dev, 'NetworkPolicy', 'chat-object-store').spec.ingress);
    for (const peer of ['chat-gateway', 'chat-thumbnails', 'chat-file-sweep', 'ingress-nginx']) expect(from).toContain(peer);
    expect(find(dev, 'NetworkPolicy', 'chat-object-store').spec.egress).toEqual([]);
  });

  test('prod: the web pods allow the bucket origin in their CSP (a ConfigMap nginx includes); dev stays same-origin', () => {
    const web = podSpec(find(prod, 'Deployment', 'chat-web'));
    const mount = web.containers[0].volumeMounts.find((m: any) => m.mountPath === '/etc/nginx/chat');
    expect(mount).toMatchObject({ readOnly: true });
    expect(web.volumes.find((v: any) => v.name === mount.name).configMap.name).toBe('chat-web-object-store');
    expect(find(prod, 'ConfigMap', 'chat-web-object-store').data).toEqual({ 'object-store.conf': 'set $object_store_origin "https://chat-prod-files.s3.eu-west-1.amazonaws.com";\n' });
    // The origin the deployment names wins (Pulumi's filesBucketOrigin), and it must be an https origin.
    const custom = prodConfig();
    const store = { ...(custom.files!.store as any), browserOrigin: 'https://files.s3-fips.eu-west-1.amazonaws.com' };
    const synthed = synthManifests(prodConfig({ files: { ...custom.files!, store } }));
    expect(find(synthed, 'ConfigMap', 'chat-web-object-store').data['object-store.conf']).toContain('"https://files.s3-fips.eu-west-1.amazonaws.com"');
    expect(() => prodConfig({ files: { ...custom.files!, store: { ...store, browserOrigin: 'https://x"; add_header X 1; "' } } })).toThrow(/not an https origin/);
    expect(dev.filter((m) => m.metadata.name === 'chat-web-object-store')).toEqual([]);
    expect(JSON.stringify(podSpec(find(dev, 'Deployment', 'chat-web')))).not.toContain('/etc/nginx/chat');
  });

  test('the sweep CronJob is placed like the other workloads (nodeSelector, tolerations, pod annotations)', () => {
    const placement = { nodeSelector: { 'chat.example.com/pool': 'apps' }, tolerations: [{ key: 'dedicated', operator: 'Equal' as const, value: 'chat', effect: 'NoSchedule' as const }] };
    const manifests = synthManifests(prodConfig({ placement, podAnnotations: { 'example.com/team': 'chat' } }));
    const cron = podSpec(find(manifests, 'CronJob', 'chat-file-sweep'));
    const gateway = podSpec(find(manifests, 'Deployment', 'chat-gateway'));
    expect({ nodeSelector: cron.nodeSelector, tolerations: cron.tolerations }).toEqual({ nodeSelector: gateway.nodeSelector, tolerations: gateway.tolerations });
    expect(cron.nodeSelector).toEqual(placement.nodeSelector);
    expect(find(manifests, 'CronJob', 'chat-file-sweep').spec.jobTemplate.spec.template.metadata.annotations).toEqual({ 'example.com/team': 'chat' });
  });

  test('dev with gateway-api routing serves the bucket on the web host through an HTTPRoute (and no Ingress)', () => {
    const manifests = synthManifests(devConfig({ routing: 'gateway-api' }));
    const route = find(manifests, 'HTTPRoute', 'chat-files');
    expect(route.spec.hostnames).toEqual(['chat.localtest.me']);
    expect(route.spec.parentRefs[0]).toMatchObject({ sectionName: 'https' });
    expect(route.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/chat-files' } }], backendRefs: [{ name: 'chat-object-store', port: 7070 }] }]);
    expect(manifests.filter((m) => m.kind === 'Ingress')).toEqual([]);
    expect(synthManifests(devConfig()).filter((m) => m.kind === 'HTTPRoute' && m.metadata.name === 'chat-files')).toEqual([]);
  });
});
