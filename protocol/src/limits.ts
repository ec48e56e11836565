/** Limits shared by the server (which enforces them) and the web app (which helps users stay inside). */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 128,
  roomNameMin: 1,
  roomNameMax: 64,
  /** Message body length, in characters, after trimming. */
  bodyMin: 1,
  bodyMax: 4000,
  clientMsgIdMax: 64,
  historyPageMax: 100,
  historyPageDefault: 50,
  /** Files one message may carry. */
  attachmentsMax: 10,
  /** A file's display name, in characters, after sanitising. */
  fileNameMax: 200,
} as const;

/**
 * How long a client waits for the ack of `message:send` before it treats the send as failed and offers
 * a retry. The gateway answers within this with margin: its Kafka timeout (KAFKA_SEND_TIMEOUT_MS) may
 * be at most this minus {@link SEND_ACK_MARGIN_MS}, so a client sees UNAVAILABLE rather than a silence.
 */
export const SEND_ACK_TIMEOUT_MS = 10_000;
/** What the gateway keeps free of the client's wait for the rest of the send (Redis, the answer's trip). */
export const SEND_ACK_MARGIN_MS = 3_000;

/**
 * Usernames no person may register (compared without case): the room assistant's default name and the
 * names people read as the platform speaking. Registering "assistant" first stopped the worker from
 * starting (it never takes over a person's account); the gateway also reserves its ASSISTANT_NAME.
 */
export const RESERVED_USERNAMES: readonly string[] = ['assistant', 'admin', 'administrator', 'moderator', 'root', 'superchat', 'support', 'system', 'room'];
