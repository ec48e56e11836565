/**
 * The files bucket under Pulumi's mocks: encryption, public-access block, lifecycle, CORS for the web
 * origin only, TLS-only policy, and the gateway's IAM policy scoped to this bucket and its key.
 */
import * as pulumi from '@pulumi/pulumi';

import { FileBucket } from '../src/file-bucket';

interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const recorded: Recorded[] = [];
let browserOrigin = '';
const ARN = { bucket: 'arn:aws:s3:::chat-files-test', key: 'arn:aws:kms:us-east-1:111122223333:key/test' };

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
        const arn = args.type === 'aws:s3/bucket:Bucket' ? ARN.bucket : args.type === 'aws:kms/key:Key' ? ARN.key : `arn:aws:test:::${args.name}`;
        const domain = args.type === 'aws:s3/bucket:Bucket' ? { bucketRegionalDomainName: `${args.inputs.bucket}.s3.us-east-1.amazonaws.com` } : {};
        return { id: `${args.name}-id`, state: { ...args.inputs, arn, ...domain } };
      },
      call: () => ({}),
    },
    'chat',
    'test',
    false,
  );
  const files = new FileBucket('chat', {
    bucketName: 'chat-files-test',
    webOrigin: 'https://chat.example.com',
    gateway: { oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks', oidcIssuerUrl: 'https://oidc.eks/id/X', namespace: 'chat', serviceAccount: 'gateway', roleName: 'chat-gateway-files' },
    tags: { project: 'chat' },
  });
  browserOrigin = await new Promise<string>((resolve) => files.browserOrigin.apply(resolve));
  await pulumi.runtime.disconnect();
});

const one = (type: string) => {
  const found = recorded.filter((r) => r.type === type);
  expect(found).toHaveLength(1);
  return found[0]!.inputs as Record<string, any>;
};

describe('FileBucket', () => {
  it('encrypts with its own rotating KMS key and blocks every public access', () => {
    expect(one('aws:kms/key:Key')).toMatchObject({ enableKeyRotation: true });
    expect(one('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration').rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: ARN.key }, bucketKeyEnabled: true },
    ]);
    expect(one('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock')).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect(one('aws:s3/bucketOwnershipControls:BucketOwnershipControls').rule).toEqual({ objectOwnership: 'BucketOwnerEnforced' });
    const policy = JSON.parse(one('aws:s3/bucketPolicy:BucketPolicy').policy as string);
    expect(policy.Statement).toEqual([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]);
  });

  it('aborts incomplete multipart uploads and expires orphans', () => {
    const rules = one('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').rules as Record<string, unknown>[];
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ status: 'Enabled', abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }),
        expect.objectContaining({ status: 'Enabled', filter: { tag: { key: 'orphan', value: 'true' } }, expiration: { days: 2 } }),
      ]),
    );
  });

  it('names the origin browsers reach the bucket at, for the web pods\' CSP', () => {
    expect(browserOrigin).toBe('https://chat-files-test.s3.us-east-1.amazonaws.com');
  });

  it('allows browsers of the web origin only', () => {
    expect(one('aws:s3/bucketCorsConfiguration:BucketCorsConfiguration').corsRules).toEqual([
      expect.objectContaining({ allowedOrigins: ['https://chat.example.com'], allowedMethods: ['PUT', 'GET', 'HEAD'] }),
    ]);
    expect(() => new FileBucket('bad', { bucketName: 'x-files', webOrigin: '*', gateway: { oidcProviderArn: '', oidcIssuerUrl: '', namespace: 'chat', serviceAccount: 'gateway', roleName: 'r' }, tags: {} })).toThrow(/webOrigin/);
  });

  it("scopes the gateway's IAM role to this bucket, its objects and its key, for its service account only", () => {
    const policy = JSON.parse(one('aws:iam/rolePolicy:RolePolicy').policy as string) as { Statement: { Resource: string; Action: string[] }[] };
    expect(policy.Statement.map((s) => s.Resource).sort()).toEqual([ARN.bucket, `${ARN.bucket}/*`, ARN.key].sort());
    expect(policy.Statement.flatMap((s) => s.Action).some((a) => a === 's3:*' || a.endsWith('*'))).toBe(false);
    const trust = JSON.parse(one('aws:iam/role:Role').assumeRolePolicy as string);
    expect(trust.Statement[0].Condition.StringEquals['oidc.eks/id/X:sub']).toBe('system:serviceaccount:chat:gateway');
  });
});
