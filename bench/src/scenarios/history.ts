import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { v7 } from 'uuid';
import type { MessagesResponse } from '@chat/protocol';
import { HttpLoad } from '../http-load';
import { BENCH_PREFIX, benchToken } from '../population';
import { fmt, measured, type ScenarioContext, type ScenarioResult } from '../scenario';

/** The room the history scenario reads. Kept between runs: seeding a million messages is worth reusing. */
export const HISTORY_ROOM_NAME = `${BENCH_PREFIX}history`;
const OWNER_NAME = `${BENCH_PREFIX}history.owner`;
const PAGE = 50;
/** The issue's target: p99 of a page of 50 at this request rate. */
const TARGET = { requestsPerSecond: 1000, p99Ms: 20 };

export interface HistoryOptions {
  /** Messages the room must hold (seeded when it holds fewer). */
  messages: number;
  requestsPerSecond: number;
  seconds: number;
}

/** The history room with at least `messages` messages: found, or (re)created with COPY. Returns its id and owner. */
async function historyRoom(db: Client, messages: number, log: (line: string) => void): Promise<{ roomId: string; owner: { id: string; username: string } }> {
  const found = await db.query<{ room_id: string; owner: string; n: number }>(
    `SELECT r.id AS room_id, r.created_by AS owner, (SELECT count(*)::int FROM messages m WHERE m.room_id = r.id) AS n FROM rooms r WHERE r.name = $1`,
    [HISTORY_ROOM_NAME],
  );
  const existing = found.rows[0];
  if (existing && existing.n >= messages) return { roomId: existing.room_id, owner: { id: existing.owner, username: OWNER_NAME } };

  log(`history: seeding a room with ${fmt(messages)} messages (once; later runs reuse it)`);
  const start = performance.now();
  if (existing) await db.query('DELETE FROM messages WHERE room_id = $1', [existing.room_id]);
  await db.query('DELETE FROM rooms WHERE name = $1', [HISTORY_ROOM_NAME]);
  await db.query('DELETE FROM users WHERE username = $1', [OWNER_NAME]);
  const owner = { id: randomUUID(), username: OWNER_NAME };
  const roomId = randomUUID();
  await db.query(`INSERT INTO users (id, username, password_hash) VALUES ($1, $2, 'no login: benchmark user')`, [owner.id, owner.username]);
  await db.query(`INSERT INTO rooms (id, name, visibility, created_by) VALUES ($1, $2, 'private', $3)`, [roomId, HISTORY_ROOM_NAME, owner.id]);
  await db.query('INSERT INTO memberships (room_id, user_id) VALUES ($1, $2)', [roomId, owner.id]);
  const first = Date.now() - messages * 10;
  const chunks = function* () {
    // 1,000 rows per chunk: one stream write per row would cost more than the rows themselves.
    for (let i = 0; i < messages; i += 1_000) {
      let chunk = '';
      for (let j = i; j < Math.min(i + 1_000, messages); j++) {
        const at = first + j * 10;
        chunk += `${v7({ msecs: at })}\t${roomId}\t${owner.id}\t${OWNER_NAME}\tmessage ${j} of the history benchmark, about as long as a chat line usually is\th${j.toString(36)}\t${new Date(at).toISOString()}\n`;
      }
      yield chunk;
    }
  };
  await pipeline(Readable.from(chunks()), db.query(copyFrom('COPY messages (id, room_id, sender_id, sender_username, body, client_msg_id, created_at) FROM STDIN')));
  await db.query('ANALYZE messages');
  log(`history: seeded in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return { roomId, owner };
}

/**
 * Requests/s and latency of the history API on a room with a million messages: an open loop of
 * GET /api/rooms/:id/messages?limit=50 through nginx at a fixed rate, half the newest page and half a
 * page before a random message (a reader scrolling back), over keep-alive connections.
 */
export async function runHistoryScenario(ctx: ScenarioContext, o: HistoryOptions): Promise<ScenarioResult> {
  const { system, db, log } = ctx;
  const { roomId, owner } = await historyRoom(db, o.messages, log);
  const token = await benchToken(db, owner);
  const cursors = (await db.query<{ id: string }>('SELECT id::text FROM messages WHERE room_id = $1 AND random() < 0.002 LIMIT 2000', [roomId])).rows.map((r) => r.id);
  const load = new HttpLoad(system.baseUrl, token);
  let shortPages = 0;

  const request = async (before: string | undefined) => {
    const page = await load.get<MessagesResponse>(`/api/rooms/${roomId}/messages?limit=${PAGE}${before ? `&before=${before}` : ''}`);
    if (page && page.messages.length < PAGE && !before) shortPages++;
  };

  log(`history: ${o.requestsPerSecond} requests/s for ${o.seconds} s on a room of ${fmt(o.messages)}+ messages`);
  const run = await measured(ctx, () => load.openLoop(o.requestsPerSecond, o.seconds, (i) => request(i % 2 === 0 ? undefined : cursors[i % cursors.length])));
  load.close();
  const { latency, errors, completed } = load;

  const summary = latency.summary();
  const achieved = completed / run.value;
  // Gateway CPU over the load, per page served: comparable across sittings where latency is not (a busy machine queues).
  const pageCpuMs = (run.processes.filter((p) => p.name.startsWith('gateway-')).reduce((sum, p) => sum + (p.cpuPercent / 100) * run.value, 0) * 1000) / Math.max(completed, 1);
  const failures = Object.keys(errors).length > 0 ? [`history: failed requests ${JSON.stringify(errors)}`] : [];
  if (shortPages > 0) failures.push(`history: ${shortPages} newest pages had fewer than ${PAGE} messages`);
  return {
    scenario: 'history',
    parameters: { messages: o.messages, requestsPerSecond: o.requestsPerSecond, seconds: o.seconds, page: PAGE },
    measurements: [
      {
        label: `pages of ${PAGE} at ${o.requestsPerSecond} requests/s`,
        figures: {
          'requests/s': fmt(achieved),
          'latency p50/p95/p99/max ms': `${summary.p50} / ${summary.p95} / ${summary.p99} / ${summary.max}`,
          requests: fmt(completed),
          'gateway CPU per page ms': fmt(pageCpuMs, 2),
          errors: load.errorText(),
        },
        processes: run.processes,
        generator: run.generator,
        machine: run.machine,
        details: { summary, achieved, errors, pageCpuMs },
      },
    ],
    targets: [
      {
        target: `p99 <= ${TARGET.p99Ms} ms for a page of ${PAGE} at ${TARGET.requestsPerSecond} requests/s`,
        actual: `p99 ${summary.p99} ms at ${fmt(achieved)} requests/s`,
        met: summary.p99 <= TARGET.p99Ms && achieved >= TARGET.requestsPerSecond * 0.98,
        measurement: `pages of ${PAGE} at ${o.requestsPerSecond} requests/s`,
      },
    ],
    failures,
  };
}
