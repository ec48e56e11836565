import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { v7 } from 'uuid';
import type { MyRoom, SearchResponse } from '@chat/protocol';
import { HttpLoad } from '../http-load';
import { BENCH_PREFIX, benchToken, vacuumSeededTables } from '../population';
import { fmt, measured, type ScenarioContext, type ScenarioResult } from '../scenario';
import { HISTORY_ROOM_NAME } from './history';

/** Issue 15's targets. */
const ROOM_LIST_TARGET = { requestsPerSecond: 200, p99Ms: 20 };
const SEARCH_TARGET = { requestsPerSecond: 50, p99Ms: 50 };

export interface AttentionLoadOptions {
  requestsPerSecond: number;
  seconds: number;
}

/** What a seeded scenario made, removed when it is done (the history room stays: it is reused). */
export interface Seeded {
  reader: { id: string; username: string };
  roomIds: string[];
  userIds: string[];
}

export async function removeSeeded(db: Client, seeded: Seeded): Promise<void> {
  await db.query('DELETE FROM message_mentions WHERE room_id = ANY($1::uuid[])', [seeded.roomIds]);
  await db.query('DELETE FROM read_markers WHERE user_id = ANY($1::uuid[])', [seeded.userIds]);
  await db.query('DELETE FROM messages WHERE room_id = ANY($1::uuid[])', [seeded.roomIds]);
  await db.query('DELETE FROM memberships WHERE user_id = ANY($1::uuid[])', [seeded.userIds]);
  await db.query('DELETE FROM rooms WHERE id = ANY($1::uuid[])', [seeded.roomIds]);
  await db.query('DELETE FROM users WHERE id = ANY($1::uuid[])', [seeded.userIds]);
  await vacuumSeededTables(db);
}

/**
 * `rooms` rooms with a reader and a writer in each, the writer's `messagesPerRoom` messages all after the
 * reader joined (one in ten mentioning the reader), half the rooms read up to their middle: the sidebar
 * of someone back from a holiday. Rows go in with COPY; the read path under test is the gateway's. The
 * `room_counters` rows follow from the COPYs themselves (its triggers fire for them, as for the persister).
 */
export async function seedUnread(db: Client, rooms: number, messagesPerRoom: number, label: string): Promise<Seeded> {
  const run = randomBytes(3).toString('hex');
  const reader = { id: randomUUID(), username: `${BENCH_PREFIX}${label}.${run}.reader` };
  const writer = { id: randomUUID(), username: `${BENCH_PREFIX}${label}.${run}.writer` };
  for (const u of [reader, writer]) await db.query(`INSERT INTO users (id, username, password_hash) VALUES ($1, $2, 'no login: benchmark user')`, [u.id, u.username]);
  const roomIds = Array.from({ length: rooms }, () => randomUUID());
  const joinedAt = Date.now() - 86_400_000;
  let copy = '';
  let memberships = '';
  let mentions = '';
  let markers = '';
  roomIds.forEach((roomId, r) => {
    for (const u of [reader, writer]) memberships += `${roomId}\t${u.id}\t${new Date(joinedAt).toISOString()}\n`;
    for (let j = 0; j < messagesPerRoom; j++) {
      const at = joinedAt + 60_000 + (r * messagesPerRoom + j) * 10;
      const id = v7({ msecs: at });
      const mention = j % 10 === 0;
      copy += `${id}\t${roomId}\t${writer.id}\t${writer.username}\t${mention ? `@${reader.username} ` : ''}line ${j} of room ${r}\t${label}${r}.${j}\t${new Date(at).toISOString()}\t${mention ? `{${reader.id}}` : '{}'}\n`;
      if (mention) mentions += `${reader.id}\t${roomId}\t${id}\n`;
      if (r % 2 === 0 && j === Math.floor(messagesPerRoom / 2)) markers += `${reader.id}\t${roomId}\t${id}\t${new Date(at).toISOString()}\n`;
    }
  });
  await db.query(`INSERT INTO rooms (id, name, visibility, created_by) SELECT id, $2 || ord, 'private', $3 FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord)`, [
    roomIds,
    `${BENCH_PREFIX}${label}.${run}.`,
    writer.id,
  ]);
  // Fresh statistics first: with those autovacuum leaves after a search run's rows are deleted (or after the
  // history room's million rows, one room), the room_counters trigger's recount of these joins took more
  // than ten minutes on this machine (2026-12-02); after ANALYZE the same COPY takes a fraction of a second.
  await db.query('ANALYZE');
  await pipeline(Readable.from([memberships]), db.query(copyFrom('COPY memberships (room_id, user_id, joined_at) FROM STDIN')));
  await pipeline(Readable.from([copy]), db.query(copyFrom('COPY messages (id, room_id, sender_id, sender_username, body, client_msg_id, created_at, mentions) FROM STDIN')));
  await pipeline(Readable.from([mentions]), db.query(copyFrom('COPY message_mentions (user_id, room_id, message_id) FROM STDIN')));
  await pipeline(Readable.from([markers]), db.query(copyFrom('COPY read_markers (user_id, room_id, last_read_id, updated_at) FROM STDIN')));
  // VACUUM, not only ANALYZE: rows fresh from COPY are not all-visible yet, so the counts' index-only
  // scans would visit the heap for each, which a table under autovacuum in production does not do.
  await vacuumSeededTables(db);
  return { reader, roomIds, userIds: [reader.id, writer.id] };
}

