/**
 * Permissions of the AWS Load Balancer Controller, which turns the ingress-nginx Service
 * (`aws-load-balancer-type: external`) into an NLB. Everything it creates carries the
 * `elbv2.k8s.aws/cluster` tag, and it may only change or delete resources that carry it, so it
 * cannot touch load balancers or security groups it does not own.
 */
import type { PolicyStatement } from './iam-policies';

const CLUSTER_TAG = 'elbv2.k8s.aws/cluster';
const requestTagged = { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: 'false' } };
const resourceTagged = { Null: { [`aws:ResourceTag/${CLUSTER_TAG}`]: 'false' } };
const ELB_OWNED = [
  'arn:aws:elasticloadbalancing:*:*:targetgroup/*/*',
  'arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*',
  'arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*',
];

/** The controller's policy statements. */
export const LOAD_BALANCER_CONTROLLER_STATEMENTS: readonly PolicyStatement[] = [
  {
    Sid: 'ServiceLinkedRole',
    Effect: 'Allow',
    Action: 'iam:CreateServiceLinkedRole',
    Resource: '*',
    Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
  },
  {
    Sid: 'Discover',
    Effect: 'Allow',
    Action: [
      'ec2:DescribeAccountAttributes', 'ec2:DescribeAddresses', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInternetGateways',
      'ec2:DescribeVpcs', 'ec2:DescribeVpcPeeringConnections', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
      'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeTags', 'ec2:DescribeRouteTables',
      'ec2:GetCoipPoolUsage', 'ec2:DescribeCoipPools', 'ec2:GetSecurityGroupsForVpc', 'ec2:DescribeIpamPools',
      'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancerAttributes',
      'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeListenerCertificates',
      'elasticloadbalancing:DescribeListenerAttributes', 'elasticloadbalancing:DescribeSSLPolicies',
      'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTargetGroups',
      'elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeTargetHealth',
      'elasticloadbalancing:DescribeTags', 'elasticloadbalancing:DescribeTrustStores',
      'elasticloadbalancing:DescribeCapacityReservation',
      'acm:ListCertificates', 'acm:DescribeCertificate', 'iam:ListServerCertificates', 'iam:GetServerCertificate',
      'cognito-idp:DescribeUserPoolClient', 'wafv2:GetWebACL', 'wafv2:GetWebACLForResource', 'waf-regional:GetWebACLForResource',
      'waf-regional:GetWebACL', 'shield:GetSubscriptionState', 'shield:DescribeProtection',
    ],
    Resource: '*',
  },
  {
    Sid: 'CreateSecurityGroups',
    Effect: 'Allow',
    Action: 'ec2:CreateSecurityGroup',
    Resource: '*',
  },
  {
    Sid: 'TagNewSecurityGroups',
    Effect: 'Allow',
    Action: 'ec2:CreateTags',
    Resource: 'arn:aws:ec2:*:*:security-group/*',
    Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' }, ...requestTagged },
  },
  {
    Sid: 'ManageOwnSecurityGroups',
    Effect: 'Allow',
    Action: ['ec2:CreateTags', 'ec2:DeleteTags', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup'],
    Resource: 'arn:aws:ec2:*:*:security-group/*',
    Condition: resourceTagged,
  },
  {
    // Node security groups: the controller opens the NLB's traffic to the targets.
    Sid: 'OpenTargetsToLoadBalancers',
    Effect: 'Allow',
    Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
    Resource: '*',
  },
  {
    Sid: 'CreateTaggedLoadBalancers',
    Effect: 'Allow',
    Action: ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'],
    Resource: '*',
    Condition: requestTagged,
  },
  {
    Sid: 'TagOnCreate',
    Effect: 'Allow',
    Action: 'elasticloadbalancing:AddTags',
    Resource: ELB_OWNED,
    Condition: { StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateLoadBalancer'] }, ...requestTagged },
  },
  {
    Sid: 'Listeners',
    Effect: 'Allow',
    Action: [
      'elasticloadbalancing:CreateListener', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:CreateRule',
      'elasticloadbalancing:DeleteRule', 'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:AddListenerCertificates',
      'elasticloadbalancing:RemoveListenerCertificates', 'elasticloadbalancing:ModifyRule', 'elasticloadbalancing:SetRulePriorities',
      'elasticloadbalancing:ModifyListenerAttributes',
    ],
    Resource: '*',
  },
  {
    Sid: 'ManageOwnLoadBalancers',
    Effect: 'Allow',
    Action: [
      'elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags', 'elasticloadbalancing:ModifyLoadBalancerAttributes',
      'elasticloadbalancing:SetIpAddressType', 'elasticloadbalancing:SetSecurityGroups', 'elasticloadbalancing:SetSubnets',
      'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:ModifyTargetGroup',
      'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:DeleteTargetGroup',
      'elasticloadbalancing:ModifyCapacityReservation', 'elasticloadbalancing:ModifyIpPools',
    ],
    Resource: ELB_OWNED,
    Condition: resourceTagged,
  },
  {
    Sid: 'Targets',
    Effect: 'Allow',
    Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
    Resource: 'arn:aws:elasticloadbalancing:*:*:targetgroup/*/*',
  },
  {
    Sid: 'WebAcls',
    Effect: 'Allow',
    Action: ['elasticloadbalancing:SetWebAcl', 'wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL', 'waf-regional:AssociateWebACL', 'waf-regional:DisassociateWebACL'],
    Resource: '*',
  },
];
