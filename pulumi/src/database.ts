/**
 * RDS PostgreSQL for production: Multi-AZ, storage and Performance Insights encrypted with a
 * customer-managed key, TLS enforced, automated backups, deletion protection and a final snapshot,
 * in the private subnets behind a security group that admits only the cluster.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { tagsFor, type Tags } from './tags';

/** PostgreSQL's port; the security group opens only this one. */
export const POSTGRES_PORT = 5432;

/** Options of {@link Database}. */
export interface DatabaseArgs {
  readonly identifier: string;
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<string>[];
  /** The only security group allowed to connect: the EKS cluster security group (nodes and pods). */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  readonly instanceClass: string;
  /** `17` or `17.6`: the major version picks the parameter group family. */
  readonly engineVersion: string;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
  readonly multiAz: boolean;
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly databaseName: string;
  /** Master user; RDS keeps its password in Secrets Manager and rotates it (the services never use it). */
  readonly masterUsername: string;
  readonly tags: Tags;
}

/** RDS PostgreSQL instance with its key, subnet group, parameter group and security group. */
export class Database extends pulumi.ComponentResource {
  /** Host name of the instance (the Multi-AZ endpoint follows fail-overs). */
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Secrets Manager secret RDS keeps the master credentials in (for the operator's role set-up). */
  readonly masterUserSecretArn: pulumi.Output<string>;
  /** Key encrypting storage, snapshots and Performance Insights. */
  readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:Database', name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) => tagsFor(args.tags, `${args.identifier}-${suffix}`);
    const major = args.engineVersion.split('.')[0];

    const key = new aws.kms.Key(`${name}-storage`, {
      description: `Encryption of RDS instance ${args.identifier}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: tags('storage'),
    }, parent);
    new aws.kms.Alias(`${name}-storage`, { name: `alias/${args.identifier}-rds`, targetKeyId: key.keyId }, parent);
    this.kmsKeyArn = key.arn;

    const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, {
      subnetIds: args.subnetIds,
      description: `Private subnets of ${args.identifier}`,
      tags: tags('subnets'),
    }, parent);

    const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
      vpcId: args.vpcId,
      description: `PostgreSQL ${args.identifier}: only from the EKS cluster`,
      ingress: [
        {
          description: 'PostgreSQL from EKS nodes and pods',
          protocol: 'tcp',
          fromPort: POSTGRES_PORT,
          toPort: POSTGRES_PORT,
          securityGroups: [args.clientSecurityGroupId],
        },
      ],
      // The database starts no connections.
      egress: [],
      tags: tags('sg'),
    }, parent);

    const parameters = new aws.rds.ParameterGroup(`${name}-params`, {
      family: `postgres${major}`,
      description: `PostgreSQL ${major} settings of ${args.identifier}`,
      parameters: [
        { name: 'rds.force_ssl', value: '1' },
        // Statements slower than a second go to the log (exported to CloudWatch).
        { name: 'log_min_duration_statement', value: '1000' },
      ],
      tags: tags('params'),
    }, parent);

    const instance = new aws.rds.Instance(`${name}-postgres`, {
      identifier: args.identifier,
      engine: 'postgres',
      engineVersion: args.engineVersion,
      autoMinorVersionUpgrade: true,
      instanceClass: args.instanceClass,
      allocatedStorage: args.allocatedStorageGiB,
      maxAllocatedStorage: args.maxAllocatedStorageGiB,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyId: key.arn,
      multiAz: args.multiAz,
      dbName: args.databaseName,
      username: args.masterUsername,
      // RDS generates the master password, keeps it in Secrets Manager under this key and rotates
      // it (every 7 days by default): it is never in Pulumi config or state.
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: key.arn,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [securityGroup.id],
      parameterGroupName: parameters.name,
      publiclyAccessible: false,
      backupRetentionPeriod: args.backupRetentionDays,
      backupWindow: '02:00-03:00',
      maintenanceWindow: 'sun:03:30-sun:04:30',
      copyTagsToSnapshot: true,
      deletionProtection: args.deletionProtection,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${args.identifier}-final`,
      deleteAutomatedBackups: false,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: key.arn,
      enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
      tags: tags('postgres'),
    }, parent);

    this.masterUserSecretArn = instance.masterUserSecrets.apply((secrets) => secrets?.[0]?.secretArn ?? '');
    this.address = instance.address;
    this.port = instance.port;
    this.registerOutputs({ address: this.address, port: this.port });
  }
}
