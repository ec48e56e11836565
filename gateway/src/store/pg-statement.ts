import { createHash } from 'node:crypto';
import type { PgPool, PgRow } from '@chat/db';

/** Runs one fixed SQL text with its parameters, as rows. */
export type Statement<Row extends PgRow> = (values: readonly unknown[]) => Promise<Row[]>;

/** A statement's name: a digest of its text, so that two texts never share one (pg refuses that). */
const statementName = (text: string) => `reads_${createHash('sha1').update(text).digest('hex')}`;

/**
 * One SQL text as a named `pg` query: each connection of the pool parses and plans it once, and its rows
 * come back as node-postgres parses them (no ORM layer in between). For the hot reads only: Prisma keeps
 * the schema and the writes. Its name cannot meet the `chat_` names Prisma's adapter gives its own statements.
 */
export function pgStatement<Row extends PgRow>(pool: PgPool, text: string): Statement<Row> {
  const name = statementName(text);
  return async (values) => (await pool.query<Row>({ name, text, values: values as unknown[] })).rows;
}

/** Every column as PostgreSQL's text (or null): no Date, number or boolean built for a value that is only passed on. */
const RAW_TYPES = { getTypeParser: () => (text: string) => text };

/**
 * {@link pgStatement}, but each row an array of the columns' texts in the statement's order: for reads
 * that re-serialise every value at once (the room list's 200 rows), where pg's objects with a key per
 * column and its Date parsing cost more than the read's own work.
 */
export function pgRawStatement(pool: PgPool, text: string): (values: readonly unknown[]) => Promise<(string | null)[][]> {
  const name = statementName(text);
  return async (values) => (await pool.query<(string | null)[]>({ name, text, values: values as unknown[], rowMode: 'array', types: RAW_TYPES })).rows;
}
