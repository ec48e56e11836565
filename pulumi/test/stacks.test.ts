/**
 * Builds the dev and prod stacks from their stack files under Pulumi's mocks and checks what an
 * auditor would: where nodes run, encryption, database exposure, firewall rules, tags, IRSA scoping,
 * CI trust, and the stack outputs.
 */
import * as pulumi from '@pulumi/pulumi';

import { REQUIRED_TAG_KEYS } from '../src/tags';
import { buildStack, FAKE, TEST_SECRETS, valueOf, type BuiltStack, type RecordedResource } from './support/stack-harness';

/** Resource types AWS does not tag (associations, attachments, policies attached to roles, aliases). */
const UNTAGGABLE = new Set([
  'aws:ec2/routeTableAssociation:RouteTableAssociation',
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  'aws:iam/rolePolicy:RolePolicy',
  'aws:ecr/lifecyclePolicy:LifecyclePolicy',
  'aws:kms/alias:Alias',
  'aws:secretsmanager/secretVersion:SecretVersion',
  'aws:eks/accessPolicyAssociation:AccessPolicyAssociation',
  'aws:ec2/tag:Tag',
  'aws:ecr/repositoryPolicy:RepositoryPolicy',
  'aws:sqs/queuePolicy:QueuePolicy',
  'aws:cloudwatch/eventTarget:EventTarget',
  // The files bucket's settings are resources of their own; the bucket and its key carry the tags.
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  'aws:s3/bucketCorsConfiguration:BucketCorsConfiguration',
  'aws:s3/bucketPolicy:BucketPolicy',
]);

const T = {
  subnet: 'aws:ec2/subnet:Subnet',
  nodeGroup: 'aws:eks/nodeGroup:NodeGroup',
  cluster: 'aws:eks/cluster:Cluster',
  kmsKey: 'aws:kms/key:Key',
  repository: 'aws:ecr/repository:Repository',
  lifecycle: 'aws:ecr/lifecyclePolicy:LifecyclePolicy',
  rds: 'aws:rds/instance:Instance',
  securityGroup: 'aws:ec2/securityGroup:SecurityGroup',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  attachment: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  launchTemplate: 'aws:ec2/launchTemplate:LaunchTemplate',
  addon: 'aws:eks/addon:Addon',
  nat: 'aws:ec2/natGateway:NatGateway',
  routeTable: 'aws:ec2/routeTable:RouteTable',
} as const;

const subnetIdsOfTier = (s: BuiltStack, tier: 'public' | 'private') =>
  s.ofType(T.subnet).filter((r) => r.inputs.tags.Tier === tier).map((r) => r.id);

 
const trustOf = (role: RecordedResource): any => JSON.parse(role.inputs.assumeRolePolicy);

/** Roles trusted through the EKS OIDC provider, keyed by the `namespace:serviceAccount` they admit. */
function irsaRoles(s: BuiltStack): Map<string, RecordedResource> {
  const host = FAKE.oidcIssuer.replace('https://', '');
  const roles = new Map<string, RecordedResource>();
  for (const role of s.ofType(T.role)) {
    const statements = trustOf(role).Statement;
     
    if (!statements.some((st: any) => String(st.Principal?.Federated ?? '').includes(host))) continue;
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(Object.keys(statement.Condition)).toEqual(['StringEquals']);
    expect(statement.Condition.StringEquals[`${host}:aud`]).toBe('sts.amazonaws.com');
    const sub: string = statement.Condition.StringEquals[`${host}:sub`];
    expect(sub).toMatch(/^system:serviceaccount:[a-z0-9-]+:[a-z0-9-]+$/);
    roles.set(sub.replace('system:serviceaccount:', ''), role);
  }
  return roles;
}

