import { ERROR_CODES, type ErrorBody, type ErrorCode } from '@chat/protocol';

/** A failed API call or socket ack, with the protocol's error code for the UI to switch on. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The HTTP status, when the error came from a REST call. */
    readonly status?: number,
  ) {
    super(message);
  }

  /** The `{code, message}` form that acks carry and the timeline stores. */
  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);

/** When the body is not the protocol's error shape (a proxy's HTML 502, say): a code from the status. */
function codeForStatus(status: number): ErrorCode {
  if (status === 400) return 'VALIDATION';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 502 || status === 503 || status === 504) return 'UNAVAILABLE';
  return 'INTERNAL';
}

/** Reads `{error: {code, message}}` from a failed response's JSON, or makes one from the status. */
export function errorFromResponse(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error && isErrorCode(error.code)) {
    return new ApiError(error.code, typeof error.message === 'string' ? error.message : error.code, status);
  }
  return new ApiError(codeForStatus(status), `The server answered ${status}`, status);
}
