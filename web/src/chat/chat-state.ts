import type { Invitation, PublicUser, Room } from '@chat/protocol';
import type { AttentionByRoom } from '../attention/attention-state';
import type { StreamingReplies } from './assistant-replies';
import type { Timeline } from './timeline';
import type { TypingState } from './typing';
import type { ReadMarkers } from './unread';

/** Where the real-time link stands, for the banner. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Everything the chat UI shows. Replaced (never mutated) on every change. */
export interface ChatState {
  readonly me: PublicUser;
  readonly rooms: readonly Room[];
  readonly roomsLoaded: boolean;
  /** Rooms I was invited to: I join one only by accepting. */
  readonly invitations: readonly Invitation[];
  readonly timelines: Readonly<Record<string, Timeline>>;
  readonly loadingOlder: Readonly<Record<string, boolean>>;
  /**
   * Per room, why the last history request failed. While set, the list does not load by itself
   * (a failing request would otherwise repeat at every render); the user's retry clears it.
   */
  readonly historyError: Readonly<Record<string, string | undefined>>;
  readonly readMarkers: ReadMarkers;
  /**
   * Where the open room's "New messages" line goes: after this id, the read marker as it stood when the
   * room was opened (or the server's, if further: read on another device). Absent: nothing was read yet.
   */
  readonly unreadDivider?: { readonly roomId: string; readonly afterId: string };
  /** Per room, the server's counts and my notification preferences (attention/). */
  readonly attention: AttentionByRoom;
  readonly typing: TypingState;
  /** What the app knows of users' presence: true online, false offline, absent unknown. */
  readonly online: Readonly<Record<string, boolean>>;
  readonly members: Readonly<Record<string, readonly PublicUser[]>>;
  readonly connection: ConnectionState;
  /** The room assistant's name when this deployment runs one (the composer then shows the hint). */
  readonly assistant: { readonly name: string } | null;
  /** Assistant replies being written, by replyId (shown growing until their final message arrives). */
  readonly streaming: StreamingReplies;
  readonly activeRoomId?: string;
  /** A problem worth telling the user that belongs to no form (a failed history load, say). */
  readonly notice?: string;
}

/** The state of a session before anything loaded. */
export function initialChatState(me: PublicUser, readMarkers: ReadMarkers): ChatState {
  return {
    me,
    rooms: [],
    roomsLoaded: false,
    invitations: [],
    timelines: {},
    loadingOlder: {},
    historyError: {},
    readMarkers,
    attention: {},
    typing: {},
    online: { [me.id]: true },
    members: {},
    connection: 'connecting',
    assistant: null,
    streaming: {},
  };
}
