/**
 * Worker capacity: EKS managed node groups in the private subnets (a `system` group for cluster
 * services and an `app` group for the chat workloads) with hardened launch templates, the EKS
 * managed add-ons the nodes need (VPC CNI with NetworkPolicy enforcement, kube-proxy, CoreDNS, EBS CSI
 * driver, metrics-server, the Pod Identity agent), and the IRSA role
 * of the AWS Load Balancer Controller (installed by Argo CD from gitops/).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { policyJson, serviceTrustPolicy } from './iam-policies';
import { LOAD_BALANCER_CONTROLLER, NODE_ROLE_LABEL } from './kubernetes-names';
import { LOAD_BALANCER_CONTROLLER_STATEMENTS } from './load-balancer-controller-policy';
import { ServiceAccountRole } from './service-account-role';
import { tagsFor, type Tags } from './tags';

/** Sizes and instance types of one node group (from stack configuration). */
export interface NodeGroupSpec {
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly diskSizeGiB: number;
  readonly capacityType: 'ON_DEMAND' | 'SPOT';
}

/** Options of {@link Compute}. */
export interface ComputeArgs {
  readonly clusterName: pulumi.Input<string>;
  /** Prefix of IAM role names (the cluster name). */
  readonly namePrefix: string;
  /** Kubernetes version the nodes run: the control plane's. */
  readonly kubernetesVersion: string;
  /** Private subnets: nodes get no public address and no route from the internet. */
  readonly privateSubnetIds: pulumi.Input<string>[];
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcIssuerUrl: pulumi.Input<string>;
  readonly system: NodeGroupSpec;
  readonly app: NodeGroupSpec;
  readonly tags: Tags;
}

/** Policies of the node role. The CNI's policy is not here: the CNI gets its own IRSA role. */
const NODE_POLICIES = [
  'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
  // Shell access through Session Manager, so nodes need no SSH key or open port.
  'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
];

export { NODE_ROLE_LABEL };

/** Node IAM role, two managed node groups and the cluster add-ons. */
export class Compute extends pulumi.ComponentResource {
  /** Node group resources, keyed by role. */
  readonly nodeGroups: Readonly<Record<'system' | 'app', aws.eks.NodeGroup>>;
  /** IRSA role of the EBS CSI controller. */
  readonly ebsCsiRoleArn: pulumi.Output<string>;
  /** IRSA role of the AWS Load Balancer Controller. */
  readonly loadBalancerControllerRoleArn: pulumi.Output<string>;
  /** The Pod Identity agent add-on, which Pod Identity associations need running. */
  readonly podIdentityAgent: aws.eks.Addon;

