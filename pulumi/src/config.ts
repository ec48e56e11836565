/**
 * Every tunable of the infrastructure, parsed and validated once. Nothing else in this program reads
 * Pulumi configuration: components receive the typed, frozen {@link PlatformConfig}.
 *
 * Keys live in the `chat` namespace of the stack file (`Pulumi.<stack>.yaml`); objects are YAML maps.
 * Secrets (`chat:jwtSecret`, `chat:serviceTokenSecret`, `chat:databasePassword`, `chat:databaseUrl`,
 * `chat:redisAuthToken`, dev's `chat:objectStoreSecretKey`) are set with
 * `pulumi config set --secret` and read through {@link loadPlatformSecrets}, so their values stay
 * encrypted in state and are only checked when the engine resolves them.
 */
import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';

/**
 * EKS Kubernetes versions in standard support, with the day that support ends (AWS EKS release
 * calendar). A version past standard support costs six times as much per cluster hour (extended
 * support), so the program refuses anything not listed here; add a line when AWS releases a version.
 */
export const EKS_STANDARD_SUPPORT: Readonly<Record<string, string>> = Object.freeze({
  '1.34': '2026-12-02',
  '1.35': '2027-03-27',
});

/** The three images the platform ships; one ECR repository each. */
export const IMAGE_NAMES = ['gateway', 'persister', 'web'] as const;
/** Name of one of the platform's container images. */
export type ImageName = (typeof IMAGE_NAMES)[number];

/** Control-plane log types EKS can send to CloudWatch. */
const CONTROL_PLANE_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;

const nodeGroupSchema = z
  .strictObject({
    /** EC2 instance types, first choice first (several types give SPOT capacity more pools). */
    instanceTypes: z.array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'an EC2 instance type like m7i.large')).min(1),
    minSize: z.number().int().min(0),
    desiredSize: z.number().int().min(0),
    maxSize: z.number().int().min(1),
    /** Root volume of each node, GiB (gp3, encrypted). */
    diskSizeGiB: z.number().int().min(20).max(1000).default(50),
    capacityType: z.enum(['ON_DEMAND', 'SPOT']).default('ON_DEMAND'),
  })
  .refine((g) => g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize, {
    message: 'node group sizes must satisfy minSize <= desiredSize <= maxSize',
  });

