import type { Attachment, ChatMessage, PublicUser, Room, RoomActivity, UserProfile } from '@chat/protocol';
import { useEffect, useMemo, useState } from 'react';
import type { MessageActions } from '../chat/message-actions';
import { type StreamingReplies, withStreamingReplies } from '../chat/assistant-replies';
import type { Timeline } from '../chat/timeline';
import { describeTyping } from '../chat/typing';
import { RoomTopic } from '../rooms/room-topic';
import { Composer } from './composer';
import { type MessageActionsApi, MessageActionsContext } from './message-actions-context';
import { MessageList } from './message-list';
import { ThreadPanel } from './thread-panel';
import { messageHref } from './use-hash-route';

/** What the room view shows and what it can ask for. */
export interface RoomViewProps {
  room: Room;
  me: PublicUser;
  timeline: Timeline;
  /** Membership and moderation changes, shown as system lines among the messages by id. */
  activity?: readonly RoomActivity[];
  /** Assistant replies being written (those of this room show after its messages). */
  streaming?: StreamingReplies;
  /** The room assistant's name, when there is one: the composer says how to ask it. */
  assistantName?: string;
  loadingOlder: boolean;
  historyError?: string;
  onlineMembers: readonly PublicUser[];
  typing: readonly PublicUser[];
  onLoadOlder: () => void;
  onSend: (text: string, attachments: Attachment[]) => string | undefined;
  onTyping: () => void;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
  onInvite: () => void;
  onLeave: () => void;
  /** The members panel and the settings dialog (issue 16); without them the buttons are not shown. */
  onMembers?: () => void;
  onSettings?: () => void;
  /** Message actions and threads; without them rows show no actions. */
  messages?: MessageActions;
  /** The room's members (names of who reacted). */
  members?: readonly PublicUser[];
  /** Shows an edited top-level message at once. */
  onEdited?: (message: ChatMessage) => void;
  /** Opens someone's profile card (a sender's name was clicked). */
  onOpenProfile?: (userId: string) => void;
  /** The "New messages" line goes after this id (see MessageList). */
  dividerAfter?: string;
  onJumpToUnread?: () => void;
  /** Whether the composer offers `@room` (see mentionSuggestions). */
  canMentionRoom?: boolean;
  /** Saves a new topic; given to admins and the owner, who edit it in place in the header. */
  onSaveTopic?: (topic: string) => Promise<void>;
  /** A permalink's message, once its page is loaded: flashed, and for a reply its thread opened. */
  focus?: { messageId: string; threadId?: string };
}

/** The message actions of one room, for its rows (see MessageActionsContext). */
function useMessageActions(props: RoomViewProps, openThread: (id: string) => void): MessageActionsApi | undefined {
  const [editingId, setEditing] = useState<string>();
  const { messages, members, me, onEdited } = props;
  return useMemo(() => {
    if (!messages) return undefined;
    const names = new Map((members ?? []).map((m) => [m.id, m.username]));
    // The members list carries profiles (GET /api/rooms/:id/members): display names where set.
    const displayNames = new Map((members ?? []).map((m) => [m.id, (m as { displayName?: string | null }).displayName]));
    const avatars = new Map((members ?? []).map((m) => [m.id, (m as Partial<UserProfile>).avatar]));
    return {
      myId: me.id,
      nameOf: (id) => (id === me.id ? 'you' : (displayNames.get(id) || names.get(id) || 'someone')),
      senderName: (user) => displayNames.get(user.id) || user.username,
      avatarOf: (id) => avatars.get(id),
      toggleReaction: (message, emoji) => void messages.toggleReaction(message, emoji, me.id),
      openProfile: props.onOpenProfile,
      openThread,
      edit: (id, body) => messages.edit(id, body, (m) => onEdited?.(m)),
      remove: (id) => messages.remove(id),
      copyLink: (message) => {
        const url = `${window.location.origin}${window.location.pathname}${messageHref(message)}`;
        void navigator.clipboard?.writeText(url).catch(() => undefined);
      },
      flashId: props.focus?.messageId,
      editingId,
      setEditing,
    };
  }, [messages, members, me.id, onEdited, openThread, editingId, props.focus?.messageId, props.onOpenProfile]);
}

