import type { PrismaClient } from '@chat/db';
import type { ChatMessage, SearchQuery, SearchResponse, SearchResult } from '@chat/protocol';
import type { MessageHistory } from '../store/messages';

/** Deepest a search pages (offset): past it, a person refines the query. */
const MAX_OFFSET = 1000;
/** Most terms of one query that count (the rest are ignored). */
const MAX_TERMS = 8;
/** Around highlighted words in ts_headline's output; control characters no stored body keeps. */
const START = '\u0002';
const STOP = '\u0003';

/** A query as terms: `"quoted phrases"` and words (letters and digits; punctuation separates). */
export function searchTerms(q: string): { phrases: string[]; words: string[] } {
  const phrases: string[] = [];
  const rest = q.replace(/"([^"]*)"/g, (_m, phrase: string) => {
    const words = phrase.match(/[\p{L}\p{N}_]+/gu);
    if (words) phrases.push(words.join(' '));
    return ' ';
  });
  const words = rest.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return { phrases: phrases.slice(0, MAX_TERMS), words: words.slice(0, Math.max(0, MAX_TERMS - phrases.length)) };
}

export interface MessageSearch {
  /** One page of my matches, in the rooms I am a member of now (`roomId`: one of them). */
  search(userId: string, query: SearchQuery): Promise<SearchResponse>;
}

/**
 * PostgreSQL full-text search over the generated `messages.search` vector (GIN index): every term must
 * match; a word matches as a prefix in the `simple` configuration or by its English stem, a phrase in
 * either. Ranked by ts_rank_cd (exact words weigh more than stems), then newest first. Deleted messages
 * (tombstones, body emptied) never match; rooms I left are not searched.
 */
export function createMessageSearch(db: PrismaClient, history: Pick<MessageHistory, 'byIds'>): MessageSearch {
  return {
    async search(userId, query) {
      const { phrases, words } = searchTerms(query.q);
      if (phrases.length + words.length === 0) return { results: [], next: null };
      const params: unknown[] = [userId];
      const param = (value: unknown) => `$${params.push(value)}`;
      const terms = [
        ...words.map((w) => {
          const p = param(w);
          return `(to_tsquery('simple', ${p} || ':*') || plainto_tsquery('english', ${p}))`;
        }),
        ...phrases.map((phrase) => {
          const p = param(phrase);
          return `(phraseto_tsquery('simple', ${p}) || phraseto_tsquery('english', ${p}))`;
        }),
      ];
      const filters = [
        'm.room_id IN (SELECT room_id FROM memberships WHERE user_id = $1::uuid)',
        'm.deleted_at IS NULL',
        'm.search @@ q.query',
      ];
      if (query.roomId) filters.push(`m.room_id = ${param(query.roomId)}::uuid`);
      if (query.from) filters.push(`m.sender_id = (SELECT id FROM users WHERE lower(username) = lower(${param(query.from)}))`);
      const offset = Number(query.before ?? 0);
      if (offset >= MAX_OFFSET) return { results: [], next: null };
      const rows = await db.$queryRawUnsafe<{ id: string; simple: string; english: string }[]>(
        `WITH q AS (SELECT ${terms.join(' && ')} AS query)
         SELECT m.id::text,
                ts_headline('simple', m.body, q.query, 'HighlightAll=true, StartSel=${START}, StopSel=${STOP}') AS simple,
                ts_headline('english', m.body, q.query, 'HighlightAll=true, StartSel=${START}, StopSel=${STOP}') AS english
           FROM messages m, q
          WHERE ${filters.join(' AND ')}
          ORDER BY ts_rank_cd(m.search, q.query) DESC, m.id DESC
          OFFSET ${offset} LIMIT ${query.limit + 1}`,
        ...params,
      );
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
