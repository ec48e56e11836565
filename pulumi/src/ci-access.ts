/**
 * What the GitHub Actions workflows may do in this account, through GitHub's OIDC tokens (no stored
 * AWS keys):
 * - `images`: push the three images (dev: from `main`; prod: from the `prod` environment, which
 *   promotes images already built for dev, so it may also read the other `chat-*` repositories);
 * - `preview`: read-only, for `pulumi preview` on pull requests;
 * - `deploy`: `pulumi up`, only from the `<env>-infra` GitHub environment, whose required reviewers
 *   are the approval step.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { GITHUB_OIDC_HOST, githubTrustPolicy, policyJson, type PolicyStatement } from './iam-policies';
import { tagsFor, type Tags } from './tags';

/** Options of {@link CiAccess}. */
export interface CiAccessArgs {
  readonly environment: 'dev' | 'prod';
  readonly roleNamePrefix: string;
  /** `owner/name` of the GitHub repository. */
  readonly repository: string;
  /** Create the account's GitHub OIDC provider (false: another stack of the account did). */
  readonly createOidcProvider: boolean;
  /** ARNs of this stack's ECR repositories. */
  readonly repositoryArns: pulumi.Input<string>[];
  /** Account whose `chat-*` repositories promotion pulls from (prod); default this account. */
  readonly promotionSourceAccountId?: string;
  /** Pulumi state bucket (diy backend), if used. */
  readonly stateBucket?: string;
  /** KMS key of the Pulumi secrets provider, if used. */
  readonly pulumiSecretsKeyArn?: string;
  readonly tags: Tags;
}

/** GitHub OIDC subjects allowed to assume each role. */
export function ciSubjects(repository: string, environment: 'dev' | 'prod'): Readonly<Record<'images' | 'preview' | 'deploy', string[]>> {
  const repo = `repo:${repository}`;
  return {
    images: environment === 'dev' ? [`${repo}:ref:refs/heads/main`] : [`${repo}:environment:prod`],
    preview: [`${repo}:pull_request`, `${repo}:ref:refs/heads/main`],
    deploy: [`${repo}:environment:${environment}-infra`],
  };
}

/** GitHub OIDC provider and the three CI roles. */
export class CiAccess extends pulumi.ComponentResource {
  readonly imagesRoleArn: pulumi.Output<string>;
  readonly previewRoleArn: pulumi.Output<string>;
  readonly deployRoleArn: pulumi.Output<string>;

  constructor(name: string, args: CiAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:CiAccess', name, {}, opts);
    const parent = { parent: this };
    const identity = aws.getCallerIdentityOutput({}, parent);
    const account = identity.accountId;
    const region = aws.getRegionOutput({}, parent).region;
    const partition = aws.getPartitionOutput({}, parent).partition;
    const providerArn: pulumi.Output<string> = args.createOidcProvider
      ? new aws.iam.OpenIdConnectProvider(`${name}-github`, {
          url: `https://${GITHUB_OIDC_HOST}`,
          clientIdLists: ['sts.amazonaws.com'],
          tags: tagsFor(args.tags, `${name}-github-oidc`),
        }, parent).arn
      : pulumi.interpolate`arn:${partition}:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`;
    const subjects = ciSubjects(args.repository, args.environment);

    const role = (id: 'images' | 'preview' | 'deploy', description: string) =>
      new aws.iam.Role(`${name}-${id}`, {
        name: `${args.roleNamePrefix}-ci-${id}`,
        description,
        assumeRolePolicy: githubTrustPolicy(providerArn, subjects[id]),
        maxSessionDuration: 3600,
        tags: tagsFor(args.tags, `${args.roleNamePrefix}-ci-${id}`),
      }, parent);

    const images = role('images', 'GitHub Actions: push the chat images to ECR');
    new aws.iam.RolePolicy(`${name}-images`, {
      role: images.id,
      policy: pulumi.all([pulumi.all(args.repositoryArns), account, region]).apply(([arns, accountId, regionName]) => {
        const statements: PolicyStatement[] = [
          // GetAuthorizationToken has no resource-level permissions.
          { Sid: 'Login', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
          {
            Sid: 'Push',
            Effect: 'Allow',
            Action: [
              'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:InitiateLayerUpload',
              'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage', 'ecr:DescribeImages',
            ],
            Resource: arns,
          },
        ];
        if (args.environment === 'prod') {
          statements.push({
            Sid: 'PullForPromotion',
            Effect: 'Allow',
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:DescribeImages'],
            // Dev's registry, in another account when prod has its own (that side's repository policy admits this one).
            Resource: `arn:aws:ecr:${regionName}:${args.promotionSourceAccountId ?? accountId}:repository/chat-*`,
          });
        }
        return policyJson(statements);
      }),
    }, parent);

    const statePolicy = (roleName: pulumi.Input<string>, id: string, write: boolean) => {
      const statements: PolicyStatement[] = [];
      if (args.stateBucket) {
        const bucket = `arn:aws:s3:::${args.stateBucket}`;
        statements.push({ Sid: 'ReadState', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [bucket, `${bucket}/*`] });
        // A preview still takes the stack lock; only `deploy` may write the state itself.
        statements.push({
          Sid: write ? 'WriteState' : 'TakeLock',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:DeleteObject'],
          Resource: write ? `${bucket}/*` : `${bucket}/.pulumi/locks/*`,
        });
      }
      if (args.pulumiSecretsKeyArn) {
        statements.push({ Sid: 'PulumiSecrets', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: args.pulumiSecretsKeyArn });
      }
      if (statements.length > 0) new aws.iam.RolePolicy(`${name}-${id}-state`, { role: roleName, policy: policyJson(statements) }, parent);
    };

    const preview = role('preview', 'GitHub Actions: pulumi preview (read-only)');
    new aws.iam.RolePolicyAttachment(`${name}-preview`, { role: preview.name, policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }, parent);
    statePolicy(preview.id, 'preview', false);

    // `pulumi up` creates IAM roles, VPCs and clusters: it needs administrator rights. The trust
    // policy (one approved GitHub environment) is what limits it.
    const deploy = role('deploy', 'GitHub Actions: pulumi up after approval');
    new aws.iam.RolePolicyAttachment(`${name}-deploy`, { role: deploy.name, policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }, parent);
    statePolicy(deploy.id, 'deploy', true);

    this.imagesRoleArn = images.arn;
    this.previewRoleArn = preview.arn;
    this.deployRoleArn = deploy.arn;
    this.registerOutputs({ imagesRoleArn: this.imagesRoleArn, previewRoleArn: this.previewRoleArn, deployRoleArn: this.deployRoleArn });
  }
}
