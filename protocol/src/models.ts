/** The public shapes of users, rooms and messages, as the API and the socket send them. */

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
}

/** A stored chat message. `id` is a UUIDv7: ids sort in the order the gateway accepted the messages. */
export interface ChatMessage {
  id: string;
  roomId: string;
  body: string;
  clientMsgId: string;
  sender: PublicUser;
  /** ISO 8601, UTC, millisecond precision. */
  createdAt: string;
}

export interface AuthResponse {
  token: string;
  user: PublicUser;
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

export interface MembersResponse {
  members: PublicUser[];
}

/** A page of history, oldest first. */
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
