import { type logCreator, logLevel } from 'kafkajs';
import type { Logger } from './logger';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Routes kafkajs's own log lines into the process's pino logger (one JSON log stream). */
export function createKafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      logger.child({ module: namespace ? `kafkajs.${namespace}` : 'kafkajs' })[LEVELS[level] ?? 'info'](fields, message);
    };
}
