/**
 * Builds a stack of this program under Pulumi's unit-test mocks: no engine, no provider plugin, no
 * network. The configuration is the real stack file (`Pulumi.<stack>.yaml`) plus test secrets, so
 * the tests also prove the stack files are valid. Every resource the program registers is recorded
 * with its inputs for the assertions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';

import { loadPlatformConfig, loadPlatformSecrets } from '../../src/config';
import { createPlatform, type PlatformOutputs } from '../../src/platform';

/** A resource the program registered, with the inputs it passed. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly id: string;
  // Inputs are untyped JSON from the engine's point of view.
   
  readonly inputs: Record<string, any>;
}

/** Account, region and cluster facts the mocks answer with. */
export const FAKE = {
  account: '123456789012',
  region: 'us-east-1',
  zones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'],
  clusterSecurityGroupId: 'sg-0cluster',
  oidcIssuer: 'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF',
} as const;

/** Secret values the tests supply in place of `pulumi config set --secret`. */
export const TEST_SECRETS = {
  'chat:jwtSecret': 'test-jwt-secret-test-jwt-secret-0123456789',
  'chat:serviceTokenSecret': 'test-service-token-secret-0123456789abcdef',
  'chat:objectStoreSecretKey': 'test-object-store-secret-key-0123456789ab',
  'chat:databasePassword': 'Test-Password-0123456789-abcdef',
  'chat:databaseUrl': 'postgresql://chat:secret@chat-postgres.chat.svc:5432/chat',
  'chat:redisAuthToken': 'Test-Redis-Token-0123456789',
} as const;

/** Reads a stack file into the flat `namespace:key -> text` map the Pulumi engine hands a program. */
export function stackFileConfig(stack: string): Record<string, string> {
  const file = path.join(__dirname, '..', '..', `Pulumi.${stack}.yaml`);
  const doc = parse(readFileSync(file, 'utf8')) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(doc.config).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}

function arnFor(type: string, name: string): string {
  const service = type.split(':')[1]?.split('/')[0] ?? 'unknown';
  return `arn:aws:${service}:${FAKE.region}:${FAKE.account}:${name}`;
}

/** Output properties a real provider would compute, for the types whose outputs the program reads. */
 
function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  const common = { arn: arnFor(type, name), name: inputs.name ?? name };
  switch (type) {
    case 'aws:eks/cluster:Cluster':
      return {
        ...common,
        endpoint: `https://${name}.gr7.${FAKE.region}.eks.amazonaws.com`,
        certificateAuthority: { data: 'LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t' },
        identities: [{ oidcs: [{ issuer: FAKE.oidcIssuer }] }],
        vpcConfig: { ...inputs.vpcConfig, clusterSecurityGroupId: FAKE.clusterSecurityGroupId },
      };
    case 'aws:ecr/repository:Repository':
      return { ...common, repositoryUrl: `${FAKE.account}.dkr.ecr.${FAKE.region}.amazonaws.com/${inputs.name}` };
    case 'aws:rds/instance:Instance':
      return {
        ...common,
        address: `${inputs.identifier}.abc.${FAKE.region}.rds.amazonaws.com`,
        port: 5432,
        masterUserSecrets: inputs.manageMasterUserPassword ? [{ secretArn: `arn:aws:secretsmanager:${FAKE.region}:${FAKE.account}:secret:rds!db-1`, kmsKeyId: inputs.masterUserSecretKmsKeyId, secretStatus: 'active' }] : [],
      };
    case 'aws:elasticache/replicationGroup:ReplicationGroup':
      return { ...common, primaryEndpointAddress: `${inputs.replicationGroupId}.cache.amazonaws.com` };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { ...common, latestVersion: 1 };
    case 'aws:kms/key:Key':
      return { ...common, keyId: `${name}-key-id` };
    case 'aws:iam/openIdConnectProvider:OpenIdConnectProvider':
      return { ...common, arn: `arn:aws:iam::${FAKE.account}:oidc-provider/${String(inputs.url).replace('https://', '')}` };
    default:
      return common;
  }
}

/** What {@link buildStack} returns. */
export interface BuiltStack {
  readonly resources: readonly RecordedResource[];
  readonly outputs: PlatformOutputs;
  /** Resources of one type. */
  ofType(type: string): RecordedResource[];
  /** The one resource with this logical name (throws when absent). */
  named(name: string): RecordedResource;
}

/** Resolves an Output in a test (mocks resolve every value, even during an update). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/**
 * Runs the program for `stack` under mocks.
 *
 * @param overrides config keys replacing the stack file's (`chat:cluster` etc., JSON text)
 */
export async function buildStack(stack: string, overrides: Record<string, string> = {}): Promise<BuiltStack> {
  const resources: RecordedResource[] = [];
  const config = { ...stackFileConfig(stack), ...TEST_SECRETS, ...overrides };
  pulumi.runtime.setAllConfig(config, Object.keys(TEST_SECRETS));
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const id = `${args.name}-id`;
        if (args.custom) resources.push({ type: args.type, name: args.name, id, inputs: args.inputs });
        return { id, state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs) } };
      },
      call(args) {
        switch (args.token) {
          case 'aws:index/getAvailabilityZones:getAvailabilityZones':
            return { names: [...FAKE.zones], zoneIds: FAKE.zones.map((_, i) => `use1-az${i + 1}`) };
          case 'aws:index/getRegion:getRegion':
            return { name: FAKE.region, region: FAKE.region, id: FAKE.region };
          case 'aws:index/getCallerIdentity:getCallerIdentity':
            return { accountId: FAKE.account, arn: `arn:aws:iam::${FAKE.account}:user/test`, userId: 'AIDTEST', id: FAKE.account };
          case 'aws:index/getPartition:getPartition':
            return { partition: 'aws', dnsSuffix: 'amazonaws.com', id: 'aws' };
          default:
            throw new Error(`unmocked call ${args.token}`);
        }
      },
    },
    'chat',
    stack,
    false,
  );

  const platformConfig = loadPlatformConfig();
  const outputs = createPlatform(platformConfig, loadPlatformSecrets(platformConfig));
  // Let every registration (including resources no output depends on) reach the mocks.
  await pulumi.runtime.disconnect();
  return {
    resources,
    outputs,
    ofType: (type) => resources.filter((r) => r.type === type),
    named(name) {
      const found = resources.filter((r) => r.name === name);
      if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
      return found[0] as RecordedResource;
    },
  };
}
