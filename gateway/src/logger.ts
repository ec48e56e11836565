import pino, { type Logger } from 'pino';

/**
 * The one logger of the process. Secrets never reach it: authorization headers, cookies, tokens and
 * passwords are redacted wherever they appear in a logged object.
 */
export function createLogger(level: string, gatewayId: string): Logger {
  return pino({
    level,
    base: { service: 'gateway', gatewayId },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password', '*.passwordHash', 'token', 'password', 'passwordHash'],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
