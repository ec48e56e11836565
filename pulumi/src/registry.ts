/**
 * ECR repositories for the platform's three images: immutable tags (a release tag always means the
 * same image), scan on push, KMS encryption, and a lifecycle policy that bounds storage.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { IMAGE_NAMES, type ImageName } from './config';
import { tagsFor, type Tags } from './tags';

/** Options of {@link Registry}. */
export interface RegistryArgs {
  /** Repository names are `<prefix>/chat-<image>`, the names the Helm chart pulls under `images.registry`. */
  readonly prefix: string;
  /** Tagged images kept per repository. */
  readonly keepImages: number;
  /** Days untagged images are kept. */
  readonly untaggedExpiryDays: number;
  /** Let `pulumi destroy` delete repositories that still hold images (dev only). */
  readonly forceDelete: boolean;
  /** Other accounts that may pull (read-only), through a repository policy. */
  readonly pullAccountIds: readonly string[];
  readonly tags: Tags;
}

/** The ECR lifecycle policy: expire untagged images first, then keep only the newest tagged ones. */
export function lifecyclePolicy(keepImages: number, untaggedExpiryDays: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `expire untagged images after ${untaggedExpiryDays} days`,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: untaggedExpiryDays },
        action: { type: 'expire' },
      },
      {
        // A rule on `any` must have the lowest priority (highest number), ECR's rule.
        rulePriority: 2,
        description: `keep the newest ${keepImages} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepImages },
        action: { type: 'expire' },
      },
    ],
  });
}

/** One ECR repository per image. */
export class Registry extends pulumi.ComponentResource {
  /** Repository URLs (`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/chat-<image>`). */
  readonly repositoryUrls: Readonly<Record<ImageName, pulumi.Output<string>>>;
  /** Repository ARNs, for IAM policies. */
  readonly repositoryArns: pulumi.Output<string>[];
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>`: the chart's `images.registry`. */
  readonly registryPrefix: pulumi.Output<string>;

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:Registry', name, {}, opts);
    const parent = { parent: this };
    const repositories = IMAGE_NAMES.map((image) => {
      const repository = new aws.ecr.Repository(`${name}-${image}`, {
        name: `${args.prefix}/chat-${image}`,
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: 'KMS' }],
        forceDelete: args.forceDelete,
        tags: tagsFor(args.tags, `${args.prefix}/chat-${image}`, { Image: image }),
      }, parent);
      new aws.ecr.LifecyclePolicy(`${name}-${image}`, {
        repository: repository.name,
        policy: lifecyclePolicy(args.keepImages, args.untaggedExpiryDays),
      }, parent);
      if (args.pullAccountIds.length > 0) {
        new aws.ecr.RepositoryPolicy(`${name}-${image}-pull`, {
          repository: repository.name,
          policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'CrossAccountPull',
                Effect: 'Allow',
                Principal: { AWS: args.pullAccountIds.map((account) => `arn:aws:iam::${account}:root`) },
                Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:DescribeImages'],
              },
            ],
          }),
        }, parent);
      }
      return [image, repository] as const;
    });
    this.repositoryUrls = Object.fromEntries(repositories.map(([image, r]) => [image, r.repositoryUrl])) as Record<ImageName, pulumi.Output<string>>;
    this.repositoryArns = repositories.map(([, r]) => r.arn);
    const [, first] = repositories[0] as (typeof repositories)[number];
    this.registryPrefix = first.repositoryUrl.apply((url) => url.slice(0, url.lastIndexOf('/')));
    this.registerOutputs({ repositoryUrls: this.repositoryUrls });
  }
}
