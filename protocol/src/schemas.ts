import { z } from 'zod';
import { LIMITS } from './limits';

/** C0 control characters except tab and newline, and DEL: never part of a chat message or a name. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f]/;

export const usernameSchema = z
  .string()
  .min(LIMITS.usernameMin, `username must be ${LIMITS.usernameMin}-${LIMITS.usernameMax} characters`)
  .max(LIMITS.usernameMax, `username must be ${LIMITS.usernameMin}-${LIMITS.usernameMax} characters`)
  .regex(/^[A-Za-z0-9_.-]+$/, 'username may contain only letters, digits, "_", "." and "-"');

export const passwordSchema = z
  .string()
  .min(LIMITS.passwordMin, `password must be ${LIMITS.passwordMin}-${LIMITS.passwordMax} characters`)
  .max(LIMITS.passwordMax, `password must be ${LIMITS.passwordMin}-${LIMITS.passwordMax} characters`);

export const credentialsSchema = z.strictObject({ username: usernameSchema, password: passwordSchema });
export type Credentials = z.infer<typeof credentialsSchema>;

/** Ids are UUIDs (v7 for everything the platform creates). */
export const idSchema = z.uuid('must be a UUID');

export const roomNameSchema = z
  .string()
  .trim()
  .min(LIMITS.roomNameMin, `room name must be ${LIMITS.roomNameMin}-${LIMITS.roomNameMax} characters`)
  .max(LIMITS.roomNameMax, `room name must be ${LIMITS.roomNameMin}-${LIMITS.roomNameMax} characters`)
  .refine((s) => !CONTROL_CHARS.test(s), 'room name must not contain control characters');

export const createRoomSchema = z.strictObject({
  name: roomNameSchema,
  visibility: z.enum(['public', 'private']),
});
export type CreateRoomInput = z.infer<typeof createRoomSchema>;

export const usernameBodySchema = z.strictObject({ username: usernameSchema });

export const historyQuerySchema = z.strictObject({
  before: idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.historyPageMax).default(LIMITS.historyPageDefault),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

/** Message text: trimmed, Windows newlines folded, at most 4000 characters, no control characters; may be empty. */
export const messageTextSchema = z
  .string()
  .transform((s) => s.replace(/\r\n?/g, '\n').trim())
  .pipe(
    z
      .string()
      .max(LIMITS.bodyMax, `message must be at most ${LIMITS.bodyMax} characters`)
      .refine((s) => !CONTROL_CHARS.test(s), 'message must not contain control characters'),
  );

/** Message bodies: message text of 1-4000 characters. */
export const messageBodySchema = messageTextSchema.pipe(z.string().min(LIMITS.bodyMin, 'message must not be empty'));

/** Chosen by the client, unique per user; a resend with the same value is the same message. */
export const clientMsgIdSchema = z
  .string()
  .min(1)
  .max(LIMITS.clientMsgIdMax)
  .regex(/^[A-Za-z0-9_-]+$/, 'clientMsgId may contain only letters, digits, "_" and "-"');

/** Files of a message: the ids of uploads the sender made into the same room (at most 10, no repeats). */
export const attachmentIdsSchema = z
  .array(idSchema)
  .max(LIMITS.attachmentsMax, `a message may carry at most ${LIMITS.attachmentsMax} files`)
  .refine((ids) => new Set(ids).size === ids.length, 'the same file is attached twice');

export const sendMessageSchema = z
  .strictObject({
    roomId: idSchema,
    /** May be empty when the message carries files. */
    body: messageTextSchema,
    clientMsgId: clientMsgIdSchema,
    attachments: attachmentIdsSchema.optional(),
  })
  .refine((m) => m.body !== '' || (m.attachments?.length ?? 0) > 0, { path: ['body'], message: 'message must not be empty' });
export type SendMessageInput = z.input<typeof sendMessageSchema>;

/** `POST /api/rooms/:roomId/uploads`: the file the client is about to upload. */
export const createUploadSchema = z.strictObject({
  /** The file's name as the user's system has it; the server sanitises it. */
  name: z.string().min(1, 'name must not be empty').max(1000, 'name is too long'),
  /** Exact size in bytes: the upload URL accepts this many and no other. */
  size: z.number().int().min(1, 'an empty file cannot be shared').max(Number.MAX_SAFE_INTEGER),
  /** The declared MIME type: must be on the allow-list and match the file's first bytes. */
  contentType: z.string().min(1).max(255).transform((s) => s.toLowerCase().split(';')[0]!.trim()),
});
export type CreateUploadInput = z.input<typeof createUploadSchema>;

export const roomRefSchema = z.strictObject({ roomId: idSchema });

/** A piece of a streamed assistant reply (client-to-server `assistant:stream`, service sockets only). */
export const assistantStreamSchema = z.strictObject({
  roomId: idSchema,
  /** The id of the prompt message being answered. */
  replyTo: idSchema,
  /** The clientMsgId the final reply will be sent with, so a receiver can swap the pending text for it. */
  replyId: clientMsgIdSchema,
  /** 0, 1, 2...: the order of the pieces of one reply. */
  seq: z.number().int().min(0).max(1_000_000),
  /** Text to append (no markup: rendered as text). */
  delta: z.string().max(LIMITS.bodyMax),
  /** True on the last piece: the final reply follows as `message:new`. */
  done: z.boolean(),
});
export type AssistantStreamInput = z.infer<typeof assistantStreamSchema>;

/** The first issue of a failed parse, as one line a person can read. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid input';
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