/** One room: its header (name, who is online, actions), the messages, who is typing, and the composer. */
export function RoomView(props: RoomViewProps) {
  const { room, me, onlineMembers, typing, streaming } = props;
  const timeline = useMemo(() => (streaming ? withStreamingReplies(props.timeline, streaming, room.id) : props.timeline), [props.timeline, streaming, room.id]);
  const title = room.visibility === 'direct' ? room.name : `# ${room.name}`;
  // Kept live by `room:updated` (joins, leaves, kicks and bans each send one).
  const memberCount = room.memberCount;
  const [threadId, setThreadId] = useState<string>();
  const actions = useMessageActions(props, setThreadId);
  const focusThread = props.focus?.threadId;
  useEffect(() => {
    if (focusThread) setThreadId(focusThread);
  }, [focusThread]);
  const editLast = () => {
    const last = [...timeline.entries].reverse().find((e) => e.id && e.sender.id === me.id && !e.deletedAt);
    if (last?.id) actions?.setEditing(last.id);
  };
  return (
    <MessageActionsContext.Provider value={actions}>
      <div className={`room-layout${threadId ? ' room-layout--thread' : ''}`}>
        <section className="room" aria-labelledby="room-title">
          <header className="room__header">
            <a className="room__back" href="#/" aria-label="Back to rooms">
              ‹
            </a>
            <div className="room__title">
              <h1 id="room-title">{title}</h1>
              <p className="room__subtitle">
                {room.visibility === 'direct'
                  ? 'Direct message'
                  : `${room.visibility === 'private' ? 'Private' : 'Public'} room · ${memberCount} ${
                      memberCount === 1 ? 'member' : 'members'
                    }`}
                <span className="room__subtitle-online"> · {onlineMembers.length} online</span>
                {room.archivedAt && <span className="room__archived"> · Archived (read-only)</span>}
              </p>
              {(room.topic || props.onSaveTopic) && <RoomTopic topic={room.topic ?? ''} onSave={props.onSaveTopic} />}
            </div>
            <div className="room__online" role="group" aria-label="Online now">
              <span className="room__online-count">{onlineMembers.length} online</span>
              <ul className="room__online-list">
                {onlineMembers.map((user) => (
                  <li key={user.id}>
                    <span className="presence-dot presence-dot--online" aria-hidden="true" />
                    {user.username}
                    {user.id === me.id && <span className="muted"> (you)</span>}
                  </li>
                ))}
              </ul>
            </div>
            <div className="room__actions">
              {room.visibility !== 'direct' && (
                <button type="button" className="button button--small" onClick={props.onInvite}>
                  Invite
                </button>
              )}
              {room.visibility !== 'direct' && props.onMembers && (
                <button type="button" className="button button--small" onClick={props.onMembers}>
                  Members
                </button>
              )}
              {room.visibility !== 'direct' && props.onSettings && (
                <button type="button" className="button button--small" onClick={props.onSettings}>
                  Settings
                </button>
              )}
              <button type="button" className="button button--small" onClick={props.onLeave}>
                Leave
              </button>
            </div>
          </header>
          <MessageList
            roomId={room.id}
            timeline={timeline}
            myUserId={me.id}
            loadingOlder={props.loadingOlder}
            historyError={props.historyError}
            activity={props.activity}
            onLoadOlder={props.onLoadOlder}
            onRetry={props.onRetry}
            onDiscard={props.onDiscard}
            // A permalink lands on its message; the line would pull the view elsewhere.
            dividerAfter={props.focus ? undefined : props.dividerAfter}
            onJumpToUnread={props.onJumpToUnread}
          />
          <div className="typing" aria-live="polite">
            {describeTyping(typing)}
          </div>
          <Composer
            key={room.id}
            roomId={room.id}
            roomName={title}
            assistantName={props.assistantName}
            onSend={props.onSend}
            onTyping={props.onTyping}
            onEditLast={editLast}
            draftKey={`${props.me.id}.${room.id}`}
            members={props.members}
            canMentionRoom={props.canMentionRoom}
            myId={props.me.id}
          />
        </section>
        {threadId && props.messages && (
          <ThreadPanel
            key={threadId}
            roomId={room.id}
            parentId={threadId}
            parent={timeline.entries.find((e) => e.id === threadId)}
            me={me}
            messages={props.messages}
            onClose={() => setThreadId(undefined)}
          />
        )}
      </div>
    </MessageActionsContext.Provider>
  );
}
