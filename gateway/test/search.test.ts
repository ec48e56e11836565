// Search (issue 15): PostgreSQL full-text search over what the persister stored, through nginx and two
// gateways. It finds by word, prefix, stem and phrase, ranks by relevance then recency, follows edits
// and deletions, and never shows a message of a room I am not (or no longer) a member of.
import crypto from 'node:crypto';
import type { ChatMessage, Room, SearchResponse } from '@chat/protocol';
import { api, type ChatSocket, eventually, inviteAndAccept, registerUser, useGatewaySystem } from '@chat/testing';
import { searchSql } from '../src/attention/search';

const suite = useGatewaySystem({ gateways: 2 });

type User = Awaited<ReturnType<typeof registerUser>>;

const connect = (user: User, gateway = 'g1') => suite.connect(user.token, gateway);

async function room(owner: User, members: User[], visibility: 'public' | 'private' = 'private'): Promise<Room> {
  const created = await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'search', visibility } });
  for (const m of members) await inviteAndAccept(suite.url, owner.token, created.body.room.id, m);
  return created.body.room;
}

const send = async (socket: ChatSocket, roomId: string, body: string): Promise<ChatMessage> => {
  const ack = await socket.timeout(15_000).emitWithAck('message:send', { roomId, body, clientMsgId: crypto.randomUUID() });
  if (!ack.ok) throw new Error(`send refused: ${ack.error.code}`);
  return ack.message;
};

const search = async (user: User, params: Record<string, string>) => {
  const res = await api<SearchResponse>(suite.url, 'GET', `/api/search?${new URLSearchParams(params)}`, { token: user.token });
  return res;
};

/** The ids found, once the persister stored what the test waits for. */
const found = async (user: User, params: Record<string, string>, until: (ids: string[]) => boolean = (ids) => ids.length > 0) =>
  (
    await eventually(
      () => search(user, params),
      (res) => res.status === 200 && until(res.body.results.map((r) => r.message.id)),
      15_000,
      `search ${JSON.stringify(params)}`,
    )
  ).body;

interface PlanNode {
  'Relation Name'?: string;
  'Actual Loops': number;
  'Actual Rows': number;
  Plans?: PlanNode[];
}

/** A word no other test (or run) has: results are this test's alone. */
const word = () => `w${crypto.randomBytes(4).toString('hex')}`;

