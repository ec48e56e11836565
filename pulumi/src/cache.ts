/**
 * Managed Redis-compatible cache for production (ElastiCache for Valkey): the Socket.IO streams
 * adapter, presence and rate limits of the gateways. A primary and replicas in different zones with
 * automatic fail-over, encrypted at rest with a customer-managed key, daily snapshots, in the private
 * subnets behind a security group that admits only the cluster.
 *
 * TLS in transit is required and clients authenticate with an AUTH token (a Pulumi secret): the
 * services connect with `rediss://:<token>@<primary endpoint>` from the app secret (REDIS_URL), the
 * endpoint's own name, which its certificate matches (the ExternalName alias would not).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { tagsFor, type Tags } from './tags';

/** Redis protocol port; the security group opens only this one. */
export const REDIS_PORT = 6379;

/** Options of {@link Cache}. */
export interface CacheArgs {
  readonly identifier: string;
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<string>[];
  /** The only security group allowed to connect: the EKS cluster security group. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** Cache node type, e.g. `cache.m7g.large`. */
  readonly nodeType: string;
  /** Nodes in the replication group: one primary and `nodes - 1` replicas (at least 2 for fail-over). */
  readonly nodes: number;
  readonly snapshotRetentionDays: number;
  /** AUTH token clients present (secret Output; 16 to 128 characters, see config.ts). */
  readonly authToken: pulumi.Input<string>;
  readonly tags: Tags;
}

/** ElastiCache replication group with its key, subnet group and security group. */
export class Cache extends pulumi.ComponentResource {
  /** Host name of the primary endpoint (follows fail-overs). */
  readonly primaryEndpoint: pulumi.Output<string>;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:Cache', name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) => tagsFor(args.tags, `${args.identifier}-${suffix}`);

    const key = new aws.kms.Key(`${name}-cache`, {
      description: `Encryption of ElastiCache ${args.identifier}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: tags('key'),
    }, parent);
    const subnets = new aws.elasticache.SubnetGroup(`${name}-cache`, {
      subnetIds: args.subnetIds,
      description: `Private subnets of ${args.identifier}`,
      tags: tags('subnets'),
    }, parent);
    const securityGroup = new aws.ec2.SecurityGroup(`${name}-cache-sg`, {
      vpcId: args.vpcId,
      description: `Cache ${args.identifier}: only from the EKS cluster`,
      ingress: [
        { description: 'Redis protocol from EKS nodes and pods', protocol: 'tcp', fromPort: REDIS_PORT, toPort: REDIS_PORT, securityGroups: [args.clientSecurityGroupId] },
      ],
      egress: [],
      tags: tags('sg'),
    }, parent);

    const group = new aws.elasticache.ReplicationGroup(`${name}-cache`, {
      replicationGroupId: args.identifier,
      description: `Socket.IO adapter, presence and rate limits of ${args.identifier}`,
      engine: 'valkey',
      engineVersion: '8.0',
      nodeType: args.nodeType,
      numCacheClusters: args.nodes,
      automaticFailoverEnabled: args.nodes > 1,
      multiAzEnabled: args.nodes > 1,
      port: REDIS_PORT,
      subnetGroupName: subnets.name,
      securityGroupIds: [securityGroup.id],
      atRestEncryptionEnabled: true,
      kmsKeyId: key.arn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: args.authToken,
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: args.snapshotRetentionDays,
      snapshotWindow: '01:00-02:00',
      maintenanceWindow: 'sun:05:00-sun:06:00',
      finalSnapshotIdentifier: `${args.identifier}-final`,
      tags: tags('valkey'),
    }, parent);
    this.primaryEndpoint = group.primaryEndpointAddress;
    this.registerOutputs({ primaryEndpoint: this.primaryEndpoint });
  }
}
