import { devConfig, type Manifest, prodConfig, synthManifests } from '../src';
import { find, identities, openAiAssistant } from './support';

const settings = openAiAssistant(2);
const assistantObjects = (manifests: Manifest[]) => identities(manifests.filter((m) => m.metadata.name.startsWith('chat-assistant')));

describe('the room assistant in Kubernetes', () => {
  test('is not deployed, nor announced by the gateways, unless configured', () => {
    for (const manifests of [synthManifests(devConfig()), synthManifests(prodConfig())]) {
      expect(assistantObjects(manifests)).toEqual([]);
      expect(find(manifests, 'ConfigMap', 'chat-gateway-config').data.ASSISTANT_NAME).toBeUndefined();
    }
  });

  test('when configured: its Deployment, Service, ConfigMap, NetworkPolicy and PDB, with the configured replicas', () => {
    const manifests = synthManifests(prodConfig({ assistant: settings }));
    expect(assistantObjects(manifests)).toEqual([
      'ConfigMap/chat-assistant-config',
      'Deployment/chat-assistant',
      'KafkaUser/chat-assistant',
      'NetworkPolicy/chat-assistant',
      'PodDisruptionBudget/chat-assistant',
      'Service/chat-assistant',
      'ServiceMonitor/chat-assistant',
    ]);
    const deployment = find(manifests, 'Deployment', 'chat-assistant');
    expect(deployment.spec.replicas).toBe(2);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toMatch(/\/chat-assistant:/);
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 3200 });
    const apiKey = container.env.find((e: any) => e.name === 'ASSISTANT_API_KEY');
    expect(apiKey.valueFrom.secretKeyRef).toMatchObject({ name: 'chat-secrets', key: 'ASSISTANT_API_KEY', optional: true });
    expect(find(manifests, 'ConfigMap', 'chat-assistant-config').data).toMatchObject({ ASSISTANT_API: 'openai', ASSISTANT_URL: settings.url, GATEWAY_URL: 'http://chat-gateway.chat.svc:3000' });
    expect(find(manifests, 'ConfigMap', 'chat-gateway-config').data.ASSISTANT_NAME).toBe('assistant');
    expect(find(manifests, 'ExternalSecret', 'chat-secrets').spec.data.map((d: any) => d.secretKey)).toContain('ASSISTANT_API_KEY');
  });

  test('may reach Kafka, Redis, Postgres, the gateways and the model endpoint, and the gateways, Kafka and the stores let it in', () => {
    const manifests = synthManifests(devConfig({ assistant: { ...settings, replicas: 1 } }));
    const assistantLabels = { 'app.kubernetes.io/name': 'chat-assistant', 'app.kubernetes.io/part-of': 'chat' };
    const egress = find(manifests, 'NetworkPolicy', 'chat-assistant').spec.egress;
    const targets = egress.map((rule: any) => [rule.to[0].podSelector?.matchLabels?.['app.kubernetes.io/name'] ?? rule.to[0].podSelector?.matchLabels?.['strimzi.io/cluster'] ?? rule.to[0].ipBlock?.cidr, rule.ports[0].port]);
    expect(targets).toEqual([
      ['chat-kafka', 9092],
      ['chat-redis', 6379],
      ['chat-postgres', 5432],
      ['chat-gateway', 3000],
      ['0.0.0.0/0', 443],
    ]);
    const admits = (policy: string) => find(manifests, 'NetworkPolicy', policy).spec.ingress.some((rule: any) => rule.from.some((peer: any) => JSON.stringify(peer.podSelector?.matchLabels) === JSON.stringify(assistantLabels)));
    expect(['chat-gateway', 'chat-redis', 'chat-postgres'].filter(admits)).toEqual(['chat-gateway', 'chat-redis', 'chat-postgres']);
    const listener = find(manifests, 'Kafka', 'chat-kafka').spec.kafka.listeners[0];
    expect(listener.networkPolicyPeers).toContainEqual({ podSelector: { matchLabels: assistantLabels } });
  });

  test('refuses more replicas than the messages topic has partitions', () => {
    expect(() => devConfig({ assistant: { ...settings, replicas: 13 } })).toThrow(/assistant.replicas/);
  });
});
