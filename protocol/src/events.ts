import type { ErrorBody } from './errors';
import type { AttachmentUpdatedEvent, ChatMessage, PublicUser, Room } from './models';
import type { AssistantStreamInput, SendMessageInput } from './schemas';

/** Every client-to-server event that can fail answers through an ack of this shape. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export interface PresenceEvent {
  user: PublicUser;
  status: 'online' | 'offline';
}

export interface TypingEvent {
  roomId: string;
  user: PublicUser;
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
  'message:new': (message: ChatMessage) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: PresenceEvent) => void;
  'room:joined': (room: Room) => void;
  'room:left': (event: RoomLeftEvent) => void;
  'assistant:stream': (event: AssistantStreamEvent) => void;
  /** A file of a message changed (its thumbnail and size are known): update it in place. */
  'attachment:updated': (event: AttachmentUpdatedEvent) => void;
}

/** Events browsers send to the server. */
export interface ClientToServerEvents {
  'message:send': (input: SendMessageInput, ack: (result: Ack<{ message: ChatMessage }>) => void) => void;
  'typing:start': (input: { roomId: string }) => void;
  /** Who of the room's members is online now. */
  'presence:list': (input: { roomId: string }, ack: (result: Ack<{ online: PublicUser[] }>) => void) => void;
  /** Service sockets only (FORBIDDEN for people): a piece of a streamed assistant reply, relayed to the room. */
  'assistant:stream': (input: AssistantStreamInput, ack?: (result: Ack) => void) => void;
}

/** Events between gateway pods (through the Redis streams adapter). */
export interface InterServerEvents {
  ping: () => void;
}

/** What the gateway keeps on each socket after the handshake. */
export interface SocketData {
  user: PublicUser;
  /** From the token's `role` claim; people's sockets are `user`. */
  role: SocketRole;
}

/** The Socket.IO room that carries a chat room's traffic. */
export const roomChannel = (roomId: string): string => `room:${roomId}`;
/** The Socket.IO room of all sockets of one user (on every gateway). */
export const userChannel = (userId: string): string => `user:${userId}`;
