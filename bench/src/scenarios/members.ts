import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { MembersPageResponse } from '@chat/protocol';
import { HttpLoad } from '../http-load';
import { BENCH_PREFIX, benchToken, vacuumSeededTables } from '../population';
import { fmt, measured, type ScenarioContext, type ScenarioResult } from '../scenario';

/** Issue 16's target. */
const TARGET = { requestsPerSecond: 100, p99Ms: 30 };
const PAGE = 50;

export interface MembersOptions {
  members: number;
  requestsPerSecond: number;
  seconds: number;
}

/**
 * GET /api/rooms/:id/members on a room of 10,000 members, pages of 50 in an open loop: half the first
 * page (online members first), half a page further on from a cursor a reader scrolled to, a tenth of them
 * a name search. Users and memberships go in with COPY and are removed afterwards.
 */
export async function runMembersScenario(ctx: ScenarioContext, o: MembersOptions): Promise<ScenarioResult> {
  const { system, db, log } = ctx;
  const run = randomBytes(3).toString('hex');
  const roomId = randomUUID();
  const users = Array.from({ length: o.members }, (_, i) => ({ id: randomUUID(), username: `${BENCH_PREFIX}m.${run}.${i}` }));
  const owner = users[0]!;
  log(`members: seeding a room of ${fmt(o.members)} members`);
  try {
    await pipeline(Readable.from([users.map((u) => `${u.id}\t${u.username}\tno login: benchmark user\n`).join('')]), db.query(copyFrom('COPY users (id, username, password_hash) FROM STDIN')));
    await db.query(`INSERT INTO rooms (id, name, visibility, created_by) VALUES ($1, $2, 'public', $3)`, [roomId, `${BENCH_PREFIX}members.${run}`, owner.id]);
    const joined = Date.now() - o.members * 1000;
    const rows = users.map((u, i) => `${roomId}\t${u.id}\t${new Date(joined + i * 1000).toISOString()}\t${i === 0 ? 'owner' : 'member'}\n`).join('');
    await pipeline(Readable.from([rows]), db.query(copyFrom('COPY memberships (room_id, user_id, joined_at, role) FROM STDIN')));
    await vacuumSeededTables(db);

    const token = await benchToken(db, owner);
    // Cursors a reader would hold: follow the pages once, keeping every fifth (not timed: its own load).
    const load = new HttpLoad(system.baseUrl, token);
    const cursors: string[] = [];
    for (let cursor: string | null = null, n = 0; n < 40; n++) {
      const page: MembersPageResponse | undefined = await load.get<MembersPageResponse>(`/api/rooms/${roomId}/members?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      cursor = page?.nextCursor ?? null;
      if (!cursor) break;
      if (n % 5 === 0) cursors.push(cursor);
    }
    const collected = load.completed;
    load.close();
    const fresh = new HttpLoad(system.baseUrl, token);
    let shortPages = 0;
    const request = async (i: number) => {
      const query =
        i % 10 === 0 ? `q=${encodeURIComponent(`${BENCH_PREFIX}m.${run}.${i % o.members}`.slice(0, 20))}` : i % 2 === 0 ? '' : `cursor=${encodeURIComponent(cursors[i % cursors.length]!)}`;
      const page = await fresh.get<MembersPageResponse>(`/api/rooms/${roomId}/members?limit=${PAGE}${query ? `&${query}` : ''}`);
      if (page && page.members.length < PAGE) shortPages++;
    };
    log(`members: ${o.requestsPerSecond} requests/s for ${o.seconds} s (${collected} pages read to collect cursors)`);
    const timed = await measured(ctx, () => fresh.openLoop(o.requestsPerSecond, o.seconds, request));
    fresh.close();
    const summary = fresh.latency.summary();
    const achieved = fresh.completed / timed.value;
    const label = `pages of ${PAGE} of a ${fmt(o.members)}-member room at ${o.requestsPerSecond} requests/s`;
    return {
      scenario: 'members',
      parameters: { members: o.members, requestsPerSecond: o.requestsPerSecond, seconds: o.seconds, page: PAGE },
      measurements: [
        {
          label,
          figures: { 'requests/s': fmt(achieved), 'latency p50/p95/p99/max ms': `${summary.p50} / ${summary.p95} / ${summary.p99} / ${summary.max}`, requests: fmt(fresh.completed), errors: fresh.errorText() },
          processes: timed.processes,
          generator: timed.generator,
          machine: timed.machine,
          details: { summary, achieved, errors: fresh.errors, shortPages },
        },
      ],
      targets: [
        {
          target: `p99 <= ${TARGET.p99Ms} ms for a page of ${PAGE} at ${TARGET.requestsPerSecond} requests/s`,
          actual: `p99 ${summary.p99} ms at ${fmt(achieved)} requests/s`,
          met: summary.p99 <= TARGET.p99Ms && achieved >= TARGET.requestsPerSecond * 0.98,
          measurement: label,
        },
      ],
      failures: Object.keys(fresh.errors).length > 0 ? [`members: failed requests ${fresh.errorText()}`] : [],
    };
  } finally {
    await db.query('DELETE FROM rooms WHERE id = $1', [roomId]);
    await db.query('DELETE FROM users WHERE id = ANY($1::uuid[])', [users.map((u) => u.id)]);
    await vacuumSeededTables(db);
  }
}
