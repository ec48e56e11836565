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
    expect(config.name).toBe('assistant');
    expect(config.model).toEqual({ api: 'ollama', url: 'http://localhost:11434', model: 'llama3.2', apiKey: undefined, timeoutMs: 60_000, maxTokens: 512 });
    expect(config.kafka.groupId).toBe('chat-assistant');
    expect(config.contextMessages).toBe(20);
    expect(Object.isFrozen(config.model)).toBe(true);
  });

  it('names every missing or malformed variable', () => {
    const bad = () => parseConfig({ ...base, ASSISTANT_URL: '', ASSISTANT_API: 'claude', ASSISTANT_NAME: 'no spaces' });
    for (const name of ['ASSISTANT_URL', 'ASSISTANT_API', 'ASSISTANT_NAME']) expect(bad).toThrow(new RegExp(`\\b${name}:`));
  });

  it('refuses the development JWT secret in production', () => {
    expect(() => parseConfig({ ...base, NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  });
});
