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