const schema = z
  .strictObject({
    /** Which environment this stack is: decides the defaults an auditor cares about. */
    environment: z.enum(['dev', 'prod']),
    /** EKS cluster name; also the prefix of every named resource. Default `chat-<environment>`. */
    clusterName: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/, 'lower-case letters, digits and dashes, 3 to 40 characters')
      .optional(),
    /** Tags added to every resource, beside the ones the program sets (Project, Environment, ManagedBy, Stack). */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
    network: z
      .strictObject({
        /** The VPC's address range; must be a /16 so three /19 private and three /22 public subnets fit. */
        cidr: z.cidrv4().refine((c) => c.endsWith('/16'), 'the VPC CIDR must be a /16').default('10.0.0.0/16'),
        /**
         * `single`: one NAT gateway for all zones (cheaper; a zone outage cuts egress elsewhere).
         * `perZone`: one per availability zone (what production needs).
         */
        natGateways: z.enum(['single', 'perZone']).default('perZone'),
        /** Days VPC flow logs are kept in CloudWatch. */
        flowLogRetentionDays: z.number().int().min(1).default(30),
      })
      .default({ cidr: '10.0.0.0/16', natGateways: 'perZone', flowLogRetentionDays: 30 }),
    cluster: z.strictObject({
      /** Kubernetes minor version; only versions in EKS standard support are accepted. */
      kubernetesVersion: z.string().refine((v) => v in EKS_STANDARD_SUPPORT, {
        message: `must be an EKS version in standard support: ${Object.keys(EKS_STANDARD_SUPPORT).join(', ')}`,
      }),
      /** Whether the API server is reachable from the internet at all (private access is always on). */
      endpointPublicAccess: z.boolean().default(false),
      /** Addresses allowed to the public endpoint; required, and never 0.0.0.0/0 in prod. */
      publicAccessCidrs: z.array(z.cidrv4()).default([]),
      /** IAM role ARNs given cluster-admin through EKS access entries (operators, break-glass). */
      adminRoleArns: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN')).default([]),
      /** Control-plane log types sent to CloudWatch. Default: all of them. */
      logTypes: z.array(z.enum(CONTROL_PLANE_LOG_TYPES)).default([...CONTROL_PLANE_LOG_TYPES]),
      /** Days control-plane logs are kept. */
      logRetentionDays: z.number().int().min(1).default(90),
    }),
    nodeGroups: z.strictObject({
      /** Cluster services: CoreDNS, operators (Strimzi, cert-manager, Argo CD, ingress). */
      system: nodeGroupSchema,
      /** The chat workloads: gateway, persister, web, Kafka, Redis. */
      app: nodeGroupSchema,
    }),
    registry: z
      .strictObject({
        /** Tagged images kept per repository; older ones expire. */
        keepImages: z.number().int().min(1).default(50),
        /** Days an untagged image (a replaced layer set) is kept. */
        untaggedExpiryDays: z.number().int().min(1).default(7),
        /**
         * Accounts allowed to pull these repositories (a repository policy): on the dev stack, the prod
         * account, whose promotion copies dev's images. Cross-account pulls need this and the puller's IAM.
         */
        pullAccountIds: z.array(z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id')).default([]),
        /** Account of the registry promotion copies images from (dev's); default this stack's own account. */
        promotionSourceAccountId: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id').optional(),
      })
      .default({ keepImages: 50, untaggedExpiryDays: 7, pullAccountIds: [] }),
    /** RDS PostgreSQL; required in prod, absent in dev (dev runs PostgreSQL inside the cluster). */
    database: z
      .strictObject({
        instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS instance class like db.m7g.large'),
        /** Major (or major.minor) PostgreSQL version; minor upgrades are automatic. */
        engineVersion: z.string().regex(/^\d+(\.\d+)?$/).default('17'),
        allocatedStorageGiB: z.number().int().min(20),
        /** Storage autoscaling ceiling, GiB. */
        maxAllocatedStorageGiB: z.number().int().min(20),
        multiAz: z.boolean().default(true),
        backupRetentionDays: z.number().int().min(1).max(35).default(14),
        deletionProtection: z.boolean().default(true),
        /** Database created on the instance, and the user the application connects as (created by the operator, docs/operations-aws.md). */
        name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).default('chat'),
        /** Master user: its password is managed (and rotated) by RDS in Secrets Manager, never used by the services. */
        masterUsername: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).default('chat_admin'),
        username: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).default('chat'),
      })
      .refine((d) => d.maxAllocatedStorageGiB >= d.allocatedStorageGiB, {
        message: 'maxAllocatedStorageGiB must be at least allocatedStorageGiB',
      })
      .optional(),
    /** ElastiCache (Valkey) for Redis; required in prod, absent in dev (dev runs Redis in the cluster). */
    cache: z
      .strictObject({
        nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'an ElastiCache node type like cache.m7g.large'),
        /** Nodes: one primary, the rest replicas in other zones. */
        nodes: z.number().int().min(1).max(6).default(2),
        snapshotRetentionDays: z.number().int().min(0).max(35).default(7),
      })
      .optional(),
    /**
     * The S3 bucket of files (FileBucket): the web origin its CORS admits (the only one), and its name
     * (globally unique; default `<clusterName>-files`). Required in prod.
     */
    files: z
      .strictObject({
        webOrigin: z.string().regex(/^https:\/\/[^/*]+$/, 'one https origin without a path or wildcard, like https://chat.example.com'),
        bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
      })
      .optional(),
    github: z.strictObject({
      /** `owner/name` of the repository whose workflows may push images (GitHub OIDC subject). */
      repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name'),
      /**
       * Whether this stack creates the account's GitHub OIDC provider. IAM allows one provider per
       * URL per account: when dev and prod share an account, the second stack sets this to false
       * and uses the first one's.
       */
      createOidcProvider: z.boolean().default(true),
      /** S3 bucket of the Pulumi state (diy backend), so the preview role can take the state lock. */
      stateBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/).optional(),
      /** KMS key of the Pulumi secrets provider (`awskms://`), which preview and up must decrypt with. */
      pulumiSecretsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/).optional(),
    }),
  })
  .superRefine((c, ctx) => {
    // The rules below are what an auditor would otherwise have to find by hand in a production stack.
    if (c.cluster.endpointPublicAccess && c.cluster.publicAccessCidrs.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['cluster', 'publicAccessCidrs'], message: 'a public endpoint needs publicAccessCidrs' });
    }
    if (c.environment !== 'prod') return;
    if (c.cluster.publicAccessCidrs.includes('0.0.0.0/0')) {
      ctx.addIssue({ code: 'custom', path: ['cluster', 'publicAccessCidrs'], message: 'prod must not open the API endpoint to 0.0.0.0/0' });
    }
    if (c.network.natGateways !== 'perZone') {
      ctx.addIssue({ code: 'custom', path: ['network', 'natGateways'], message: 'prod needs one NAT gateway per zone' });
    }
    if (!c.database) {
      ctx.addIssue({ code: 'custom', path: ['database'], message: 'prod needs the RDS database' });
    } else {
      if (!c.database.multiAz) ctx.addIssue({ code: 'custom', path: ['database', 'multiAz'], message: 'prod needs Multi-AZ' });
      if (!c.database.deletionProtection) {
        ctx.addIssue({ code: 'custom', path: ['database', 'deletionProtection'], message: 'prod needs deletion protection' });
      }
      if (c.database.backupRetentionDays < 7) {
        ctx.addIssue({ code: 'custom', path: ['database', 'backupRetentionDays'], message: 'prod keeps backups at least 7 days' });
      }
    }
    if (!c.cache) {
      ctx.addIssue({ code: 'custom', path: ['cache'], message: 'prod needs the ElastiCache cache' });
    } else if (c.cache.nodes < 2) {
      ctx.addIssue({ code: 'custom', path: ['cache', 'nodes'], message: 'prod needs a replica for fail-over (nodes >= 2)' });
    }
    if (!c.files) ctx.addIssue({ code: 'custom', path: ['files'], message: 'prod needs the files bucket (files.webOrigin)' });
    if (c.nodeGroups.system.minSize < 2) {
      ctx.addIssue({ code: 'custom', path: ['nodeGroups', 'system', 'minSize'], message: 'prod runs at least 2 system nodes' });
    }
  });

