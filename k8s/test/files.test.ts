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
});
