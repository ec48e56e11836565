import {
  describeIssue,
  messageBodySchema,
  messageTextSchema,
  type Attachment,
  type ChatMessage,
  type ErrorBody,
  type PublicUser,
  type Room,
} from '@chat/protocol';
import { ApiError } from '../api/api-error';
import { applyPiece, pruneReplies, settleReply, type StreamingReplies } from './assistant-replies';
import type { ChatApi } from '../api/chat-api';
import type { RealtimeConnection } from '../realtime/realtime-connection';
import { fetchMissedMessages } from './catch-up';
import { newClientMsgId } from './client-msg-id';
import {
  EMPTY_TIMELINE,
  addPending,
  applyCatchUp,
  discardLocal,
  markFailed,
  markRetrying,
  mergeMessages,
  mergeNewestPage,
  mergeOlderPage,
  newestId,
  oldestId,
  type Timeline,
} from './timeline';
import { TYPING_SIGNAL_INTERVAL_MS, addTyping, clearTyping, createThrottle, pruneTyping, type TypingState } from './typing';
import { advanceMarker, baselineMarker, countUnread, type ReadMarkers } from './unread';

/** Messages per history request. */
export const PAGE_SIZE = 50;
/** How many pages a catch-up may fetch per room before it restarts the room's timeline from the newest. */
export const CATCH_UP_MAX_PAGES = 4;
/** How long a send waits for its ack before it is shown as failed (a retry reuses the clientMsgId). */
export const SEND_TIMEOUT_MS = 10_000;
const PRESENCE_TIMEOUT_MS = 5_000;
/** Rooms whose history is loaded at once at start-up (for unread counts); the rest wait in line. */
const PRELOAD_CONCURRENCY = 3;

/** Where the real-time link stands, for the banner. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

/** Everything the chat UI shows. Replaced (never mutated) on every change. */
export interface ChatState {
  readonly me: PublicUser;
  readonly rooms: readonly Room[];
  readonly roomsLoaded: boolean;
  readonly timelines: Readonly<Record<string, Timeline>>;
  readonly loadingOlder: Readonly<Record<string, boolean>>;
  /**
   * Per room, why the last history request failed. While set, the list does not load by itself
   * (a failing request would otherwise repeat at every render); the user's retry clears it.
   */
  readonly historyError: Readonly<Record<string, string | undefined>>;
  readonly readMarkers: ReadMarkers;
  readonly typing: TypingState;
  /** What the app knows of users' presence: true online, false offline, absent unknown. */
  readonly online: Readonly<Record<string, boolean>>;
  readonly members: Readonly<Record<string, readonly PublicUser[]>>;
  readonly connection: ConnectionState;
  /** The room assistant's name when this deployment runs one (the composer then shows the hint). */
  readonly assistant: { readonly name: string } | null;
  /** Assistant replies being written, by replyId (shown growing until their final message arrives). */
  readonly streaming: StreamingReplies;
  readonly activeRoomId?: string;
  /** A problem worth telling the user that belongs to no form (a failed history load, say). */
  readonly notice?: string;
}

/** What the controller needs from its surroundings. */
export interface ChatControllerOptions {
  me: PublicUser;
  api: ChatApi;
  connection: RealtimeConnection;
  /** Called when the server rejects the session's token: the app sends the user to log in. */
  onUnauthorized: () => void;
  /** Where read markers persist between visits (localStorage in the app). */
  storage?: Pick<Storage, 'getItem' | 'setItem'>;
  now?: () => number;
}

const byName = (a: Room, b: Room) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

function asErrorBody(error: unknown, fallback: string): ErrorBody {
  if (error instanceof ApiError) return error.toBody();
  return { code: 'UNAVAILABLE', message: fallback };
}

/**
 * The chat's state and everything that changes it: socket events, REST calls, and the user's
 * actions. The UI subscribes (useSyncExternalStore) and calls the action methods; the rules of
 * merging, delivery states and unread counting live in the pure modules this class applies.
 */
export class ChatController {
  private state: ChatState;
  private readonly listeners = new Set<() => void>();
  private readonly typingThrottles = new Map<string, (now: number) => boolean>();
  private readonly historyRequests = new Map<string, Promise<void>>();
  private everConnected = false;
  private stopped = false;
  private visible = true;
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;
  private readonly markersKey: string;

