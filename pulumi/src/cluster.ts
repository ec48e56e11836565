/**
 * The EKS control plane: Kubernetes secrets envelope-encrypted with a customer-managed KMS key,
 * private API endpoint (public access optional and limited to listed addresses), every control-plane
 * log type in CloudWatch, access entries for administrators, and the OIDC provider that IAM roles
 * for service accounts trust.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { buildKubeconfig } from './kubeconfig';
import { policyJson, serviceTrustPolicy } from './iam-policies';
import { tagsFor, type Tags } from './tags';

/** Options of {@link Cluster}. */
export interface ClusterArgs {
  readonly clusterName: string;
  /** Kubernetes minor version (validated to be in EKS standard support). */
  readonly kubernetesVersion: string;
  /** Subnets for the control plane's network interfaces: the private ones. */
  readonly subnetIds: pulumi.Input<string>[];
  readonly endpointPublicAccess: boolean;
  /** Addresses allowed to the public endpoint when it is on. */
  readonly publicAccessCidrs: readonly string[];
  /** Roles that get cluster-admin through access entries. */
  readonly adminRoleArns: readonly string[];
  readonly logTypes: readonly string[];
  readonly logRetentionDays: number;
  /** Refuse deletion of the cluster (prod). */
  readonly deletionProtection: boolean;
  readonly tags: Tags;
}

/** EKS cluster, its KMS key, IAM role, log group, access entries and OIDC provider. */
export class Cluster extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  /** The EKS cluster resource, for components that must wait for it. */
  readonly cluster: aws.eks.Cluster;
  /** Security group EKS attaches to the control plane and managed nodes; the database admits it. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** ARN of the IAM OIDC provider for IRSA. */
  readonly oidcProviderArn: pulumi.Output<string>;
  /** Issuer URL of the cluster's service account tokens. */
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** Customer-managed key encrypting Kubernetes secrets. */
  readonly secretsKeyArn: pulumi.Output<string>;
  /** Kubeconfig (secret Output) using `aws eks get-token`. */
  readonly kubeconfig: pulumi.Output<string>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:Cluster', name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) => tagsFor(args.tags, `${args.clusterName}-${suffix}`);

    const secretsKey = new aws.kms.Key(`${name}-secrets`, {
      description: `Envelope encryption of Kubernetes secrets in EKS cluster ${args.clusterName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: tags('secrets'),
    }, parent);
    new aws.kms.Alias(`${name}-secrets`, { name: `alias/${args.clusterName}-eks-secrets`, targetKeyId: secretsKey.keyId }, parent);
    this.secretsKeyArn = secretsKey.arn;

    // Created before the cluster so the retention applies; EKS would otherwise create it unbounded.
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
      name: `/aws/eks/${args.clusterName}/cluster`,
      retentionInDays: args.logRetentionDays,
      tags: tags('control-plane-logs'),
    }, parent);

    const role = new aws.iam.Role(`${name}-cluster`, {
      assumeRolePolicy: serviceTrustPolicy('eks.amazonaws.com'),
      tags: tags('cluster'),
    }, parent);
    const rolePolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster`, {
      role: role.name,
      policyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy',
    }, parent);
    // The managed policy has no KMS rights: the control plane needs these on its own key to
    // envelope-encrypt secrets.
    const keyPolicy = new aws.iam.RolePolicy(`${name}-cluster-kms`, {
      role: role.id,
      policy: secretsKey.arn.apply((keyArn) =>
        policyJson([{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ListGrants', 'kms:DescribeKey'], Resource: keyArn }]),
      ),
    }, parent);

    this.cluster = new aws.eks.Cluster(`${name}-eks`, {
      name: args.clusterName,
      version: args.kubernetesVersion,
      roleArn: role.arn,
      vpcConfig: {
        subnetIds: args.subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: args.endpointPublicAccess,
        publicAccessCidrs: args.endpointPublicAccess ? [...args.publicAccessCidrs] : undefined,
      },
      encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ['secrets'] },
      enabledClusterLogTypes: [...args.logTypes],
      // Access entries (the EKS API) instead of the aws-auth ConfigMap, which the API deprecates.
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      // VPC CNI, CoreDNS and kube-proxy are installed as managed add-ons (compute), not self-managed.
      bootstrapSelfManagedAddons: false,
      // Upgrades stay an operator's decision; EKS would otherwise move a cluster past standard support.
      upgradePolicy: { supportType: 'STANDARD' },
      deletionProtection: args.deletionProtection,
      tags: tags('eks'),
    }, { parent: this, dependsOn: [logGroup, rolePolicy, keyPolicy] });
    this.name = this.cluster.name;
    this.clusterSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId.apply((id) => {
      if (!id) throw new Error('EKS reported no cluster security group');
      return id;
    });

    args.adminRoleArns.forEach((principalArn, i) => {
      const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, {
        clusterName: this.cluster.name,
        principalArn,
        type: 'STANDARD',
        tags: tags(`admin-${i}`),
      }, parent);
      new aws.eks.AccessPolicyAssociation(`${name}-admin-${i}`, {
        clusterName: this.cluster.name,
        principalArn: entry.principalArn,
        policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
        accessScope: { type: 'cluster' },
      }, parent);
    });

    this.oidcIssuerUrl = this.cluster.identities.apply((ids) => {
      const issuer = ids[0]?.oidcs[0]?.issuer;
      if (!issuer) throw new Error('EKS reported no OIDC issuer');
      return issuer;
    });
    // No thumbprint: IAM trusts the EKS issuer through its own certificate store.
    const oidcProvider = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
      url: this.oidcIssuerUrl,
      clientIdLists: ['sts.amazonaws.com'],
      tags: tags('oidc'),
    }, parent);
    this.oidcProviderArn = oidcProvider.arn;

    const region = aws.getRegionOutput({}, parent).region;
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([this.cluster.name, this.cluster.endpoint, this.cluster.certificateAuthority, region])
        .apply(([clusterName, endpoint, ca, regionName]) =>
          buildKubeconfig({ clusterName, endpoint, certificateAuthority: ca.data ?? '', region: regionName }),
        ),
    );

    this.registerOutputs({ name: this.name, oidcProviderArn: this.oidcProviderArn, kubeconfig: this.kubeconfig });
  }
}
