import { type MessageEvent, parseMessageEvent, unstorableTextProblem } from '@chat/protocol';

/** One row of the `messages` table as a `message.sent` event creates it. */
export interface MessageRow {
  id: string;
  roomId: string;
  senderId: string;
  senderUsername: string;
  body: string;
  clientMsgId: string;
  /** ISO 8601 instant in UTC, as the gateway assigned it (Postgres rounds it to milliseconds). */
  createdAt: string;
  /** The thread's top-level message for a reply; null otherwise. */
  parentId: string | null;
}

/** A record is either an event to apply or a reason why it can never be applied. */
export type DecodeResult = { ok: true; event: MessageEvent } | { ok: false; problem: RecordProblem; reason: string };

/** Why a record was refused, as a bounded label for metrics (the reason text has the details). */
export type RecordProblem = 'empty_value' | 'invalid_json' | 'schema_violation' | 'unstorable_text';

/**
 * Turns the value of a messages-topic record (version 1 or any kind of version 2) into the event to
 * apply, or names why it can never be stored: no value, invalid JSON, a schema violation (an unknown
 * version or kind too: kept in the dead-letter topic for a later persister), or text Postgres refuses
 * or would alter (a NUL character, a lone UTF-16 surrogate, a calendar date that does not exist).
 * Pure and synchronous.
 */
export function decodeRecord(value: Buffer | null): DecodeResult {
  if (value === null || value.length === 0) return { ok: false, problem: 'empty_value', reason: 'empty value: a message record must carry JSON' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, problem: 'invalid_json', reason: `invalid JSON: ${(error as Error).message}` };
  }
  // Text PostgreSQL cannot store is named as such (a metric label of its own), before the schema, which
  // refuses it too (protocol/src/text.ts: the same check the gateway's send schema makes).
  if (typeof json === 'object' && json !== null) {
    for (const [field, text] of Object.entries(json as Record<string, unknown>)) {
      const problem = typeof text === 'string' ? unstorableTextProblem(text) : undefined;
      if (problem) return { ok: false, problem: 'unstorable_text', reason: `unstorable text: ${field} ${problem}` };
    }
  }
  const parsed = parseMessageEvent(json);
  if (!parsed.ok) return { ok: false, problem: 'schema_violation', reason: `schema violation: ${parsed.issues.join('; ')}` };
  const event = parsed.event;
  if (!isRealInstant(event.at)) {
    const field = event.kind === 'message.sent' ? 'createdAt' : 'at';
    return { ok: false, problem: 'schema_violation', reason: `schema violation: ${field}: ${event.at} is not a date that exists` };
  }
  return { ok: true, event };
}

/** The row a `message.sent` event creates. */
export function rowOf(event: Extract<MessageEvent, { kind: 'message.sent' }>): MessageRow {
  return {
    id: event.messageId,
    roomId: event.roomId,
    senderId: event.actorId,
    senderUsername: event.senderUsername,
    body: event.body,
    clientMsgId: event.clientMsgId,
    createdAt: event.at,
    parentId: event.parentId,
  };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The ISO format check lets 2026-02-30 through; Date would roll it over to March, Postgres refuses it
 * (22008). Checked by arithmetic on the already validated YYYY-MM-DD prefix: this runs for every record.
 * Other values only Postgres refuses (year 0000, say) are caught by the row-by-row isolation.
 */
function isRealInstant(iso: string): boolean {
  const year = Number(iso.slice(0, 4));
  const month = Number(iso.slice(5, 7));
  const day = Number(iso.slice(8, 10));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return days !== undefined && day >= 1 && day <= days;
}
