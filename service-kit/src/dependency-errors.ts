/**
 * What a failed call to PostgreSQL, Redis or Kafka means, read from the error's class, SQLSTATE, driver
 * kind or socket code anywhere in its cause chain, never from the wording of its message.
 */

/** What a failed dependency call means for the work in hand. */
export type DependencyFailure =
  /** Unreachable, restarting or overloaded: the same work may be retried later. */
  | 'transient'
  /** The data itself is refused (SQLSTATE class 22 or 23): retrying cannot help. */
  | 'data'
  /** Anything else (a missing table, a permission, a bug): neither safe to retry nor to drop. */
  | 'fatal';

// Node socket errors: the connection is gone or never came.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// Prisma's pg adapter names socket failures by kind instead of SQLSTATE.
const TRANSIENT_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionWriteConflict']);

// Prisma's own codes for an unreachable server, a timed-out connect, a closed connection, a pool timeout.
const TRANSIENT_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024']);

// ioredis's classes for a command that gave up waiting for a connection (both roots are redis-errors' AbortError).
const TRANSIENT_ERROR_CLASSES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/**
 * The only failures the drivers raise as a bare Error with neither class nor code (node-postgres, pg-pool
 * and ioredis constants): compared whole, so a query error that happens to mention them is not mistaken.
 */
const CODELESS_CONNECTION_ERRORS = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Connection is closed.',
]);

/**
 * SQLSTATEs worth retrying: class 08 (connection exception), 53 (insufficient resources),
 * 57P01-57P03 (admin/crash shutdown, cannot connect now), 57014 (statement timeout or cancel),
 * 40001/40P01 (serialization failure, deadlock).
 */
function isTransientSqlState(state: string): boolean {
  return state.startsWith('08') || state.startsWith('53') || ['57P01', '57P02', '57P03', '57014', '40001', '40P01'].includes(state);
}

/** The markers found anywhere in an error's chain. */
export interface DependencyErrorFacts {
  /** PostgreSQL's SQLSTATE (`22021`). */
  sqlState?: string;
  /** Prisma's driver-adapter kind (`DatabaseNotReachable`). */
  adapterKind?: string;
  /** Prisma's own error code (`P1001`). */
  prismaCode?: string;
  /** A Node socket error code (`ECONNREFUSED`). */
  socketCode?: string;
  /** A driver error class known to mean "no connection" (`MaxRetriesPerRequestError`). */
  connectionClass?: string;
  /** KafkaJS marks each of its errors retriable or not. */
  kafkaRetriable?: boolean;
  /** A bare driver error whose whole message is one of the known connection failures. */
  codelessConnection?: boolean;
  messages: string[];
}

/**
 * Collects the facts of an error. Prisma 7 wraps the pg driver's error: the SQLSTATE sits in
 * `meta.driverAdapterError.cause.originalCode` (or `.code` for unmapped ones), socket failures become
 * adapter kinds, and some pg errors arrive unwrapped; so every level of the chain is read.
 */
export function dependencyErrorFacts(error: unknown): DependencyErrorFacts {
  const facts: DependencyErrorFacts = { messages: [] };
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const v = value as Record<string, unknown>;
    if (typeof v.message === 'string') {
      facts.messages.push(v.message);
      if (CODELESS_CONNECTION_ERRORS.has(v.message)) facts.codelessConnection = true;
    }
    if (typeof v.originalMessage === 'string') facts.messages.push(v.originalMessage);
    if (typeof v.originalCode === 'string' && /^[0-9A-Z]{5}$/.test(v.originalCode)) facts.sqlState ??= v.originalCode;
    for (const code of [v.code, v.errorCode]) {
      if (typeof code !== 'string') continue;
      if (/^P\d{4}$/.test(code)) facts.prismaCode ??= code;
      else if (/^[0-9A-Z]{5}$/.test(code)) facts.sqlState ??= code;
      else if (SOCKET_CODES.has(code)) facts.socketCode ??= code;
    }
    if (typeof v.kind === 'string' && v.kind !== 'postgres') facts.adapterKind ??= v.kind;
    if (typeof v.name === 'string') {
      if (TRANSIENT_ERROR_CLASSES.has(v.name)) facts.connectionClass ??= v.name;
      if (v.name.startsWith('KafkaJS') && typeof v.retriable === 'boolean') facts.kafkaRetriable ??= v.retriable;
    }
    visit(v.cause);
    visit((v.meta as Record<string, unknown> | undefined)?.driverAdapterError);
  };
  visit(error);
  return facts;
}

/** Decides whether failed work is retried, isolated as bad data, or fatal. */
export function classifyDependencyError(error: unknown): DependencyFailure {
  const facts = dependencyErrorFacts(error);
  if (facts.sqlState) {
    if (isTransientSqlState(facts.sqlState)) return 'transient';
    if (facts.sqlState.startsWith('22') || facts.sqlState.startsWith('23')) return 'data';
    return 'fatal';
  }
  if (facts.socketCode || facts.connectionClass || facts.codelessConnection || facts.kafkaRetriable) return 'transient';
  if (facts.adapterKind && TRANSIENT_ADAPTER_KINDS.has(facts.adapterKind)) return 'transient';
  if (facts.prismaCode && TRANSIENT_PRISMA_CODES.has(facts.prismaCode)) return 'transient';
  return 'fatal';
}

/** True when the error says a dependency cannot be reached right now (so UNAVAILABLE, retriable). */
export function isDependencyUnavailable(error: unknown): boolean {
  return classifyDependencyError(error) === 'transient';
}

/** A one-line description of a dependency error for logs and dead-letter reasons. */
export function describeDependencyError(error: unknown): string {
  const facts = dependencyErrorFacts(error);
  const label = facts.sqlState ?? facts.adapterKind ?? facts.prismaCode ?? facts.socketCode ?? facts.connectionClass ?? 'unknown';
  // Prisma's own message repeats "Invalid `prisma.$executeRaw()` invocation"; the innermost one is the useful one.
  const message = (facts.messages.at(-1) ?? String(error)).replace(/\s+/g, ' ').trim();
  return message === label ? label : `${label}: ${message}`;
}