  constructor(name: string, args: ComputeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:Compute', name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) => tagsFor(args.tags, `${name}-${suffix}`);

    const nodeRole = new aws.iam.Role(`${name}-node`, { assumeRolePolicy: serviceTrustPolicy('ec2.amazonaws.com'), tags: tags('node') }, parent);
    const nodePolicies = NODE_POLICIES.map(
      (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-node-${i}`, { role: nodeRole.name, policyArn }, parent),
    );

    const irsa = (id: string, namespace: string, serviceAccount: string, managedPolicyArns: string[], inlinePolicy?: string) =>
      new ServiceAccountRole(`${name}-${id}`, {
        roleName: `${args.namePrefix}-${id}`,
        oidcProviderArn: args.oidcProviderArn,
        oidcIssuerUrl: args.oidcIssuerUrl,
        namespace,
        serviceAccount,
        managedPolicyArns,
        inlinePolicy,
        tags: args.tags,
      }, parent);
    const cniRole = irsa('vpc-cni', 'kube-system', 'aws-node', ['arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy']);
    const ebsCsiRole = irsa('ebs-csi', 'kube-system', 'ebs-csi-controller-sa', ['arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy']);
    this.ebsCsiRoleArn = ebsCsiRole.roleArn;
    const lbcRole = irsa('aws-load-balancer-controller', LOAD_BALANCER_CONTROLLER.namespace, LOAD_BALANCER_CONTROLLER.serviceAccount, [], policyJson(LOAD_BALANCER_CONTROLLER_STATEMENTS));
    this.loadBalancerControllerRoleArn = lbcRole.roleArn;

    const addon = (addonName: string, serviceAccountRoleArn?: pulumi.Input<string>, dependsOn: pulumi.Resource[] = [], configuration?: object) =>
      new aws.eks.Addon(`${name}-${addonName}`, {
        clusterName: args.clusterName,
        addonName,
        // No addonVersion: EKS installs the default version for the cluster's Kubernetes version.
        serviceAccountRoleArn,
        configurationValues: configuration === undefined ? undefined : JSON.stringify(configuration),
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'PRESERVE',
        tags: tags(addonName),
      }, { parent: this, dependsOn });

    // Nodes only become Ready once the CNI runs, so the daemon-set add-ons come before the nodes.
    // enableNetworkPolicy: the CNI's network policy agent enforces NetworkPolicies (off by default, so
    // the chart's default-deny and data-store isolation would do nothing without it).
    const networkAddons = [addon('vpc-cni', cniRole.roleArn, [], { enableNetworkPolicy: 'true' }), addon('kube-proxy')];

    const nodeGroup = (role: 'system' | 'app', spec: NodeGroupSpec) => {
      const launchTemplate = new aws.ec2.LaunchTemplate(`${name}-${role}`, {
        description: `Nodes of the ${role} group`,
        metadataOptions: {
          // IMDSv2 only, and one hop: pods cannot reach the node's credentials, they use IRSA.
          httpEndpoint: 'enabled',
          httpTokens: 'required',
          httpPutResponseHopLimit: 1,
        },
        blockDeviceMappings: [
          {
            deviceName: '/dev/xvda',
            ebs: { volumeSize: spec.diskSizeGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
          },
        ],
        // Node groups do not tag the instances they start; the launch template does.
        tagSpecifications: ['instance', 'volume', 'network-interface'].map((resourceType) => ({
          resourceType,
          tags: tagsFor(args.tags, `${name}-${role}-node`),
        })),
        updateDefaultVersion: true,
        tags: tags(`${role}-nodes`),
      }, parent);

      return new aws.eks.NodeGroup(`${name}-${role}`, {
        clusterName: args.clusterName,
        nodeGroupNamePrefix: `${role}-`,
        version: args.kubernetesVersion,
        nodeRoleArn: nodeRole.arn,
        subnetIds: args.privateSubnetIds,
        amiType: 'AL2023_x86_64_STANDARD',
        instanceTypes: [...spec.instanceTypes],
        capacityType: spec.capacityType,
        scalingConfig: { minSize: spec.minSize, desiredSize: spec.desiredSize, maxSize: spec.maxSize },
        updateConfig: { maxUnavailablePercentage: 33 },
        launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
        labels: { [NODE_ROLE_LABEL]: role },
        tags: tags(`${role}-nodes`),
      }, {
        parent: this,
        dependsOn: [...nodePolicies, ...networkAddons],
        // The managed groups are the floor (Karpenter runs on `system`); Karpenter adds capacity above it.
        ignoreChanges: ['scalingConfig.desiredSize'],
      });
    };
    this.nodeGroups = { system: nodeGroup('system', args.system), app: nodeGroup('app', args.app) };

    // Deployments: they need nodes to become healthy, so they wait for the node groups.
    const workloads = Object.values(this.nodeGroups);
    addon('coredns', undefined, workloads);
    addon('aws-ebs-csi-driver', ebsCsiRole.roleArn, workloads);
    // Resource metrics for HorizontalPodAutoscalers (KEDA's CPU triggers read them too).
    addon('metrics-server', undefined, workloads);
    // EKS Pod Identity: how the Karpenter controller gets its role.
    this.podIdentityAgent = addon('eks-pod-identity-agent', undefined, workloads);

    this.registerOutputs({ ebsCsiRoleArn: this.ebsCsiRoleArn, loadBalancerControllerRoleArn: this.loadBalancerControllerRoleArn });
  }
}
