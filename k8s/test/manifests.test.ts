import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  AFFINITY_COOKIE,
  configFor,
  devConfig,
  GATEWAY_SHUTDOWN_GRACE_MS,
  KAFKA_TOPICS,
  type Manifest,
  prodConfig,
  SECRET_NAME,
  STRIMZI_API_VERSION,
  synthManifests,
} from '../src';
import { find, identities, podTemplates, pomKafkaVersion, repoRoot, selects } from './support';

const dev = synthManifests(devConfig());
const prod = synthManifests(prodConfig());
// The Ingress variant of prod (ingress-nginx, retired upstream, kept as an option).
const prodIngress = synthManifests(prodConfig({ routing: 'ingress' }));
const environments: [string, Manifest[]][] = [
  ['dev', dev],
  ['prod', prod],
];

/** Every object kind per environment: the README's "manifests per environment" note states this list. */
const KINDS = {
  dev: ['ClusterIssuer', 'ConfigMap', 'CronJob', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'Job', 'Kafka', 'KafkaNodePool', 'KafkaTopic', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'StatefulSet'],
  prod: ['ClientTrafficPolicy', 'ClusterIssuer', 'ConfigMap', 'CronJob', 'Deployment', 'EnvoyProxy', 'ExternalSecret', 'Gateway', 'GatewayClass', 'HTTPRoute', 'Job', 'Kafka', 'KafkaNodePool', 'KafkaTopic', 'KafkaUser', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'PodMonitor', 'PrometheusRule', 'ScaledObject', 'Service', 'ServiceAccount', 'ServiceMonitor'],
};