  constructor(private readonly options: ChatControllerOptions) {
    this.now = options.now ?? Date.now;
    this.markersKey = `chat.read.${options.me.id}`;
    this.state = {
      me: options.me,
      rooms: [],
      roomsLoaded: false,
      timelines: {},
      loadingOlder: {},
      historyError: {},
      readMarkers: this.loadMarkers(),
      typing: {},
      online: { [options.me.id]: true },
      members: {},
      connection: 'connecting',
      assistant: null,
      streaming: {},
    };
  }

  /** For useSyncExternalStore. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** For useSyncExternalStore: the same object until something changes. */
  readonly getState = (): ChatState => this.state;

  /** Wires the socket's events and loads the room list. Call once. */
  start(): void {
    const { connection } = this.options;
    connection.onConnect(({ recovered }) => void this.handleConnect(recovered));
    connection.onDisconnect(() => this.update({ connection: 'reconnecting' }));
    connection.onUnauthorized(() => this.options.onUnauthorized());
    connection.on('message:new', (message) => {
      this.receive([message]);
      this.seenOnline(message.sender);
      const streaming = settleReply(this.state.streaming, message);
      if (streaming !== this.state.streaming) this.update({ streaming });
    });
    connection.on('assistant:stream', (event) => {
      const streaming = applyPiece(this.state.streaming, event, new Date(this.now()));
      if (streaming !== this.state.streaming) this.update({ streaming });
    });
    connection.on('typing', ({ roomId, user }) => {
      if (user.id === this.state.me.id) return;
      this.update({ typing: addTyping(this.state.typing, roomId, user, this.now()) });
      this.seenOnline(user);
    });
    connection.on('presence', ({ user, status }) =>
      this.update({ online: { ...this.state.online, [user.id]: status === 'online' } }),
    );
    connection.on('room:joined', (room) => this.addRoom(room));
    connection.on('room:left', ({ roomId }) => this.removeRoom(roomId));
    this.pruneTimer = setInterval(() => {
      const typing = pruneTyping(this.state.typing, this.now());
      if (typing !== this.state.typing) this.update({ typing });
      const streaming = pruneReplies(this.state.streaming, this.now());
      if (streaming !== this.state.streaming) this.update({ streaming });
    }, 1_000);
    void this.refreshRooms();
    void this.loadFeatures();
    // Deferred by a microtask: React's development mode mounts, unmounts and mounts again in one task,
    // and a socket opened for the first mount would be torn down mid-handshake.
    queueMicrotask(() => {
      if (!this.stopped) connection.open();
    });
  }

  /** Closes the socket and stops the timers (log out, or the component unmounting). */
  stop(): void {
    this.stopped = true;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.options.connection.close();
    this.listeners.clear();
  }

  // ---- connection -------------------------------------------------------------------------------

  private async handleConnect(recovered: boolean): Promise<void> {
    const first = !this.everConnected;
    this.everConnected = true;
    this.update({ connection: 'connected' });
    if (first || !recovered) {
      // First connect: the socket now is in all my rooms, so history loaded from here on merges with
      // live messages without a gap. A reconnect the server could not recover: missed messages are
      // only in history, so every room catches up (and rooms I was added to meanwhile appear).
      await this.refreshRooms();
      const active = this.state.activeRoomId;
      const order = [...this.state.rooms].sort((a, b) => Number(b.id === active) - Number(a.id === active));
      await runLimited(order, PRELOAD_CONCURRENCY, (room) =>
        first || !this.timeline(room.id).historyLoaded ? this.loadNewest(room.id) : this.catchUp(room.id),
      );
    }
    if (this.state.activeRoomId) void this.loadPresence(this.state.activeRoomId);
  }

  /** Asks which optional features run here; when that fails they stay hidden (nothing to retry for). */
  private async loadFeatures(): Promise<void> {
    try {
      const features = await this.options.api.features();
      this.update({ assistant: features.assistant });
    } catch {
      this.update({ assistant: null });
    }
  }

