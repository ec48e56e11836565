import { DEV_JWT_SECRET, loadConfig } from './config';

const base = { DATABASE_URL: 'postgresql://u:p@localhost:5432/chat', REDIS_URL: 'redis://localhost:6379', KAFKA_BROKERS: 'a:9092, b:9092' };

describe('gateway configuration', () => {
  it('applies the documented defaults and parses lists and numbers', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({ PORT: 3000, KAFKA_BROKERS: ['a:9092', 'b:9092'], JWT_SECRET: DEV_JWT_SECRET, RECOVERY_WINDOW_MS: 120_000 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every missing or malformed variable', () => {
    expect(() => loadConfig({ ...base, DATABASE_URL: undefined, PORT: 'eighty' })).toThrow(/DATABASE_URL[\s\S]*PORT|PORT[\s\S]*DATABASE_URL/);
    expect(() => loadConfig({ ...base, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: must be at least 32 characters/);
  });

  it('refuses the development JWT secret in production', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/JWT_SECRET: the development default is refused in production/);
    expect(loadConfig({ ...base, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }).NODE_ENV).toBe('production');
  });
});
