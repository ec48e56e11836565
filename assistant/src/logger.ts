import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The process's one logger: JSON lines on stdout. Modules take a child,
 * `logger.child({ module: 'assistant.model' })`, and put ids in fields, never in the message text.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'assistant', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
