/**
 * The bucket of the chat's files (uploads, thumbnails): private, encrypted with a customer-managed key,
 * every public access blocked, TLS required, CORS for the web origin only, and lifecycle rules that end
 * incomplete multipart uploads and expire objects the orphan sweep missed. The gateway reaches it through
 * an IRSA role scoped to this bucket alone (no static keys).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import type { PolicyDocument } from './iam-policies';
import { ServiceAccountRole } from './service-account-role';
import { tagsFor, type Tags } from './tags';

/** Options of {@link FileBucket}. */
export interface FileBucketArgs {
  /** Bucket name (globally unique). */
  readonly bucketName: string;
  /** The web app's origin, the only one allowed to PUT and GET from a browser (https://chat.example.com). */
  readonly webOrigin: string;
  /** Days after which an unfinished multipart upload is aborted. @default 1 */
  readonly abortMultipartAfterDays?: number;
  /**
   * Days after which objects tagged `orphan=true` expire: a backstop for uploads the sweep (24 h) could not
   * delete. @default 2
   */
  readonly orphanExpiryDays?: number;
  /** The gateway's service account, which gets read, write and delete on the bucket's objects. */
  readonly gateway: { readonly oidcProviderArn: pulumi.Input<string>; readonly oidcIssuerUrl: pulumi.Input<string>; readonly namespace: string; readonly serviceAccount: string; readonly roleName: string };
  readonly tags: Tags;
}

/** The gateway's rights: objects of this bucket only, and the bucket's key for them. */
export function gatewayFilePolicy(bucketArn: string, keyArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Objects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: `${bucketArn}/*` },
      { Sid: 'Bucket', Effect: 'Allow', Action: ['s3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: bucketArn },
      { Sid: 'Key', Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn },
    ],
  };
}

/** S3 bucket of files with its key, guards and the gateway's IRSA role. */
export class FileBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** For the gateway's service account annotation `eks.amazonaws.com/role-arn`. */
  readonly gatewayRoleArn: pulumi.Output<string>;
  /**
   * The origin browsers PUT and GET files at (`https://<bucket>.s3.<region>.amazonaws.com`: what the SDK
   * presigns for); the web pods' CSP must allow it (k8s `files.store.browserOrigin`).
   */
  readonly browserOrigin: pulumi.Output<string>;

  constructor(name: string, args: FileBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:FileBucket', name, {}, opts);
    if (!/^https:\/\/[^/*]+$/.test(args.webOrigin)) throw new Error(`FileBucket: webOrigin must be one https origin without a path or wildcard, not ${args.webOrigin}`);
    const parent = { parent: this };
    const tags = (suffix: string) => tagsFor(args.tags, `${args.bucketName}-${suffix}`);

    const key = new aws.kms.Key(`${name}-files`, { description: `Encryption of S3 bucket ${args.bucketName}`, enableKeyRotation: true, deletionWindowInDays: 30, tags: tags('key') }, parent);
    const bucket = new aws.s3.Bucket(`${name}-files`, { bucket: args.bucketName, forceDestroy: false, tags: tags('bucket') }, parent);
    new aws.s3.BucketPublicAccessBlock(`${name}-files`, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, parent);
    new aws.s3.BucketOwnershipControls(`${name}-files`, { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } }, parent);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-files`, {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    }, parent);
    new aws.s3.BucketLifecycleConfiguration(`${name}-files`, {
      bucket: bucket.id,
      rules: [
        { id: 'abort-incomplete-multipart', status: 'Enabled', filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: args.abortMultipartAfterDays ?? 1 } },
        { id: 'expire-orphans', status: 'Enabled', filter: { tag: { key: 'orphan', value: 'true' } }, expiration: { days: args.orphanExpiryDays ?? 2 } },
      ],
    }, parent);
    new aws.s3.BucketCorsConfiguration(`${name}-files`, {
      bucket: bucket.id,
      corsRules: [{ allowedOrigins: [args.webOrigin], allowedMethods: ['PUT', 'GET', 'HEAD'], allowedHeaders: ['content-type'], exposeHeaders: ['etag'], maxAgeSeconds: 600 }],
    }, parent);
    new aws.s3.BucketPolicy(`${name}-files`, {
      bucket: bucket.id,
      policy: bucket.arn.apply((arn) => JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [arn, `${arn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
      })),
    }, parent);

    const role = new ServiceAccountRole(`${name}-gateway-files`, {
      ...args.gateway,
      inlinePolicy: pulumi.all([bucket.arn, key.arn]).apply(([bucketArn, keyArn]) => JSON.stringify(gatewayFilePolicy(bucketArn, keyArn))),
      tags: args.tags,
    }, parent);

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.gatewayRoleArn = role.roleArn;
    this.browserOrigin = pulumi.interpolate`https://${bucket.bucketRegionalDomainName}`;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, gatewayRoleArn: this.gatewayRoleArn, browserOrigin: this.browserOrigin });
  }
}
