// The persister's connections commit durably whatever the server's default: the test servers run with
// synchronous_commit=off, and a batch of plain messages is one INSERT outside any transaction (no SET LOCAL).
import { createPgPool, type PgPool } from '@chat/db';
import { createTestDatabase } from '@chat/testing';

describe('createPgPool({durableCommits})', () => {
  const pools = new Set<PgPool>();
  const setting = async (pool: PgPool, name: string) => {
    pools.add(pool);
    const result = await pool.query<{ value: string }>(`SELECT current_setting('${name}') AS value`);
    return result.rows[0]!.value;
  };
  let url: string;

  beforeAll(async () => {
    url = await createTestDatabase('durable');
  });
  afterAll(async () => {
    await Promise.all([...pools].map((pool) => pool.end()));
  });

  it('runs every connection with synchronous_commit on, where the server default is off', async () => {
    expect(await setting(createPgPool({ url }), 'synchronous_commit')).toBe('off');
    expect(await setting(createPgPool({ url, durableCommits: true }), 'synchronous_commit')).toBe('on');
  });

  it('keeps the startup options the URL already carries', async () => {
    const withOptions = new URL(url);
    withOptions.searchParams.set('options', '-c statement_timeout=4321');
    const pool = createPgPool({ url: withOptions.toString(), durableCommits: true });
    expect(await setting(pool, 'synchronous_commit')).toBe('on');
    expect(await setting(pool, 'statement_timeout')).toBe('4321ms');
  });
});
