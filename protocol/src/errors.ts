/**
 * The catalogue of error codes every API answer and Socket.IO ack uses.
 * Clients switch on `code`; `message` is for people and may change.
 */
export const ERROR_CODES = [
  'VALIDATION', // the input is malformed, oversized or of the wrong type
  'UNAUTHORIZED', // no credentials, or credentials that are wrong, expired or forged
  'FORBIDDEN', // authenticated, but not allowed (for example not a member of the room)
  'NOT_FOUND', // no such resource (or one the caller may not know exists)
  'CONFLICT', // the resource exists already (for example a taken username)
  'RATE_LIMITED', // too many requests; retry later
  'PAYLOAD_TOO_LARGE', // the request body (or a file) is over the limit
  'UNSUPPORTED_MEDIA_TYPE', // a file type that is not on the allow-list
  'CONTENT_MISMATCH', // a file's bytes are not of the type (or size) it was declared with
  'QUOTA_EXCEEDED', // the user's storage quota would be exceeded
  'UNAVAILABLE', // a dependency (Kafka, Redis, Postgres) cannot take the request now; retry later
  'INTERNAL', // a bug: reported, never with details
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Which codes a client may retry unchanged (with the same clientMsgId for sends). */
export const RETRIABLE_CODES: ReadonlySet<ErrorCode> = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL']);

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** The JSON body of every REST error: `{ error: { code, message } }`. */
export interface ErrorResponse {
  error: ErrorBody;
}
