import { createStatementNames } from './statement-names';

describe('prepared statement names', () => {
  it('names parameterized SQL by its text: the same text the same name, another text another name', () => {
    const name = createStatementNames();
    const a = name({ sql: 'SELECT 1 WHERE $1::int = 1', args: [1] });
    expect(a).toMatch(/^chat_[0-9a-f]{40}$/);
    expect(name({ sql: 'SELECT 1 WHERE $1::int = 1', args: [2] })).toBe(a);
    expect(name({ sql: 'SELECT 2 WHERE $1::int = 1', args: [1] })).not.toBe(a);
  });

  it('leaves SQL without parameters unprepared (it may hold several commands), and new texts once the cap is reached', () => {
    const name = createStatementNames(2);
    expect(name({ sql: 'TRUNCATE a; TRUNCATE b', args: [] })).toBeUndefined();
    const first = name({ sql: 'SELECT $1', args: [1] });
    name({ sql: 'SELECT $1, 2', args: [1] });
    expect(name({ sql: 'SELECT $1, 3', args: [1] })).toBeUndefined();
    expect(name({ sql: 'SELECT $1', args: [5] })).toBe(first);
  });
});
