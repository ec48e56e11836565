/**
 * What text the platform accepts, in one place: the gateway's send schema, the Kafka record schema the
 * persister decodes with, and the names of rooms all use these, so an acknowledged message can never be
 * one the persister refuses (a lone surrogate was acked, broadcast, then dead-lettered).
 */
import { z } from 'zod';
import { LIMITS } from './limits';

/** C0 control characters except tab and newline, and DEL: never part of a chat message or a name. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/**
 * Bidirectional embedding, override and isolate controls (and the directional marks): in a name they
 * make "gpj.exe" read as "exe.jpg" (the "Trojan Source" trick), so names refuse them; message bodies
 * keep them (right-to-left writers use them) and the web app renders each body isolated.
 */
export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The text with every lone surrogate replaced by U+FFFD (String.prototype.toWellFormed, ES2024). */
export const toWellFormed = (text: string): string => text.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\ufffd');

/**
 * Why PostgreSQL cannot store this text as it is, or undefined: a NUL character (text columns cannot
 * hold U+0000, SQLSTATE 22021) or a lone UTF-16 surrogate (silently replaced by U+FFFD on the way to
 * UTF-8: the stored text would not be the text acknowledged).
 */
export function unstorableTextProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(text)) return 'is not well-formed Unicode (lone surrogate)';
  return undefined;
}

/** Refines a string schema so that it refuses text PostgreSQL cannot store as it is. */
const storable = (schema: z.ZodString, what: string) =>
  schema.superRefine((s, ctx) => {
    const problem = unstorableTextProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: `${what} ${problem}` });
  });

/** Message text as stored, at least `min` UTF-16 code units: storable, no control characters. */
const storedText = (min: number) =>
  storable(
    z
      .string()
      .min(min, 'message must not be empty')
      .max(LIMITS.bodyMax, `message must be at most ${LIMITS.bodyMax} characters`)
      .refine((s) => !CONTROL_CHARS.test(s), 'message must not contain control characters'),
    'message',
  );

/**
 * A message body as stored: 1-4000 UTF-16 code units, storable, no control characters. The send
 * schema applies it after normalising; the Kafka record schema applies it as it is.
 */
export const storedBodySchema = storedText(LIMITS.bodyMin);

/** The body of a message that carries files: the same rules, but it may be empty. */
export const storedTextSchema = storedText(0);

/** What the gateway does to a body before validating it: Windows and old Mac newlines folded, trimmed. */
export const normalizeBody = (body: string): string => body.replace(/\r\n?/g, '\n').trim();

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The longest prefix of `text` that fits in `max` UTF-16 code units (the unit of the body limit) without
 * splitting a grapheme (an emoji with its modifiers, a letter with its accents, a surrogate pair), with
 * `ellipsis` appended when something was cut (counted in `max`).
 */
export function cutText(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  const budget = max - ellipsis.length;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    if (index + segment.length > budget) break;
    end = index + segment.length;
  }
  return `${text.slice(0, end)}${ellipsis}`;
}
