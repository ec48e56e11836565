import type { ChatMessage } from '@chat/protocol';
import { fetchMissedMessages, type FetchHistoryPage } from './catch-up';
import type { ChatClient } from './chat-client';
import { RoomMessages } from './room-messages';

/** Settings of {@link followRooms}. */
export interface RoomFeedOptions {
  roomIds: readonly string[];
  /** One page of a room's history, oldest first, ending before `before` (GET /api/rooms/:id/messages). */
  fetchPage: (roomId: string, before: string | undefined, limit: number) => Promise<ChatMessage[]>;
  /** Messages per history page. Default 100. */
  pageSize?: number;
  /** Pages one catch-up may walk back per room. Default: no limit (every missed message). */
  maxPages?: number;
  /** First wait before a failed catch-up (history unavailable) is tried again, in ms. Default 100. */
  retryMinMs?: number;
  /** Told about every catch-up failure before it is retried. */
  onCatchUpError?: (error: unknown) => void;
}

/** The messages of some rooms, live and caught up after every gap, merged by id. */
export interface RoomFeed {
  /** Every `message:new` as it arrived, duplicates included. */
  readonly live: readonly ChatMessage[];
  /** Live messages whose id was known already (a replay after recovery, say). */
  readonly redelivered: number;
  /** Live messages older than the newest known of their room. */
  readonly outOfOrder: number;
  /** `message:updated` events taken (edits, deletions, reactions, reply counts). */
  readonly updates: number;
  /** Reconnections the server recovered (it replayed what was missed). */
  readonly recoveredReconnects: number;
  /** History catch-ups done after unrecovered reconnections. */
  readonly catchUps: number;
  /** A room's messages, in id order. */
  messages(roomId: string): ChatMessage[];
  /** Merges messages from elsewhere (acks of one's own sends, say). */
  merge(messages: readonly ChatMessage[]): void;
  /** Resolves once the catch-up in progress (if any) is done. */
  caughtUp(): Promise<void>;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Follows rooms through a client: merges live messages by id, and after a reconnection the server did
 * not recover, catches every room up from history, walking back to the newest message known when the
 * connection dropped (not the newest now: the gateway replays some of the gap live as the socket
 * rejoins its rooms, and those must not hide the older part of the gap). A catch-up that fails
 * (history unavailable while a dependency is down) is tried again with backoff until it succeeds.
 */
export function followRooms(client: ChatClient, options: RoomFeedOptions): RoomFeed {
  const rooms = new Map(options.roomIds.map((id) => [id, new RoomMessages()]));
  const live: ChatMessage[] = [];
  let newestAtDisconnect = new Map<string, string | undefined>();
  let redelivered = 0;
  let outOfOrder = 0;
  let updates = 0;
  let recoveredReconnects = 0;
  let catchUps = 0;
  let catchingUp = Promise.resolve();

  const merge = (messages: readonly ChatMessage[]) => {
    for (const message of messages) rooms.get(message.roomId)?.add(message);
  };

  client.on('message:new', (message) => {
    live.push(message);
    const outcome = rooms.get(message.roomId)?.add(message);
    if (outcome === 'duplicate') redelivered++;
    else if (outcome === 'late') outOfOrder++;
  });

  client.on('message:updated', ({ message }) => {
    if (rooms.get(message.roomId)?.update(message)) updates++;
  });

  async function catchUpAll(): Promise<void> {
    const known = newestAtDisconnect;
    for (let backoff = options.retryMinMs ?? 100; ; backoff = Math.min(backoff * 2, 1_000)) {
      try {
        for (const roomId of rooms.keys()) {
          const page = (before: string | undefined, limit: number) => options.fetchPage(roomId, before, limit);
          // Nothing known of a room: walk back to its beginning ('' sorts before every id).
          const result = await fetchMissedMessages(page as FetchHistoryPage, known.get(roomId) ?? '', options.pageSize ?? 100, options.maxPages ?? Infinity);
          merge(result.messages);
        }
        catchUps++;
        return;
      } catch (error) {
        options.onCatchUpError?.(error);
        await delay(backoff);
      }
    }
  }

  client.onDisconnect(() => {
    newestAtDisconnect = new Map([...rooms].map(([id, room]) => [id, room.newestId]));
  });
  client.onConnect(({ first, recovered }) => {
    if (first) return;
    if (recovered) recoveredReconnects++;
    else catchingUp = catchingUp.then(catchUpAll);
  });

  return {
    live,
    get redelivered() {
      return redelivered;
    },
    get outOfOrder() {
      return outOfOrder;
    },
    get updates() {
      return updates;
    },
    get recoveredReconnects() {
      return recoveredReconnects;
    },
    get catchUps() {
      return catchUps;
    },
    messages: (roomId) => rooms.get(roomId)?.list() ?? [],
    merge,
    caughtUp: () => catchingUp,
  };
}
