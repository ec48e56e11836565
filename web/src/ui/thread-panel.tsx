import type { PublicUser } from '@chat/protocol';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { MessageActions } from '../chat/message-actions';
import { sentEntry, type TimelineEntry } from '../chat/timeline';
import { Composer } from './composer';
import { MessageItem } from './message-item';

export interface ThreadPanelProps {
  roomId: string;
  /** The thread's top-level message, as the room's timeline shows it (live). */
  parent: TimelineEntry | undefined;
  parentId: string;
  me: PublicUser;
  messages: MessageActions;
  onClose: () => void;
}

const noop = () => undefined;

/** A thread beside the room (full screen on a phone): the parent, its replies live, and a composer of its own. */
export function ThreadPanel({ roomId, parent, parentId, me, messages, onClose }: ThreadPanelProps) {
  const thread = useSyncExternalStore(messages.subscribe, () => messages.thread(parentId));
  const [problem, setProblem] = useState<string>();
  useEffect(() => void messages.openThread(roomId, parentId), [messages, roomId, parentId]);
  return (
    <aside className="thread-panel" aria-label="Thread">
      <header className="thread-panel__header">
        <h2>Thread</h2>
        <button type="button" className="icon-button" aria-label="Close thread" onClick={onClose}>
          ×
        </button>
      </header>
      <ol className="thread-panel__messages messages">
        {parent && <MessageItem entry={parent} startsGroup mine={parent.sender.id === me.id} onRetry={noop} onDiscard={noop} inThread />}
        {thread?.error && <li role="alert">{thread.error}</li>}
        {thread && !thread.loaded && !thread.error && <li role="status">Loading replies…</li>}
        {thread?.hasEarlier && (
          <li>
            <button type="button" className="link-button" onClick={() => void messages.loadEarlier(parentId)}>
              Load earlier replies
            </button>
          </li>
        )}
        {thread?.replies.map((reply) => (
          <MessageItem key={reply.id} entry={sentEntry(reply)} startsGroup mine={reply.sender.id === me.id} onRetry={noop} onDiscard={noop} inThread />
        ))}
      </ol>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      <Composer
        roomName="thread"
        roomId={roomId}
        onTyping={noop}
        onSend={(text, attachments) => {
          setProblem(undefined);
          void messages.reply(roomId, parentId, text, attachments).then(setProblem);
          return undefined;
        }}
      />
    </aside>
  );
}
