import { useContext, useEffect, useRef, useState } from 'react';
import type { TimelineEntry } from '../chat/timeline';
import { Attachments } from './attachments';
import { Avatar } from './avatar';
import { formatFullTime, formatTime } from './format-time';
import { MessageActionsContext } from './message-actions-context';
import { MessageEditor, MessageToolbar, ReactionChips, ThreadSummary } from './message-extras';
import { LazyMarkdown, markdownReady } from './lazy-markdown';

/** A tombstone older than this is not shown at all (a fresh one shows "message deleted", then folds away). */
const TOMBSTONE_SHOWN_MS = 60_000;
/** How long a touch must rest on a message to show its actions. */
const LONG_PRESS_MS = 500;

/** What a message row needs besides its entry. */
export interface MessageItemProps {
  entry: TimelineEntry;
  /** Shows the sender and time above the text (first message of a group). */
  startsGroup: boolean;
  /** Whether I wrote it (delivery states show only on my messages). */
  mine: boolean;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
  /** In a thread panel: no "reply" action, no reply summary. */
  inThread?: boolean;
}

/** One message: sender and time (first of a group), the text, and for mine, where its delivery stands. */
export function MessageItem({ entry, startsGroup, mine, onRetry, onDiscard, inThread = false }: MessageItemProps) {
  const actions = useContext(MessageActionsContext);
  const [touched, setTouched] = useState(false);
  const press = useRef<ReturnType<typeof setTimeout>>(undefined);
  const flash = entry.id !== undefined && actions?.flashId === entry.id;
  const row = useRef<HTMLLIElement>(null);
  // A permalink's message: brought into view once, in the middle (the list opened at the bottom first).
  useEffect(() => {
    if (!flash) return;
    row.current?.scrollIntoView?.({ block: 'center' });
    // Bodies drawn as plain text until the Markdown chunk arrives change height then: centre it again.
    let live = true;
    void markdownReady().then(() => requestAnimationFrame(() => live && row.current?.scrollIntoView?.({ block: 'center' })));
    return () => void (live = false);
  }, [flash]);
  const date = new Date(entry.createdAt);
  if (entry.deletedAt && Date.now() - new Date(entry.deletedAt).getTime() > TOMBSTONE_SHOWN_MS) return null;
  const target = entry.id ? { id: entry.id, roomId: entry.roomId, parentId: entry.parentId ?? null, reactions: entry.reactions ?? [] } : undefined;
  const editing = target !== undefined && actions?.editingId === target.id;
  const senderName = actions?.senderName?.(entry.sender) ?? entry.sender.username;
  const time = (
    <time dateTime={entry.createdAt} title={formatFullTime(date)}>
      {formatTime(date)}
    </time>
  );
  return (
    <li
      className={`message${startsGroup ? ' message--first' : ''}${mine ? ' message--mine' : ''} message--${entry.status}${entry.deletedAt ? ' message--deleted' : ''}${touched ? ' message--touched' : ''}${flash ? ' message--flash' : ''}`}
      ref={row}
      data-status={entry.status}
      data-message-id={entry.id}
      onTouchStart={() => (press.current = setTimeout(() => setTouched(true), LONG_PRESS_MS))}
      onTouchEnd={() => clearTimeout(press.current)}
      onTouchMove={() => clearTimeout(press.current)}
      onMouseLeave={() => setTouched(false)}
      aria-label={startsGroup ? undefined : `${senderName} at ${formatTime(date)}`}
    >
      {startsGroup && <Avatar user={{ ...entry.sender, avatar: actions?.avatarOf?.(entry.sender.id) }} className="message__avatar" />}
      {startsGroup ? (
        <div className="message__meta">
          {actions?.openProfile ? (
            <button type="button" className="message__sender link-button" title={`@${entry.sender.username}`} onClick={() => actions.openProfile!(entry.sender.id)}>
              {senderName}
            </button>
          ) : (
            <span className="message__sender" title={senderName === entry.sender.username ? undefined : `@${entry.sender.username}`}>
              {senderName}
            </span>
          )}{' '}
          {time}
        </div>
      ) : (
        <span className="message__hover-time" aria-hidden="true">
          {formatTime(date)}
        </span>
      )}
      {entry.deletedAt ? (
        <div className="message__body message__tombstone">message deleted</div>
      ) : editing ? (
        <MessageEditor messageId={target.id} body={entry.body} />
      ) : (
        <div className="message__body" dir="auto">
          {entry.body && <LazyMarkdown body={entry.body} mentions={entry.mentions} />}
          {entry.editedAt && (
            <span className="message__edited muted" title={`edited ${formatFullTime(new Date(entry.editedAt))}`}>
              {' '}
              (edited)
            </span>
          )}
          {entry.attachments && <Attachments attachments={entry.attachments} />}
        </div>
      )}
      {target && !entry.deletedAt && <ReactionChips message={target} />}
      {target && !inThread && !entry.deletedAt && <ThreadSummary messageId={target.id} replyCount={entry.replyCount ?? 0} lastReplyAt={entry.lastReplyAt ?? null} />}
      {target && !entry.deletedAt && !editing && <MessageToolbar message={target} mine={mine} inThread={inThread} />}
      {mine && entry.status === 'pending' && (
        <div className="message__status message__status--pending" role="status">
          Sending…
        </div>
      )}
      {mine && entry.status === 'sent' && (
        <div className="message__status message__status--sent">
          <span aria-hidden="true">✓</span> <span className="visually-hidden">Sent</span>
        </div>
      )}
      {mine && entry.status === 'failed' && (
        <div className="message__status message__status--failed" role="alert">
          <span>Not sent: {entry.error?.message ?? 'unknown error'}.</span>{' '}
          <button type="button" className="link-button" onClick={() => onRetry(entry.clientMsgId)}>
            Retry
          </button>{' '}
          <button type="button" className="link-button" onClick={() => onDiscard(entry.clientMsgId)}>
            Discard
          </button>
        </div>
      )}
    </li>
  );
}
