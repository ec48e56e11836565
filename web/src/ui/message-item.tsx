import type { CSSProperties } from 'react';
import type { TimelineEntry } from '../chat/timeline';
import { Attachments } from './attachments';
import { formatFullTime, formatTime } from './format-time';
import { MessageBody } from './message-body';

/** What a message row needs besides its entry. */
export interface MessageItemProps {
  entry: TimelineEntry;
  /** Shows the sender and time above the text (first message of a group). */
  startsGroup: boolean;
  /** Whether I wrote it (delivery states show only on my messages). */
  mine: boolean;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
}

/** A hue from the username, so each person keeps one colour everywhere. */
function hue(username: string): number {
  let hash = 0;
  for (const char of username) hash = (hash * 31 + char.charCodeAt(0)) % 360;
  return hash;
}

/** The sender's initial in a coloured circle (decorative: the name is right beside it). */
function Avatar({ username }: { username: string }) {
  return (
    <span className="message__avatar" aria-hidden="true" style={{ '--avatar-hue': hue(username) } as CSSProperties}>
      {username.charAt(0).toUpperCase()}
    </span>
  );
}

/** One message: sender and time (first of a group), the text, and for mine, where its delivery stands. */
export function MessageItem({ entry, startsGroup, mine, onRetry, onDiscard }: MessageItemProps) {
  const date = new Date(entry.createdAt);
  const time = (
    <time dateTime={entry.createdAt} title={formatFullTime(date)}>
      {formatTime(date)}
    </time>
  );
  return (
    <li
      className={`message${startsGroup ? ' message--first' : ''}${mine ? ' message--mine' : ''} message--${entry.status}`}
      data-status={entry.status}
      aria-label={startsGroup ? undefined : `${entry.sender.username} at ${formatTime(date)}`}
    >
      {startsGroup && <Avatar username={entry.sender.username} />}
      {startsGroup ? (
        <div className="message__meta">
          <span className="message__sender">{entry.sender.username}</span> {time}
        </div>
      ) : (
        <span className="message__hover-time" aria-hidden="true">
          {formatTime(date)}
        </span>
      )}
      <div className="message__body">
        {entry.body && <MessageBody body={entry.body} />}
        {entry.attachments && <Attachments attachments={entry.attachments} />}
      </div>
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
