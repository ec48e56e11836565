import { ConfigError } from '@chat/service-kit';
import { parseConfig } from './config';

const required = { DATABASE_URL: 'postgresql://chat:chat@127.0.0.1:5432/chat', KAFKA_BROKERS: '127.0.0.1:9092' };

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    expect(parseConfig(required)).toMatchObject({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      PERSISTER_PORT: 3100,
      PERSISTER_BATCH_MAX: 5000,
      PERSISTER_RETRY_MAX_MS: 5000,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_GROUP_ID: 'chat-persister',
      KAFKA_MESSAGES_TOPIC: 'chat.messages.v1',
      KAFKA_DLQ_TOPIC: 'chat.messages.dlq.v1',
      KAFKA_MESSAGES_PARTITIONS: 12,
      KAFKA_CREATE_TOPICS: true,
      KAFKA_SESSION_TIMEOUT_MS: 30_000,
    });
  });

  it('reads every variable, an empty one as unset, and freezes the result', () => {
    const config = parseConfig({
      ...required,
      KAFKA_BROKERS: 'a:9092, b:9093',
      KAFKA_CREATE_TOPICS: 'false',
      PERSISTER_BATCH_MAX: '250',
      PERSISTER_PORT: '4000',
      PERSISTER_RETRY_MAX_MS: '',
      KAFKA_MESSAGES_PARTITIONS: '48',
    });
    expect(config).toMatchObject({ KAFKA_BROKERS: ['a:9092', 'b:9093'], KAFKA_CREATE_TOPICS: false, PERSISTER_BATCH_MAX: 250, PERSISTER_PORT: 4000, PERSISTER_RETRY_MAX_MS: 5000, KAFKA_MESSAGES_PARTITIONS: 48 });
    expect(Object.isFrozen(config) && Object.isFrozen(config.KAFKA_BROKERS)).toBe(true);
  });

  it.each([
    ['DATABASE_URL', { KAFKA_BROKERS: '127.0.0.1:9092' }],
    ['DATABASE_URL', { ...required, DATABASE_URL: 'mysql://x@y/z' }],
    ['KAFKA_BROKERS', { ...required, KAFKA_BROKERS: 'no-port' }],
    ['PERSISTER_BATCH_MAX', { ...required, PERSISTER_BATCH_MAX: '0' }],
    ['PERSISTER_PORT', { ...required, PERSISTER_PORT: '70000' }],
    ['KAFKA_CREATE_TOPICS', { ...required, KAFKA_CREATE_TOPICS: 'maybe' }],
    ['LOG_LEVEL', { ...required, LOG_LEVEL: 'loud' }],
    ['KAFKA_SESSION_TIMEOUT_MS', { ...required, KAFKA_SESSION_TIMEOUT_MS: '1000' }],
    ['PERSISTER_BATCH_SIZE', { ...required, PERSISTER_BATCH_SIZE: '100' }],
  ])('refuses a bad %s with a message naming it', (variable, env) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(new RegExp(`${variable}:`));
  });
});