/**
 * GET /api/rooms for a user in 200 rooms with 10,000 unread messages over them (and mentions, and read
 * markers in half of them), in an open loop at a fixed rate: the sidebar's counts come from bounded index
 * ranges per room, so the latency must not grow with the unread backlog.
 */
export async function runRoomListScenario(ctx: ScenarioContext, o: AttentionLoadOptions & { rooms: number; unread: number }): Promise<ScenarioResult> {
  const { system, db, log } = ctx;
  const perRoom = Math.max(1, Math.round(o.unread / o.rooms));
  log(`room-list: seeding ${o.rooms} rooms with ${fmt(perRoom * o.rooms)} unread messages`);
  const seeded = await seedUnread(db, o.rooms, perRoom, 'unread');
  try {
    const load = new HttpLoad(system.baseUrl, await benchToken(db, seeded.reader));
    const wrong: string[] = [];
    // Every tenth answer is parsed and checked whole; the others are timed and checked for their status.
    const request = async (i: number) => {
      if (i % 10 !== 0) return void (await load.hit('/api/rooms'));
      const body = await load.get<{ rooms: MyRoom[] }>('/api/rooms');
      if (body && (body.rooms.length !== o.rooms || body.rooms.some((r) => r.unreadCount === 0))) wrong.push(`${body.rooms.length} rooms`);
    };
    log(`room-list: ${o.requestsPerSecond} requests/s for ${o.seconds} s`);
    const run = await measured(ctx, () => load.openLoop(o.requestsPerSecond, o.seconds, request));
    load.close();
    const summary = load.latency.summary();
    const achieved = load.completed / run.value;
    const label = `GET /api/rooms (${o.rooms} rooms, ${fmt(perRoom * o.rooms)} unread) at ${o.requestsPerSecond} requests/s`;
    return {
      scenario: 'room-list',
      parameters: { rooms: o.rooms, unread: perRoom * o.rooms, requestsPerSecond: o.requestsPerSecond, seconds: o.seconds },
      measurements: [
        {
          label,
          figures: { 'requests/s': fmt(achieved), 'latency p50/p95/p99/max ms': `${summary.p50} / ${summary.p95} / ${summary.p99} / ${summary.max}`, requests: fmt(load.completed), errors: load.errorText() },
          processes: run.processes,
          generator: run.generator,
          machine: run.machine,
          details: { summary, achieved, errors: load.errors },
        },
      ],
      targets: [
        {
          target: `p99 <= ${ROOM_LIST_TARGET.p99Ms} ms at ${ROOM_LIST_TARGET.requestsPerSecond} requests/s`,
          actual: `p99 ${summary.p99} ms at ${fmt(achieved)} requests/s`,
          met: summary.p99 <= ROOM_LIST_TARGET.p99Ms && achieved >= ROOM_LIST_TARGET.requestsPerSecond * 0.98,
          measurement: label,
        },
      ],
      failures: [
        ...(Object.keys(load.errors).length > 0 ? [`room-list: failed requests ${load.errorText()}`] : []),
        ...(wrong.length > 0 ? [`room-list: ${wrong.length} answers without every room and its unread count (first: ${wrong[0]})`] : []),
      ],
    };
  } finally {
    await removeSeeded(db, seeded);
  }
}

/** Made-up words, so that term frequencies follow a Zipf curve and no word is in the history room's lines. */
function vocabulary(size: number): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'pe', 'zu', 'da', 'fi', 'go', 'hu', 'je', 'xo'];
  return Array.from({ length: size }, (_, i) => {
    let word = '';
    for (let n = i + 16 * 16; n > 0; n = Math.floor(n / 16)) word += syllables[n % 16];
    return `${word}q`;
  });
}

