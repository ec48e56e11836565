import { type ErrorBody, type ErrorCode, RETRIABLE_CODES } from '@chat/protocol';
import { isDependencyUnavailable } from './dependency-errors';

/** Options of {@link AppError}. */
export interface AppErrorOptions {
  /** The underlying error: logged, never sent to clients. */
  cause?: unknown;
  /** Whether the same request may simply be tried again. Default: the catalogue's answer for the code. */
  retriable?: boolean;
  /** For RATE_LIMITED: when the client may try again, in milliseconds. */
  retryAfterMs?: number;
}

/**
 * The root of every error the services raise on purpose: a stable code from the protocol's catalogue,
 * a message for people, whether retrying may help, and the cause. REST answers and Socket.IO acks are
 * built from it ({@link AppError.toBody}); anything else thrown goes through {@link toAppError} first.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly retriable: boolean;
  readonly retryAfterMs?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable ?? RETRIABLE_CODES.has(code);
    this.retryAfterMs = options.retryAfterMs;
  }

  /** What a client is told: `{code, message}`, never the cause. */
  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/**
 * Any thrown value as an AppError: an unreachable dependency (told apart by the drivers' error classes
 * and codes, see {@link isDependencyUnavailable}) becomes UNAVAILABLE, anything else INTERNAL with a
 * message that reveals nothing (the cause is kept for the log).
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDependencyUnavailable(error)) return new AppError('UNAVAILABLE', 'a service the chat depends on is not reachable right now; retry shortly', { cause: error });
  return new AppError('INTERNAL', 'something went wrong on our side; it has been logged', { cause: error });
}

/** The answer of a Socket.IO ack that failed: `{ok: false, error: {code, message}}`, from any thrown value. */
export function errorAck(error: unknown): { ok: false; error: ErrorBody } {
  return { ok: false, error: toAppError(error).toBody() };
}
