import { ConfigError, parseConfig } from './config';

const required = { DATABASE_URL: 'postgresql://chat:chat@127.0.0.1:5432/chat', KAFKA_BROKERS: '127.0.0.1:9092' };

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(required);
    expect(config).toMatchObject({
      nodeEnv: 'development',
      logLevel: 'info',
      port: 3100,
      batchMax: 5000,
      retryMaxMs: 5000,
      kafka: { brokers: ['127.0.0.1:9092'], groupId: 'chat-persister', messagesTopic: 'chat.messages.v1', deadLetterTopic: 'chat.messages.dlq.v1', messagesPartitions: 12, createTopics: true, sessionTimeoutMs: 30_000 },
    });
  });

  it('reads every variable and freezes the result', () => {
    const config = parseConfig({
      ...required,
      KAFKA_BROKERS: 'a:9092, b:9093',
      KAFKA_CREATE_TOPICS: 'false',
      PERSISTER_BATCH_MAX: '250',
      PERSISTER_PORT: '4000',
      KAFKA_MESSAGES_PARTITIONS: '48',
    });
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.kafka.createTopics).toBe(false);
    expect(config.batchMax).toBe(250);
    expect(config.port).toBe(4000);
    expect(config.kafka.messagesPartitions).toBe(48);
    expect(Object.isFrozen(config) && Object.isFrozen(config.kafka)).toBe(true);
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
  ])('refuses a bad %s with a message naming it', (variable, env) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(new RegExp(`${variable}:`));
  });
});