  private async refreshRooms(): Promise<void> {
    try {
      const rooms = await this.options.api.myRooms();
      this.update({ rooms: [...rooms].sort(byName), roomsLoaded: true });
    } catch (error) {
      this.update({ notice: asErrorBody(error, 'Could not load your rooms').message });
    }
  }

  private async catchUp(roomId: string): Promise<void> {
    try {
      const known = newestId(this.timeline(roomId));
      const result = await fetchMissedMessages(
        (before, limit) => this.options.api.history(roomId, before, limit),
        known,
        PAGE_SIZE,
        CATCH_UP_MAX_PAGES,
      );
      this.setTimeline(roomId, applyCatchUp(this.timeline(roomId), result.messages, result.contiguous));
      this.markReadIfActive(roomId);
    } catch (error) {
      this.update({ notice: asErrorBody(error, 'Could not catch up on missed messages').message });
    }
  }

  // ---- messages ---------------------------------------------------------------------------------

  /** The room's timeline (empty until something arrives or loads). */
  timeline(roomId: string): Timeline {
    return this.state.timelines[roomId] ?? EMPTY_TIMELINE;
  }

  private setTimeline(roomId: string, timeline: Timeline): void {
    if (timeline === this.state.timelines[roomId]) return;
    this.update({ timelines: { ...this.state.timelines, [roomId]: timeline } });
  }

  private receive(messages: readonly ChatMessage[]): void {
    for (const message of messages) {
      this.setTimeline(message.roomId, mergeMessages(this.timeline(message.roomId), [message]));
      // The protocol has no "member joined" event: someone who writes in the room is a member, and online.
      const members = this.state.members[message.roomId];
      if (members && !members.some((m) => m.id === message.sender.id)) {
        this.update({ members: { ...this.state.members, [message.roomId]: [...members, message.sender] } });
      }
      const typing = clearTyping(this.state.typing, message.roomId, message.sender.id);
      if (typing !== this.state.typing) this.update({ typing });
      this.markReadIfActive(message.roomId);
    }
  }

  /** Loads the newest page of a room once; concurrent callers share the request. */
  private loadNewest(roomId: string): Promise<void> {
    const pending = this.historyRequests.get(roomId);
    if (pending) return pending;
    const request = (async () => {
      try {
        const page = await this.options.api.history(roomId, undefined, PAGE_SIZE);
        this.setTimeline(roomId, mergeNewestPage(this.timeline(roomId), page, PAGE_SIZE));
        this.setMarkers(baselineMarker(this.state.readMarkers, roomId, page[page.length - 1]?.id));
        this.markReadIfActive(roomId);
        this.setHistoryError(roomId, undefined);
      } catch (error) {
        this.setHistoryError(roomId, asErrorBody(error, 'Could not load messages').message);
      } finally {
        this.historyRequests.delete(roomId);
      }
    })();
    this.historyRequests.set(roomId, request);
    return request;
  }

  /**
   * Loads the page before the oldest loaded message (scrolling up), or the newest page if none was
   * loaded yet. No-op while one is loading. Also the retry after a failed history request.
   */
  async loadOlder(roomId: string): Promise<void> {
    const timeline = this.timeline(roomId);
    if (!timeline.historyLoaded) return this.loadNewest(roomId);
    if (!timeline.hasOlder || this.state.loadingOlder[roomId]) return;
    this.update({ loadingOlder: { ...this.state.loadingOlder, [roomId]: true } });
    try {
      const page = await this.options.api.history(roomId, oldestId(timeline), PAGE_SIZE);
      this.setTimeline(roomId, mergeOlderPage(this.timeline(roomId), page, PAGE_SIZE));
      this.setHistoryError(roomId, undefined);
    } catch (error) {
      this.setHistoryError(roomId, asErrorBody(error, 'Could not load older messages').message);
    } finally {
      this.update({ loadingOlder: { ...this.state.loadingOlder, [roomId]: false } });
    }
  }

