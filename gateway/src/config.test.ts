import { ConfigError } from '@chat/service-kit';
import { DEV_JWT_SECRET, parseConfig } from './config';

const secret = 'a-random-secret-of-at-least-32-characters!';
const base = { JWT_SECRET: secret, DATABASE_URL: 'postgresql://u:p@localhost:5432/chat', REDIS_URL: 'redis://localhost:6379', KAFKA_BROKERS: 'a:9092, b:9092' };

describe('gateway configuration', () => {
  it('applies the documented defaults and parses lists and numbers', () => {
    const config = parseConfig(base);
    expect(config).toMatchObject({ PORT: 3000, KAFKA_BROKERS: ['a:9092', 'b:9092'], JWT_SECRET: secret, RECOVERY_WINDOW_MS: 120_000 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads an empty variable as unset', () => {
    expect(parseConfig({ ...base, PORT: '', CORS_ORIGIN: '' })).toMatchObject({ PORT: 3000, CORS_ORIGIN: 'http://localhost:8080' });
  });

  it('names every missing or malformed variable', () => {
    expect(() => parseConfig({ ...base, DATABASE_URL: undefined, PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, DATABASE_URL: undefined, PORT: 'eighty' })).toThrow(/DATABASE_URL[\s\S]*PORT|PORT[\s\S]*DATABASE_URL/);
    expect(() => parseConfig({ ...base, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: must be at least 32 characters/);
    expect(() => parseConfig({ ...base, KAFKA_BROKERS: 'no-port' })).toThrow(/KAFKA_BROKERS: each broker must be host:port/);
  });

  it.each(['production', 'development', undefined])('refuses a missing or published JWT secret with NODE_ENV=%s', (mode) => {
    expect(() => parseConfig({ ...base, NODE_ENV: mode, JWT_SECRET: undefined })).toThrow(/JWT_SECRET: missing or a published default/);
    expect(() => parseConfig({ ...base, NODE_ENV: mode, JWT_SECRET: DEV_JWT_SECRET })).toThrow(/JWT_SECRET: missing or a published default/);
    expect(() => parseConfig({ ...base, NODE_ENV: mode, JWT_SECRET_PREVIOUS: DEV_JWT_SECRET })).toThrow(/JWT_SECRET_PREVIOUS/);
    expect(parseConfig({ ...base, NODE_ENV: mode }).JWT_SECRET).toBe(secret);
  });

  it('accepts the published secret only in the test harness', () => {
    expect(parseConfig({ ...base, NODE_ENV: 'test', JWT_SECRET: undefined }).JWT_SECRET).toBe(DEV_JWT_SECRET);
  });

  it('refuses a service-token key equal to the user-token key', () => {
    expect(() => parseConfig({ ...base, SERVICE_TOKEN_SECRET: secret })).toThrow(/SERVICE_TOKEN_SECRET: must differ/);
  });

  it('reads the files section: AWS S3 by default, static keys only in pairs', () => {
    expect(parseConfig(base).S3_ENDPOINT).toBeUndefined();
    expect(parseConfig(base)).toMatchObject({ S3_BUCKET: 'chat-files', FILE_MAX_BYTES: 25 * 1024 * 1024, FILE_QUOTA_BYTES: 1024 ** 3 });
    expect(() => parseConfig({ ...base, S3_ACCESS_KEY_ID: 'only-one' })).toThrow(/S3_ACCESS_KEY_ID: set both/);
    expect(() => parseConfig({ ...base, S3_BUCKET: 'Not_A_Bucket' })).toThrow(/S3_BUCKET/);
  });
});
