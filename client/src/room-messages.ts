import type { ChatMessage } from '@chat/protocol';
import { compareMessageIds } from './message-order';

/** How a message added to {@link RoomMessages} related to what was there. */
export type MergeOutcome = 'new' | 'duplicate' | 'late';

/**
 * The messages of one room that a client has (replies too), merged by id from every source (live
 * `message:new`, acks, a replay after recovery, history pages), so a message seen twice is kept once;
 * each in its newest state (`message:updated`, by revision).
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

  /**
   * Takes a changed message (`message:updated`) unless what is held is a newer revision (two gateways'
   * broadcasts can cross): true when it replaced the held one (or was unknown, and is now held).
   */
  update(message: ChatMessage): boolean {
    const held = this.byId.get(message.id);
    if (held && held.revision !== undefined && message.revision !== undefined && message.revision < held.revision) return false;
    this.byId.set(message.id, message);
    return true;
  }

  /** The message held under `id`. */
  get(id: string): ChatMessage | undefined {
    return this.byId.get(id);
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
