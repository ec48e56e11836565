/**
 * Turns a stack's outputs (`pulumi stack output --json`) into the GitOps files that depend on the
 * AWS account: the chat chart's registry and data store endpoints, the AWS Load Balancer
 * Controller's values, and the ClusterSecretStore with its IRSA service account. Run after every
 * `pulumi up` that changes them; the result is committed like any other change.
 */
import { z } from 'zod';

import { KARPENTER, LOAD_BALANCER_CONTROLLER, NODE_ROLE_LABEL, SECRETS_READER } from '../kubernetes-names';
import { environmentPaths, SECRET_STORE_NAME } from './manifests';
import type { Environment } from './catalog';
import type { KubeObject } from './yaml-documents';

const outputsSchema = z.object({
  clusterName: z.string().min(1),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  vpcId: z.string().regex(/^vpc-[0-9a-z]+$/),
  vpcCidr: z.cidrv4(),
  imageRegistry: z.string().regex(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9-]+$/),
  appSecretName: z.string().min(1),
  externalSecretsRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/),
  loadBalancerControllerRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/),
  karpenterNodeRoleName: z.string().min(1),
  karpenterInterruptionQueue: z.string().min(1),
  databaseHost: z.string().min(1).optional(),
  redisHost: z.string().min(1).optional(),
});

/** The stack outputs the GitOps files need. */
export type StackOutputs = z.infer<typeof outputsSchema>;

/** Validates `pulumi stack output --json`; throws naming the missing or malformed outputs. */
export function parseStackOutputs(raw: unknown): StackOutputs {
  const result = outputsSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(`stack outputs are not usable:\n  ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  return result.data;
}

/** Values of the chat chart that come from the stack (`gitops/<env>/infrastructure/chat.yaml`). */
export function chatInfrastructureValues(env: Environment, o: StackOutputs): Record<string, unknown> {
  const values: Record<string, unknown> = { images: { registry: o.imageRegistry } };
  if (env === 'prod') {
    if (!o.databaseHost || !o.redisHost) throw new Error('the prod stack must output databaseHost and redisHost');
    // The NetworkPolicy egress ranges: RDS and ElastiCache live in the VPC's private subnets.
    values.postgres = { host: o.databaseHost, cidr: o.vpcCidr };
    values.redis = { host: o.redisHost, cidr: o.vpcCidr };
    values.externalSecrets = { storeName: SECRET_STORE_NAME, remoteKey: o.appSecretName };
  }
  return values;
}

/** Values of the AWS Load Balancer Controller chart. */
export function loadBalancerControllerValues(o: StackOutputs): Record<string, unknown> {
  return {
    clusterName: o.clusterName,
    // Nodes allow one metadata hop, so the controller cannot discover these from IMDS.
    region: o.region,
    vpcId: o.vpcId,
    replicaCount: 2,
    serviceAccount: {
      create: true,
      name: LOAD_BALANCER_CONTROLLER.serviceAccount,
      annotations: { 'eks.amazonaws.com/role-arn': o.loadBalancerControllerRoleArn },
    },
  };
}

/** Values of the Karpenter chart: the cluster and the interruption queue; the role comes through Pod Identity. */
export function karpenterValues(o: StackOutputs): Record<string, unknown> {
  return {
    settings: { clusterName: o.clusterName, interruptionQueue: o.karpenterInterruptionQueue },
    serviceAccount: { name: KARPENTER.serviceAccount },
    // The controller runs on the managed system nodes, never on nodes it manages itself.
    nodeSelector: { [NODE_ROLE_LABEL]: 'system' },
    replicas: 2,
  };
}

/**
 * Karpenter's EC2NodeClass (AL2023, IMDSv2 with one hop, encrypted gp3, the cluster's discovery tag) and
 * one NodePool per node role (`system`, `app`) with the role label, bounded CPU and consolidation on.
 */
export function karpenterManifests(o: StackOutputs): KubeObject[] {
  const nodeClass: KubeObject = {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name: 'chat' },
    spec: {
      role: o.karpenterNodeRoleName,
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': o.clusterName } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': o.clusterName } }],
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '100Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } }],
    },
  };
  const pool = (role: 'system' | 'app', cpu: number): KubeObject => ({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: role },
    spec: {
      template: {
        metadata: { labels: { [NODE_ROLE_LABEL]: role } },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'chat' },
          requirements: [
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['m', 'c', 'r'] },
            { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['6'] },
          ],
          expireAfter: '720h',
        },
      },
      // Consolidation: empty or underused nodes are drained and removed (PDBs hold the services up).
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '5m', budgets: [{ nodes: '10%' }] },
      limits: { cpu },
      weight: role === 'system' ? 10 : 50,
    },
  });
  return [nodeClass, pool('system', 32), pool('app', 256)];
}

/** The ClusterSecretStore and the service account whose IRSA role reads the app secret. */
export function secretsAccessManifests(o: StackOutputs): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: SECRETS_READER.serviceAccount,
        namespace: SECRETS_READER.namespace,
        annotations: { 'eks.amazonaws.com/role-arn': o.externalSecretsRoleArn },
      },
    },
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: SECRET_STORE_NAME },
      spec: {
        provider: {
          aws: {
            service: 'SecretsManager',
            region: o.region,
            auth: { jwt: { serviceAccountRef: { name: SECRETS_READER.serviceAccount, namespace: SECRETS_READER.namespace } } },
          },
        },
        // Only the chat namespace may read through this store.
        conditions: [{ namespaces: ['chat'] }],
      },
    },
  ];
}

/** Every stack-derived file of one environment, keyed by path relative to the repository root. */
export function infrastructureFiles(env: Environment, outputs: StackOutputs): Map<string, unknown[]> {
  const paths = environmentPaths(env);
  return new Map<string, unknown[]>([
    [`${paths.infrastructure}/chat.yaml`, [chatInfrastructureValues(env, outputs)]],
    [`${paths.infrastructure}/aws-load-balancer-controller.yaml`, [loadBalancerControllerValues(outputs)]],
    [`${paths.infrastructure}/karpenter.yaml`, [karpenterValues(outputs)]],
    [`${paths.cluster}/karpenter.yaml`, karpenterManifests(outputs)],
    [`${paths.cluster}/secrets-access.yaml`, secretsAccessManifests(outputs)],
  ]);
}

/** Header of the stack-derived files. */
export const INFRASTRUCTURE_HEADER =
  '# Written from the Pulumi stack outputs by `npm run gitops -w @chat/pulumi -- write-infrastructure`: do not edit.\n';
