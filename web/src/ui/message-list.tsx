import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { groupTimeline } from '../chat/grouping';
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
  onLoadOlder: () => void;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
}

/**
 * The scrolling list of a room's messages. Opens at the newest message, stays pinned to the bottom
 * while the reader is there, keeps the reader's place when older pages are prepended, and loads the
 * previous page when the reader scrolls near the top.
 */
export function MessageList(props: MessageListProps) {
  const { roomId, timeline, myUserId, loadingOlder, historyError, onLoadOlder, onRetry, onDiscard } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => groupTimeline(timeline.entries), [timeline.entries]);
  // What the list looked like at the last render, to tell a prepended page from a new message.
  const previous = useRef<{ roomId: string; firstKey?: string; lastKey?: string; distanceFromBottom: number }>(undefined);
  const atBottom = useRef(true);

  const firstKey = timeline.entries[0]?.key;
  const last = timeline.entries[timeline.entries.length - 1];

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = previous.current;
    if (!before || before.roomId !== roomId) {
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

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.clientHeight - el.scrollTop < BOTTOM_SLACK_PX;
    if (previous.current) previous.current.distanceFromBottom = el.scrollHeight - el.clientHeight - el.scrollTop;
    maybeLoadOlder();
  };

  return (
    <div className="message-scroller" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Message history">
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
        {rows.map((row) =>
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
        )}
        </ol>
      </div>
    </div>
  );
}
