/** The public shapes of users, rooms and messages, as the API and the socket send them. */
import type { RoomAttention } from './attention';

export interface PublicUser {
  id: string;
  username: string;
}

export type RoomVisibility = 'public' | 'private' | 'direct';

export interface Room {
  id: string;
  name: string;
  visibility: RoomVisibility;
  createdAt: string;
  memberCount: number;
  /** Settings (issue 16); empty strings when unset. */
  topic?: string;
  description?: string;
  /** When the owner archived the room (read-only from then on); null while active. */
  archivedAt?: string | null;
  /** The member who owns the room; null for direct conversations. */
  ownerId?: string | null;
}

/** A room in `GET /api/rooms`: with my read state and preferences (attention.ts). */
export type MyRoom = Room & RoomAttention;

/** One emoji's reactions on a message. */
export interface Reaction {
  /** The emoji (a shortcode is stored as the emoji it names). */
  emoji: string;
  /** Exactly how many people reacted with it. */
  count: number;
  /** Who, earliest first, at most {@link REACTION_USERS_MAX} of them. */
  userIds: string[];
}

/** `reactions[].userIds` carries at most this many ids (`count` stays exact). */
export const REACTION_USERS_MAX = 50;

/**
 * A chat message as every answer and event carries it. `id` is a UUIDv7: ids sort in the order the
 * gateway accepted the messages. A message lives: edits set `editedAt`, a deletion leaves a tombstone
 * (`deletedAt` set, `body` empty, no reactions) that clients show in place and then fold away.
 */
export interface ChatMessage {
  id: string;
  roomId: string;
  body: string;
  clientMsgId: string;
  sender: PublicUser;
  /** ISO 8601, UTC, millisecond precision. */
  createdAt: string;
  /** The top-level message whose thread this reply is in; null for a top-level message. */
  parentId: string | null;
  /** When the body was last edited; null when never. */
  editedAt: string | null;
  /** When the message was deleted (a tombstone); null while it stands. */
  deletedAt: string | null;
  /** Replies in this message's thread that are not deleted (0 for a reply). */
  replyCount: number;
  /** When the newest reply of the thread was sent; null without replies. */
  lastReplyAt: string | null;
  /** Reactions, by emoji, in the order they were first added. Empty on a tombstone. */
  reactions: Reaction[];
  /** The users this message mentions (resolved by the server at send time); absent or empty when none. */
  mentions?: string[];
  /**
   * The live revision: grows with every change a gateway applies. A client holding a higher revision
   * of a message ignores a `message:updated` with a lower one (two gateways' broadcasts can cross).
   * Absent in history pages (the stored state is the newest there).
   */
  revision?: number;
}

/** The living-message fields of a message just sent: never edited, no replies, no reactions. */
export function freshMessageFields(parentId: string | null = null): Pick<ChatMessage, 'parentId' | 'editedAt' | 'deletedAt' | 'replyCount' | 'lastReplyAt' | 'reactions'> {
  return { parentId, editedAt: null, deletedAt: null, replyCount: 0, lastReplyAt: null, reactions: [] };
}

export interface AuthResponse {
  /** The access token: a JWT naming the user and the session, valid until `expiresAt` (at most 15 min). */
  token: string;
  user: PublicUser;
  /** When the access token expires (ISO 8601): renew it before, with POST /api/auth/refresh. */
  expiresAt: string;
}

export interface MeResponse {
  user: PublicUser;
}

export interface RoomResponse {
  room: Room;
}

export interface RoomsResponse {
  rooms: Room[];
}

/** `GET /api/rooms`: my rooms with their read state. */
export interface MyRoomsResponse {
  rooms: MyRoom[];
}

export interface MembersResponse {
  members: PublicUser[];
}

/** A page of history, oldest first (top-level messages, or one thread's replies with `?parentId=`). */
export interface MessagesResponse {
  messages: ChatMessage[];
}

/** `GET /api/features`: what this deployment offers, so the web app shows only what works. */
export interface FeaturesResponse {
  /** The room assistant, answering messages that start with `@<name>`; null when it is off. */
  assistant: { name: string } | null;
}

/**
 * A pending invitation to a room (`GET /api/invitations`, the `invitation:new` event). The invitee is
 * not a member until it accepts; declining (or the room's deletion) removes it.
 */
export interface Invitation {
  room: Room;
  inviter: PublicUser;
  /** ISO 8601, UTC. */
  createdAt: string;
}

export interface InvitationResponse {
  invitation: Invitation;
}

export interface InvitationsResponse {
  invitations: Invitation[];
}
