import { z } from 'zod';
import { ConfigError, env, parseEnvironment, unknownVariables } from './config';

const schema = z.object({
  PORT: env.int(1, 65535).default(3000),
  WORKER_BATCH: env.int(1).default(10),
  WORKER_ON: env.flag().default(false),
  BROKERS: env.brokers(),
});
const options = { service: 'worker', ownPrefix: 'WORKER_' };

describe('parseEnvironment', () => {
  it('reads empty as unset, parses numbers, flags and lists, and freezes the result', () => {
    const config = parseEnvironment(schema, { PORT: '', WORKER_ON: 'false', BROKERS: 'a:1, b:2', HOME: '/root' }, options);
    expect(config).toEqual({ PORT: 3000, WORKER_BATCH: 10, WORKER_ON: false, BROKERS: ['a:1', 'b:2'] });
    expect(Object.isFrozen(config) && Object.isFrozen(config.BROKERS)).toBe(true);
  });

  it('names every bad variable, and every unknown one of the service prefix, at once', () => {
    const parse = () => parseEnvironment(schema, { PORT: 'x', WORKER_BACH: '5', BROKERS: 'nope', OTHER_THING: '1' }, options);
    expect(parse).toThrow(ConfigError);
    try {
      parse();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'WORKER_BACH: unknown worker variable (a typo?)',
        expect.stringMatching(/^PORT: /),
        'BROKERS: each broker must be host:port',
      ]);
      expect((error as ConfigError).message).toMatch(/^invalid worker configuration: /);
    }
  });
});

describe('unknownVariables', () => {
  it('lists the variables a schema does not know', () => {
    expect(unknownVariables(schema, { PORT: '1', PROT: '2', BROKERS: 'a:1' })).toEqual(['PROT']);
  });
});
