/**
 * Node autoscaling with Karpenter: the controller's IAM role (EKS Pod Identity, scoped to the
 * cluster's tagged resources), the role of the nodes it launches with their access entry, and the
 * spot-interruption queue with the EventBridge rules that feed it. The controller itself, its
 * NodePools (`system`, `app`, consolidation on) and EC2NodeClass come from gitops/ (Argo CD).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { policyJson, serviceTrustPolicy } from './iam-policies';
import { KARPENTER } from './kubernetes-names';
import { tagsFor, type Tags } from './tags';

/** Tag Karpenter's EC2NodeClass selects subnets and security groups by. */
export const KARPENTER_DISCOVERY_TAG = 'karpenter.sh/discovery';

/** Options of {@link Karpenter}. */
export interface KarpenterArgs {
  readonly clusterName: pulumi.Input<string>;
  /** Prefix of named resources (the cluster name, known before the cluster exists). */
  readonly namePrefix: string;
  /** The cluster security group: tagged for discovery, Karpenter's nodes join it. */
  readonly clusterSecurityGroupId: pulumi.Input<string>;
  readonly tags: Tags;
  /** Resources the association must wait for (the Pod Identity agent add-on). */
  readonly dependsOn?: pulumi.Resource[];
}

/** Karpenter's AWS side. */
export class Karpenter extends pulumi.ComponentResource {
  readonly controllerRoleArn: pulumi.Output<string>;
  /** Role of the nodes Karpenter launches (EC2NodeClass `role`). */
  readonly nodeRoleName: pulumi.Output<string>;
  /** SQS queue of spot interruptions and instance state changes (chart `settings.interruptionQueue`). */
  readonly interruptionQueueName: pulumi.Output<string>;

  constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:Karpenter', name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) => tagsFor(args.tags, `${args.namePrefix}-karpenter-${suffix}`);
    const region = aws.getRegionOutput({}, parent).region;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;

    const nodeRole = new aws.iam.Role(`${name}-karpenter-node`, {
      name: `${args.namePrefix}-karpenter-node`,
      assumeRolePolicy: serviceTrustPolicy('ec2.amazonaws.com'),
      tags: tags('node'),
    }, parent);
    ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonSSMManagedInstanceCore'].forEach((policy, i) =>
      new aws.iam.RolePolicyAttachment(`${name}-karpenter-node-${i}`, { role: nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` }, parent));
    // Nodes join through an access entry of type EC2_LINUX (the cluster uses the API authentication mode).
    new aws.eks.AccessEntry(`${name}-karpenter-node`, { clusterName: args.clusterName, principalArn: nodeRole.arn, type: 'EC2_LINUX', tags: tags('node') }, parent);
    this.nodeRoleName = nodeRole.name;

    new aws.ec2.Tag(`${name}-karpenter-discovery`, { resourceId: args.clusterSecurityGroupId, key: KARPENTER_DISCOVERY_TAG, value: args.namePrefix }, parent);

    const queue = new aws.sqs.Queue(`${name}-karpenter`, {
      name: `${args.namePrefix}-karpenter`,
      messageRetentionSeconds: 300,
      sqsManagedSseEnabled: true,
      tags: tags('interruptions'),
    }, parent);
    new aws.sqs.QueuePolicy(`${name}-karpenter`, {
      queueUrl: queue.url,
      policy: queue.arn.apply((arn) => policyJson([
        { Sid: 'EventBridge', Effect: 'Allow', Principal: { Service: ['events.amazonaws.com', 'sqs.amazonaws.com'] }, Action: 'sqs:SendMessage', Resource: arn },
      ])),
    }, parent);
    const events: Record<string, Record<string, unknown>> = {
      'spot-interruption': { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
      rebalance: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
      'state-change': { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
      'scheduled-change': { source: ['aws.health'], 'detail-type': ['AWS Health Event'] },
    };
    for (const [id, pattern] of Object.entries(events)) {
      const rule = new aws.cloudwatch.EventRule(`${name}-karpenter-${id}`, { eventPattern: JSON.stringify(pattern), tags: tags(id) }, parent);
      new aws.cloudwatch.EventTarget(`${name}-karpenter-${id}`, { rule: rule.name, arn: queue.arn }, parent);
    }
    this.interruptionQueueName = queue.name;

    const controller = new aws.iam.Role(`${name}-karpenter-controller`, {
      name: `${args.namePrefix}-karpenter-controller`,
      // EKS Pod Identity: the agent add-on hands the role to the one associated service account.
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
      }),
      tags: tags('controller'),
    }, parent);
    new aws.iam.RolePolicy(`${name}-karpenter-controller`, {
      role: controller.id,
      policy: pulumi.all([region, account, nodeRole.arn, queue.arn, args.clusterName]).apply(([r, a, nodeRoleArn, queueArn, cluster]) =>
        policyJson([
          // Launch and terminate only instances tagged for this cluster; read-only discovery elsewhere.
          { Sid: 'Launch', Effect: 'Allow', Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate', 'ec2:CreateTags'], Resource: `arn:aws:ec2:${r}:*:*` },
          {
            Sid: 'TerminateOwn',
            Effect: 'Allow',
            Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
            Resource: `arn:aws:ec2:${r}:*:*`,
            Condition: { StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: 'owned' } },
          },
          {
            Sid: 'Discover',
            Effect: 'Allow',
            Action: ['ec2:Describe*', 'pricing:GetProducts', 'ssm:GetParameter', 'eks:DescribeCluster'],
            Resource: '*',
          },
          { Sid: 'PassNodeRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: nodeRoleArn, Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } },
          {
            Sid: 'InstanceProfiles',
            Effect: 'Allow',
            Action: ['iam:CreateInstanceProfile', 'iam:TagInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:GetInstanceProfile', 'iam:ListInstanceProfiles'],
            Resource: `arn:aws:iam::${a}:instance-profile/*`,
          },
          { Sid: 'Interruptions', Effect: 'Allow', Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], Resource: queueArn },
        ]),
      ),
    }, parent);
    new aws.eks.PodIdentityAssociation(`${name}-karpenter`, {
      clusterName: args.clusterName,
      namespace: KARPENTER.namespace,
      serviceAccount: KARPENTER.serviceAccount,
      roleArn: controller.arn,
      tags: tags('controller'),
    }, { parent: this, dependsOn: args.dependsOn });
    this.controllerRoleArn = controller.arn;
    this.registerOutputs({ controllerRoleArn: this.controllerRoleArn, nodeRoleName: this.nodeRoleName, interruptionQueueName: this.interruptionQueueName });
  }
}
