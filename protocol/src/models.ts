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
  /** Files shared with the message (absent when there are none). */
  attachments?: Attachment[];
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
