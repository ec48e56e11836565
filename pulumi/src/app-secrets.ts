/**
 * The application's secrets in AWS Secrets Manager, and the IRSA role External Secrets Operator
 * uses to copy them into the Kubernetes Secret `chat-secrets` (keys `DATABASE_URL`, `JWT_SECRET`,
 * `SERVICE_TOKEN_SECRET`, and in dev `POSTGRES_PASSWORD` and the `S3_*` keys of the in-cluster stores).
 * The role can read this one secret and nothing else, and only from one service account.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { policyJson } from './iam-policies';
import { SECRETS_READER } from './kubernetes-names';
import { ServiceAccountRole } from './service-account-role';
import { tagsFor, type Tags } from './tags';


/** Options of {@link AppSecrets}. */
export interface AppSecretsArgs {
  /** Secrets Manager name: the chart's `externalSecrets.remoteKey` (`chat/<env>`). */
  readonly secretName: string;
  /** `DATABASE_URL` value (secret Output). */
  readonly databaseUrl: pulumi.Input<string>;
  /** `JWT_SECRET` value (secret Output). */
  readonly jwtSecret: pulumi.Input<string>;
  /** `SERVICE_TOKEN_SECRET` value (secret Output). */
  readonly serviceTokenSecret: pulumi.Input<string>;
  /** The in-cluster object store's `S3_ACCESS_KEY_ID` / `S3_SECRET_ACCESS_KEY` (dev); absent with S3. */
  readonly objectStoreKeys?: { readonly accessKeyId: string; readonly secretKey: pulumi.Input<string> };
  /** `REDIS_URL` of ElastiCache (TLS, AUTH token); absent with the in-cluster Redis of dev. */
  readonly redisUrl?: pulumi.Input<string>;
  /** `POSTGRES_PASSWORD` for an in-cluster PostgreSQL (dev); absent with RDS. */
  readonly postgresPassword?: pulumi.Input<string>;
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcIssuerUrl: pulumi.Input<string>;
  /** Name of the reader's IAM role (fixed, so the service account annotation in gitops/ can name it). */
  readonly readerRoleName: string;
  /** Days a deleted secret can be restored (0 deletes at once; dev only). */
  readonly recoveryWindowInDays: number;
  readonly tags: Tags;
}

/** Where the images keep the RDS CA bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem). */
export const RDS_CA_BUNDLE_PATH = '/etc/ssl/certs/rds-global-bundle.pem';

/**
 * Builds the PostgreSQL URL the services read: `sslmode=verify-full` (libpq semantics) checks the
 * server's certificate against the RDS CA bundle and its name against the instance's address.
 */
export function postgresUrl(args: { username: string; password: string; host: string; port: number; database: string }): string {
  const user = encodeURIComponent(args.username);
  const password = encodeURIComponent(args.password);
  const tls = `sslmode=verify-full&sslrootcert=${encodeURIComponent(RDS_CA_BUNDLE_PATH)}&uselibpqcompat=true`;
  return `postgresql://${user}:${password}@${args.host}:${args.port}/${encodeURIComponent(args.database)}?${tls}`;
}

/** The Redis URL of ElastiCache with TLS (`rediss://`) and its AUTH token. */
export function redisUrl(args: { authToken: string; host: string; port: number }): string {
  return `rediss://:${encodeURIComponent(args.authToken)}@${args.host}:${args.port}`;
}

/** Secrets Manager secret with the app's credentials, its KMS key, and the reader role. */
export class AppSecrets extends pulumi.ComponentResource {
  readonly secretArn: pulumi.Output<string>;
  readonly secretName: pulumi.Output<string>;
  /** IRSA role of the `ClusterSecretStore`'s service account. */
  readonly readerRoleArn: pulumi.Output<string>;

  constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:AppSecrets', name, {}, opts);
    const parent = { parent: this };
    const key = new aws.kms.Key(`${name}-key`, {
      description: `Encryption of Secrets Manager secret ${args.secretName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: tagsFor(args.tags, `${name}-key`),
    }, parent);
    const secret = new aws.secretsmanager.Secret(`${name}-secret`, {
      name: args.secretName,
      description: 'DATABASE_URL and JWT_SECRET of the chat services, synced into the Kubernetes Secret chat-secrets',
      kmsKeyId: key.arn,
      recoveryWindowInDays: args.recoveryWindowInDays,
      tags: tagsFor(args.tags, args.secretName),
    }, parent);
    new aws.secretsmanager.SecretVersion(`${name}-value`, {
      secretId: secret.id,
      secretString: pulumi.secret(
        pulumi
          .all([args.databaseUrl, args.jwtSecret, args.serviceTokenSecret, args.postgresPassword, args.redisUrl, args.objectStoreKeys?.secretKey])
          .apply(([url, jwt, serviceToken, postgresPassword, redis, storeKey]) =>
            JSON.stringify({
              DATABASE_URL: url,
              JWT_SECRET: jwt,
              SERVICE_TOKEN_SECRET: serviceToken,
              ...(storeKey === undefined ? {} : { S3_ACCESS_KEY_ID: args.objectStoreKeys!.accessKeyId, S3_SECRET_ACCESS_KEY: storeKey }),
              ...(postgresPassword === undefined ? {} : { POSTGRES_PASSWORD: postgresPassword }),
              ...(redis === undefined ? {} : { REDIS_URL: redis }),
            }),
          ),
      ),
    }, parent);

    const reader = new ServiceAccountRole(`${name}-reader`, {
      oidcProviderArn: args.oidcProviderArn,
      oidcIssuerUrl: args.oidcIssuerUrl,
      roleName: args.readerRoleName,
      ...SECRETS_READER,
      inlinePolicy: pulumi.all([secret.arn, key.arn]).apply(([secretArn, keyArn]) =>
        policyJson([
          { Sid: 'ReadAppSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: secretArn },
          { Sid: 'DecryptAppSecret', Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn },
        ]),
      ),
      tags: args.tags,
    }, parent);

    this.secretArn = secret.arn;
    this.secretName = secret.name;
    this.readerRoleArn = reader.roleArn;
    this.registerOutputs({ secretArn: this.secretArn, readerRoleArn: this.readerRoleArn });
  }
}
