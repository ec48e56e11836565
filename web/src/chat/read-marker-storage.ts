import { advanceMarker, type ReadMarkers } from './unread';

/** How long read markers may wait before they are written to storage, in ms. */
export const MARKER_WRITE_DELAY_MS = 1_000;

/**
 * Where read markers persist between visits (localStorage in the app), one key per user. Writes are
 * deferred and coalesced: a busy room advances the marker at every message, and a synchronous storage
 * round trip per message would sit on the hot path of every delivery. `flush` writes at once (the tab
 * hides, the session ends), so a marker is lost only if the tab dies within the delay.
 */
export class ReadMarkerStorage {
  private readonly key: string;
  private pending: ReadMarkers | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | undefined,
    userId: string,
    private readonly delayMs = MARKER_WRITE_DELAY_MS,
  ) {
    this.key = `chat.read.${userId}`;
  }

  load(): ReadMarkers {
    try {
      const raw = this.storage?.getItem(this.key);
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === 'object' ? (parsed as ReadMarkers) : {};
    } catch {
      return {};
    }
  }

  /** Remembers the markers to write (the newest call wins) and writes them after the delay. */
  save(markers: ReadMarkers): void {
    this.pending = markers;
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const markers = this.pending;
    this.pending = undefined;
    if (!markers || !this.storage) return;
    try {
      // Another tab of the same user may have read further: merge, so no tab moves a marker back.
      let merged = this.load();
      for (const [roomId, id] of Object.entries(markers)) merged = advanceMarker(merged, roomId, id);
      this.storage.setItem(this.key, JSON.stringify(merged));
    } catch {
      // Storage full or blocked: unread counts then reset on the next visit, nothing worse.
    }
  }
}