describe.each(['dev', 'prod'] as const)('stack %s', (stack) => {
  let s: BuiltStack;
  beforeAll(async () => {
    s = await buildStack(stack);
  });

  test('spans three availability zones with a public and a private subnet in each', () => {
    const subnets = s.ofType(T.subnet);
    expect(subnets).toHaveLength(6);
    for (const tier of ['public', 'private']) {
      const zones = subnets.filter((r) => r.inputs.tags.Tier === tier).map((r) => r.inputs.availabilityZone);
      expect(new Set(zones)).toEqual(new Set(FAKE.zones.slice(0, 3)));
    }
  });

  test('tags subnets for the AWS load balancer integration', () => {
    for (const subnet of s.ofType(T.subnet)) {
      expect(subnet.inputs.tags[`kubernetes.io/cluster/chat-${stack}`]).toBe('shared');
      const role = subnet.inputs.tags.Tier === 'public' ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb';
      expect(subnet.inputs.tags[role]).toBe('1');
      expect(subnet.inputs.mapPublicIpOnLaunch).toBe(false);
    }
  });

  test('routes private subnets through NAT, never straight to the internet gateway', () => {
    const nats = s.ofType(T.nat);
    expect(nats).toHaveLength(stack === 'prod' ? 3 : 1);
    const natIds = new Set(nats.map((n) => n.id));
    const privateTables = s.ofType(T.routeTable).filter((t) => t.name.includes('private'));
    expect(privateTables).toHaveLength(3);
    for (const table of privateTables) {
      for (const route of table.inputs.routes) {
        expect(route.gatewayId).toBeUndefined();
        expect(natIds.has(route.natGatewayId)).toBe(true);
      }
    }
    // Every NAT gateway sits in a public subnet.
    const publicIds = new Set(subnetIdsOfTier(s, 'public'));
    for (const nat of nats) expect(publicIds.has(nat.inputs.subnetId)).toBe(true);
  });

  test('runs nodes and the control plane only in private subnets', () => {
    const privateIds = subnetIdsOfTier(s, 'private');
    const groups = s.ofType(T.nodeGroup);
    expect(groups.map((g) => g.inputs.labels['chat.example.com/node-role']).sort()).toEqual(['app', 'system']);
    for (const group of groups) expect([...group.inputs.subnetIds].sort()).toEqual([...privateIds].sort());
    expect([...s.ofType(T.cluster)[0]!.inputs.vpcConfig.subnetIds].sort()).toEqual([...privateIds].sort());
  });

  test('sizes node groups from the stack configuration', () => {
    const sizes = Object.fromEntries(s.ofType(T.nodeGroup).map((g) => [g.inputs.labels['chat.example.com/node-role'], g.inputs.scalingConfig]));
    const expected = stack === 'prod' ? { system: [3, 3, 4], app: [3, 3, 12] } : { system: [2, 2, 3], app: [1, 2, 4] };
    for (const [role, [minSize, desiredSize, maxSize]] of Object.entries(expected)) {
      expect(sizes[role]).toEqual({ minSize, desiredSize, maxSize });
    }
  });

  test('runs EKS 1.35 with encrypted secrets, a private endpoint and all control-plane logs', () => {
    const [cluster] = s.ofType(T.cluster);
    expect(cluster!.inputs.version).toBe('1.35');
    expect(cluster!.inputs.vpcConfig.endpointPrivateAccess).toBe(true);
    expect(cluster!.inputs.enabledClusterLogTypes.sort()).toEqual(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);
    expect(cluster!.inputs.encryptionConfig.resources).toEqual(['secrets']);
    const key = s.ofType(T.kmsKey).find((k) => k.inputs.keyId === undefined && cluster!.inputs.encryptionConfig.provider.keyArn.endsWith(`:${k.name}`));
    expect(key?.inputs.enableKeyRotation).toBe(true);
    // The control plane's role may use that key, and only that key.
    const clusterRole = s.ofType(T.role).find((r) => JSON.parse(r.inputs.assumeRolePolicy).Statement[0].Principal.Service === 'eks.amazonaws.com')!;
    const kmsPolicy = s.ofType(T.rolePolicy).find((p) => p.inputs.role === clusterRole.id)!;
    expect(JSON.parse(kmsPolicy.inputs.policy).Statement).toEqual([
      expect.objectContaining({ Action: expect.arrayContaining(['kms:Encrypt', 'kms:Decrypt']), Resource: cluster!.inputs.encryptionConfig.provider.keyArn }),
    ]);
    expect(cluster!.inputs.deletionProtection).toBe(stack === 'prod');
    if (stack === 'prod') expect(cluster!.inputs.vpcConfig.publicAccessCidrs).not.toContain('0.0.0.0/0');
  });

  test('hardens node launch templates: IMDSv2 with one hop, encrypted gp3 root volumes', () => {
    const templates = s.ofType(T.launchTemplate);
    expect(templates).toHaveLength(2);
    for (const t of templates) {
      expect(t.inputs.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
      expect(t.inputs.blockDeviceMappings[0].ebs).toMatchObject({ encrypted: 'true', volumeType: 'gp3' });
    }
  });

  test('installs the VPC CNI, CoreDNS, kube-proxy and EBS CSI add-ons, with IRSA roles where they call AWS', () => {
    const addons = Object.fromEntries(s.ofType(T.addon).map((a) => [a.inputs.addonName, a.inputs]));
    expect(Object.keys(addons).sort()).toEqual(['aws-ebs-csi-driver', 'coredns', 'eks-pod-identity-agent', 'kube-proxy', 'metrics-server', 'vpc-cni']);
    // Without the network policy agent, every NetworkPolicy of the chart is ignored.
    expect(JSON.parse(addons['vpc-cni']!.configurationValues)).toEqual({ enableNetworkPolicy: 'true' });
    const roles = irsaRoles(s);
    const arnOf = (sa: string) => {
      const role = roles.get(sa);
      expect(role).toBeDefined();
      return `arn:aws:iam:${FAKE.region}:${FAKE.account}:${role!.name}`;
    };
    expect(addons['vpc-cni']!.serviceAccountRoleArn).toBe(arnOf('kube-system:aws-node'));
    expect(addons['aws-ebs-csi-driver']!.serviceAccountRoleArn).toBe(arnOf('kube-system:ebs-csi-controller-sa'));
  });

  test('gives Karpenter a Pod Identity role scoped to its service account, a node role that joins the cluster, and an interruption queue', () => {
    const [association] = s.ofType('aws:eks/podIdentityAssociation:PodIdentityAssociation');
    expect(association!.inputs).toMatchObject({ namespace: 'kube-system', serviceAccount: 'karpenter' });
    const controller = s.ofType(T.role).find((r) => r.inputs.name === `chat-${stack}-karpenter-controller`)!;
    expect(trustOf(controller).Statement[0].Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
    expect(association!.inputs.roleArn).toContain(controller.name);
    const policy = JSON.parse(s.ofType(T.rolePolicy).find((p) => p.inputs.role === controller.id)!.inputs.policy);
    const terminate = policy.Statement.find((st: any) => [st.Action].flat().includes('ec2:TerminateInstances'));
    expect(terminate.Condition.StringEquals).toEqual({ [`aws:ResourceTag/kubernetes.io/cluster/chat-${stack}`]: 'owned' });
    const entries = s.ofType('aws:eks/accessEntry:AccessEntry').filter((e) => e.inputs.type === 'EC2_LINUX');
    expect(entries).toHaveLength(1);
    expect(s.ofType('aws:sqs/queue:Queue').map((q) => q.inputs.name)).toEqual([`chat-${stack}-karpenter`]);
    expect(s.ofType('aws:cloudwatch/eventTarget:EventTarget')).toHaveLength(4);
    const discovery = s.ofType(T.subnet).filter((r) => r.inputs.tags['karpenter.sh/discovery'] === `chat-${stack}`);
    expect(discovery.map((r) => r.id).sort()).toEqual(subnetIdsOfTier(s, 'private').sort());
    expect(s.ofType('aws:ec2/tag:Tag')[0]!.inputs).toMatchObject({ resourceId: FAKE.clusterSecurityGroupId, key: 'karpenter.sh/discovery' });
  });

  test('scopes every IRSA trust policy to exactly one service account', () => {
    const roles = irsaRoles(s);
    expect([...roles.keys()].sort()).toEqual([
      'chat:gateway',
      'external-secrets:external-secrets-reader',
      'kube-system:aws-load-balancer-controller',
      'kube-system:aws-node',
      'kube-system:ebs-csi-controller-sa',
    ]);
    // Fixed names: the service account annotations in gitops/ spell these ARNs out.
    expect([...roles.values()].map((r) => r.inputs.name).sort()).toEqual(
      ['aws-load-balancer-controller', 'ebs-csi', 'external-secrets', 'gateway-files', 'vpc-cni'].map((id) => `chat-${stack}-${id}`),
    );
    const attached = (role: RecordedResource) => s.ofType(T.attachment).filter((a) => a.inputs.role === (role.inputs.name ?? role.name));
    expect(attached(roles.get('kube-system:ebs-csi-controller-sa')!).map((a) => a.inputs.policyArn)).toEqual([
      'arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy',
    ]);
  });

  test('lets the load balancer controller change or delete only what carries its cluster tag', () => {
    const role = irsaRoles(s).get('kube-system:aws-load-balancer-controller')!;
    const [policy] = s.ofType(T.rolePolicy).filter((p) => p.inputs.role === role.id);
    const statements = JSON.parse(policy!.inputs.policy).Statement as { Sid: string; Action: string[]; Condition?: unknown }[];
    for (const sid of ['ManageOwnSecurityGroups', 'ManageOwnLoadBalancers', 'CreateTaggedLoadBalancers']) {
      const statement = statements.find((st) => st.Sid === sid);
      expect(JSON.stringify(statement?.Condition)).toContain('elbv2.k8s.aws/cluster');
    }
    const deletes = statements.filter((st) => [st.Action].flat().some((a) => /:Delete(LoadBalancer|TargetGroup|SecurityGroup)$/.test(a)));
    for (const st of deletes) expect(JSON.stringify(st.Condition)).toContain('aws:ResourceTag/elbv2.k8s.aws/cluster');
  });

  test('lets the secrets reader read the app secret and nothing else', () => {
    const reader = irsaRoles(s).get('external-secrets:external-secrets-reader')!;
    const policies = s.ofType(T.rolePolicy).filter((p) => p.inputs.role === reader.id);
    expect(policies).toHaveLength(1);
    const statements = JSON.parse(policies[0]!.inputs.policy).Statement;
    const [secret] = s.ofType('aws:secretsmanager/secret:Secret');
    expect(secret!.inputs.name).toBe(`chat/${stack}`);
    expect(secret!.inputs.kmsKeyId).toMatch(/^arn:aws:kms:/);
    for (const st of statements) expect(st.Resource).not.toContain('*');
    expect(statements.find((st: { Sid: string }) => st.Sid === 'ReadAppSecret').Resource).toBe(
      `arn:aws:secretsmanager:${FAKE.region}:${FAKE.account}:${secret!.name}`,
    );
  });

  test('creates encrypted, scanned, immutable ECR repositories with a lifecycle policy', () => {
    const repos = s.ofType(T.repository);
    // `<registry>/chat-<image>` is what the Helm chart pulls.
    expect(repos.map((r) => r.inputs.name).sort()).toEqual(['gateway', 'persister', 'web'].map((i) => `chat-${stack}/chat-${i}`));
    for (const repo of repos) {
      expect(repo.inputs.imageScanningConfiguration).toEqual({ scanOnPush: true });
      expect(repo.inputs.encryptionConfigurations).toEqual([{ encryptionType: 'KMS' }]);
      expect(repo.inputs.imageTagMutability).toBe('IMMUTABLE');
      expect(repo.inputs.forceDelete).toBe(stack === 'dev');
    }
    const policies = s.ofType(T.lifecycle);
    expect(policies.map((p) => p.inputs.repository).sort()).toEqual(repos.map((r) => r.inputs.name).sort());
    for (const p of policies) expect(JSON.parse(p.inputs.policy).rules).toHaveLength(2);
  });

  test('opens no security group to the internet; the data stores admit only the cluster, on their port', () => {
    const groups = s.ofType(T.securityGroup);
    for (const group of groups) {
      for (const rule of group.inputs.ingress ?? []) {
        expect(rule.cidrBlocks ?? []).not.toContain('0.0.0.0/0');
        expect(rule.ipv6CidrBlocks ?? []).not.toContain('::/0');
      }
    }
    const [defaultGroup] = s.ofType('aws:ec2/defaultSecurityGroup:DefaultSecurityGroup');
    expect(defaultGroup!.inputs.ingress).toEqual([]);
    expect(defaultGroup!.inputs.egress).toEqual([]);
    if (stack === 'dev') {
      expect(groups).toHaveLength(0);
      return;
    }
    expect(groups).toHaveLength(2);
    const ports = new Map([['chat-prod-sg', 5432], ['chat-prod-cache-sg', 6379]]);
    for (const group of groups) {
      const port = ports.get(group.name);
      expect(group.inputs.ingress).toEqual([
        expect.objectContaining({ protocol: 'tcp', fromPort: port, toPort: port, securityGroups: [FAKE.clusterSecurityGroupId] }),
      ]);
      expect(group.inputs.ingress[0].cidrBlocks ?? []).toEqual([]);
      expect(group.inputs.egress).toEqual([]);
    }
    const attached = (type: string) => s.ofType(type)[0]!.inputs.vpcSecurityGroupIds ?? s.ofType(type)[0]!.inputs.securityGroupIds;
    expect(attached(T.rds)).toEqual(['chat-prod-sg-id']);
    expect(attached('aws:elasticache/replicationGroup:ReplicationGroup')).toEqual(['chat-prod-cache-sg-id']);
  });

  test(stack === 'prod' ? 'runs RDS Multi-AZ, encrypted, private, backed up and deletion-protected' : 'has no RDS instance', () => {
    const instances = s.ofType(T.rds);
    if (stack === 'dev') {
      expect(instances).toHaveLength(0);
      return;
    }
    expect(instances).toHaveLength(1);
    const db = instances[0]!.inputs;
    expect(db).toMatchObject({
      engine: 'postgres',
      multiAz: true,
      storageEncrypted: true,
      publiclyAccessible: false,
      deletionProtection: true,
      skipFinalSnapshot: false,
    });
    expect(db.kmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(db.backupRetentionPeriod).toBeGreaterThanOrEqual(7);
    const subnetGroup = s.ofType('aws:rds/subnetGroup:SubnetGroup')[0]!;
    expect([...subnetGroup.inputs.subnetIds].sort()).toEqual(subnetIdsOfTier(s, 'private').sort());
    const params = s.ofType('aws:rds/parameterGroup:ParameterGroup')[0]!.inputs.parameters;
    expect(params).toContainEqual({ name: 'rds.force_ssl', value: '1' });
    // The master password is RDS's, in Secrets Manager, rotated; never a Pulumi config value.
    expect(db).toMatchObject({ manageMasterUserPassword: true, username: 'chat_admin' });
    expect(db.password).toBeUndefined();
    expect(db.masterUserSecretKmsKeyId).toMatch(/^arn:aws:kms:/);
  });

  test(stack === 'prod' ? 'runs Valkey with a replica in another zone, encrypted at rest, with snapshots' : 'has no ElastiCache', () => {
    const groups = s.ofType('aws:elasticache/replicationGroup:ReplicationGroup');
    if (stack === 'dev') {
      expect(groups).toHaveLength(0);
      return;
    }
    expect(groups).toHaveLength(1);
    expect(groups[0]!.inputs).toMatchObject({
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      snapshotRetentionLimit: 7,
    });
    expect(groups[0]!.inputs.authToken).toBeDefined();
    expect(groups[0]!.inputs.kmsKeyId).toMatch(/^arn:aws:kms:/);
    const subnetGroup = s.ofType('aws:elasticache/subnetGroup:SubnetGroup')[0]!;
    expect([...subnetGroup.inputs.subnetIds].sort()).toEqual(subnetIdsOfTier(s, 'private').sort());
  });

  test('tags every taggable resource with project, environment, stack and owner', () => {
    const taggable = s.resources.filter((r) => !UNTAGGABLE.has(r.type));
    expect(taggable.length).toBeGreaterThan(40);
    for (const r of taggable) {
      const keys = Object.keys(r.inputs.tags ?? {});
      for (const key of REQUIRED_TAG_KEYS) expect({ resource: r.name, has: keys.includes(key) }).toEqual({ resource: r.name, has: true });
      expect(r.inputs.tags.Environment).toBe(stack);
    }
  });

  test('trusts GitHub only from this repository: main or the approved environments', () => {
    const github = s.ofType(T.role).filter((r) => String(trustOf(r).Statement[0].Principal.Federated).endsWith('token.actions.githubusercontent.com'));
    const subjects = Object.fromEntries(
      github.map((r) => [r.inputs.name.replace(`chat-${stack}-ci-`, ''), trustOf(r).Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub']]),
    );
    const repo = 'repo:chat-platform/chat';
    expect(subjects).toEqual({
      images: [stack === 'dev' ? `${repo}:ref:refs/heads/main` : `${repo}:environment:prod`],
      preview: [`${repo}:pull_request`, `${repo}:ref:refs/heads/main`],
      deploy: [`${repo}:environment:${stack}-infra`],
    });
    const previewRole = github.find((r) => r.inputs.name.endsWith('-preview'))!;
    expect(s.ofType(T.attachment).filter((a) => a.inputs.role === previewRole.inputs.name).map((a) => a.inputs.policyArn)).toEqual([
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
    ]);
  });

  test('exports the kubeconfig as a secret, the cluster name, the ECR URLs and the database endpoint', async () => {
    const { outputs } = s;
    expect(await pulumi.isSecret(outputs.kubeconfig)).toBe(true);
    const kubeconfig = JSON.parse(await valueOf(outputs.kubeconfig));
    expect(kubeconfig['current-context']).toBe(`chat-${stack}`);
    expect(kubeconfig.users[0].user.exec.args).toEqual(expect.arrayContaining(['get-token', '--cluster-name', `chat-${stack}`]));
    expect(await valueOf(outputs.clusterName)).toBe(`chat-${stack}`);
    for (const image of ['gateway', 'persister', 'web'] as const) {
      expect(await valueOf(outputs.ecrRepositoryUrls[image])).toBe(`${FAKE.account}.dkr.ecr.${FAKE.region}.amazonaws.com/chat-${stack}/chat-${image}`);
    }
    expect(await valueOf(outputs.imageRegistry)).toBe(`${FAKE.account}.dkr.ecr.${FAKE.region}.amazonaws.com/chat-${stack}`);
    expect(outputs.vpcCidr).toBe(stack === 'prod' ? '10.30.0.0/16' : '10.20.0.0/16');
    expect(await valueOf(outputs.filesBucketName!)).toBe(`chat-${stack}-files`);
    expect(s.ofType('aws:s3/bucketCorsConfiguration:BucketCorsConfiguration')[0]!.inputs.corsRules[0].allowedOrigins).toEqual([
      stack === 'prod' ? 'https://chat.example.com' : 'https://chat-dev.example.com',
    ]);
    if (stack === 'prod') {
      expect(await valueOf(outputs.databaseEndpoint!)).toBe(`chat-prod-postgres.abc.${FAKE.region}.rds.amazonaws.com:5432`);
      expect(await valueOf(outputs.redisHost!)).toBe('chat-prod-valkey.cache.amazonaws.com');
    } else {
      expect(outputs.databaseEndpoint).toBeUndefined();
      expect(outputs.redisHost).toBeUndefined();
    }
  });
});

test('stores DATABASE_URL (RDS host, TLS) and JWT_SECRET in Secrets Manager as a Pulumi secret', async () => {
  const s = await buildStack('prod');
  const [version] = s.ofType('aws:secretsmanager/secretVersion:SecretVersion');
  // A secret input reaches the engine wrapped with Pulumi's secret signature, never as plain text.
  const wrapped = version!.inputs.secretString;
  expect(wrapped[pulumi.runtime.specialSigKey]).toBe(pulumi.runtime.specialSecretSig);
  const value = JSON.parse(wrapped.value);
  expect(value.DATABASE_URL).toMatch(/^postgresql:\/\/chat:Test-Password-0123456789-abcdef@chat-prod-postgres\.abc\.us-east-1\.rds\.amazonaws\.com:5432\/chat\?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fcerts%2Frds-global-bundle\.pem/);
  expect(value.REDIS_URL).toBe('rediss://:Test-Redis-Token-0123456789@chat-prod-valkey.cache.amazonaws.com:6379');
  expect(value.JWT_SECRET).toHaveLength(42);
  expect(value.POSTGRES_PASSWORD).toBeUndefined();
});

test('gives dev the in-cluster PostgreSQL password of its DATABASE_URL', async () => {
  const s = await buildStack('dev');
  const [version] = s.ofType('aws:secretsmanager/secretVersion:SecretVersion');
  const value = JSON.parse(version!.inputs.secretString.value);
  expect(value).toEqual({
    DATABASE_URL: TEST_SECRETS['chat:databaseUrl'],
    JWT_SECRET: TEST_SECRETS['chat:jwtSecret'],
    SERVICE_TOKEN_SECRET: TEST_SECRETS['chat:serviceTokenSecret'],
    S3_ACCESS_KEY_ID: 'chat-dev',
    S3_SECRET_ACCESS_KEY: TEST_SECRETS['chat:objectStoreSecretKey'],
    POSTGRES_PASSWORD: 'secret',
  });
});

test('rejects an invalid stack configuration before creating anything', async () => {
  await expect(
    buildStack('prod', { 'chat:database': JSON.stringify({ instanceClass: 'db.m7g.large', allocatedStorageGiB: 100, maxAllocatedStorageGiB: 500, multiAz: false }) }),
  ).rejects.toThrow(/chat:database\.multiAz: prod needs Multi-AZ/);
});


test('cross-account promotion: dev lets the prod account pull its images, and prod pulls from dev\'s account', async () => {
  const prodAccount = '210987654321';
  const devAccount = '123456789012';
  const dev = await buildStack('dev', { 'chat:registry': JSON.stringify({ pullAccountIds: [prodAccount] }) });
  const policies = dev.ofType('aws:ecr/repositoryPolicy:RepositoryPolicy');
  expect(policies).toHaveLength(3);
  for (const policy of policies) {
    const [statement] = JSON.parse(policy.inputs.policy).Statement;
    expect(statement.Principal).toEqual({ AWS: [`arn:aws:iam::${prodAccount}:root`] });
    // Read-only: the prod account can never push into dev's repositories.
    expect(statement.Action.every((action: string) => /^ecr:(BatchCheckLayerAvailability|BatchGetImage|GetDownloadUrlForLayer|DescribeImages)$/.test(action))).toBe(true);
  }
  expect((await buildStack('dev')).ofType('aws:ecr/repositoryPolicy:RepositoryPolicy')).toHaveLength(0);

  const prod = await buildStack('prod', { 'chat:registry': JSON.stringify({ promotionSourceAccountId: devAccount }) });
  const images = prod.ofType('aws:iam/role:Role').find((r) => r.inputs.name === 'chat-prod-ci-images')!;
  const policy = JSON.parse(prod.ofType('aws:iam/rolePolicy:RolePolicy').find((p) => p.inputs.role === images.id)!.inputs.policy);
  const pull = policy.Statement.find((st: { Sid?: string }) => st.Sid === 'PullForPromotion');
  expect(pull.Resource).toBe(`arn:aws:ecr:us-east-1:${devAccount}:repository/chat-*`);
});