describe('synthesized manifests', () => {
  test.each(environments)('%s produces exactly the documented kinds of objects', (name, manifests) => {
    expect([...new Set(manifests.map((m) => m.kind))].sort()).toEqual(KINDS[name as 'dev' | 'prod']);
  });

  test.each(environments)('%s gateway is probed on /readyz and /healthz and drains before it is killed', (_name, manifests) => {
    const pod = find(manifests, 'Deployment', 'chat-gateway').spec.template.spec;
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 3000 });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 3000 });
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(preStopSeconds).toBeGreaterThan(0);
    // SIGKILL must come after the preStop wait plus the whole socket drain of SHUTDOWN_GRACE_MS.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + GATEWAY_SHUTDOWN_GRACE_MS / 1000);
    const configMap = find(manifests, 'ConfigMap', 'chat-gateway-config');
    expect(Number(configMap.data.SHUTDOWN_GRACE_MS)).toBe(GATEWAY_SHUTDOWN_GRACE_MS);
  });

  test.each(environments)('%s runs every container under the restricted profile with resources', (_name, manifests) => {
    const templates = podTemplates(manifests);
    expect(templates.length).toBeGreaterThanOrEqual(4);
    for (const { owner, template } of templates) {
      const pod = template.spec;
      for (const container of pod.containers) {
        const security = { ...pod.securityContext, ...container.securityContext };
        expect({ owner, runAsNonRoot: security.runAsNonRoot }).toEqual({ owner, runAsNonRoot: true });
        expect({ owner, escalation: container.securityContext.allowPrivilegeEscalation }).toEqual({ owner, escalation: false });
        expect({ owner, drop: container.securityContext.capabilities.drop }).toEqual({ owner, drop: ['ALL'] });
        expect({ owner, seccomp: (container.securityContext.seccompProfile ?? pod.securityContext.seccompProfile).type }).toEqual({ owner, seccomp: 'RuntimeDefault' });
        expect({ owner, readOnly: container.securityContext.readOnlyRootFilesystem }).toEqual({ owner, readOnly: true });
        expect(container.resources.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
        expect(container.resources.limits).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
      }
    }
    expect(find(manifests, 'Namespace', 'chat').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('dev scales the gateway with a CPU HPA; both environments protect gateway and persister with PDBs', () => {
    const config = devConfig();
    const hpa = find(dev, 'HorizontalPodAutoscaler', 'chat-gateway');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'chat-gateway' });
    expect(hpa.spec).toMatchObject({ minReplicas: config.gateway.minReplicas, maxReplicas: config.gateway.maxReplicas });
    for (const manifests of [dev, prod]) {
      // The autoscaler owns the count: a replicas field would reset it on every apply.
      expect(find(manifests, 'Deployment', 'chat-gateway').spec.replicas).toBeUndefined();
      for (const component of ['gateway', 'persister']) {
        const pdb = find(manifests, 'PodDisruptionBudget', `chat-${component}`);
        const pods = find(manifests, 'Deployment', `chat-${component}`).spec.template.metadata.labels;
        expect(selects(pdb.spec.selector, pods)).toBe(true);
        expect(pdb.spec.maxUnavailable).toBe(1);
      }
    }
  });

  test('prod scales gateways on CPU and sockets per pod, and persisters on consumer lag up to the partitions (KEDA)', () => {
    const config = prodConfig();
    expect(prod.filter((m) => m.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    const gateway = find(prod, 'ScaledObject', 'chat-gateway');
    expect(gateway.spec).toMatchObject({ scaleTargetRef: { name: 'chat-gateway' }, minReplicaCount: config.gateway.minReplicas, maxReplicaCount: config.gateway.maxReplicas });
    expect(gateway.spec.triggers.map((t: any) => t.type)).toEqual(['cpu', 'prometheus']);
    expect(gateway.spec.triggers[1].metadata.query).toContain('chat_gateway_connections');
    expect(Number(gateway.spec.triggers[1].metadata.threshold)).toBe(config.gateway.socketsPerPod);
    const persister = find(prod, 'ScaledObject', 'chat-persister');
    const topic = prod.find((m: any) => m.kind === 'KafkaTopic' && m.spec.topicName === KAFKA_TOPICS.messages) as any;
    expect(persister.spec.maxReplicaCount).toBe(topic.spec.partitions);
    expect(persister.spec.minReplicaCount).toBe(config.persister.replicas);
    expect(persister.spec.triggers[0].metadata.query).toContain('persister_consumer_lag');
    expect(find(prod, 'Deployment', 'chat-persister').spec.replicas).toBeUndefined();
  });

  test('prod spreads gateway, persister and web over zones and nodes; dev does not', () => {
    expect(prodIngress.length).toBeGreaterThan(0);
    for (const component of ['gateway', 'persister', 'web']) {
      const pod = find(prod, 'Deployment', `chat-${component}`).spec.template.spec;
      expect(pod.topologySpreadConstraints).toEqual(
        expect.arrayContaining([expect.objectContaining({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' })]),
      );
      expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
      expect(find(dev, 'Deployment', `chat-${component}`).spec.template.spec.topologySpreadConstraints).toBeUndefined();
    }
    expect(find(prod, 'Kafka', 'chat-kafka').spec.kafka.rack).toEqual({ topologyKey: 'topology.kubernetes.io/zone' });
  });

  test.each([
    ['dev', dev],
    ['prod with routing=ingress', prodIngress],
  ] as [string, Manifest[]][])('%s pins Socket.IO to one gateway with a persistent cookie and WebSocket timeouts, over TLS', (_name, manifests) => {
    const realtime = find(manifests, 'Ingress', 'chat-realtime');
    const annotations = realtime.metadata.annotations;
    expect(annotations['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
    expect(annotations['nginx.ingress.kubernetes.io/affinity-mode']).toBe('persistent');
    expect(annotations['nginx.ingress.kubernetes.io/session-cookie-name']).toBe(AFFINITY_COOKIE);
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(realtime.spec.rules[0].http.paths).toEqual([expect.objectContaining({ path: '/socket.io', backend: { service: { name: 'chat-gateway', port: { number: 3000 } } } })]);

    const web = find(manifests, 'Ingress', 'chat');
    const issuer = web.metadata.annotations['cert-manager.io/cluster-issuer'];
    expect(find(manifests, 'ClusterIssuer', issuer)).toBeDefined();
    expect(web.spec.tls).toEqual(realtime.spec.tls);
    expect(web.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name])).toEqual([
      ['/api', 'chat-gateway'],
      ['/', 'chat-web'],
    ]);
  });

  test('prod routes through Gateway API (Envoy Gateway) by default, with cookie session persistence of 48h for Socket.IO', () => {
    expect(prodConfig().routing).toBe('gateway-api');
    expect(prod.filter((m) => m.kind === 'Ingress')).toEqual([]);
    const route = find(prod, 'HTTPRoute', 'chat');
    const socketRule = route.spec.rules.find((rule: any) => rule.matches[0].path.value === '/socket.io');
    expect(socketRule.sessionPersistence).toMatchObject({ type: 'Cookie', sessionName: AFFINITY_COOKIE, absoluteTimeout: '48h', cookieConfig: { lifetimeType: 'Permanent' } });
    expect(socketRule.backendRefs).toEqual([{ name: 'chat-gateway', port: 3000 }]);
    expect(route.spec.parentRefs).toEqual([{ name: 'chat', namespace: 'envoy-gateway-system', sectionName: 'https' }]);
    const gateway = find(prod, 'Gateway', 'chat');
    expect(find(prod, 'GatewayClass', gateway.spec.gatewayClassName).spec.controllerName).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    expect(find(prod, 'ClusterIssuer', gateway.metadata.annotations['cert-manager.io/cluster-issuer'])).toBeDefined();
    // Traffic now comes from Envoy Gateway's namespace, not ingress-nginx's.
    const sources = JSON.stringify(find(prod, 'NetworkPolicy', 'chat-gateway').spec.ingress);
    expect(sources).toContain('envoy-gateway-system');
    expect(sources).not.toContain('ingress-nginx');
  });

  test('the client address is the real one end to end: the NLB sends PROXY v2, Envoy requires it, and a client X-Forwarded-For is not trusted', () => {
    const proxy = find(prod, 'EnvoyProxy', 'envoy');
    expect(proxy.spec.provider.kubernetes.envoyService.annotations['service.beta.kubernetes.io/aws-load-balancer-target-group-attributes']).toBe('proxy_protocol_v2.enabled=true');
    const policy = find(prod, 'ClientTrafficPolicy', 'chat');
    expect(policy.spec.proxyProtocol).toEqual({ optional: false });
    expect(policy.spec.clientIPDetection).toEqual({ xForwardedFor: { numTrustedHops: 0 } });
    expect(policy.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'chat' }]);
    // ingress-nginx, where still used, never takes X-Forwarded-For from the client either.
    const values = readFileSync(path.join(repoRoot, 'helm/platform/ingress-nginx.values.yaml'), 'utf8');
    expect(values).toMatch(/use-forwarded-headers: "false"/);
    expect(values).toMatch(/use-proxy-protocol: "true"/);
    expect(values).toContain('proxy_protocol_v2.enabled=true');
  });

  test('under enforced NetworkPolicies, cert-manager\'s HTTP-01 solver is reachable from the edge, and Strimzi\'s pods reach each other and the API server', () => {
    const solver = find(prodIngress, 'NetworkPolicy', 'chat-acme-http01-solver');
    expect(solver.spec.podSelector.matchLabels).toEqual({ 'acme.cert-manager.io/http01-solver': 'true' });
    expect(solver.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 8089 }] }]);
    expect(dev.some((m) => m.metadata.name === 'chat-acme-http01-solver')).toBe(false);
    const kafkaEgress = find(prod, 'NetworkPolicy', 'chat-kafka-egress');
    expect(kafkaEgress.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: { 'strimzi.io/cluster': 'chat-kafka' } } }] }, { ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] }]);
    const dns = find(prod, 'NetworkPolicy', 'allow-dns');
    expect(dns.spec.podSelector).toEqual({});
    expect(JSON.stringify(dns.spec.egress)).toContain('kube-dns');
  });

  test.each(environments)('%s hygiene: ephemeral storage bounded, uids of at least 10000, distinct web probes, placement on the node group', (name, manifests) => {
    for (const { owner, template } of podTemplates(manifests)) {
      for (const container of template.spec.containers) {
        expect({ owner, request: container.resources.requests['ephemeral-storage'] }).toEqual({ owner, request: expect.any(String) });
        expect({ owner, limit: container.resources.limits['ephemeral-storage'] }).toEqual({ owner, limit: expect.any(String) });
        const uid = container.securityContext?.runAsUser ?? template.spec.securityContext.runAsUser;
        expect({ owner, uidAtLeast10000: uid >= 10000 }).toEqual({ owner, uidAtLeast10000: true });
      }
      if (owner.startsWith('Deployment/') || owner.startsWith('Job/')) {
        expect({ owner, nodeSelector: template.spec.nodeSelector }).toEqual({ owner, nodeSelector: name === 'prod' ? { 'chat.example.com/node-role': 'app' } : {} });
      }
    }
    const web = find(manifests, 'Deployment', 'chat-web').spec.template.spec.containers[0];
    expect(web.readinessProbe.httpGet.path).toBe('/healthz');
    expect(web.livenessProbe.tcpSocket).toEqual({ port: 8080 });
    expect(web.livenessProbe.httpGet).toBeUndefined();
  });

  test.each(environments)('%s contains no Secret and no secret value; every secret reference names chat-secrets or a KafkaUser\'s Secret', (_name, manifests) => {
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    const text = JSON.stringify(manifests);
    const example = readFileSync(path.join(repoRoot, '.env.example'), 'utf8');
    const jwtDefault = example.match(/^JWT_SECRET=(.+)$/m)?.[1];
    expect(jwtDefault).toBeTruthy();
    expect(text).not.toContain(jwtDefault);
    expect(text).not.toMatch(/postgres(ql)?:\/\/[^"]*:[^"]*@/);
    const secretRefs = [...text.matchAll(/"secretKeyRef":\{"key":"([A-Z_]+)","name":"([^"]+)"\}/g)];
    expect(secretRefs.length).toBeGreaterThan(0);
    for (const [, , name] of secretRefs) expect(name).toBe(SECRET_NAME);
    // The one other kind of reference: a KafkaUser's password, in the Secret Strimzi's User Operator writes.
    const users = manifests.filter((m) => m.kind === 'KafkaUser').map((m) => m.metadata.name);
    for (const [, , name] of text.matchAll(/"secretKeyRef":\{"key":"(password)","name":"([^"]+)"\}/g)) expect(users).toContain(name);
  });

  test('prod fills chat-secrets from an ExternalSecret with no values in it', () => {
    const external = find(prod, 'ExternalSecret', SECRET_NAME);
    expect(external.spec.target.name).toBe(SECRET_NAME);
    expect(external.spec.data.map((d: any) => d.secretKey).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'REDIS_URL']);
    // ElastiCache requires TLS and the AUTH token: the gateway's REDIS_URL (rediss://) comes from the secret, never the ConfigMap.
    expect(find(prod, 'ConfigMap', 'chat-gateway-config').data.REDIS_URL).toBeUndefined();
    const env = find(prod, 'Deployment', 'chat-gateway').spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'REDIS_URL').valueFrom.secretKeyRef).toEqual({ key: 'REDIS_URL', name: SECRET_NAME });
  });

  test.each(environments)('%s NetworkPolicies deny by default and cover every component', (_name, manifests) => {
    const policies = manifests.filter((m) => m.kind === 'NetworkPolicy') as any[];
    const defaultDeny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress);
    expect(defaultDeny?.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    const specific = policies.filter((p) => Object.keys(p.spec.podSelector).length > 0);
    for (const { owner, template } of podTemplates(manifests)) {
      const covering = specific.filter((p) => selects(p.spec.podSelector, template.metadata.labels));
      expect({ owner, covered: covering.length > 0 }).toEqual({ owner, covered: true });
    }
    // Kafka's pods are created by Strimzi: their egress policy selects the cluster label.
    expect(specific.some((p) => selects(p.spec.podSelector, { 'strimzi.io/cluster': 'chat-kafka' }))).toBe(true);
    // Web serves static files: it may receive, never send.
    expect(find(manifests, 'NetworkPolicy', 'chat-web').spec.egress).toEqual([]);
  });

  test('the gateway reaches Redis and Postgres as pods in dev and as address ranges in prod', () => {
    const egress = (manifests: Manifest[]) => JSON.stringify(find(manifests, 'NetworkPolicy', 'chat-gateway').spec.egress);
    expect(egress(dev)).toContain('chat-redis');
    expect(egress(dev)).toContain('chat-postgres');
    const prodConfigValue = prodConfig();
    expect(egress(prod)).toContain(prodConfigValue.postgres.mode === 'external' ? prodConfigValue.postgres.cidr : 'unreachable');
    expect(find(prod, 'Service', 'chat-postgres').spec).toMatchObject({ type: 'ExternalName' });
    expect(prod.filter((m) => m.kind === 'StatefulSet')).toEqual([]);
    expect(identities(dev.filter((m) => m.kind === 'StatefulSet'))).toEqual(['StatefulSet/chat-object-store', 'StatefulSet/chat-postgres', 'StatefulSet/chat-redis']);
  });

  test.each(environments)('%s never runs more persisters than the messages topic has partitions', (_name, manifests) => {
    const scaled = manifests.find((m: any) => m.kind === 'ScaledObject' && m.metadata.name === 'chat-persister') as any;
    const replicas = scaled ? scaled.spec.maxReplicaCount : find(manifests, 'Deployment', 'chat-persister').spec.replicas;
    const topic = manifests.find((m: any) => m.kind === 'KafkaTopic' && m.spec.topicName === KAFKA_TOPICS.messages) as any;
    expect(replicas).toBeGreaterThanOrEqual(1);
    expect(replicas).toBeLessThanOrEqual(topic.spec.partitions);
  });

  test('a configuration with more persisters than partitions is refused at synth time', () => {
    const base = prodConfig();
    expect(() => prodConfig({ persister: { ...base.persister, replicas: base.kafka.messagesPartitions + 1 } })).toThrow(/persister\.replicas/);
  });

  test.each(environments)('%s declares Strimzi Kafka at the local broker version, in KRaft with a node pool, and both topics', (_name, manifests) => {
    const kafka = find(manifests, 'Kafka', 'chat-kafka');
    expect(kafka.apiVersion).toBe(STRIMZI_API_VERSION);
    expect(kafka.spec.kafka.version).toBe(pomKafkaVersion());
    expect(kafka.spec.zookeeper).toBeUndefined();
    const pool = manifests.find((m) => m.kind === 'KafkaNodePool') as any;
    expect(pool.apiVersion).toBe(STRIMZI_API_VERSION);
    expect(pool.metadata.labels['strimzi.io/cluster']).toBe('chat-kafka');
    expect(pool.spec.roles.sort()).toEqual(['broker', 'controller']);
    const topics = manifests.filter((m) => m.kind === 'KafkaTopic') as any[];
    expect(topics.map((t) => t.spec.topicName).sort()).toEqual([KAFKA_TOPICS.deadLetter, KAFKA_TOPICS.messages].sort());
    for (const topic of topics) expect(topic.apiVersion).toBe(STRIMZI_API_VERSION);
    // dev: the plaintext listener; prod: the TLS + SCRAM-SHA-512 one.
    expect(find(manifests, 'ConfigMap', 'chat-config').data.KAFKA_BROKERS).toBe(`chat-kafka-kafka-bootstrap.chat.svc:${manifests === prod ? 9093 : 9092}`);
  });

  test('prod: Kafka takes TLS with SCRAM-SHA-512 only, and each service connects as its own KafkaUser with exactly its ACLs', () => {
    const kafka = find(prod, 'Kafka', 'chat-kafka').spec;
    expect(kafka.kafka.listeners).toEqual([expect.objectContaining({ name: 'tls', port: 9093, tls: true, authentication: { type: 'scram-sha-512' } })]);
    expect(kafka.kafka.authorization).toEqual({ type: 'simple' });
    expect(kafka.entityOperator.userOperator).toEqual({});
    const acls = (name: string) =>
      find(prod, 'KafkaUser', name).spec.authorization.acls.map((a: any) => `${a.resource.type}:${a.resource.name}:${[...a.operations].sort().join('+')}`).sort();
    expect(acls('chat-gateway')).toEqual([`topic:${KAFKA_TOPICS.messages}:Describe+Write`]);
    expect(acls('chat-persister')).toEqual(['group:chat-persister:Read', `topic:${KAFKA_TOPICS.deadLetter}:Describe+Write`, `topic:${KAFKA_TOPICS.messages}:Describe+Read`].sort());
    for (const name of ['chat-gateway', 'chat-persister']) {
      const user = find(prod, 'KafkaUser', name);
      expect(user.spec.authentication).toEqual({ type: 'scram-sha-512' });
      expect(user.metadata.labels['strimzi.io/cluster']).toBe('chat-kafka');
      const pod = find(prod, 'Deployment', name).spec.template.spec;
      const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
      expect(env).toMatchObject({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: name,
        KAFKA_SASL_PASSWORD: { secretKeyRef: { name, key: 'password' } },
        KAFKA_TLS: 'true',
        KAFKA_TLS_CA_FILE: '/etc/kafka-ca/ca.crt',
      });
      const ca = pod.volumes.find((v: any) => v.secret?.secretName === 'chat-kafka-cluster-ca-cert');
      expect(pod.containers[0].volumeMounts).toContainEqual(expect.objectContaining({ name: ca.name, mountPath: '/etc/kafka-ca', readOnly: true }));
    }
    // dev keeps the plaintext listener and no users.
    expect(dev.filter((m) => m.kind === 'KafkaUser')).toEqual([]);
    expect(find(dev, 'Kafka', 'chat-kafka').spec.kafka.listeners[0]).toMatchObject({ name: 'plain', tls: false });
  });

  test('prod exports Kafka metrics (JMX exporter, Kafka Exporter) to Prometheus, runs Cruise Control, and ships the dashboards', () => {
    const kafka = find(prod, 'Kafka', 'chat-kafka');
    const ref = kafka.spec.kafka.metricsConfig.valueFrom.configMapKeyRef;
    expect(find(prod, 'ConfigMap', ref.name).data[ref.key]).toContain('kafka_server_');
    expect(kafka.spec.cruiseControl).toEqual({});
    expect(kafka.spec.kafkaExporter).toBeDefined();
    expect(find(prod, 'PodMonitor', 'chat-kafka').spec.podMetricsEndpoints[0].port).toBe('tcp-prometheus');
    const boards = prod.filter((m: any) => m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard === '1') as any[];
    expect(boards.map((b) => b.metadata.name).sort()).toEqual(['dashboard-chat-gateway', 'dashboard-chat-kafka', 'dashboard-chat-persister', 'dashboard-chat-postgres']);
    const gateway = JSON.parse(boards.find((b) => b.metadata.name === 'dashboard-chat-gateway').data['chat-gateway.json']);
    const exprs = JSON.stringify(gateway.panels.map((p: any) => p.targets));
    for (const metric of ['chat_gateway_connections', 'chat_gateway_messages_total', 'chat_gateway_send_seconds', 'chat_gateway_deliver_seconds', 'eventloop_lag', 'chat_gateway_errors_total']) expect(exprs).toContain(metric);
  });

  test('prod replicates Kafka three ways and writes with min.insync.replicas 2', () => {
    const kafka = find(prod, 'Kafka', 'chat-kafka');
    expect(kafka.spec.kafka.config).toMatchObject({ 'min.insync.replicas': 2, 'default.replication.factor': 3, 'auto.create.topics.enable': false });
    const messages = prod.find((m: any) => m.kind === 'KafkaTopic' && m.spec.topicName === KAFKA_TOPICS.messages) as any;
    expect(messages.spec.replicas).toBe(3);
    expect(messages.spec.partitions).toBeGreaterThanOrEqual(prodConfig().persister.replicas);
  });

  test('image registry and tag are configurable and used by every workload, the migration Job included', () => {
    const manifests = synthManifests(configFor('prod', { images: { registry: 'registry.example/chat', tag: '1.2.3', pullPolicy: 'Always' } }));
    const images = podTemplates(manifests).flatMap(({ template }) => template.spec.containers.map((c: any) => c.image));
    // The gateway's image runs the gateway, the thumbnail worker and the file sweep.
    expect(images.sort()).toEqual([
      'registry.example/chat/chat-gateway:1.2.3',
      'registry.example/chat/chat-gateway:1.2.3',
      'registry.example/chat/chat-gateway:1.2.3',
      'registry.example/chat/chat-persister:1.2.3',
      'registry.example/chat/chat-persister:1.2.3',
      'registry.example/chat/chat-web:1.2.3',
    ]);
    const devImages = podTemplates(synthManifests(devConfig({ images: { registry: '', tag: 'abc', pullPolicy: 'Never' } })))
      .flatMap(({ template }) => template.spec.containers.map((c: any) => c.image))
      .filter((image: string) => image.startsWith('chat-'));
    expect(devImages.sort()).toEqual(['chat-gateway:abc', 'chat-gateway:abc', 'chat-gateway:abc', 'chat-persister:abc', 'chat-persister:abc', 'chat-web:abc']);
  });

  test.each(environments)('%s runs the migrations as a Job from the persister image', (_name, manifests) => {
    const job = find(manifests, 'Job', 'chat-migrate');
    const container = job.spec.template.spec.containers[0];
    expect(container.command).toEqual(['node', 'db/dist/migrate-cli.js']);
    expect(container.image).toBe(find(manifests, 'Deployment', 'chat-persister').spec.template.spec.containers[0].image);
    expect(job.metadata.annotations['helm.sh/hook']).toBe('post-install,post-upgrade');
  });

  test('prod scrapes /metrics of gateway and persister with ServiceMonitors that select their Services', () => {
    for (const component of ['gateway', 'persister']) {
      const monitor = find(prod, 'ServiceMonitor', `chat-${component}`);
      const service = find(prod, 'Service', `chat-${component}`);
      expect(selects(monitor.spec.selector, service.metadata.labels)).toBe(true);
      expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: service.spec.ports[0].name, path: '/metrics' })]);
    }
  });
});
