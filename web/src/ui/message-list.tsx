import { compareMessageIds } from '@chat/client';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { RoomActivity } from '@chat/protocol';
import { groupTimeline } from '../chat/grouping';
import { ActivityLine } from '../rooms/room-activity';
import type { Timeline } from '../chat/timeline';
import { formatDay } from './format-time';
import { MessageItem } from './message-item';

/** Closer than this to the bottom counts as "at the bottom": new messages then keep the view pinned. */
const BOTTOM_SLACK_PX = 48;
/** Closer than this to the top loads the previous page of history. */
const LOAD_OLDER_THRESHOLD_PX = 200;

/** What the message list shows and what it can ask for. */
export interface MessageListProps {
  roomId: string;
  timeline: Timeline;
  myUserId: string;
  loadingOlder: boolean;
  /** Why the last history request failed; the list then waits for the user to try again. */
  historyError?: string;
  /** Timeline entries (joins, kicks, renames...), oldest first: each goes before the first message with a greater id. */
  activity?: readonly RoomActivity[];
  onLoadOlder: () => void;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
  /** The "New messages" line goes after this id (the read marker when the room was opened). */
  dividerAfter?: string;
  /** Loads history back to the line, when it is older than what is loaded. */
  onJumpToUnread?: () => void;
}

/** Where the "New messages" line goes: before the first message of others after the marker, if loaded. */
function placeDivider(timeline: Timeline, after: string | undefined, myUserId: string): { key?: string; notLoaded: boolean } {
  if (after === undefined) return { notLoaded: false };
  const oldest = timeline.entries.find((e) => e.id !== undefined)?.id;
  // The marker is older than the oldest loaded message: the first unread one is further back.
  if (timeline.hasOlder && oldest !== undefined && compareMessageIds(oldest, after) > 0) return { notLoaded: true };
  const first = timeline.entries.find((e) => e.id !== undefined && e.sender.id !== myUserId && compareMessageIds(e.id, after) > 0);
  return { key: first?.key, notLoaded: false };
}

/**
 * Where each timeline entry goes: before the first loaded message with a greater id (keyed by its row),
 * or after the last. Entries older than the oldest loaded message wait while older pages remain.
 */
function activityBefore(timeline: Timeline, activity: readonly RoomActivity[]): { before: Map<string, RoomActivity[]>; after: RoomActivity[] } {
  const before = new Map<string, RoomActivity[]>();
  const sent = timeline.entries.filter((e) => e.id !== undefined);
  const oldest = sent[0]?.id;
  let i = 0;
  let rest = activity.filter((a) => !timeline.hasOlder || (oldest !== undefined && compareMessageIds(a.id, oldest) > 0));
  for (const entry of sent) {
    while (i < rest.length && compareMessageIds(rest[i]!.id, entry.id!) < 0) {
      before.set(entry.key, [...(before.get(entry.key) ?? []), rest[i]!]);
      i += 1;
    }
  }
  rest = rest.slice(i);
  return { before, after: rest };
}

/**
 * The scrolling list of a room's messages. Opens at the "New messages" line when there is one (else at
 * the newest message), stays pinned to the bottom while the reader is there, keeps the reader's place
 * when older pages are prepended, and loads the previous page when the reader scrolls near the top. A bar
 * offers "Jump to unread" while the line is out of sight above, and "Jump to latest" away from the bottom.
 */
