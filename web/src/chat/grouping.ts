import type { TimelineEntry } from './timeline';

/** Consecutive messages of one sender closer than this share one header (name and time). */
export const GROUP_WINDOW_MS = 5 * 60_000;

/** A row of the message list: a day separator, or a message that may start a group. */
export type TimelineRow =
  | { type: 'day'; key: string; date: Date }
  | { type: 'message'; key: string; entry: TimelineEntry; startsGroup: boolean };

/** The local calendar day of a date, as a comparable key. */
export function localDayKey(date: Date): string {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/**
 * Turns a timeline into rows: a separator before the first message of each local day, and each
 * message marked whether it starts a group (a new sender, a new day, or a pause of GROUP_WINDOW_MS).
 */
export function groupTimeline(entries: readonly TimelineEntry[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let previous: { senderId: string; time: number; day: string } | undefined;
  for (const entry of entries) {
    const date = new Date(entry.createdAt);
    const time = date.getTime();
    const day = localDayKey(date);
    if (previous?.day !== day) rows.push({ type: 'day', key: `day:${day}`, date });
    const startsGroup =
      previous === undefined ||
      previous.day !== day ||
      previous.senderId !== entry.sender.id ||
      time - previous.time > GROUP_WINDOW_MS;
    rows.push({ type: 'message', key: entry.key, entry, startsGroup });
    previous = { senderId: entry.sender.id, time, day };
  }
  return rows;
}