/** Input shape of the configuration, as written in a stack file (defaults not yet applied). */
export type PlatformConfigInput = z.input<typeof schema>;

/** The validated configuration with every default applied; deeply frozen. */
export type PlatformConfig = Readonly<z.output<typeof schema> & { clusterName: string; stack: string }>;

/** Thrown when the stack configuration is invalid; the message names every bad key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates a configuration object and applies defaults.
 *
 * @param raw the `chat:*` keys without their namespace, as plain values
 * @param stack the Pulumi stack name, recorded in tags
 * @throws ConfigError naming every invalid key at once
 */
export function parsePlatformConfig(raw: unknown, stack: string): PlatformConfig {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `chat:${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid stack configuration for "${stack}":\n  ${problems.join('\n  ')}`);
  }
  const config = result.data;
  return deepFreeze({ ...config, clusterName: config.clusterName ?? `chat-${config.environment}`, stack });
}

/** Keys of the `chat` namespace holding plain (non-secret) configuration. */
const PLAIN_KEYS = ['environment', 'clusterName', 'tags', 'network', 'cluster', 'nodeGroups', 'registry', 'database', 'cache', 'files', 'github'] as const;

/** Reads the `chat:*` keys of the current stack and validates them (see {@link parsePlatformConfig}). */
export function loadPlatformConfig(): PlatformConfig {
  const cfg = new pulumi.Config('chat');
  const raw: Record<string, unknown> = {};
  for (const key of PLAIN_KEYS) {
    // Objects arrive as JSON text, scalars as text; getObject parses both (a bare word is not JSON).
    const text = cfg.get(key);
    if (text === undefined) continue;
    raw[key] = key === 'environment' || key === 'clusterName' ? text : cfg.getObject(key);
  }
  return parsePlatformConfig(raw, pulumi.getStack());
}

