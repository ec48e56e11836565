import type { ChatMessage } from '@chat/protocol';
import { compareMessageIds } from './message-order';

/** How a message added to {@link RoomMessages} related to what was there. */
export type MergeOutcome = 'new' | 'duplicate' | 'late';

/**
 * The messages of one room that a client has, merged by id from every source (live `message:new`,
 * acks, a replay after recovery, history pages), so a message seen twice is kept once.
 */
export class RoomMessages {
  private readonly byId = new Map<string, ChatMessage>();
  private newest: string | undefined;

  /** Adds a message: `duplicate` when its id was known, `late` when it is older than the newest known. */
  add(message: ChatMessage): MergeOutcome {
    if (this.byId.has(message.id)) return 'duplicate';
    this.byId.set(message.id, message);
    if (this.newest !== undefined && compareMessageIds(message.id, this.newest) < 0) return 'late';
    this.newest = message.id;
    return 'new';
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The id of the newest message: where a catch-up has to reach back to. */
  get newestId(): string | undefined {
    return this.newest;
  }

  /** Every message, in id order. */
  list(): ChatMessage[] {
    return [...this.byId.values()].sort((a, b) => compareMessageIds(a.id, b.id));
  }
}
