// isoTimestamp: PostgreSQL's timestamptz text as Date#toISOString would print it, for every precision and
// for sessions in other time zones.
import { isoTimestamp } from './room-list-query';

describe('isoTimestamp', () => {
  it.each([
    ['2026-12-02 13:11:56.123456+00', '2026-12-02T13:11:56.123Z'],
    ['2026-12-02 13:11:56.123999+00', '2026-12-02T13:11:56.123Z'],
    ['2026-12-02 13:11:56.1+00', '2026-12-02T13:11:56.100Z'],
    ['2026-12-02 13:11:56.12+00', '2026-12-02T13:11:56.120Z'],
    ['2026-12-02 13:11:56+00', '2026-12-02T13:11:56.000Z'],
    ['2026-12-02 18:41:56.5+05:30', '2026-12-02T13:11:56.500Z'],
    ['2026-12-02 05:11:56.25-08', '2026-12-02T13:11:56.250Z'],
  ])('%s is %s', (text, iso) => {
    expect(isoTimestamp(text)).toBe(iso);
  });
});
