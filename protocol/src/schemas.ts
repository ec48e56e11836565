import { z } from 'zod';
import { normalizeEmoji } from './emoji';
import { LIMITS } from './limits';
import { BIDI_CONTROLS, CONTROL_CHARS, normalizeBody, storedBodySchema, unstorableTextProblem } from './text';

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
  .refine((s) => !CONTROL_CHARS.test(s), 'room name must not contain control characters')
  .refine((s) => !BIDI_CONTROLS.test(s), 'room name must not contain bidirectional control characters')
  .refine((s) => unstorableTextProblem(s) === undefined, 'room name must be well-formed Unicode without NUL');

export const createRoomSchema = z.strictObject({
  name: roomNameSchema,
  visibility: z.enum(['public', 'private']),
});
export type CreateRoomInput = z.infer<typeof createRoomSchema>;

export const usernameBodySchema = z.strictObject({ username: usernameSchema });

/**
 * `GET /api/rooms/:id/messages`: top-level messages, or with `parentId` one thread's replies; the page
 * ends just before `before` (or at the newest), starts just after `after` (paging forward, as a thread
 * is read), or is centred on `around` (that message included). At most one of the three.
 */
export const historyQuerySchema = z
  .strictObject({
    before: idSchema.optional(),
    after: idSchema.optional(),
    around: idSchema.optional(),
    parentId: idSchema.optional(),
    limit: z.coerce.number().int().min(1).max(LIMITS.historyPageMax).default(LIMITS.historyPageDefault),
  })
  .refine((q) => [q.before, q.after, q.around].filter(Boolean).length <= 1, 'before, after and around cannot be combined');
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

/**
 * Message bodies: Windows newlines folded, trimmed, then exactly what the persister stores
 * (`storedBodySchema`, which the Kafka record schema uses too: text.ts).
 */
export const messageBodySchema = z.string().transform(normalizeBody).pipe(storedBodySchema);

/** Chosen by the client, unique per user; a resend with the same value is the same message. */
export const clientMsgIdSchema = z
  .string()
  .min(1)
  .max(LIMITS.clientMsgIdMax)
  .regex(/^[A-Za-z0-9_-]+$/, 'clientMsgId may contain only letters, digits, "_" and "-"');

export const sendMessageSchema = z.strictObject({
  roomId: idSchema,
  body: messageBodySchema,
  clientMsgId: clientMsgIdSchema,
  /** A reply: the message (of the same room) whose thread it joins; a reply to a reply joins the same thread. */
  parentId: idSchema.optional(),
});
export type SendMessageInput = z.input<typeof sendMessageSchema>;

/** `message:edit`: the sender replaces the body (same rules as a send). */
export const editMessageSchema = z.strictObject({ messageId: idSchema, body: messageBodySchema });
export type EditMessageInput = z.input<typeof editMessageSchema>;

/** `message:delete`: the message to turn into a tombstone. */
export const messageRefSchema = z.strictObject({ messageId: idSchema });
export type MessageRefInput = z.input<typeof messageRefSchema>;

/** One Unicode emoji or a shipped `:shortcode:`, normalized to the emoji (see emoji.ts). */
export const emojiSchema = z.string().transform((value, ctx) => {
  const emoji = normalizeEmoji(value);
  if (emoji === undefined) {
    ctx.addIssue({ code: 'custom', message: 'emoji must be one emoji or a known :shortcode:' });
    return z.NEVER;
  }
  return emoji;
});

/** `reaction:add` / `reaction:remove`. */
export const reactionSchema = z.strictObject({ messageId: idSchema, emoji: emojiSchema });
export type ReactionInput = z.input<typeof reactionSchema>;

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
