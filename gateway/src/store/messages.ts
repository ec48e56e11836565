import type { ChatMessage } from '@chat/protocol';

/** Which page of a room's history: top-level messages, or with `parentId` one thread's replies. */
export interface HistoryPageQuery {
  limit: number;
  /** The page ends just before this message (default: at the newest). */
  before?: string;
  /** The page starts just after this message: the next page forward (a thread read oldest first). */
  after?: string;
  /** The page is centred on this message (it included); a reply's centre is its thread's parent. */
  around?: string;
  /** A thread: the replies of this top-level message. */
  parentId?: string;
}

/** Messages by id, with their reactions and files (search's results: createMessagesByIds in history-page-query.ts). */
export interface MessageHistory {
  /** The messages with these ids (any room: the caller authorized them), in no particular order. */
  byIds(ids: readonly string[]): Promise<ChatMessage[]>;
}
