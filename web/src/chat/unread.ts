import { compareMessageIds } from '@chat/client';
import type { TimelineEntry } from './timeline';

/** Per room, the id of the newest message the user has seen. */
export type ReadMarkers = Readonly<Record<string, string>>;

/**
 * Unread messages of a room: accepted messages from others newer than the read marker. Counting
 * from the timeline (not incrementing on each event) is what keeps a message delivered twice, or
 * replayed after a reconnect, from being counted twice.
 */
export function countUnread(
  entries: readonly TimelineEntry[],
  marker: string | undefined,
  myUserId: string,
): number {
  let count = 0;
  for (const entry of entries) {
    if (entry.id === undefined || entry.sender.id === myUserId) continue;
    if (marker === undefined || compareMessageIds(entry.id, marker) > 0) count++;
  }
  return count;
}

/** Moves a room's read marker forward to `id`; never backward (an older page loading is not reading). */
export function advanceMarker(markers: ReadMarkers, roomId: string, id: string | undefined): ReadMarkers {
  if (id === undefined) return markers;
  const current = markers[roomId];
  if (current !== undefined && compareMessageIds(current, id) >= 0) return markers;
  return { ...markers, [roomId]: id };
}

/**
 * A room seen for the first time on this device (no marker yet) starts as read up to its newest
 * history, so a new device does not greet the user with every room's past as unread.
 */
export function baselineMarker(markers: ReadMarkers, roomId: string, newestHistoryId: string | undefined): ReadMarkers {
  if (markers[roomId] !== undefined || newestHistoryId === undefined) return markers;
  return { ...markers, [roomId]: newestHistoryId };
}

/** The badge text: exact up to 99, then "99+". */
export function formatUnread(count: number): string {
  return count > 99 ? '99+' : String(count);
}
