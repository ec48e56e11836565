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
  /** Files shared with the message (absent when there are none; none on a tombstone). */
  attachments?: Attachment[];
}

/** The living-message fields of a message just sent: never edited, no replies, no reactions. */
export function freshMessageFields(parentId: string | null = null): Pick<ChatMessage, 'parentId' | 'editedAt' | 'deletedAt' | 'replyCount' | 'lastReplyAt' | 'reactions'> {
  return { parentId, editedAt: null, deletedAt: null, replyCount: 0, lastReplyAt: null, reactions: [] };
}

/** A file of a message. Read it with `GET /api/files/:id` (members of its room only). */
export interface Attachment {
  id: string;
  /** Sanitised file name, for display and download. */
  name: string;
  /** Bytes. */
  size: number;
  contentType: string;
  /** Images, once the thumbnail worker has measured them (a placeholder of this size can be drawn). */
  width?: number;
  height?: number;
  /** True once `GET /api/files/:id/thumbnail` answers (images only: a WebP of at most 400 px). */
  thumbnail?: boolean;
}

/** `POST /api/rooms/:roomId/uploads`: where and how to send the bytes. */
export interface UploadResponse {
  upload: {
    id: string;
    /** A presigned URL: PUT the file's bytes there, with `headers`, before `expiresAt`. */
    url: string;
    method: 'PUT';
    headers: Record<string, string>;
    expiresAt: string;
  };
}

/** `GET /api/files/:id/url`: a short-lived link to the file (what the redirect of `GET /api/files/:id` points at). */
export interface FileUrlResponse {
  url: string;
  expiresAt: string;
}

/** An attachment changed after its message was sent (its thumbnail is ready): receivers update it in place. */
export interface AttachmentUpdatedEvent {
  roomId: string;
  messageId: string;
  attachment: Attachment;
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
