/**
 * Wires the building blocks of one stack together. `index.ts` calls it with the stack's
 * configuration; the tests call it under Pulumi's mocks with each stack file.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { AppSecrets, postgresUrl, redisUrl as buildRedisUrl } from './app-secrets';
import { REDIS_PORT } from './cache';
import { Cache } from './cache';
import { CiAccess } from './ci-access';
import { Cluster } from './cluster';
import { Compute } from './compute';
import type { ImageName, PlatformConfig, PlatformSecrets } from './config';
import { Database } from './database';
import { FileBucket } from './file-bucket';
import { Karpenter } from './karpenter';
import { Network } from './network';
import { Registry } from './registry';
import { baseTags } from './tags';

/** The stack outputs. */
export interface PlatformOutputs {
  /** Kubeconfig of the cluster (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  /** ECR repository URL of each image. */
  readonly ecrRepositoryUrls: Readonly<Record<ImageName, pulumi.Output<string>>>;
  /** `host:port` of RDS; absent when the stack has no database. */
  readonly databaseEndpoint?: pulumi.Output<string>;
  /** Host of RDS (the chart's `postgres.host`); absent without a database. */
  readonly databaseHost?: pulumi.Output<string>;
  /** Primary endpoint host of ElastiCache (the chart's `redis.host`); absent without a cache. */
  readonly redisHost?: pulumi.Output<string>;
  /** CIDR of the VPC (the chart's NetworkPolicy egress range for the managed data stores). */
  readonly vpcCidr: string;
  /** Image registry prefix (`<account>.dkr.ecr.<region>.amazonaws.com/<cluster>`): the chart's `images.registry`. */
  readonly imageRegistry: pulumi.Output<string>;
  readonly vpcId: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  /** Secrets Manager name of the app's secret, which the ExternalSecret in gitops/ reads. */
  readonly appSecretName: pulumi.Output<string>;
  /** IRSA role of the External Secrets `SecretStore` service account. */
  readonly externalSecretsRoleArn: pulumi.Output<string>;
  readonly ebsCsiRoleArn: pulumi.Output<string>;
  /** IRSA role of the AWS Load Balancer Controller. */
  readonly loadBalancerControllerRoleArn: pulumi.Output<string>;
  /** AWS region of the stack. */
  readonly region: pulumi.Output<string>;
  /** Roles the GitHub workflows assume (`AWS_ROLE_*` repository variables). */
  readonly ciImagesRoleArn: pulumi.Output<string>;
  readonly ciPreviewRoleArn: pulumi.Output<string>;
  readonly ciDeployRoleArn: pulumi.Output<string>;
  /** Role of Karpenter's nodes (the EC2NodeClass in gitops/) and its interruption queue (the chart's settings). */
  readonly karpenterNodeRoleName: pulumi.Output<string>;
  readonly karpenterInterruptionQueue: pulumi.Output<string>;
  /** The files bucket (the gateway's S3_BUCKET) and the IRSA role of the gateway's service account; absent without `files`. */
  readonly filesBucketName?: pulumi.Output<string>;
  readonly gatewayRoleArn?: pulumi.Output<string>;
  /** The bucket's origin for browsers, which the web pods' CSP allows (k8s `files.store.browserOrigin`). */
  readonly filesBucketOrigin?: pulumi.Output<string>;
}

