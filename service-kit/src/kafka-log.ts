import { type logCreator, logLevel } from 'kafkajs';
import { type Logger, moduleLogger } from './logger';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Routes kafkajs's own log lines into the service's logger (one JSON stream, one format), each under
 * `service.kafkajs.<namespace>`. Pass it as `logCreator` to `new Kafka(...)`.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      moduleLogger(logger, namespace ? `kafkajs.${namespace}` : 'kafkajs')[LEVELS[level] ?? 'info'](fields, message);
    };
}
