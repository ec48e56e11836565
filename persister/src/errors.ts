import type { ErrorCode } from '@chat/protocol';

/**
 * The persister's one error type. `code` is from the platform's catalogue (UNAVAILABLE: a dependency
 * is down, try again; VALIDATION: the data itself can never be stored; INTERNAL: anything else),
 * `retriable` says whether the same work may simply be tried again.
 */
export class PersisterError extends Error {
  override readonly name = 'PersisterError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a failed database call means for the batch in hand. */
export type DatabaseFailure =
  /** Postgres is unreachable, restarting or overloaded: retry the same rows later. */
  | 'transient'
  /** The rows themselves are refused (SQLSTATE class 22 or 23): isolate and dead-letter them. */
  | 'data'
  /** Anything else (a missing table, a permission, a bug): not safe to retry or to drop. */
  | 'fatal';

// Node socket errors that mean "the connection is gone or never came", not "the query is wrong".
const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// Prisma's pg adapter names some failures by kind instead of SQLSTATE.
const TRANSIENT_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionWriteConflict']);

// node-postgres and pg-pool raise these as plain Errors without a code.
const TRANSIENT_MESSAGES = /connection terminated|timeout exceeded when trying to connect|connection error|not queryable|can't reach database server|server closed the connection/i;

/**
 * SQLSTATEs worth retrying: class 08 (connection exception), 53 (insufficient resources),
 * 57P01-57P03 (admin/crash shutdown, cannot connect now), 57014 (statement timeout or cancel),
 * 40001/40P01 (serialization failure, deadlock).
 */
function isTransientSqlState(state: string): boolean {
  return state.startsWith('08') || state.startsWith('53') || ['57P01', '57P02', '57P03', '57014', '40001', '40P01'].includes(state);
}

/** The SQLSTATE (`22021`), Prisma adapter kind and node error code found anywhere in an error's chain. */
export interface DatabaseErrorFacts {
  sqlState?: string;
  adapterKind?: string;
  socketCode?: string;
  messages: string[];
}

/**
 * Collects the facts of a database error. Prisma 7 wraps the pg driver's error: the SQLSTATE sits in
 * `meta.driverAdapterError.cause.originalCode` (or `.code` for unmapped ones), socket failures become
 * adapter kinds, and some pg errors arrive unwrapped; so every level of the chain is read.
 */
export function databaseErrorFacts(error: unknown): DatabaseErrorFacts {
  const facts: DatabaseErrorFacts = { messages: [] };
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const v = value as Record<string, unknown>;
    if (typeof v.message === 'string') facts.messages.push(v.message);
    if (typeof v.originalMessage === 'string') facts.messages.push(v.originalMessage);
    if (typeof v.originalCode === 'string' && /^[0-9A-Z]{5}$/.test(v.originalCode)) facts.sqlState ??= v.originalCode;
    if (typeof v.code === 'string') {
      if (/^[0-9A-Z]{5}$/.test(v.code) && !v.code.startsWith('P')) facts.sqlState ??= v.code;
      else if (TRANSIENT_SOCKET_CODES.has(v.code)) facts.socketCode ??= v.code;
    }
    if (typeof v.kind === 'string' && v.kind !== 'postgres') facts.adapterKind ??= v.kind;
    visit(v.cause);
    visit((v.meta as Record<string, unknown> | undefined)?.driverAdapterError);
  };
  visit(error);
  return facts;
}

/** Decides whether a failed insert is retried, isolated row by row, or fatal. */
export function classifyDatabaseError(error: unknown): DatabaseFailure {
  const facts = databaseErrorFacts(error);
  if (facts.sqlState) {
    if (isTransientSqlState(facts.sqlState)) return 'transient';
    if (facts.sqlState.startsWith('22') || facts.sqlState.startsWith('23')) return 'data';
    return 'fatal';
  }
  if (facts.socketCode || (facts.adapterKind && TRANSIENT_ADAPTER_KINDS.has(facts.adapterKind))) return 'transient';
  if (facts.messages.some((message) => TRANSIENT_MESSAGES.test(message))) return 'transient';
  return 'fatal';
}

/** A one-line description of a database error for logs and dead-letter reasons. */
export function describeDatabaseError(error: unknown): string {
  const facts = databaseErrorFacts(error);
  const label = facts.sqlState ?? facts.adapterKind ?? facts.socketCode ?? 'unknown';
  // Prisma's own message repeats "Invalid `prisma.$executeRaw()` invocation"; the innermost one is the useful one.
  const message = (facts.messages.at(-1) ?? String(error)).replace(/\s+/g, ' ').trim();
  return message === label ? label : `${label}: ${message}`;
}