  /**
   * Sends a message: shown as pending at once, then sent when the ack arrives, or failed with the
   * reason. Returns a validation problem to show at the composer, or undefined when it was sent off.
   */
  send(roomId: string, text: string, attachments: Attachment[] = []): string | undefined {
    // With files, the text may be empty.
    const parsed = (attachments.length ? messageTextSchema : messageBodySchema).safeParse(text);
    if (!parsed.success) return describeIssue(parsed.error);
    const clientMsgId = newClientMsgId();
    // Receivers clear my typing indicator when my message arrives: the next keystroke must signal anew.
    this.typingThrottles.delete(roomId);
    this.setTimeline(
      roomId,
      addPending(this.timeline(roomId), {
        clientMsgId,
        roomId,
        body: parsed.data,
        sender: this.state.me,
        createdAt: new Date(this.now()).toISOString(),
        ...(attachments.length ? { attachments } : {}),
      }),
    );
    void this.deliver(roomId, clientMsgId, parsed.data, attachments);
    return undefined;
  }

  /** Sends a failed message again with the same clientMsgId: the server stores it at most once. */
  retry(roomId: string, clientMsgId: string): void {
    const entry = this.timeline(roomId).entries.find((e) => e.id === undefined && e.clientMsgId === clientMsgId);
    if (!entry || entry.status !== 'failed') return;
    this.setTimeline(roomId, markRetrying(this.timeline(roomId), clientMsgId));
    void this.deliver(roomId, clientMsgId, entry.body, entry.attachments ?? []);
  }

  /** Drops a failed message the user gave up on. */
  discard(roomId: string, clientMsgId: string): void {
    this.setTimeline(roomId, discardLocal(this.timeline(roomId), clientMsgId));
  }

  private async deliver(roomId: string, clientMsgId: string, body: string, attachments: Attachment[]): Promise<void> {
    try {
      const files = attachments.length ? { attachments: attachments.map((a) => a.id) } : {};
      const ack = await this.options.connection.sendMessage({ roomId, body, clientMsgId, ...files }, SEND_TIMEOUT_MS);
      if (ack.ok) this.receive([ack.message]);
      else this.setTimeline(roomId, markFailed(this.timeline(roomId), clientMsgId, ack.error));
    } catch {
      this.setTimeline(
        roomId,
        markFailed(this.timeline(roomId), clientMsgId, {
          code: 'UNAVAILABLE',
          message: 'No answer from the server',
        }),
      );
    }
  }

  /** Tells the room I am typing, at most once per TYPING_SIGNAL_INTERVAL_MS per room. */
  notifyTyping(roomId: string): void {
    let throttle = this.typingThrottles.get(roomId);
    if (!throttle) this.typingThrottles.set(roomId, (throttle = createThrottle(TYPING_SIGNAL_INTERVAL_MS)));
    if (throttle(this.now())) this.options.connection.startTyping(roomId);
  }

  // ---- rooms ------------------------------------------------------------------------------------

  /** Shows a room: loads its history if needed, who is in it and online, and marks it read. */
  openRoom(roomId: string | undefined): void {
    if (roomId === this.state.activeRoomId) return;
    this.update({ activeRoomId: roomId, notice: undefined });
    if (!roomId) return;
    if (this.everConnected && !this.timeline(roomId).historyLoaded) void this.loadNewest(roomId);
    void this.loadPresence(roomId);
    this.markReadIfActive(roomId);
  }

  /**
   * Someone just wrote or typed live, so they are online. `presence:list` can miss a user who was
   * added to the room a moment before (their sockets join the room on their own gateway a little
   * later), and no `presence` event follows for a user who was already online; activity fills the gap.
   * An `offline` event still takes them off when they leave.
   */
  private seenOnline(user: PublicUser): void {
    if (this.state.online[user.id] !== true) this.update({ online: { ...this.state.online, [user.id]: true } });
  }

  private async loadPresence(roomId: string): Promise<void> {
    try {
      const [members, ack] = await Promise.all([
        this.options.api.members(roomId),
        this.options.connection.listPresence(roomId, PRESENCE_TIMEOUT_MS),
      ]);
      const online: Record<string, boolean> = { ...this.state.online };
      for (const member of members) online[member.id] = false;
      if (ack.ok) for (const user of ack.online) online[user.id] = true;
      online[this.state.me.id] = true;
      this.update({ members: { ...this.state.members, [roomId]: members }, online });
    } catch {
      // Presence is a nicety: the room works without it, and the next presence event fills it in.
    }
  }

