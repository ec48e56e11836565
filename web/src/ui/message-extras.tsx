import type { Reaction } from '@chat/protocol';
import { useContext, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { EmojiPicker } from './emoji-picker';
import { type ActionTarget, MessageActionsContext } from './message-actions-context';

/** Reactions as chips with counts; mine highlighted; a click toggles mine; hovering names who. */
export function ReactionChips({ message }: { message: ActionTarget }) {
  const actions = useContext(MessageActionsContext);
  if (message.reactions.length === 0) return null;
  const who = (r: Reaction) => {
    const names = r.userIds.map((id) => actions?.nameOf(id) ?? id);
    return r.count > names.length ? `${names.join(', ')} and ${r.count - names.length} more` : names.join(', ');
  };
  return (
    <ul className="reactions" aria-label="Reactions">
      {message.reactions.map((r) => {
        const mine = actions !== undefined && r.userIds.includes(actions.myId);
        return (
          <li key={r.emoji}>
            <button
              type="button"
              className={`reaction${mine ? ' reaction--mine' : ''}`}
              aria-pressed={mine}
              title={`${who(r)} reacted with ${r.emoji}`}
              aria-label={`${r.emoji} ${r.count}: ${who(r)}`}
              disabled={!actions}
              onClick={() => actions?.toggleReaction(message, r.emoji)}
            >
              <span className="reaction__emoji">{r.emoji}</span> <span className="reaction__count">{r.count}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** "N replies · last reply 5 min ago" under a thread's parent; opens the thread. */
export function ThreadSummary({ messageId, replyCount, lastReplyAt, now = Date.now() }: { messageId: string; replyCount: number; lastReplyAt: string | null; now?: number }) {
  const actions = useContext(MessageActionsContext);
  if (replyCount === 0) return null;
  return (
    <button type="button" className="thread-summary link-button" onClick={() => actions?.openThread(messageId)}>
      {replyCount} {replyCount === 1 ? 'reply' : 'replies'}
      {lastReplyAt && <span className="muted"> · last reply {ago(new Date(lastReplyAt).getTime(), now)}</span>}
    </button>
  );
}

function ago(then: number, now: number): string {
  const minutes = Math.floor((now - then) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 24 ? `${hours} h ago` : `${Math.floor(hours / 24)} d ago`;
}

/** The actions of one message (shown on hover, focus or a long press): react, reply, edit, delete, copy link. */
export function MessageToolbar({ message, mine, inThread }: { message: ActionTarget; mine: boolean; inThread: boolean }) {
  const actions = useContext(MessageActionsContext);
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<string>();
  if (!actions) return null;
  const remove = async () => {
    setProblem(await actions.remove(message.id));
    setConfirming(false);
  };
  return (
    <div className="message__toolbar" role="toolbar" aria-label="Message actions">
      <button type="button" className="icon-button" aria-label="Add reaction" title="Add reaction" onClick={() => setPicking((p) => !p)}>
        ☺
      </button>
      {!inThread && (
        <button type="button" className="icon-button" aria-label="Reply in thread" title="Reply in thread" onClick={() => actions.openThread(message.id)}>
          ↩
        </button>
      )}
      {mine && (
        <button type="button" className="icon-button" aria-label="Edit message" title="Edit" onClick={() => actions.setEditing(message.id)}>
          ✎
        </button>
      )}
      {mine && (
        <button type="button" className="icon-button" aria-label="Delete message" title="Delete" onClick={() => setConfirming(true)}>
          🗑
        </button>
      )}
      <button type="button" className="icon-button" aria-label="Copy link" title="Copy link" onClick={() => actions.copyLink(message)}>
        🔗
      </button>
      {picking && (
        <EmojiPicker
          onClose={() => setPicking(false)}
          onPick={(emoji) => {
            setPicking(false);
            actions.toggleReaction(message, emoji);
          }}
        />
      )}
      {confirming && (
        <div className="confirm" role="alertdialog" aria-label="Delete this message?">
          <span>Delete this message for everyone?</span>{' '}
          <button type="button" className="button button--small button--danger" onClick={() => void remove()}>
            Delete
          </button>{' '}
          <button type="button" className="button button--small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

/** Edits a body in place: Enter saves, Escape cancels, Shift+Enter starts a new line. */
export function MessageEditor({ messageId, body }: { messageId: string; body: string }) {
  const actions = useContext(MessageActionsContext);
  const [text, setText] = useState(body);
  const [problem, setProblem] = useState<string>();
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = input.current;
    if (el) {
      el.focus();
      el.setSelectionRange(el.value.length, el.value.length);
    }
  }, []);
  if (!actions) return null;
  const save = async () => {
    if (text.trim() === body.trim()) return actions.setEditing(undefined);
    const error = await actions.edit(messageId, text);
    setProblem(error);
    if (!error) actions.setEditing(undefined);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') actions.setEditing(undefined);
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void save();
    }
  };
  return (
    <div className="message__editor">
      <textarea ref={input} aria-label="Edit message" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} rows={2} />
      <p className="composer__hint">Enter to save, Escape to cancel.</p>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