/** Secrets the stack needs, kept as secret Outputs. */
export interface PlatformSecrets {
  /** HS256 key the gateway signs session tokens with. */
  readonly jwtSecret: pulumi.Output<string>;
  /** HS256 key of service tokens (the assistant's), distinct from the users' key. */
  readonly serviceTokenSecret: pulumi.Output<string>;
  /** Secret key of the in-cluster object store (dev, no RDS: the data stores run in the cluster). */
  readonly objectStoreSecretKey?: pulumi.Output<string>;
  /** Master password of the RDS instance; present when the stack has a database. */
  readonly databasePassword?: pulumi.Output<string>;
  /** Connection URL of a database outside this stack (dev's in-cluster PostgreSQL). */
  readonly databaseUrl?: pulumi.Output<string>;
  /** AUTH token of ElastiCache; present when the stack has a cache. */
  readonly redisAuthToken?: pulumi.Output<string>;
}

/** Checks an ElastiCache AUTH token against ElastiCache's rules (16 to 128 printable characters without `@`, `"`, `/` or space). */
export function validateRedisAuthToken(value: string): string {
  if (value.length < 16 || value.length > 128 || /[@"/\s]/.test(value) || /[^\x21-\x7e]/.test(value)) {
    throw new ConfigError('chat:redisAuthToken must be 16 to 128 printable characters without @, ", / or spaces (ElastiCache rule)');
  }
  return value;
}

/** Checks a signing key or store key: the services refuse shorter ones, so fail before deploying one. */
const validateKey = (name: string) => (value: string): string => {
  if (value.length < 32) throw new ConfigError(`chat:${name} must be at least 32 characters`);
  return value;
};

/** Checks the JWT signing key. */
export const validateJwtSecret = validateKey('jwtSecret');

/**
 * Checks the RDS master password against RDS's rules (8 to 128 printable characters without
 * `/`, `"`, `@` or space) and a length that resists guessing.
 */
export function validateDatabasePassword(value: string): string {
  if (value.length < 24 || value.length > 128) throw new ConfigError('chat:databasePassword must be 24 to 128 characters');
  if (/[/"@\s]/.test(value) || /[^\x21-\x7e]/.test(value)) {
    throw new ConfigError('chat:databasePassword may not contain /, ", @, spaces or non-ASCII characters (RDS rule)');
  }
  return value;
}

/** Checks an external database URL. */
export function validateDatabaseUrl(value: string): string {
  if (!/^postgres(ql)?:\/\/[^\s]+$/.test(value)) throw new ConfigError('chat:databaseUrl must be a postgresql:// URL');
  return value;
}

/**
 * Reads the secret keys this configuration needs. Which ones are required follows from the plain
 * configuration: a stack with RDS needs `databasePassword`, one without needs `databaseUrl`.
 */
export function loadPlatformSecrets(config: PlatformConfig): PlatformSecrets {
  const cfg = new pulumi.Config('chat');
  const jwtSecret = cfg.requireSecret('jwtSecret').apply(validateJwtSecret);
  const serviceTokenSecret = cfg.requireSecret('serviceTokenSecret').apply(validateKey('serviceTokenSecret'));
  const redisAuthToken = config.cache ? cfg.requireSecret('redisAuthToken').apply(validateRedisAuthToken) : undefined;
  if (config.database) {
    return { jwtSecret, serviceTokenSecret, redisAuthToken, databasePassword: cfg.requireSecret('databasePassword').apply(validateDatabasePassword) };
  }
  const objectStoreSecretKey = cfg.requireSecret('objectStoreSecretKey').apply(validateKey('objectStoreSecretKey'));
  return { jwtSecret, serviceTokenSecret, objectStoreSecretKey, redisAuthToken, databaseUrl: cfg.requireSecret('databaseUrl').apply(validateDatabaseUrl) };
}
