// The members page's name search on a real PostgreSQL: what it finds (the start of the username, any part of
// the display name, without case, only the room's members, LIKE's wildcards taken literally), and that it
// finds it through the name indexes of the member_search_trigram migration rather than by reading every user.
import { createPgPool, type PgPool } from '@chat/db';
import type { RoomMember } from '@chat/protocol';
import { createTestDatabase } from '@chat/testing';
import { newId } from './ids';
import { createMemberPages, type MemberPages } from './member-pages';

let pool: PgPool;
let pages: MemberPages;
/** The SQL texts and values the pages sent, to EXPLAIN them as they ran. */
const sent: { name?: string; text: string; values: unknown[] }[] = [];

const room = newId();
interface Person {
  id: string;
  username: string;
  displayName: string | null;
}
const members: Person[] = [];

beforeAll(async () => {
  const url = await createTestDatabase('member_pages');
  pool = createPgPool({ url, poolMax: 2 });
  const recording = {
    query: (config: { name?: string; text: string; values: unknown[] }) => {
      sent.push({ name: config.name, text: config.text, values: config.values });
      return pool.query(config);
    },
  } as unknown as PgPool;
  pages = createMemberPages(recording);
  // 1,200 members whose names all start alike (the case a trigram index of usernames cannot narrow), a few
  // with display names, and 3,000 users elsewhere whose names match the same searches.
  const people: (Person & { inRoom: boolean })[] = [];
  for (let i = 0; i < 1_200; i++) {
    const displayName = i % 100 === 7 ? `Ann ${i} Smith` : i === 42 ? 'Fifty%_Percent' : null;
    people.push({ id: newId(), username: i % 2 === 0 ? `team.${i}` : `Team.${i}`, displayName, inRoom: true });
  }
  for (let i = 0; i < 3_000; i++) people.push({ id: newId(), username: `team.${i}.elsewhere`, displayName: `Ann elsewhere ${i}`, inRoom: false });
  await pool.query(`INSERT INTO users (id, username, password_hash, display_name) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`, [
    people.map((p) => p.id),
    people.map((p) => p.username),
    people.map(() => 'no login'),
    people.map((p) => p.displayName),
  ]);
  await pool.query(`INSERT INTO rooms (id, name, visibility, created_by) VALUES ($1, 'big', 'public', $2)`, [room, people[0]!.id]);
  const inRoom = people.filter((p) => p.inRoom);
  await pool.query(`INSERT INTO memberships (room_id, user_id, joined_at) SELECT $1, u, now() - interval '1 day' + n * interval '1 second' FROM unnest($2::uuid[]) WITH ORDINALITY AS x(u, n)`, [
    room,
    inRoom.map((p) => p.id),
  ]);
  members.push(...inRoom);
  await pool.query('ANALYZE users');
  await pool.query('ANALYZE memberships');
});

afterAll(async () => {
  await pool.end();
});

/** Every page of a search, followed through its cursors. */
async function searchAll(q: string): Promise<RoomMember[]> {
  const found: RoomMember[] = [];
  let cursor: string | undefined;
  do {
    const page = await pages.page(room, new Set(), { limit: 50, q, cursor });
    found.push(...page.members);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/** The plain reading: members (in join order) whose username starts with q, or whose display name holds it, without case. */
const expected = (q: string) =>
  members.filter((p) => p.username.toLowerCase().startsWith(q.toLowerCase()) || (p.displayName ?? '').toLowerCase().includes(q.toLowerCase())).map((p) => p.id);

describe('members page search', () => {
  it.each(['team.11', 'TEAM.3', 'ann', 'SMITH', 'team.1199'])('finds the members matching %s, and only the room\'s', async (q) => {
    const found = await searchAll(q);
    expect(found.map((m) => m.id)).toEqual(expected(q));
    expect(found.length).toBeGreaterThan(0);
  });

  it('takes LIKE wildcards in the query literally', async () => {
    expect((await searchAll('%_p')).map((m) => m.username)).toEqual(['team.42']);
    expect(await searchAll('team_1')).toEqual([]);
  });

  it('reads the name indexes, not every user', async () => {
    sent.length = 0;
    await pages.page(room, new Set(), { limit: 50, q: 'team.1199' });
    const search = sent.find((s) => s.text.includes('LIKE'));
    expect(search).toBeDefined();
    const plan = (await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${search!.text}`, search!.values)).rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('users_username_pattern_idx');
    expect(plan).toContain('users_display_name_trgm_idx');
    expect(plan).not.toContain('Seq Scan on users');
    // Unprepared, so planned with its pattern every time: a prepared statement's generic plan, which
    // PostgreSQL may settle on after five runs, knows no pattern and can use neither index.
    expect(search!.name).toBeUndefined();
  });
});