/** Creates every resource of one stack and returns its outputs. */
export function createPlatform(config: PlatformConfig, secrets: PlatformSecrets): PlatformOutputs {
  const tags = baseTags(config);
  const prod = config.environment === 'prod';
  const name = config.clusterName;

  const network = new Network(name, {
    cidr: config.network.cidr,
    natGateways: config.network.natGateways,
    clusterName: name,
    flowLogRetentionDays: config.network.flowLogRetentionDays,
    tags,
  });

  const cluster = new Cluster(name, {
    clusterName: name,
    kubernetesVersion: config.cluster.kubernetesVersion,
    subnetIds: network.privateSubnetIds,
    endpointPublicAccess: config.cluster.endpointPublicAccess,
    publicAccessCidrs: config.cluster.publicAccessCidrs,
    adminRoleArns: config.cluster.adminRoleArns,
    logTypes: config.cluster.logTypes,
    logRetentionDays: config.cluster.logRetentionDays,
    deletionProtection: prod,
    tags,
  });

  const compute = new Compute(name, {
    clusterName: cluster.name,
    namePrefix: name,
    kubernetesVersion: config.cluster.kubernetesVersion,
    privateSubnetIds: network.privateSubnetIds,
    oidcProviderArn: cluster.oidcProviderArn,
    oidcIssuerUrl: cluster.oidcIssuerUrl,
    system: config.nodeGroups.system,
    app: config.nodeGroups.app,
    tags,
  });

  const karpenter = new Karpenter(name, { clusterName: cluster.name, namePrefix: name, clusterSecurityGroupId: cluster.clusterSecurityGroupId, tags, dependsOn: [compute.podIdentityAgent] });

  const registry = new Registry(name, {
    prefix: name,
    keepImages: config.registry.keepImages,
    untaggedExpiryDays: config.registry.untaggedExpiryDays,
    forceDelete: !prod,
    pullAccountIds: config.registry.pullAccountIds,
    tags,
  });

  let databaseUrl: pulumi.Input<string>;
  let postgresPassword: pulumi.Output<string> | undefined;
  let databaseEndpoint: pulumi.Output<string> | undefined;
  let databaseHost: pulumi.Output<string> | undefined;
  if (config.database) {
    const db = config.database;
    if (!secrets.databasePassword) throw new Error('the database needs chat:databasePassword');
    const database = new Database(name, {
      identifier: `${name}-postgres`,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      clientSecurityGroupId: cluster.clusterSecurityGroupId,
      instanceClass: db.instanceClass,
      engineVersion: db.engineVersion,
      allocatedStorageGiB: db.allocatedStorageGiB,
      maxAllocatedStorageGiB: db.maxAllocatedStorageGiB,
      multiAz: db.multiAz,
      backupRetentionDays: db.backupRetentionDays,
      deletionProtection: db.deletionProtection,
      databaseName: db.name,
      masterUsername: db.masterUsername,
      tags,
    });
    databaseEndpoint = pulumi.interpolate`${database.address}:${database.port}`;
    databaseHost = database.address;
    databaseUrl = pulumi
      .all([database.address, database.port, secrets.databasePassword])
      .apply(([host, port, password]) => postgresUrl({ username: db.username, password, host, port, database: db.name }));
  } else {
    if (!secrets.databaseUrl) throw new Error('a stack without a database needs chat:databaseUrl');
    databaseUrl = secrets.databaseUrl;
    // The in-cluster PostgreSQL of dev starts with the password the URL carries.
    postgresPassword = secrets.databaseUrl.apply((url) => decodeURIComponent(new URL(url).password));
  }

  let cacheEndpoint: pulumi.Output<string> | undefined;
  let redisUrl: pulumi.Output<string> | undefined;
  if (config.cache) {
    if (!secrets.redisAuthToken) throw new Error('the cache needs chat:redisAuthToken');
    const authToken = secrets.redisAuthToken;
    const cache = new Cache(name, {
      identifier: `${name}-valkey`,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      clientSecurityGroupId: cluster.clusterSecurityGroupId,
      nodeType: config.cache.nodeType,
      nodes: config.cache.nodes,
      snapshotRetentionDays: config.cache.snapshotRetentionDays,
      authToken,
      tags,
    });
    cacheEndpoint = cache.primaryEndpoint;
    redisUrl = pulumi.all([cache.primaryEndpoint, authToken]).apply(([host, token]) => buildRedisUrl({ authToken: token, host, port: REDIS_PORT }));
  }

  const appSecrets = new AppSecrets(name, {
    secretName: `chat/${config.environment}`,
    readerRoleName: `${name}-external-secrets`,
    databaseUrl,
    redisUrl,
    jwtSecret: secrets.jwtSecret,
    serviceTokenSecret: secrets.serviceTokenSecret,
    ...(secrets.objectStoreSecretKey ? { objectStoreKeys: { accessKeyId: 'chat-dev', secretKey: secrets.objectStoreSecretKey } } : {}),
    postgresPassword,
    oidcProviderArn: cluster.oidcProviderArn,
    oidcIssuerUrl: cluster.oidcIssuerUrl,
    recoveryWindowInDays: prod ? 30 : 0,
    tags,
  });

  const ci = new CiAccess(name, {
    environment: config.environment,
    roleNamePrefix: name,
    repository: config.github.repository,
    createOidcProvider: config.github.createOidcProvider,
    repositoryArns: registry.repositoryArns,
    promotionSourceAccountId: config.registry.promotionSourceAccountId,
    stateBucket: config.github.stateBucket,
    pulumiSecretsKeyArn: config.github.pulumiSecretsKeyArn,
    tags,
  });

  // Files: the gateway reaches the bucket through IRSA (no static keys); the chart annotates its service account.
  const files = config.files
    ? new FileBucket(name, {
        bucketName: config.files.bucketName ?? `${name}-files`,
        webOrigin: config.files.webOrigin,
        gateway: { oidcProviderArn: cluster.oidcProviderArn, oidcIssuerUrl: cluster.oidcIssuerUrl, namespace: 'chat', serviceAccount: 'gateway', roleName: `${name}-gateway-files` },
        tags,
      })
    : undefined;

  return {
    kubeconfig: cluster.kubeconfig,
    clusterName: cluster.name,
    ecrRepositoryUrls: registry.repositoryUrls,
    databaseEndpoint,
    databaseHost,
    redisHost: cacheEndpoint,
    vpcCidr: network.vpcCidr,
    imageRegistry: registry.registryPrefix,
    vpcId: network.vpcId,
    oidcProviderArn: cluster.oidcProviderArn,
    appSecretName: appSecrets.secretName,
    externalSecretsRoleArn: appSecrets.readerRoleArn,
    ebsCsiRoleArn: compute.ebsCsiRoleArn,
    loadBalancerControllerRoleArn: compute.loadBalancerControllerRoleArn,
    region: aws.getRegionOutput().region,
    ciImagesRoleArn: ci.imagesRoleArn,
    ciPreviewRoleArn: ci.previewRoleArn,
    ciDeployRoleArn: ci.deployRoleArn,
    karpenterNodeRoleName: karpenter.nodeRoleName,
    karpenterInterruptionQueue: karpenter.interruptionQueueName,
    filesBucketName: files?.bucketName,
    gatewayRoleArn: files?.gatewayRoleArn,
    filesBucketOrigin: files?.browserOrigin,
  };
}
