import { fetchMissedMessages } from '@chat/client';
import type { ErrorBody } from '@chat/protocol';
import { ApiError } from '../api/api-error';
import type { ChatApi } from '../api/chat-api';
import type { ChatState } from './chat-state';
import type { ChatStore } from './chat-store';
import { type IsReading, markRead } from './incoming-events';
import { applyCatchUp, EMPTY_TIMELINE, mergeNewestPage, mergeOlderPage, oldestId, type Timeline } from './timeline';
import { baselineMarker } from './unread';

/** Messages per history request. */
export const PAGE_SIZE = 50;
/** How many pages a catch-up may fetch per room before it restarts the room's timeline from the newest. */
export const CATCH_UP_MAX_PAGES = 4;
/** How many pages forward a permalink's page may be joined to the loaded newest ones. */
export const JUMP_MAX_PAGES = 10;

/** The body to show for a failed request: the API's own error, or `fallback` when the network failed. */
export function asErrorBody(error: unknown, fallback: string): ErrorBody {
  if (error instanceof ApiError) return error.toBody();
  return { code: 'UNAVAILABLE', message: fallback };
}

const timelineOf = (state: ChatState, roomId: string): Timeline => state.timelines[roomId] ?? EMPTY_TIMELINE;

/** A room's timeline replaced, and the room marked read if the user is reading it: one commit. */
function withTimeline(state: ChatState, roomId: string, timeline: Timeline, reading: IsReading): Partial<ChatState> {
  const next = { ...state, timelines: { ...state.timelines, [roomId]: timeline } };
  return { timelines: next.timelines, readMarkers: markRead(next, roomId, reading) };
}

/** History over the REST API: the newest page, older pages while scrolling, and catch-ups after a gap. */
export class HistoryLoader {
  private readonly newestRequests = new Map<string, Promise<void>>();

  constructor(
    private readonly store: ChatStore,
    private readonly api: ChatApi,
    private readonly reading: IsReading,
  ) {}

  /** Loads the newest page of a room once; concurrent callers share the request. */
  loadNewest(roomId: string): Promise<void> {
    const pending = this.newestRequests.get(roomId);
    if (pending) return pending;
    const request = (async () => {
      try {
        const page = await this.api.history(roomId, undefined, PAGE_SIZE);
        this.store.commit((state) => {
          const timeline = mergeNewestPage(timelineOf(state, roomId), page, PAGE_SIZE);
          const baselined = { ...state, readMarkers: baselineMarker(state.readMarkers, roomId, page[page.length - 1]?.id) };
          return { ...withTimeline(baselined, roomId, timeline, this.reading), historyError: { ...state.historyError, [roomId]: undefined } };
        });
      } catch (error) {
        this.failed(roomId, asErrorBody(error, 'Could not load messages').message);
      } finally {
        this.newestRequests.delete(roomId);
      }
    })();
    this.newestRequests.set(roomId, request);
    return request;
  }

  /**
   * Loads the page before the oldest loaded message (scrolling up), or the newest page if none was
   * loaded yet. No-op while one is loading. Also the retry after a failed history request.
   */
  async loadOlder(roomId: string): Promise<void> {
    const state = this.store.getState();
    const timeline = timelineOf(state, roomId);
    if (!timeline.historyLoaded) return this.loadNewest(roomId);
    if (!timeline.hasOlder || state.loadingOlder[roomId]) return;
    this.store.commit((s) => ({ loadingOlder: { ...s.loadingOlder, [roomId]: true } }));
    try {
      const page = await this.api.history(roomId, oldestId(timeline), PAGE_SIZE);
      this.store.commit((s) => ({
        timelines: { ...s.timelines, [roomId]: mergeOlderPage(timelineOf(s, roomId), page, PAGE_SIZE) },
        historyError: { ...s.historyError, [roomId]: undefined },
        loadingOlder: { ...s.loadingOlder, [roomId]: false },
      }));
    } catch (error) {
      const message = asErrorBody(error, 'Could not load older messages').message;
      this.store.commit((s) => ({ historyError: { ...s.historyError, [roomId]: message }, loadingOlder: { ...s.loadingOlder, [roomId]: false } }));
    }
  }

  /**
   * Fetches what a room received after `knownNewestId` (the newest message known when the connection
   * dropped) and merges it; more than CATCH_UP_MAX_PAGES missed restarts the timeline from the newest.
   */
  async catchUp(roomId: string, knownNewestId: string | undefined): Promise<void> {
    try {
      const result = await fetchMissedMessages((before, limit) => this.api.history(roomId, before, limit), knownNewestId, PAGE_SIZE, CATCH_UP_MAX_PAGES);
      this.store.commit((state) => withTimeline(state, roomId, applyCatchUp(timelineOf(state, roomId), result.messages, result.contiguous), this.reading));
    } catch (error) {
      this.store.commit({ notice: asErrorBody(error, 'Could not catch up on missed messages').message });
    }
  }

  /**
   * Opens a room at a message (a permalink): the page around it (`around`), then pages forward
   * (`after`) until they meet what the timeline holds, so the timeline stays one run down to the
   * newest message. A message further back than JUMP_MAX_PAGES pages restarts the timeline from the
   * fetched pages, as a catch-up that missed too much does (newer pages return with the next catch-up
   * or reload). Resolves false when the message could not be loaded (the notice says why).
   */
  async jumpTo(roomId: string, messageId: string): Promise<boolean> {
    if (!timelineOf(this.store.getState(), roomId).historyLoaded) await this.loadNewest(roomId);
    const known = new Set(timelineOf(this.store.getState(), roomId).entries.map((e) => e.id));
    if (known.has(messageId)) return true;
    try {
      const fetched = await this.api.historyPage(roomId, { around: messageId, limit: PAGE_SIZE });
      let contiguous = fetched.length === 0 || known.has(fetched.at(-1)?.id);
      for (let pages = 0; !contiguous && pages < JUMP_MAX_PAGES; pages++) {
        const next = await this.api.historyPage(roomId, { after: fetched.at(-1)!.id, limit: PAGE_SIZE });
        fetched.push(...next);
        contiguous = next.length < PAGE_SIZE || next.some((m) => known.has(m.id));
      }
      this.store.commit((state) => withTimeline(state, roomId, applyCatchUp(timelineOf(state, roomId), fetched, contiguous), this.reading));
      return true;
    } catch (error) {
      this.store.commit({ notice: asErrorBody(error, 'Could not open the linked message').message });
      return false;
    }
  }

  private failed(roomId: string, message: string): void {
    this.store.commit((s) => ({ historyError: { ...s.historyError, [roomId]: message } }));
  }
}
