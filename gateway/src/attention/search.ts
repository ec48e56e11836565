import type { PgPool } from '@chat/db';
import type { ChatMessage, SearchQuery, SearchResponse, SearchResult } from '@chat/protocol';
import type { MessageHistory } from '../store/messages';
import { pgStatement, type Statement } from '../store/pg-statement';

/** Deepest a search pages (offset): past it, a person refines the query. */
const MAX_OFFSET = 1000;
/** Most terms of one query that count (the rest are ignored). */
const MAX_TERMS = 8;
/** Around highlighted words in ts_headline's output; control characters no stored body keeps. */
const START = '\u0002';
const STOP = '\u0003';

/**
 * A query as terms: `"quoted phrases"` and words (letters and digits; punctuation separates). `prefix`: the
 * query ends with its last word, which the user may still be typing, so that word matches as a prefix.
 */
export function searchTerms(q: string): { phrases: string[]; words: string[]; prefix: boolean } {
  const phrases: string[] = [];
  const rest = q.replace(/"([^"]*)"/g, (_m, phrase: string) => {
    const words = phrase.match(/[\p{L}\p{N}_]+/gu);
    if (words) phrases.push(words.join(' '));
    return '"';
  });
  const all = rest.match(/[\p{L}\p{N}_]+/gu) ?? [];
  const words = all.slice(0, Math.max(0, MAX_TERMS - Math.min(phrases.length, MAX_TERMS)));
  // The last word typed, kept and not followed by a phrase (a quote mark stands where each phrase was).
  const prefix = words.length > 0 && words.length === all.length && /[\p{L}\p{N}_][^\p{L}\p{N}_"]*$/u.test(rest);
  return { phrases: phrases.slice(0, MAX_TERMS), words, prefix };
}

export interface MessageSearch {
  /** One page of my matches, in the rooms I am a member of now (`roomId`: one of them). */
  search(userId: string, query: SearchQuery): Promise<SearchResponse>;
}

/** A search's rows: the id and the body highlighted by each configuration. */
interface SearchRow {
  id: string;
  simple: string;
  english: string;
}

/**
 * The statement of one query shape: `words` exact words (the last a prefix when `prefix`), `phrases`
 * phrases, and the optional room and sender filters. Its parameters: $1 the user, then the words, the
 * phrases, the room, the sender, the offset and the limit. Few shapes (at most 8 terms), each prepared once
 * per connection: the planner's work for a full-text query (3-29 ms for a custom plan) is done once.
 */
export function searchSql(words: number, prefix: boolean, phrases: number, byRoom: boolean, bySender: boolean): string {
  let n = 1;
  const terms: string[] = [];
  for (let i = 0; i < words; i++) {
    const p = `$${++n}::text`;
    // Exact words match through the index's fast path; only a prefix scans a range of its entries.
    const simple = prefix && i === words - 1 ? `to_tsquery('simple', ${p} || ':*')` : `to_tsquery('simple', ${p})`;
    terms.push(`(${simple} || plainto_tsquery('english', ${p}))`);
  }
  for (let i = 0; i < phrases; i++) {
    const p = `$${++n}::text`;
    terms.push(`(phraseto_tsquery('simple', ${p}) || phraseto_tsquery('english', ${p}))`);
  }
  // Membership is checked per match (a primary-key probe), not joined: the planner estimated one room for a
  // user whose memberships its statistics did not have yet (a fresh join, or anyone above the average) and
  // ran the whole full-text bitmap scan once per room (51 rooms: 230-520 ms instead of 2-6). OFFSET 0
  // keeps the EXISTS a subplan, which the planner cannot turn back into that join.
  const member = 'EXISTS (SELECT 1 FROM memberships mb WHERE mb.room_id = m.room_id AND mb.user_id = $1::uuid OFFSET 0)';
  const filters = ['m.search @@ q.query', 'm.deleted_at IS NULL', member];
  if (byRoom) filters.push(`m.room_id = $${++n}::uuid`);
  if (bySender) filters.push(`m.sender_id = (SELECT id FROM users WHERE lower(username) = lower($${++n}::text))`);
  return `WITH q AS (SELECT ${terms.join(' && ')} AS query)
    SELECT m.id::text,
           ts_headline('simple', m.body, q.query, 'HighlightAll=true, StartSel=${START}, StopSel=${STOP}') AS simple,
           ts_headline('english', m.body, q.query, 'HighlightAll=true, StartSel=${START}, StopSel=${STOP}') AS english
      FROM messages m, q
     WHERE ${filters.join(' AND ')}
     ORDER BY ts_rank_cd(m.search, q.query) DESC, m.id DESC
    OFFSET $${++n}::int LIMIT $${++n}::int`;
}

/**
 * PostgreSQL full-text search over the generated `messages.search` vector (GIN index), through prepared
 * `pg` statements: every term must match; a word matches exactly in the `simple` configuration or by its
 * English stem, the last word of the query (still being typed) also as a prefix; a phrase in either
 * configuration. Ranked by ts_rank_cd (exact words weigh more than stems), then newest first. Deleted
 * messages (tombstones, body emptied) never match; rooms I left are not searched.
 */
export function createMessageSearch(pool: PgPool, history: Pick<MessageHistory, 'byIds'>): MessageSearch {
  const statements = new Map<string, Statement<SearchRow>>();
  const statement = (text: string) => {
    let found = statements.get(text);
    if (!found) statements.set(text, (found = pgStatement<SearchRow>(pool, text)));
    return found;
  };
  return {
    async search(userId, query) {
      const { phrases, words, prefix } = searchTerms(query.q);
      if (phrases.length + words.length === 0) return { results: [], next: null };
      const offset = Number(query.before ?? 0);
      if (offset >= MAX_OFFSET) return { results: [], next: null };
      const text = searchSql(words.length, prefix, phrases.length, query.roomId !== undefined, query.from !== undefined);
      const values = [userId, ...words, ...phrases, ...(query.roomId ? [query.roomId] : []), ...(query.from ? [query.from] : []), offset, query.limit + 1];
      const rows = await statement(text)(values);
      const page = rows.slice(0, query.limit);
      const messages = new Map((await history.byIds(page.map((r) => r.id))).map((m) => [m.id, m]));
      const results: SearchResult[] = page.flatMap((r) => {
        const message: ChatMessage | undefined = messages.get(r.id);
        return message ? [{ message, highlights: mergeRanges([...rangesOf(r.simple, message.body), ...rangesOf(r.english, message.body)]) }] : [];
      });
      const next = rows.length > query.limit && offset + query.limit < MAX_OFFSET ? String(offset + query.limit) : null;
      return { results, next };
    },
  };
}

/** The highlighted ranges of a ts_headline output, as offsets into the body (none if it altered the text). */
export function rangesOf(headline: string, body: string): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  let plain = '';
  let start = -1;
  for (const ch of headline) {
    if (ch === START) start = plain.length;
    else if (ch === STOP) {
      if (start >= 0 && plain.length > start) ranges.push({ start, end: plain.length });
      start = -1;
    } else plain += ch;
  }
  return plain === body ? ranges : [];
}

/** Sorted, overlapping or touching ranges joined. */
export function mergeRanges(ranges: { start: number; end: number }[]): { start: number; end: number }[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = merged.at(-1);
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}
