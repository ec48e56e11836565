import { type AckResult, type ChatClient, type ConnectInfo, createChatClient } from '@chat/client';
import type { EditMessageInput, MessageRefInput, ReactionInput, ReadMarkInput, SendMessageInput, ServerToClientEvents } from '@chat/protocol';

/**
 * What the chat logic needs from the real-time link, narrow enough that tests can drive the logic
 * with a plain fake while the app runs on the shared client (`@chat/client`, see `clientConnection`).
 */
export interface RealtimeConnection {
  on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]): void;
  /** Connected (first time or again); `recovered` tells whether the server replayed what was missed. */
  onConnect(listener: (info: ConnectInfo) => void): void;
  onDisconnect(listener: () => void): void;
  /** The server refused the handshake's token (missing, expired or forged) and no fresh one could be had. */
  onUnauthorized(listener: () => void): void;
  /** One attempt of a send: the typed ack, or TIMEOUT when none came within the client's ack timeout. */
  sendMessage(input: SendMessageInput): Promise<AckResult<'message:send'>>;
  /** Edits one of my messages (one attempt: TIMEOUT when no ack came). */
  editMessage(input: EditMessageInput): Promise<AckResult<'message:edit'>>;
  /** Deletes one of my messages (a tombstone for everyone). */
  deleteMessage(input: MessageRefInput): Promise<AckResult<'message:delete'>>;
  /** Adds (`add`) or takes back my reaction. */
  react(input: ReactionInput, add: boolean): Promise<AckResult<'reaction:add'>>;
  startTyping(roomId: string): void;
  /** Who of the room's members is online. */
  listPresence(roomId: string): Promise<AckResult<'presence:list'>>;
  /** Moves my read marker in a room forward (the server keeps it, for every device). */
  markRead(input: ReadMarkInput): Promise<AckResult<'room:read'>>;
  /** The network went away (the browser's `offline`): drop the link now rather than after the ping timeout. */
  dropLink(): void;
  /** Opens the connection; listeners are registered first, so no event is missed. */
  open(): void;
  close(): void;
}

/** The RealtimeConnection of the running app, over the shared chat client. */
export function clientConnection(client: ChatClient): RealtimeConnection {
  return {
    on: (event, listener) => void client.on(event, listener),
    onConnect: (listener) => client.onConnect(listener),
    onDisconnect: (listener) => client.onDisconnect(() => listener()),
    onUnauthorized: (listener) => client.onUnauthorized(listener),
    // One attempt: the UI shows a failed send and lets the user retry it (with the same clientMsgId).
    sendMessage: (input) => client.request('message:send', input),
    editMessage: (input) => client.request('message:edit', input),
    deleteMessage: (input) => client.request('message:delete', input),
    react: (input, add) => client.request(add ? 'reaction:add' : 'reaction:remove', input),
    startTyping: (roomId) => client.signal('typing:start', { roomId }),
    listPresence: (roomId) => client.request('presence:list', { roomId }),
    markRead: (input) => client.request('room:read', input),
    // Closing the engine (not the socket) counts as a lost link: Socket.IO reconnects by itself.
    dropLink: () => void client.socket.io.engine?.close(),
    open: () => client.open(),
    close: () => client.close(),
  };
}

/** How the app's connection gets its token. */
export interface RealtimeAuth {
  /** The current access token, read at every (re)connection attempt. */
  getToken: () => string | undefined | Promise<string | undefined>;
  /** Obtains a fresh access token after the server refused one; resolves whether it did. */
  refreshToken?: () => Promise<boolean>;
}

/** Opens the app's real-time connection on the page's origin (nginx routes /socket.io to a gateway). */
export function openRealtimeConnection(auth: RealtimeAuth): RealtimeConnection {
  return clientConnection(createChatClient({ token: auth.getToken, refreshToken: auth.refreshToken }));
}
