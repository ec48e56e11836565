import { ConfigError } from '@chat/service-kit';
import { parseConfig } from './config';

const base = {
  DATABASE_URL: 'postgresql://chat:chat@127.0.0.1:5432/chat',
  REDIS_URL: 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
  GATEWAY_URL: 'http://127.0.0.1:8080',
  ASSISTANT_URL: 'http://localhost:11434/',
};

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(base);
    expect(config).toMatchObject({
      ASSISTANT_NAME: 'assistant',
      ASSISTANT_API: 'ollama',
      ASSISTANT_URL: 'http://localhost:11434',
      ASSISTANT_MODEL: 'llama3.2',
      ASSISTANT_TIMEOUT_MS: 60_000,
      ASSISTANT_MAX_TOKENS: 512,
      ASSISTANT_GROUP_ID: 'chat-assistant',
      ASSISTANT_CONTEXT_MESSAGES: 20,
    });
    expect(config.ASSISTANT_API_KEY).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every missing or malformed variable', () => {
    const bad = () => parseConfig({ ...base, ASSISTANT_URL: '', ASSISTANT_API: 'claude', ASSISTANT_NAME: 'no spaces' });
    expect(bad).toThrow(ConfigError);
    for (const name of ['ASSISTANT_URL', 'ASSISTANT_API', 'ASSISTANT_NAME']) expect(bad).toThrow(new RegExp(`\\b${name}:`));
  });

  it('refuses an ASSISTANT_ variable it does not know (a typo would fall back to the default)', () => {
    expect(() => parseConfig({ ...base, ASSISTANT_MAX_TOKEN: '100' })).toThrow(/ASSISTANT_MAX_TOKEN: unknown assistant variable/);
  });

  it('refuses the development JWT secret in production', () => {
    expect(() => parseConfig({ ...base, NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  });
});
