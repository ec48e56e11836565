import type { PgPool } from '@chat/db';
import type { MembersPageResponse } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import { pgStatement, type Statement } from './pg-statement';
import { MEMBER_COLUMNS, MEMBER_FROM, type MemberRow, toMember } from './room-admin';

export interface MembersPageQuery {
  limit: number;
  cursor?: string;
  /** Matches the start of the username or any part of the display name, without case. */
  q?: string;
}

/** Where a page ends: the phase (online members first, then the rest) and the last (joinedAt, userId) seen. */
interface Cursor {
  phase: 0 | 1;
  joinedAt: string;
  userId: string;
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify([c.phase, c.joinedAt, c.userId])).toString('base64url');

function decode(text: string): Cursor {
  try {
    const [phase, joinedAt, userId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if ((phase === 0 || phase === 1) && typeof joinedAt === 'string' && !Number.isNaN(Date.parse(joinedAt)) && typeof userId === 'string' && /^[0-9a-f-]{36}$/i.test(userId)) {
      return { phase, joinedAt, userId };
    }
  } catch {
    // falls through to the refusal
  }
  throw new AppError('VALIDATION', 'cursor: not a cursor this API gave out');
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Members pages for rooms of any size: online members first, then the others, each in join order, as
 * keyset pages on (joined_at, user_id) over the memberships index, so page 200 costs what page 1 does.
 * The online set comes from the caller (the sockets of every gateway); a member who comes or goes
 * between two pages may be listed twice or not at all, which a refresh settles. A hot read: sent through
 * `pg` as prepared statements (one per shape of the query, at most four; searches unprepared), not through Prisma.
 */
export function createMemberPages(pool: PgPool) {
  const statements = new Map<string, Statement<MemberRow>>();
  const phase = async (roomId: string, online: string[], which: 0 | 1, after: Cursor | undefined, limit: number, q: string | undefined) => {
    const params: unknown[] = [roomId, online, limit];
    let where = `m.room_id = $1::uuid AND ${which === 0 ? 'm.user_id = ANY($2::uuid[])' : 'NOT (m.user_id = ANY($2::uuid[]))'}`;
    if (after) {
      params.push(after.joinedAt, after.userId);
      where += ` AND (m.joined_at, m.user_id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    if (q) {
      params.push(likeEscape(q));
      // Each side answered by an index (migration member_search_trigram): the username's start by a
      // range of lower(username), the display name by its trigrams.
      where += ` AND (lower(u.username) LIKE lower($${params.length}) || '%' OR u.display_name ILIKE '%' || $${params.length} || '%')`;
    }
    const text = `SELECT ${MEMBER_COLUMNS} FROM ${MEMBER_FROM} WHERE ${where} ORDER BY m.joined_at, m.user_id LIMIT $3`;
    // A name search is planned for its own pattern every time (an unnamed statement): a prepared one turns
    // to a generic plan after five runs when that looks as cheap, and a plan made without the pattern can
    // use neither index (the bench's searches: 5 ms a page on custom plans, 15-80 ms when a connection had
    // switched). Planning costs about 1 ms; pages without a search keep their prepared plans.
    if (q) return (await pool.query<MemberRow>({ text, values: params })).rows;
    let statement = statements.get(text);
    if (!statement) statements.set(text, (statement = pgStatement<MemberRow>(pool, text)));
    return statement(params);
  };

  return {
    async page(roomId: string, onlineIds: Set<string>, query: MembersPageQuery): Promise<MembersPageResponse> {
      const cursor = query.cursor ? decode(query.cursor) : undefined;
      const online = [...onlineIds];
      const rows: { row: MemberRow; phase: 0 | 1 }[] = [];
      // One more than asked: whether there is a next page.
      const want = query.limit + 1;
      if ((!cursor || cursor.phase === 0) && online.length > 0) {
        for (const row of await phase(roomId, online, 0, cursor, want, query.q)) rows.push({ row, phase: 0 });
      }
      if (rows.length < want) {
        const after = cursor?.phase === 1 ? cursor : undefined;
        for (const row of await phase(roomId, online, 1, after, want - rows.length, query.q)) rows.push({ row, phase: 1 });
      }
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        members: page.map(({ row, phase: p }) => toMember(row, p === 0)),
        nextCursor: rows.length > query.limit && last ? encode({ phase: last.phase, joinedAt: last.row.joined_at.toISOString(), userId: last.row.id }) : null,
      };
    },
  };
}

export type MemberPages = ReturnType<typeof createMemberPages>;