/** A word of rank r is drawn with probability proportional to 1/r. */
function zipf(words: readonly string[]): () => string {
  const weights = words.map((_, r) => 1 / (r + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  return () => {
    const x = Math.random();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
}

/**
 * GET /api/search for two-word queries over the searcher's rooms: `rooms` rooms of chat-like lines of
 * Zipf-distributed words, plus the history scenario's room when it is there (a million lines: the
 * corpus the issue names). The words searched for are of middle frequency (ranks 20 to 400), the two
 * of a query drawn independently, so some queries match dozens of lines and some none.
 */
export async function runSearchScenario(ctx: ScenarioContext, o: AttentionLoadOptions & { rooms: number; messagesPerRoom: number }): Promise<ScenarioResult> {
  const { system, db, log } = ctx;
  const words = vocabulary(5_000);
  const draw = zipf(words);
  const run = randomBytes(3).toString('hex');
  const searcher = { id: randomUUID(), username: `${BENCH_PREFIX}search.${run}.reader` };
  const seeded: Seeded = { reader: searcher, roomIds: Array.from({ length: o.rooms }, () => randomUUID()), userIds: [searcher.id] };
  log(`search: seeding ${o.rooms} rooms of ${fmt(o.messagesPerRoom)} lines`);
  const started = performance.now();
  try {
    await db.query(`INSERT INTO users (id, username, password_hash) VALUES ($1, $2, 'no login: benchmark user')`, [searcher.id, searcher.username]);
    await db.query(`INSERT INTO rooms (id, name, visibility, created_by) SELECT id, $2 || ord, 'private', $3 FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord)`, [
      seeded.roomIds,
      `${BENCH_PREFIX}search.${run}.`,
      searcher.id,
    ]);
    const history = (await db.query<{ id: string; n: number }>(`SELECT r.id, (SELECT count(*)::int FROM messages m WHERE m.room_id = r.id) AS n FROM rooms r WHERE r.name = $1`, [HISTORY_ROOM_NAME])).rows[0];
    const memberOf = history ? [...seeded.roomIds, history.id] : seeded.roomIds;
    await db.query('INSERT INTO memberships (room_id, user_id) SELECT unnest($1::uuid[]), $2', [memberOf, searcher.id]);
    const first = Date.now() - o.rooms * o.messagesPerRoom * 10;
    const chunks = function* () {
      for (const [r, roomId] of seeded.roomIds.entries()) {
        let chunk = '';
        for (let j = 0; j < o.messagesPerRoom; j++) {
          const at = first + (r * o.messagesPerRoom + j) * 10;
          const body = Array.from({ length: 6 + (j % 9) }, draw).join(' ');
          chunk += `${v7({ msecs: at })}\t${roomId}\t${searcher.id}\t${searcher.username}\t${body}\ts${r}.${j}\t${new Date(at).toISOString()}\n`;
        }
        yield chunk;
      }
    };
    await pipeline(Readable.from(chunks()), db.query(copyFrom('COPY messages (id, room_id, sender_id, sender_username, body, client_msg_id, created_at) FROM STDIN')));
    // VACUUM: the GIN index keeps fresh rows in its pending list, which every query scans until then.
    await vacuumSeededTables(db);
    const corpus = o.rooms * o.messagesPerRoom + (history?.n ?? 0);
    log(`search: seeded in ${((performance.now() - started) / 1000).toFixed(1)} s; corpus ${fmt(corpus)} messages${history ? ' (the history room included)' : ' (run the history scenario first for the million-message corpus)'}`);

    const load = new HttpLoad(system.baseUrl, await benchToken(db, searcher));
    const middle = words.slice(20, 400);
    const pick = () => middle[Math.floor(Math.random() * middle.length)]!;
    let results = 0;
    const request = async () => {
      const body = await load.get<SearchResponse>(`/api/search?q=${encodeURIComponent(`${pick()} ${pick()}`)}`);
      results += body?.results.length ?? 0;
    };
    log(`search: ${o.requestsPerSecond} queries/s for ${o.seconds} s`);
    const timed = await measured(ctx, () => load.openLoop(o.requestsPerSecond, o.seconds, request));
    load.close();
    const summary = load.latency.summary();
    const achieved = load.completed / timed.value;
    const label = `two-word queries over ${fmt(corpus)} messages at ${o.requestsPerSecond} queries/s`;
    return {
      scenario: 'search',
      parameters: { rooms: o.rooms, messagesPerRoom: o.messagesPerRoom, corpus, requestsPerSecond: o.requestsPerSecond, seconds: o.seconds },
      measurements: [
        {
          label,
          figures: {
            'queries/s': fmt(achieved),
            'latency p50/p95/p99/max ms': `${summary.p50} / ${summary.p95} / ${summary.p99} / ${summary.max}`,
            'results per query': fmt(results / Math.max(load.completed, 1), 1),
            errors: load.errorText(),
          },
          processes: timed.processes,
          generator: timed.generator,
          machine: timed.machine,
          details: { summary, achieved, errors: load.errors, corpus },
        },
      ],
      targets: [
        {
          target: `p99 <= ${SEARCH_TARGET.p99Ms} ms at ${SEARCH_TARGET.requestsPerSecond} queries/s over 1,000,000 messages`,
          actual: `p99 ${summary.p99} ms at ${fmt(achieved)} queries/s over ${fmt(corpus)}`,
          met: summary.p99 <= SEARCH_TARGET.p99Ms && achieved >= SEARCH_TARGET.requestsPerSecond * 0.98 && corpus >= 1_000_000,
          measurement: label,
        },
      ],
      failures: Object.keys(load.errors).length > 0 ? [`search: failed requests ${load.errorText()}`] : [],
    };
  } finally {
    await removeSeeded(db, seeded);
  }
}