describe('search', () => {
  it('finds by word, prefix, English stem and phrase; ranks relevance before recency; highlights the matches', async () => {
    const alice = await registerUser(suite.url);
    const r = await room(alice, []);
    const a = await connect(alice);
    const tag = word();
    const once = await send(a, r.id, `${tag} the deployment is running`);
    const twice = await send(a, r.id, `${tag} deployment notes: deployment runs nightly`);
    const older = await send(a, r.id, `${tag} unrelated words`);
    const newer = await send(a, r.id, `${tag} unrelated words`);

    const all = await found(alice, { q: tag }, (ids) => ids.length === 4);
    // Equal relevance: newest first.
    expect(all.results.map((x) => x.message.id).indexOf(newer.id)).toBeLessThan(all.results.map((x) => x.message.id).indexOf(older.id));

    const byWord = await found(alice, { q: `${tag} deployment` });
    expect(byWord.results.map((x) => x.message.id)).toEqual([twice.id, once.id]); // twice the word ranks first
    const hit = byWord.results[0]!;
    expect(hit.highlights.map((h) => hit.message.body.slice(h.start, h.end).toLowerCase())).toEqual([tag, 'deployment', 'deployment']);

    expect((await found(alice, { q: `${tag} deplo` })).results.map((x) => x.message.id).sort()).toEqual([once.id, twice.id].sort());
    // Only the last word, the one still being typed, is a prefix: the words before it match whole.
    expect((await search(alice, { q: `deplo ${tag}` })).body.results).toEqual([]);
    expect((await found(alice, { q: `deployment ${tag}` })).results.map((x) => x.message.id)).toEqual([twice.id, once.id]);
    // "running" and "runs" share the English stem "run".
    expect((await found(alice, { q: `${tag} run` })).results.map((x) => x.message.id).sort()).toEqual([once.id, twice.id].sort());
    expect((await found(alice, { q: `${tag} "deployment notes"` })).results.map((x) => x.message.id)).toEqual([twice.id]);
    expect((await search(alice, { q: `${tag} "nightly runs"` })).body.results).toEqual([]);
  });

  it('never shows a room I am not in, nor one I left; filters by room and sender; pages with next', async () => {
    const alice = await registerUser(suite.url);
    const bob = await registerUser(suite.url);
    const shared = await room(alice, [bob]);
    const secret = await room(alice, []);
    const a = await connect(alice, 'g1');
    const b = await connect(bob, 'g2');
    const tag = word();
    const inSecret = await send(a, secret.id, `${tag} secret plans`);
    const fromAlice = await send(a, shared.id, `${tag} shared by alice`);
    const fromBob = await send(b, shared.id, `${tag} shared by bob`);
    await found(alice, { q: tag }, (ids) => ids.length === 3);

    expect((await found(bob, { q: tag })).results.map((x) => x.message.id).sort()).toEqual([fromAlice.id, fromBob.id].sort());
    expect(await search(bob, { q: tag, roomId: secret.id })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect((await search(alice, { q: tag, roomId: shared.id })).body.results.map((x) => x.message.id).sort()).toEqual([fromAlice.id, fromBob.id].sort());
    expect((await search(alice, { q: tag, from: bob.user.username.toUpperCase() })).body.results.map((x) => x.message.id)).toEqual([fromBob.id]);
    expect((await search(alice, { q: tag, roomId: secret.id })).body.results.map((x) => x.message.id)).toEqual([inSecret.id]);

    const first = await search(alice, { q: tag, limit: '2' });
    expect(first.body.results).toHaveLength(2);
    expect(first.body.next).not.toBeNull();
    const second = await search(alice, { q: tag, limit: '2', before: first.body.next! });
    expect(second.body).toMatchObject({ next: null });
    expect(new Set([...first.body.results, ...second.body.results].map((x) => x.message.id))).toEqual(new Set([inSecret.id, fromAlice.id, fromBob.id]));

    expect((await api(suite.url, 'POST', `/api/rooms/${shared.id}/leave`, { token: bob.token })).status).toBe(204);
    expect((await search(bob, { q: tag })).body.results).toEqual([]);
  });

  it('scans the full-text matches once, however few rooms the statistics say I am in', async () => {
    // The membership rows are newer than the table's statistics (ANALYZE ran before alice joined), so the
    // planner believes she is in one room. Joined to memberships, the statement ran the bitmap scan of
    // messages once per room she is in (51 rooms in the bench: 230-520 ms instead of 2-6).
    const alice = await registerUser(suite.url);
    const bob = await registerUser(suite.url);
    const rooms: Room[] = [];
    for (let i = 0; i < 6; i++) rooms.push(await room(bob, []));
    await suite.db.query('ANALYZE memberships');
    for (const r of rooms) await inviteAndAccept(suite.url, bob.token, r.id, alice);
    const tag = word();
    await suite.db.query(
      `INSERT INTO messages (id, room_id, sender_id, sender_username, body, client_msg_id, created_at)
       SELECT gen_random_uuid(), r, $2, $3, $4 || ' line ' || n, $4 || '.' || r || '.' || n, now() FROM unnest($1::uuid[]) AS r, generate_series(1, 5) AS n`,
      [rooms.map((r) => r.id), bob.user.id, bob.user.username, tag],
    );
    const explained = await suite.db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${searchSql(1, false, 0, false, false)}`, [alice.user.id, tag, 0, 50]);
    const scans: PlanNode[] = [];
    const walk = (node: PlanNode) => {
      if (node['Relation Name'] === 'messages') scans.push(node);
      node.Plans?.forEach(walk);
    };
    walk(explained.rows[0]!['QUERY PLAN'][0].Plan);
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.map((n) => n['Actual Loops'])).toEqual(scans.map(() => 1));
    expect(scans.reduce((sum, n) => sum + n['Actual Rows'], 0)).toBe(30);
  });

  it('follows edits and never matches a deleted message', async () => {
    const alice = await registerUser(suite.url);
    const r = await room(alice, []);
    const a = await connect(alice);
    const before = word();
    const after = word();
    const edited = await send(a, r.id, `${before} draft`);
    const deleted = await send(a, r.id, `${before} to be deleted`);
    await found(alice, { q: before }, (ids) => ids.length === 2);
    expect(await a.timeout(15_000).emitWithAck('message:edit', { messageId: edited.id, body: `${after} final` })).toMatchObject({ ok: true });
    expect(await a.timeout(15_000).emitWithAck('message:delete', { messageId: deleted.id })).toMatchObject({ ok: true });
    await found(alice, { q: after }, (ids) => ids.length === 1 && ids[0] === edited.id);
    await found(alice, { q: before }, (ids) => ids.length === 0);
  });

  it('refuses an empty or malformed query with VALIDATION, and finds nothing for punctuation only', async () => {
    const alice = await registerUser(suite.url);
    expect(await search(alice, { q: '' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
    expect(await search(alice, { q: 'x', before: 'abc' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
    expect(await search(alice, { q: "'&|!:*()" })).toMatchObject({ status: 200, body: { results: [], next: null } });
    const unauth = await api(suite.url, 'GET', '/api/search?q=x');
    expect(unauth.status).toBe(401);
  });
});
