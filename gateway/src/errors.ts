import type { ErrorBody, ErrorCode } from '@chat/protocol';
import { RETRIABLE_CODES } from '@chat/protocol';

/**
 * The one error type of the gateway: a stable code from the protocol's catalogue, a message for people,
 * whether retrying may help, and the underlying cause (logged, never sent to clients).
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly retriable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.retriable = RETRIABLE_CODES.has(code);
    this.retryAfterMs = options.retryAfterMs;
  }

  /** For RATE_LIMITED: when the client may try again. */
  readonly retryAfterMs?: number;

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** HTTP status of each code: the only place REST maps codes to statuses. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CONTENT_MISMATCH: 422,
  QUOTA_EXCEEDED: 403,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** Failures to reach PostgreSQL or Redis, however the drivers word them: temporary, so UNAVAILABLE. */
const DEPENDENCY_DOWN = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|connection is closed|Connection is closed|MaxRetriesPerRequest|terminating connection|the database system is|too many clients|timeout exceeded when trying to connect/i;

/**
 * Any thrown value as an AppError: an unreachable dependency becomes UNAVAILABLE (retriable), anything
 * else INTERNAL with a message that reveals nothing (the cause is logged).
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const text = `${(error as { message?: string })?.message ?? ''} ${(error as { code?: string })?.code ?? ''} ${String((error as { cause?: unknown })?.cause ?? '')}`;
  if (DEPENDENCY_DOWN.test(text)) return new AppError('UNAVAILABLE', 'a service the chat depends on is not reachable right now; retry shortly', { cause: error });
  return new AppError('INTERNAL', 'something went wrong on our side; it has been logged', { cause: error });
}
