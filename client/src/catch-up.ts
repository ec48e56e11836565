import type { ChatMessage } from '@chat/protocol';
import { compareMessageIds } from './message-order';

/** Loads one page of a room's history, oldest first, ending just before `before` (or at the newest). */
export type FetchHistoryPage = (before: string | undefined, limit: number) => Promise<ChatMessage[]>;

/** What a catch-up brought back. */
export interface CatchUpResult {
  /** Messages newer than the known newest, oldest first (may include a few already known). */
  messages: ChatMessage[];
  /** True when the fetched pages reach back to the known newest message (or to the room's beginning). */
  contiguous: boolean;
}

/**
 * Fetches what a room received after `knownNewestId`, newest page first, walking back page by page
 * until a page reaches the known message or the beginning of the room. Stops after `maxPages`, so a
 * client back from a long absence does not pull a whole busy room: the result then says it is not
 * contiguous, and the caller shows only the newest pages.
 */
export async function fetchMissedMessages(
  fetchPage: FetchHistoryPage,
  knownNewestId: string | undefined,
  limit: number,
  maxPages: number,
): Promise<CatchUpResult> {
  const pages: ChatMessage[][] = [];
  let before: string | undefined;
  for (let fetched = 0; fetched < maxPages; fetched++) {
    const page = await fetchPage(before, limit);
    pages.unshift(page);
    const first = page[0];
    const reachedKnown =
      knownNewestId === undefined || (first !== undefined && compareMessageIds(first.id, knownNewestId) <= 0);
    if (reachedKnown || page.length < limit || first === undefined) {
      return { messages: pages.flat(), contiguous: true };
    }
    before = first.id;
  }
  return { messages: pages.flat(), contiguous: false };
}
