import {
  ConfigError,
  parsePlatformConfig,
  validateDatabasePassword,
  validateDatabaseUrl,
  validateJwtSecret,
  type PlatformConfigInput,
} from './config';

const nodes = { instanceTypes: ['m7i.large'], minSize: 3, desiredSize: 3, maxSize: 4 };

/** A valid prod configuration; each test breaks one thing. */
function prod(): PlatformConfigInput {
  return {
    environment: 'prod',
    network: { cidr: '10.30.0.0/16', natGateways: 'perZone' },
    cluster: { kubernetesVersion: '1.35', endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24'] },
    nodeGroups: { system: { ...nodes }, app: { ...nodes } },
    database: { instanceClass: 'db.m7g.large', allocatedStorageGiB: 100, maxAllocatedStorageGiB: 500 },
    cache: { nodeType: 'cache.m7g.large' },
    files: { webOrigin: 'https://chat.example.com' },
    github: { repository: 'chat-platform/chat' },
  };
}

const rejects = (raw: unknown, message: RegExp) => {
  expect(() => parsePlatformConfig(raw, 'test')).toThrow(ConfigError);
  expect(() => parsePlatformConfig(raw, 'test')).toThrow(message);
};

describe('parsePlatformConfig', () => {
  test('applies the documented defaults and derives the cluster name', () => {
    const config = parsePlatformConfig(prod(), 'prod');
    expect(config.clusterName).toBe('chat-prod');
    expect(config.cache).toEqual({ nodeType: 'cache.m7g.large', nodes: 2, snapshotRetentionDays: 7 });
    expect(config.cluster.logTypes).toHaveLength(5);
    expect(config.database).toMatchObject({ multiAz: true, deletionProtection: true, backupRetentionDays: 14, engineVersion: '17' });
    expect(config.nodeGroups.app).toMatchObject({ capacityType: 'ON_DEMAND', diskSizeGiB: 50 });
    expect(Object.isFrozen(config.database)).toBe(true);
  });

  test('rejects a Kubernetes version outside EKS standard support', () => {
    rejects({ ...prod(), cluster: { ...prod().cluster, kubernetesVersion: '1.29' } }, /kubernetesVersion: must be an EKS version in standard support/);
  });

  test('rejects node group sizes out of order', () => {
    rejects({ ...prod(), nodeGroups: { system: nodes, app: { ...nodes, desiredSize: 5 } } }, /nodeGroups.app: node group sizes must satisfy/);
  });

  test('rejects unknown keys, so a typo cannot silently fall back to a default', () => {
    rejects({ ...prod(), database: { ...prod().database, multiAZ: false } }, /Unrecognized key/);
  });

  test('rejects a VPC range that is not a /16 IPv4 CIDR', () => {
    rejects({ ...prod(), network: { cidr: '10.0.0.0/20' } }, /must be a \/16/);
    rejects({ ...prod(), network: { cidr: '10.0.0/16' } }, /chat:network.cidr/);
  });

  test('rejects a production stack without the database or with it unprotected', () => {
    const { database: _database, ...withoutDatabase } = prod();
    rejects(withoutDatabase, /chat:database: prod needs the RDS database/);
    rejects({ ...prod(), database: { ...prod().database, deletionProtection: false } }, /prod needs deletion protection/);
    rejects({ ...prod(), database: { ...prod().database, backupRetentionDays: 3 } }, /at least 7 days/);
  });

  test('rejects a production stack without the files bucket, or with a CORS origin that is not one https origin', () => {
    const { files: _files, ...withoutFiles } = prod();
    rejects(withoutFiles, /chat:files: prod needs the files bucket/);
    rejects({ ...prod(), files: { webOrigin: 'https://*.example.com' } }, /chat:files.webOrigin: one https origin/);
    rejects({ ...prod(), files: { webOrigin: 'http://chat.example.com' } }, /chat:files.webOrigin/);
  });

  test('rejects a production stack without a cache replica', () => {
    const { cache: _cache, ...withoutCache } = prod();
    rejects(withoutCache, /chat:cache: prod needs the ElastiCache cache/);
    rejects({ ...prod(), cache: { nodeType: 'cache.m7g.large', nodes: 1 } }, /nodes >= 2/);
  });

  test('rejects a production API endpoint open to the whole internet, and a public endpoint without a range', () => {
    rejects({ ...prod(), cluster: { ...prod().cluster, publicAccessCidrs: ['0.0.0.0/0'] } }, /must not open the API endpoint/);
    rejects({ ...prod(), environment: 'dev', cluster: { kubernetesVersion: '1.35', endpointPublicAccess: true } }, /needs publicAccessCidrs/);
  });

  test('rejects a single NAT gateway in production but accepts it in dev', () => {
    rejects({ ...prod(), network: { natGateways: 'single' } }, /one NAT gateway per zone/);
    const dev = { ...prod(), environment: 'dev', network: { natGateways: 'single' } };
    expect(parsePlatformConfig(dev, 'dev').network.natGateways).toBe('single');
  });

  test('names every problem at once', () => {
    const raw = { ...prod(), environment: 'staging', github: { repository: 'not a repo' } };
    expect(() => parsePlatformConfig(raw, 'x')).toThrow(/chat:environment[\s\S]*chat:github.repository/);
  });
});

describe('secret validators', () => {
  test('refuse a JWT secret the gateway would refuse', () => {
    expect(() => validateJwtSecret('short')).toThrow(/at least 32/);
    expect(validateJwtSecret('x'.repeat(32))).toHaveLength(32);
  });

  test('refuse database passwords RDS would refuse or that are short', () => {
    expect(() => validateDatabasePassword('short')).toThrow(/24 to 128/);
    expect(() => validateDatabasePassword(`${'a'.repeat(24)}@`)).toThrow(/RDS rule/);
    expect(() => validateDatabasePassword(`${'a'.repeat(24)} b`)).toThrow(/RDS rule/);
    expect(validateDatabasePassword('A'.repeat(30))).toHaveLength(30);
  });

  test('accept only PostgreSQL URLs', () => {
    expect(() => validateDatabaseUrl('mysql://x')).toThrow(/postgresql/);
    expect(validateDatabaseUrl('postgres://u:p@h:5432/d')).toBe('postgres://u:p@h:5432/d');
  });
});
