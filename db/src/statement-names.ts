import { createHash } from 'node:crypto';

/** Statements one process prepares at most; SQL past this many distinct texts runs unprepared. */
const MAX_PREPARED = 500;

/**
 * Names for pg's prepared statements, so that each connection parses and plans a hot query once instead
 * of on every call (planning was two thirds of GET /api/rooms' counts query as sent). Only parameterized
 * SQL is named: text without parameters may hold several commands, which a prepared statement cannot,
 * and SQL that embeds values would prepare without end. The name is a digest of the text, so one name
 * never stands for two texts (pg refuses that).
 */
export function createStatementNames(max = MAX_PREPARED): (query: { sql: string; args: unknown[] }) => string | undefined {
  const names = new Map<string, string>();
  return ({ sql, args }) => {
    if (args.length === 0) return undefined;
    const known = names.get(sql);
    if (known || names.size >= max) return known;
    const name = `chat_${createHash('sha1').update(sql).digest('hex')}`;
    names.set(sql, name);
    return name;
  };
}
