import type { RoomActivityEvent } from './activity';
import type { MentionNewEvent, ReadMarkInput, RoomReadEvent } from './attention';
import type { ErrorBody } from './errors';
import type { BatchedEvent } from './event-batch';
import type { AttachmentUpdatedEvent, ChatMessage, Invitation, PublicUser, Room } from './models';
import type { MemberUpdatedEvent, RoomUpdatedEvent, UserUpdatedEvent } from './rooms';
import type { AssistantStreamInput, EditMessageInput, MessageRefInput, ReactionInput, SendMessageInput } from './schemas';

/** Every client-to-server event that can fail answers through an ack of this shape. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

/**
 * Who of a room came online (first socket anywhere) or went offline (last socket gone) since the last
 * diff, batched per room per interval. A large room's diff carries only counts: ask `presence:list`
 * for who is online when the room is shown. Diffs are states, not counts: applying one twice changes
 * nothing, and a gateway may repeat that someone is online.
 */
export type PresenceDiffEvent =
  | { roomId: string; large?: undefined; online: PublicUser[]; offline: PublicUser[] }
  | { roomId: string; large: true; cameOnline: number; wentOffline: number };

export interface TypingEvent {
  roomId: string;
  user: PublicUser;
}

export interface MessageUpdatedEvent {
  message: ChatMessage;
}

export interface RoomLeftEvent {
  roomId: string;
}

/**
 * One piece of an assistant reply while the model writes it. Receivers append `delta` to the pending
 * reply `replyId` (the clientMsgId its final `message:new` will carry) in `seq` order; `done` closes it.
 * Best effort: a receiver that was away misses pieces; the final `message:new` replaces the pending text whole.
 */
export type AssistantStreamEvent = AssistantStreamInput & {
  /** The bot user that writes the reply. */
  sender: PublicUser;
};

/** Who may emit which events: `service` is the role of platform workers (the assistant), never of people. */
export type SocketRole = 'user' | 'service';

/** Events the server sends to browsers. */
export interface ServerToClientEvents {
  /** A new message (top-level or a reply: see `parentId`), once durable. */
  'message:new': (message: ChatMessage) => void;
  /** The whole message after an edit, a deletion, a reaction change or a new reply in its thread. */
  'message:updated': (event: MessageUpdatedEvent) => void;
  typing: (event: TypingEvent) => void;
  'presence:diff': (event: PresenceDiffEvent) => void;
  'room:joined': (room: Room) => void;
  'room:left': (event: RoomLeftEvent) => void;
  /** Someone invited me to a room: I join it only by accepting (POST /api/invitations/:roomId/accept). */
  'invitation:new': (invitation: Invitation) => void;
  'assistant:stream': (event: AssistantStreamEvent) => void;
  /** A file of a message changed (its thumbnail and size are known): update it in place. */
  'attachment:updated': (event: AttachmentUpdatedEvent) => void;
  /** My read marker moved forward on another of my sockets (any gateway). */
  'room:read': (event: RoomReadEvent) => void;
  /** A message mentions me (by name, or `@room`), whether or not I am looking at its room. */
  'mention:new': (event: MentionNewEvent) => void;
  /** The room's settings or member count changed (to every member, on every gateway). */
  'room:updated': (event: RoomUpdatedEvent) => void;
  /** A member's role or mute changed. */
  'member:updated': (event: MemberUpdatedEvent) => void;
  /** Someone I share a room with (or I) changed their profile: display name, status, avatar. */
  'user:updated': (event: UserUpdatedEvent) => void;
  /** A membership or moderation change, as a timeline entry (`room.activity` on the log, after Kafka acknowledged it). */
  'room:activity': (event: RoomActivityEvent) => void;
  /** Several of the events above in one frame, in order: only to a client whose handshake asked for it (event-batch.ts). */
  'events:batch': (events: BatchedEvent[], offset?: string) => void;
}

/** Events browsers send to the server. */
export interface ClientToServerEvents {
  'message:send': (input: SendMessageInput, ack: (result: Ack<{ message: ChatMessage }>) => void) => void;
  /** The sender only: FORBIDDEN for someone else's message, NOT_FOUND for an unknown or deleted one. */
  'message:edit': (input: EditMessageInput, ack: (result: Ack<{ message: ChatMessage }>) => void) => void;
  /** The sender only (room owners and admins once rooms have roles): the message becomes a tombstone. */
  'message:delete': (input: MessageRefInput, ack: (result: Ack) => void) => void;
  /** Any member: one reaction per (user, message, emoji); adding twice is a no-op. */
  'reaction:add': (input: ReactionInput, ack: (result: Ack) => void) => void;
  /** Takes one's own reaction back; removing one that is not there is a no-op. */
  'reaction:remove': (input: ReactionInput, ack: (result: Ack) => void) => void;
  'typing:start': (input: { roomId: string }) => void;
  /** Who of the room's members is online now. */
  'presence:list': (input: { roomId: string }, ack: (result: Ack<{ online: PublicUser[] }>) => void) => void;
  /** Service sockets only (FORBIDDEN for people): a piece of a streamed assistant reply, relayed to the room. */
  'assistant:stream': (input: AssistantStreamInput, ack?: (result: Ack) => void) => void;
  /**
   * Moves my read marker in the room forward to `messageId` (an older one changes nothing); answers
   * with the marker now in force. Durable once acked (a `read.marked` event in Kafka).
   */
  'room:read': (input: ReadMarkInput, ack: (result: Ack<{ lastReadId: string }>) => void) => void;
}

/** Events between gateway pods (through the Redis streams adapter). */
export interface InterServerEvents {
  ping: () => void;
  /** A room's mutes or archive state changed: every gateway drops its cached copy, then acks (rooms/room-policy.ts). */
  'room:policy': (roomId: string, done: (dropped: boolean) => void) => void;
  /** Sessions ended, accounts gone or memberships removed: every gateway drops what it remembered, then acks (gateway/src/auth/access-cache.ts). */
  /** Who of a room has a socket on the gateway: each answers with its user ids (gateway/src/rooms/online-members.ts, members pages). */
  'room:online': (roomId: string, done: (userIds: string[]) => void) => void;
  'access:changed': (change: { users?: string[]; sessions?: string[]; memberships?: string[] }, done: (dropped: boolean) => void) => void;
}

/** What the gateway keeps on each socket after the handshake. */
export interface SocketData {
  user: PublicUser;
  /** From the token's `role` claim; people's sockets are `user`. */
  role: SocketRole;
  /** The login session the token names (people's sockets): ending it disconnects the socket. */
  sessionId?: string;
}

/** The Socket.IO room that carries a chat room's traffic. */
export const roomChannel = (roomId: string): string => `room:${roomId}`;
/** The Socket.IO room of all sockets of one user (on every gateway). */
export const userChannel = (userId: string): string => `user:${userId}`;
