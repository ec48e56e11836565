/**
 * An IAM role for one Kubernetes service account (IRSA): the pods of that service account, and no
 * other, get the role's permissions through the cluster's OIDC provider.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { serviceAccountTrustPolicy } from './iam-policies';
import { tagsFor, type Tags } from './tags';

/** Options of {@link ServiceAccountRole}. */
export interface ServiceAccountRoleArgs {
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcIssuerUrl: pulumi.Input<string>;
  /** IAM role name; fixed names let Kubernetes manifests name the role ARN. */
  readonly roleName: string;
  /** Namespace of the service account. */
  readonly namespace: string;
  /** Name of the service account. */
  readonly serviceAccount: string;
  /** AWS-managed or customer policy ARNs to attach. */
  readonly managedPolicyArns?: readonly string[];
  /** An inline policy document (JSON) for permissions scoped to this stack's resources. */
  readonly inlinePolicy?: pulumi.Input<string>;
  readonly tags: Tags;
}

/** IAM role assumable only by one Kubernetes service account. */
export class ServiceAccountRole extends pulumi.ComponentResource {
  /** ARN to put in the service account's `eks.amazonaws.com/role-arn` annotation. */
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: ServiceAccountRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:ServiceAccountRole', name, {}, opts);
    const parent = { parent: this };
    const role = new aws.iam.Role(`${name}-irsa`, {
      name: args.roleName,
      assumeRolePolicy: serviceAccountTrustPolicy(args),
      description: `IRSA role of service account ${args.namespace}/${args.serviceAccount}`,
      tags: tagsFor(args.tags, `${name}-irsa`, { 'chat/service-account': `${args.namespace}.${args.serviceAccount}` }),
    }, parent);
    (args.managedPolicyArns ?? []).forEach((policyArn, i) => {
      new aws.iam.RolePolicyAttachment(`${name}-irsa-${i}`, { role: role.name, policyArn }, parent);
    });
    if (args.inlinePolicy !== undefined) {
      new aws.iam.RolePolicy(`${name}-irsa`, { role: role.id, policy: args.inlinePolicy }, parent);
    }
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