export function MessageList(props: MessageListProps) {
  const { roomId, timeline, myUserId, loadingOlder, historyError, onLoadOlder, onRetry, onDiscard, dividerAfter, onJumpToUnread } = props;
  const lines = useMemo(() => activityBefore(timeline, props.activity ?? []), [timeline, props.activity]);
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => groupTimeline(timeline.entries), [timeline.entries]);
  const divider = useMemo(() => placeDivider(timeline, dividerAfter, myUserId), [timeline, dividerAfter, myUserId]);
  const dividerRow = useRef<HTMLLIElement>(null);
  /** The line this list last scrolled to (room and marker): it is scrolled to once per visit. */
  const shownDivider = useRef<string>(undefined);
  const dividerId = dividerAfter === undefined ? undefined : `${roomId}:${dividerAfter}`;
  const [view, setView] = useState({ dividerAbove: false, awayFromBottom: false });
  // What the list looked like at the last render, to tell a prepended page from a new message.
  const previous = useRef<{ roomId: string; firstKey?: string; lastKey?: string; distanceFromBottom: number }>(undefined);
  const atBottom = useRef(true);

  const firstKey = timeline.entries[0]?.key;
  const last = timeline.entries[timeline.entries.length - 1];

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = previous.current;
    const line = dividerRow.current;
    if (line && shownDivider.current !== dividerId) {
      // Opening with unread messages: the line near the top, the first unread message under it.
      shownDivider.current = dividerId;
      el.scrollTop += line.getBoundingClientRect().top - el.getBoundingClientRect().top - 8;
      atBottom.current = el.scrollHeight - el.clientHeight - el.scrollTop < BOTTOM_SLACK_PX;
    } else if (!before || before.roomId !== roomId) {
      el.scrollTop = el.scrollHeight;
    } else if (before.firstKey !== firstKey && before.lastKey === last?.key) {
      // Older messages went in above: keep the same message under the reader's eyes.
      el.scrollTop = el.scrollHeight - el.clientHeight - before.distanceFromBottom;
    } else if (atBottom.current || (last?.sender.id === myUserId && before.lastKey !== last.key)) {
      el.scrollTop = el.scrollHeight;
    }
    previous.current = {
      roomId,
      firstKey,
      lastKey: last?.key,
      distanceFromBottom: el.scrollHeight - el.clientHeight - el.scrollTop,
    };
  });

  const maybeLoadOlder = () => {
    const el = scroller.current;
    if (
      el &&
      timeline.historyLoaded &&
      timeline.hasOlder &&
      !loadingOlder &&
      !historyError &&
      el.scrollTop < LOAD_OLDER_THRESHOLD_PX
    ) {
      onLoadOlder();
    }
  };
  // A first page shorter than the viewport never scrolls: keep loading until it fills or history ends.
  useEffect(maybeLoadOlder);

  // A line older than the loaded pages: load back to it once per visit (the list then scrolls to it).
  const autoJumped = useRef<string>(undefined);
  useEffect(() => {
    if (!divider.notLoaded || !timeline.historyLoaded || autoJumped.current === dividerId) return;
    autoJumped.current = dividerId;
    onJumpToUnread?.();
  }, [divider.notLoaded, timeline.historyLoaded, dividerId, onJumpToUnread]);

  const updateBar = () => {
    const el = scroller.current;
    if (!el) return;
    const line = dividerRow.current;
    const next = {
      dividerAbove: line !== null && line.getBoundingClientRect().bottom < el.getBoundingClientRect().top,
      awayFromBottom: !atBottom.current,
    };
    setView((v) => (v.dividerAbove === next.dividerAbove && v.awayFromBottom === next.awayFromBottom ? v : next));
  };
  useEffect(updateBar);

  const jumpToUnread = () => {
    const line = dividerRow.current;
    if (line) line.scrollIntoView({ block: 'start' });
    else {
      shownDivider.current = undefined; // scrolled to once it is loaded
      onJumpToUnread?.();
    }
  };
  const jumpToLatest = () => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.clientHeight - el.scrollTop < BOTTOM_SLACK_PX;
    updateBar();
    if (previous.current) previous.current.distanceFromBottom = el.scrollHeight - el.clientHeight - el.scrollTop;
    maybeLoadOlder();
  };

  return (
    <div className="message-scroller" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Message history">
      {(view.dividerAbove || divider.notLoaded || view.awayFromBottom) && (
        <div className="jump-bar">
          {(view.dividerAbove || divider.notLoaded) && (
            <button type="button" onClick={jumpToUnread}>
              Jump to unread
            </button>
          )}
          {view.awayFromBottom && (
            <button type="button" onClick={jumpToLatest}>
              Jump to latest
            </button>
          )}
        </div>
      )}
      <div className="history-edge">
        {historyError ? (
          <p role="alert">
            {historyError}.{' '}
            <button type="button" className="link-button" onClick={onLoadOlder}>
              Try again
            </button>
          </p>
        ) : !timeline.historyLoaded ? (
          <p role="status">Loading messages…</p>
        ) : timeline.hasOlder ? (
          <button type="button" className="link-button" onClick={onLoadOlder} disabled={loadingOlder}>
            {loadingOlder ? 'Loading older messages…' : 'Load older messages'}
          </button>
        ) : (
          <p className="history-start">This is the beginning of the conversation.</p>
        )}
      </div>
      <div role="log" aria-label="Messages">
        <ol className="messages">
        {rows.map((row) => [
          ...(row.type === 'message' ? (lines.before.get(row.entry.key) ?? []) : []).map((a) => <ActivityLine key={a.id} activity={a} myId={myUserId} />),
          row.type === 'message' && row.entry.key === divider.key && (
            <li key="unread-divider" ref={dividerRow} className="unread-divider">
              <span>New messages</span>
            </li>
          ),
          row.type === 'day' ? (
            // A list item of its own (a list holds only items: axe-core), its text the day.
            <li key={row.key} className="day-separator">
              <span>{formatDay(row.date)}</span>
            </li>
          ) : (
            <MessageItem
              key={row.key}
              entry={row.entry}
              startsGroup={row.startsGroup}
              mine={row.entry.sender.id === myUserId}
              onRetry={onRetry}
              onDiscard={onDiscard}
            />
          ),
        ])}
        {lines.after.map((a) => (
          <ActivityLine key={a.id} activity={a} myId={myUserId} />
        ))}
        </ol>
      </div>
    </div>
  );
}
