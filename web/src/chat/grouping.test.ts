import { ann, bob, message } from '../test-support/factories';
import { GROUP_WINDOW_MS, groupTimeline } from './grouping';
import { EMPTY_TIMELINE, mergeMessages } from './timeline';

const at = (date: Date) => date.toISOString();
const base = new Date(2026, 10, 27, 10, 0, 0); // local time: day separators follow the reader's calendar

describe('groupTimeline', () => {
  it('starts a group for a new sender and continues it for the same sender', () => {
    const t = mergeMessages(EMPTY_TIMELINE, [
      message(1, { sender: bob, createdAt: at(base) }),
      message(2, { sender: bob, createdAt: at(new Date(base.getTime() + 60_000)) }),
      message(3, { sender: ann, createdAt: at(new Date(base.getTime() + 120_000)) }),
    ]);
    const rows = groupTimeline(t.entries);
    expect(rows.map((r) => (r.type === 'day' ? 'day' : r.startsGroup))).toEqual(['day', true, false, true]);
  });

  it('starts a new group after a pause longer than the group window', () => {
    const t = mergeMessages(EMPTY_TIMELINE, [
      message(1, { createdAt: at(base) }),
      message(2, { createdAt: at(new Date(base.getTime() + GROUP_WINDOW_MS + 1)) }),
    ]);
    const rows = groupTimeline(t.entries).filter((r) => r.type === 'message');
    expect(rows.map((r) => r.type === 'message' && r.startsGroup)).toEqual([true, true]);
  });

  it('puts a day separator before the first message of each day and restarts the group there', () => {
    const nextDay = new Date(2026, 10, 28, 0, 1, 0);
    const t = mergeMessages(EMPTY_TIMELINE, [
      message(1, { createdAt: at(new Date(2026, 10, 27, 23, 59, 0)) }),
      message(2, { createdAt: at(nextDay) }),
    ]);
    const rows = groupTimeline(t.entries);
    expect(rows.map((r) => r.type)).toEqual(['day', 'message', 'day', 'message']);
    expect(rows[3]).toMatchObject({ startsGroup: true });
  });

  it('has no rows for an empty timeline', () => {
    expect(groupTimeline([])).toEqual([]);
  });
});