  /** Creates a room I own and am a member of. Throws ApiError for the dialog to show. */
  async createRoom(name: string, visibility: 'public' | 'private'): Promise<Room> {
    const room = await this.options.api.createRoom({ name, visibility });
    this.addRoom(room);
    return room;
  }

  /** Joins a public room. */
  async joinRoom(roomId: string): Promise<Room> {
    const room = await this.options.api.joinRoom(roomId);
    this.addRoom(room);
    return room;
  }

  /** Adds a user to a room I am in (the way into a private room). */
  async invite(roomId: string, username: string): Promise<void> {
    const room = await this.options.api.invite(roomId, username);
    this.update({ rooms: this.state.rooms.map((r) => (r.id === room.id ? room : r)) });
    if (roomId === this.state.activeRoomId) void this.loadPresence(roomId);
  }

  /** Opens (or creates) the direct conversation with a user. */
  async openDirect(username: string): Promise<Room> {
    const room = await this.options.api.openDirect(username);
    this.addRoom(room);
    return room;
  }

  /** Leaves a room; it disappears from the list. */
  async leaveRoom(roomId: string): Promise<void> {
    await this.options.api.leaveRoom(roomId);
    this.removeRoom(roomId);
  }

  /** The public rooms I could join. */
  publicRooms(): Promise<Room[]> {
    return this.options.api.publicRooms();
  }

  private addRoom(room: Room): void {
    const rooms = this.state.rooms.some((r) => r.id === room.id)
      ? this.state.rooms.map((r) => (r.id === room.id ? room : r))
      : [...this.state.rooms, room].sort(byName);
    this.update({ rooms });
    if (this.everConnected && !this.timeline(room.id).historyLoaded) void this.loadNewest(room.id);
  }

  private removeRoom(roomId: string): void {
    const { [roomId]: _timeline, ...timelines } = this.state.timelines;
    this.update({
      rooms: this.state.rooms.filter((r) => r.id !== roomId),
      timelines,
      activeRoomId: this.state.activeRoomId === roomId ? undefined : this.state.activeRoomId,
    });
  }

  // ---- unread -----------------------------------------------------------------------------------

  /** Messages from others in a room newer than what I have seen. */
  unreadCount(roomId: string): number {
    return countUnread(this.timeline(roomId).entries, this.state.readMarkers[roomId], this.state.me.id);
  }

  /** The page became visible or hidden: messages arriving in a hidden tab stay unread. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.state.activeRoomId) this.markReadIfActive(this.state.activeRoomId);
  }

  private markReadIfActive(roomId: string): void {
    if (roomId !== this.state.activeRoomId || !this.visible) return;
    this.setMarkers(advanceMarker(this.state.readMarkers, roomId, newestId(this.timeline(roomId))));
  }

  private setMarkers(readMarkers: ReadMarkers): void {
    if (readMarkers === this.state.readMarkers) return;
    this.update({ readMarkers });
    try {
      // Another tab of the same user may have read further: merge, so no tab moves a marker back.
      let merged = this.loadMarkers();
      for (const [roomId, id] of Object.entries(readMarkers)) merged = advanceMarker(merged, roomId, id);
      this.options.storage?.setItem(this.markersKey, JSON.stringify(merged));
    } catch {
      // Storage full or blocked: unread counts then reset on the next visit, nothing worse.
    }
  }

  private loadMarkers(): ReadMarkers {
    try {
      const raw = this.options.storage?.getItem(this.markersKey);
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === 'object' ? (parsed as ReadMarkers) : {};
    } catch {
      return {};
    }
  }

  private setHistoryError(roomId: string, message: string | undefined): void {
    if (this.state.historyError[roomId] === message) return;
    this.update({ historyError: { ...this.state.historyError, [roomId]: message } });
  }

  /** Clears the notice after the user read it. */
  dismissNotice(): void {
    this.update({ notice: undefined });
  }

  private update(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}

/** Runs `task` over `items` with at most `limit` at a time. */
async function runLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

