/**
 * The VPC the cluster and the database live in: three availability zones, a public and a private
 * subnet in each, NAT for the private ones, and the subnet tags the AWS load balancer integration
 * (in-tree service controller and the AWS Load Balancer Controller) uses to place load balancers.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { subnetCidr } from './cidr';
import { serviceTrustPolicy, policyJson } from './iam-policies';
import { tagsFor, type Tags } from './tags';

/** Availability zones the network spans; EKS needs two, three survive the loss of one with quorum. */
export const ZONE_COUNT = 3;

/** Options of {@link Network}. */
export interface NetworkArgs {
  /** VPC range, a /16. Private subnets get /19s (room for pod IPs of the VPC CNI), public ones /22s. */
  readonly cidr: string;
  /** `single` NAT gateway or one `perZone`. */
  readonly natGateways: 'single' | 'perZone';
  /** Cluster whose load balancers may use these subnets (`kubernetes.io/cluster/<name>` tag). */
  readonly clusterName: string;
  /** Days VPC flow logs are kept. */
  readonly flowLogRetentionDays: number;
  /** Tags of every resource. */
  readonly tags: Tags;
}

/** VPC, subnets, routing, NAT and flow logs. */
export class Network extends pulumi.ComponentResource {
  /** ID of the VPC. */
  readonly vpcId: pulumi.Output<string>;
  /** The VPC's CIDR block. */
  readonly vpcCidr: string;
  /** Public subnets, one per zone: internet-facing load balancers and NAT gateways only. */
  readonly publicSubnetIds: pulumi.Output<string>[];
  /** Private subnets, one per zone: nodes, pods, the control plane's interfaces and RDS. */
  readonly privateSubnetIds: pulumi.Output<string>[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('chat:infra:Network', name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string, extra: Record<string, string> = {}) => tagsFor(args.tags, `${name}-${suffix}`, extra);
    const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: 'shared' };

    const zones = aws.getAvailabilityZonesOutput(
      // Local and wavelength zones cannot host EKS nodes; only the region's standard zones count.
      { state: 'available', filters: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }] },
      parent,
    ).names.apply((names) => {
      if (names.length < ZONE_COUNT) throw new Error(`the region has ${names.length} availability zones; ${ZONE_COUNT} are needed`);
      return names.slice(0, ZONE_COUNT);
    });
    const zone = (i: number) => zones.apply((z) => z[i] as string);

    const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
      cidrBlock: args.cidr,
      // EKS private endpoints and RDS endpoints are resolved through the VPC's DNS.
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: tags('vpc'),
    }, parent);
    this.vpcId = vpc.id;
    this.vpcCidr = args.cidr;

    // The default security group allows all traffic between its members; nothing should use it.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [], tags: tags('default-closed') }, parent);

    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags('igw') }, parent);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public-rt`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
      tags: tags('public'),
    }, parent);

    const publicSubnets = Array.from({ length: ZONE_COUNT }, (_, i) => {
      const subnet = new aws.ec2.Subnet(`${name}-public-${i}`, {
        vpcId: vpc.id,
        availabilityZone: zone(i),
        // Public /22s sit after the three private /19s: block 24 + i of the /22 grid.
        cidrBlock: subnetCidr(args.cidr, 22, 24 + i),
        // Nothing here gets a public address by default; load balancers and NAT bring their own.
        mapPublicIpOnLaunch: false,
        tags: tags(`public-${i}`, { ...clusterTag, 'kubernetes.io/role/elb': '1', Tier: 'public' }),
      }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
      return subnet;
    });

    const natCount = args.natGateways === 'perZone' ? ZONE_COUNT : 1;
    const nats = Array.from({ length: natCount }, (_, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: 'vpc', tags: tags(`nat-${i}`) }, parent);
      return new aws.ec2.NatGateway(`${name}-nat-${i}`, {
        allocationId: eip.id,
        subnetId: (publicSubnets[i] as aws.ec2.Subnet).id,
        tags: tags(`nat-${i}`),
      }, { parent: this, dependsOn: [igw] });
    });

    const privateSubnets = Array.from({ length: ZONE_COUNT }, (_, i) => {
      const subnet = new aws.ec2.Subnet(`${name}-private-${i}`, {
        vpcId: vpc.id,
        availabilityZone: zone(i),
        cidrBlock: subnetCidr(args.cidr, 19, i),
        mapPublicIpOnLaunch: false,
        // The discovery tag: Karpenter's EC2NodeClass launches nodes into these subnets.
        tags: tags(`private-${i}`, { ...clusterTag, 'kubernetes.io/role/internal-elb': '1', Tier: 'private', 'karpenter.sh/discovery': args.clusterName }),
      }, parent);
      // Each zone leaves through its own NAT gateway when there is one per zone, so a zone outage
      // does not cut the others' egress.
      const nat = nats[i % natCount] as aws.ec2.NatGateway;
      const routes = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, {
        vpcId: vpc.id,
        routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
        tags: tags(`private-${i}`),
      }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: routes.id }, parent);
      return subnet;
    });

    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    // Flow logs: the record an incident responder needs of who talked to what.
    const flowLogGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, {
      name: `/chat/${args.clusterName}/vpc-flow-logs`,
      retentionInDays: args.flowLogRetentionDays,
      tags: tags('flow-logs'),
    }, parent);
    const flowLogRole = new aws.iam.Role(`${name}-flow-logs`, {
      assumeRolePolicy: serviceTrustPolicy('vpc-flow-logs.amazonaws.com'),
      tags: tags('flow-logs'),
    }, parent);
    new aws.iam.RolePolicy(`${name}-flow-logs`, {
      role: flowLogRole.id,
      policy: flowLogGroup.arn.apply((arn) =>
        policyJson([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
            Resource: [arn, `${arn}:*`],
          },
        ]),
      ),
    }, parent);
    new aws.ec2.FlowLog(`${name}-flow-logs`, {
      vpcId: vpc.id,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      tags: tags('flow-logs'),
    }, parent);

    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
  }
}
