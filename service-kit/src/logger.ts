import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Fields that never reach a log line, wherever they sit in a logged object: credentials in headers,
 * tokens, passwords and API keys.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'token',
  'password',
  'passwordHash',
  'apiKey',
  'secret',
  '*.token',
  '*.password',
  '*.passwordHash',
  '*.apiKey',
  '*.secret',
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** The service's name: the `service` field of every line and the first part of every module name. */
  service: string;
  /** pino level (`info`, `silent`, ...). */
  level: string;
  /** More fields on every line (`{gatewayId}`). */
  base?: Record<string, unknown>;
  /** Where the lines go; default stdout (what Kubernetes collects). */
  destination?: pino.DestinationStream;
}

/**
 * The process's one logger: JSON lines with an ISO time and the level's name, the same in every
 * service, and secrets redacted. Modules take a child with {@link moduleLogger}.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings: pino.LoggerOptions = {
    level: options.level,
    base: { service: options.service, pid: process.pid, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/**
 * The logger of one module, named `service.module` (`persister.batch`), so a line says where it comes
 * from. Take it from the service's root logger (a child's child would carry two `module` fields).
 */
export function moduleLogger(logger: Logger, module: string): Logger {
  const service = (logger.bindings() as { service?: string }).service;
  return logger.child({ module: service ? `${service}.${module}` : module });
}
