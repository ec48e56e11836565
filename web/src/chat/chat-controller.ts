import type { Attachment, ChatMessage, PublicUser, Room, RoomActivity } from '@chat/protocol';
import type { ChatApi } from '../api/chat-api';
import type { RoomPreferences, SearchResponse } from '@chat/protocol';
import { AttentionSync } from '../attention/attention-sync';
import { defaultPreferences } from '../attention/attention-state';
import type { RealtimeConnection } from '../realtime/realtime-connection';
import { pruneReplies } from './assistant-replies';
import type { ChatState } from './chat-state';
import { initialChatState } from './chat-state';
import { ChatStore } from './chat-store';
import { HistoryLoader } from './history-loader';
import { receiveMessages, receivePresenceDiff, receiveStreamPiece, receiveTyping, markRead } from './incoming-events';
import { MessageActions, timelineUpdate } from './message-actions';
import { Outbox } from './outbox';
import { MARKER_WRITE_DELAY_MS, ReadMarkerStorage } from './read-marker-storage';
import { RoomDirectory } from './room-directory';
import { EMPTY_TIMELINE, newestId, type Timeline, updateAttachment } from './timeline';
import { createThrottle, pruneTyping, TYPING_SIGNAL_INTERVAL_MS } from './typing';
import { advanceMarker, countUnread } from './unread';

export type { ChatState, ConnectionState } from './chat-state';
export { CATCH_UP_MAX_PAGES, PAGE_SIZE } from './history-loader';

/** Rooms whose history is loaded at once at start-up (for unread counts); the rest wait in line. */
const PRELOAD_CONCURRENCY = 3;

/** What the controller needs from its surroundings. */
export interface ChatControllerOptions {
  me: PublicUser;
  api: ChatApi;
  connection: RealtimeConnection;
  /** Called when the server rejects the session's token: the app sends the user to log in. */
  onUnauthorized: () => void;
  /** Where read markers persist between visits (localStorage in the app). */
  storage?: Pick<Storage, 'getItem' | 'setItem'>;
  /** How long read markers may wait before they are written to `storage`, in ms. Default 1000. */
  markerWriteDelayMs?: number;
  now?: () => number;
  /** A message mentions me (`mention:new`): the app may raise a notification. */
  onMention?: (message: ChatMessage) => void;
  /** Any new message (the app may notify about DMs while hidden). */
  onMessage?: (message: ChatMessage) => void;
}

/**
 * The chat session: wires the real-time link's events to the state and the user's actions to the
 * focused parts that carry them out (HistoryLoader, Outbox, RoomDirectory, ReadMarkerStorage). The
 * UI subscribes (useSyncExternalStore) and calls the action methods. Every server event is one
 * commit of a pure function of the state (incoming-events.ts), so one message is one state update.
 */
export class ChatController {
  private readonly store: ChatStore;
  private readonly markers: ReadMarkerStorage;
  private readonly history: HistoryLoader;
  private readonly outbox: Outbox;
  private readonly rooms: RoomDirectory;
  private readonly attention: AttentionSync;
  private readonly typingThrottles = new Map<string, (now: number) => boolean>();
  /** Per room, the newest message known when the connection dropped: where a catch-up reaches back to. */
  private newestAtDisconnect = new Map<string, string | undefined>();
  private everConnected = false;
  private stopped = false;
  private visible = true;
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;
  private readonly reading = (state: ChatState, roomId: string) => this.visible && roomId === state.activeRoomId;

  /** Edit, delete, react and reply, and the open threads (a store of its own). */
  readonly messages: MessageActions;

  constructor(private readonly options: ChatControllerOptions) {
    this.messages = new MessageActions({ connection: options.connection, api: options.api });
    this.now = options.now ?? Date.now;
    this.markers = new ReadMarkerStorage(options.storage, options.me.id, options.markerWriteDelayMs ?? MARKER_WRITE_DELAY_MS);
    this.store = new ChatStore(initialChatState(options.me, this.markers.load()));
    this.history = new HistoryLoader(this.store, options.api, this.reading);
    this.outbox = new Outbox(this.store, options.connection, this.reading, this.now);
    this.attention = new AttentionSync(this.store, options.connection, this.reading, options.onMention);
    this.rooms = new RoomDirectory(
      this.store,
      options.api,
      options.connection,
      (room) => {
        if (this.everConnected && !this.timeline(room.id).historyLoaded) void this.history.loadNewest(room.id);
      },
      (rooms) => this.attention.receiveRooms(rooms),
    );
    let saved = this.store.getState().readMarkers;
    this.store.subscribe(() => {
      const { readMarkers } = this.store.getState();
      if (readMarkers !== saved) this.markers.save((saved = readMarkers));
    });
  }

  private readonly activityListeners = new Set<(activity: RoomActivity) => void>();

  /** Calls `listener` with every live `room:activity` (rooms/room-activity.tsx); returns the unsubscribe. */
  readonly onActivity = (listener: (activity: RoomActivity) => void): (() => void) => {
    this.activityListeners.add(listener);
    return () => void this.activityListeners.delete(listener);
  };

  /** For useSyncExternalStore. */
  readonly subscribe = (listener: () => void): (() => void) => this.store.subscribe(listener);

  /** For useSyncExternalStore: the same object until something changes. */
  readonly getState = (): ChatState => this.store.getState();

  /** Wires the socket's events and loads the room list. Call once. */
  start(): void {
    const { connection } = this.options;
    const commit = this.store.commit.bind(this.store);
    connection.onConnect(({ recovered }) => void this.handleConnect(recovered));
    connection.onDisconnect(() => {
      const { timelines } = this.store.getState();
      this.newestAtDisconnect = new Map(Object.entries(timelines).map(([roomId, timeline]) => [roomId, newestId(timeline)]));
      commit((state) => ({ connection: state.connection === 'offline' ? 'offline' : 'reconnecting' }));
    });
    connection.onUnauthorized(() => this.options.onUnauthorized());
    connection.on('message:new', (message) => {
      this.options.onMessage?.(message);
      if (this.messages.receive(message)) return; // a reply: it lives in its thread
      commit((state) => receiveMessages(state, [message], this.reading));
    });
    connection.on('message:updated', ({ message }) => {
      if (!this.messages.receive(message)) commit((state) => timelineUpdate(state, message));
    });
    // A thumbnail became ready: the placeholder of that image turns into it, in place.
    connection.on('attachment:updated', ({ roomId, messageId, attachment }) => {
      if (this.messages.updateAttachment(messageId, attachment)) return; // a reply in an open thread
      commit((state) => {
        const current = state.timelines[roomId];
        const timeline = current && updateAttachment(current, messageId, attachment);
        return !timeline || timeline === current ? {} : { timelines: { ...state.timelines, [roomId]: timeline } };
      });
    });
    connection.on('assistant:stream', (event) => commit((state) => receiveStreamPiece(state, event, this.now())));
    connection.on('typing', (event) => commit((state) => receiveTyping(state, event, this.now())));
    // A large room's diff has only counts: its members' presence is listed when the room is shown.
    connection.on('presence:diff', (diff) => commit((state) => receivePresenceDiff(state, diff)));
    connection.on('room:joined', (room) => this.rooms.add(room));
    connection.on('room:left', ({ roomId }) => this.rooms.remove(roomId));
    connection.on('invitation:new', (invitation) => this.rooms.invited(invitation));
    this.attention.start();
    connection.on('room:updated', ({ room }) => this.rooms.updated(room));
    connection.on('room:activity', ({ activity }) => this.activityListeners.forEach((listener) => listener(activity)));
    connection.on('member:updated', ({ roomId, member }) => this.rooms.memberUpdated(roomId, member));
    connection.on('user:updated', ({ user }) => this.rooms.profileUpdated(user));
    this.pruneTimer = setInterval(() => {
      commit((state) => ({ typing: pruneTyping(state.typing, this.now()), streaming: pruneReplies(state.streaming, this.now()) }));
    }, 1_000);
    void this.rooms.refresh();
    void this.loadFeatures();
    // Deferred by a microtask: React's development mode mounts, unmounts and mounts again in one task,
    // and a socket opened for the first mount would be torn down mid-handshake.
    queueMicrotask(() => {
      if (!this.stopped) connection.open();
    });
  }

  /** Shows an edited top-level message at once (its broadcast follows). */
  readonly showEdited = (message: ChatMessage): void => this.store.commit((state) => timelineUpdate(state, message));

  /** Closes the socket, stops the timers and writes what is pending (log out, or the component unmounting). */
  stop(): void {
    this.stopped = true;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.attention.stop();
    this.options.connection.close();
    this.markers.flush();
    this.store.clear();
  }

  private async handleConnect(recovered: boolean): Promise<void> {
    const first = !this.everConnected;
    this.everConnected = true;
    this.store.commit({ connection: 'connected' });
    // What failed while the link was down goes again, with the same clientMsgId (stored at most once).
    this.outbox.resendFailed();
    if (first || !recovered) {
      // First connect: the socket now is in all my rooms, so history loaded from here on merges with
      // live messages without a gap. A reconnect the server could not recover: missed messages are
      // only in history, so every room catches up (and rooms I was added to meanwhile appear).
      void this.rooms.refreshInvitations();
      await this.rooms.refresh();
      const { rooms, activeRoomId } = this.store.getState();
      const order = [...rooms].sort((a, b) => Number(b.id === activeRoomId) - Number(a.id === activeRoomId));
      await runLimited(order, PRELOAD_CONCURRENCY, (room) =>
        first || !this.timeline(room.id).historyLoaded ? this.history.loadNewest(room.id) : this.history.catchUp(room.id, this.newestAtDisconnect.get(room.id)),
      );
    }
    const { activeRoomId } = this.store.getState();
    if (activeRoomId) void this.rooms.loadPresence(activeRoomId);
  }

  /** Asks which optional features run here; when that fails they stay hidden (nothing to retry for). */
  private async loadFeatures(): Promise<void> {
    try {
      const features = await this.options.api.features();
      this.store.commit({ assistant: features.assistant });
    } catch {
      this.store.commit({ assistant: null });
    }
  }

  /** The room's timeline (empty until something arrives or loads). */
  timeline(roomId: string): Timeline {
    return this.store.getState().timelines[roomId] ?? EMPTY_TIMELINE;
  }

  /** Loads the history of a room around a message (a permalink) so that it can be shown; false if it could not be. */
  jumpTo(roomId: string, messageId: string): Promise<boolean> {
    return this.history.jumpTo(roomId, messageId);
  }

  /** Loads older history (scrolling up), or the newest page if none loaded yet; also the retry after a failure. */
  loadOlder(roomId: string): Promise<void> {
    return this.history.loadOlder(roomId);
  }

  /** Sends a message; returns a validation problem to show at the composer, or undefined when sent off. */
  send(roomId: string, text: string, attachments: Attachment[] = []): string | undefined {
    const problem = this.outbox.send(roomId, text, attachments);
    // Receivers clear my typing indicator when my message arrives: the next keystroke must signal anew.
    if (problem === undefined) this.typingThrottles.delete(roomId);
    return problem;
  }

  /** Sends a failed message again with the same clientMsgId: the server stores it at most once. */
  retry(roomId: string, clientMsgId: string): void {
    this.outbox.retry(roomId, clientMsgId);
  }

  /** Drops a failed message the user gave up on. */
  discard(roomId: string, clientMsgId: string): void {
    this.outbox.discard(roomId, clientMsgId);
  }

  /** Tells the room I am typing, at most once per TYPING_SIGNAL_INTERVAL_MS per room. */
  notifyTyping(roomId: string): void {
    let throttle = this.typingThrottles.get(roomId);
    if (!throttle) this.typingThrottles.set(roomId, (throttle = createThrottle(TYPING_SIGNAL_INTERVAL_MS)));
    if (throttle(this.now())) this.options.connection.startTyping(roomId);
  }

  /** Shows a room: loads its history if needed, who is in it and online, and marks it read. */
  openRoom(roomId: string | undefined): void {
    if (roomId === this.store.getState().activeRoomId) return;
    this.store.commit((state) => {
      const opened = { ...state, activeRoomId: roomId, notice: undefined };
      // The marker before this visit reads anything: the "New messages" line goes after it.
      const before = roomId ? state.readMarkers[roomId] : undefined;
      return {
        activeRoomId: roomId,
        notice: undefined,
        unreadDivider: roomId && before ? { roomId, afterId: before } : undefined,
        readMarkers: roomId ? markRead(opened, roomId, this.reading) : state.readMarkers,
      };
    });
    if (!roomId) return;
    if (this.everConnected && !this.timeline(roomId).historyLoaded) void this.history.loadNewest(roomId);
    void this.rooms.loadPresence(roomId);
  }

  createRoom(name: string, visibility: 'public' | 'private'): Promise<Room> {
    return this.rooms.create(name, visibility);
  }

  joinRoom(roomId: string): Promise<Room> {
    return this.rooms.join(roomId);
  }

  invite(roomId: string, username: string): Promise<void> {
    return this.rooms.invite(roomId, username);
  }

  acceptInvitation(roomId: string): Promise<Room> {
    return this.rooms.acceptInvitation(roomId);
  }

  declineInvitation(roomId: string): Promise<void> {
    return this.rooms.declineInvitation(roomId);
  }

  /** Opens (or creates) the direct conversation with a user. */
  openDirect(username: string): Promise<Room> {
    return this.rooms.openDirect(username);
  }

  leaveRoom(roomId: string): Promise<void> {
    return this.rooms.leave(roomId);
  }

  /** The public rooms I could join. */
  publicRooms(): Promise<Room[]> {
    return this.options.api.publicRooms();
  }

  /**
   * Messages from others in a room newer than what I have seen: counted here from the timeline, or the
   * server's count when it knows more (messages older than the pages this tab loaded).
   */
  unreadCount(roomId: string): number {
    const state = this.store.getState();
    return Math.max(countUnread(this.timeline(roomId).entries, state.readMarkers[roomId], state.me.id), state.attention[roomId]?.serverUnread ?? 0);
  }

  /** Messages mentioning me since I last read the room. */
  mentionCount(roomId: string): number {
    return this.store.getState().attention[roomId]?.mentions ?? 0;
  }

  /** My notification preferences for a room (the defaults until the server said otherwise). */
  preferences(roomId: string): RoomPreferences {
    const state = this.store.getState();
    const room = state.rooms.find((r) => r.id === roomId);
    return state.attention[roomId]?.preferences ?? defaultPreferences(room ?? { visibility: 'public' });
  }

  /** Stores my preferences for a room on the server, then here. Throws ApiError for the caller to show. */
  async setPreferences(roomId: string, preferences: RoomPreferences): Promise<void> {
    const stored = await this.options.api.setPreferences(roomId, preferences);
    this.store.commit((state) => {
      const current = state.attention[roomId] ?? { serverUnread: 0, mentions: 0, preferences: stored };
      return { attention: { ...state.attention, [roomId]: { ...current, preferences: stored } } };
    });
  }

  /** Full-text search over my rooms (the search dialog). */
  readonly search = (q: string): Promise<SearchResponse> => this.options.api.search(q);

  /** Marks the room read up to its newest message (Escape), whether or not the tab is looking at it. */
  markRoomRead(roomId: string): void {
    this.store.commit((state) => ({
      readMarkers: advanceMarker(state.readMarkers, roomId, newestId(this.timeline(roomId))),
      unreadDivider: state.unreadDivider?.roomId === roomId ? undefined : state.unreadDivider,
    }));
  }

  /** Loads the open room's history back to its "New messages" line, when that is older than what is loaded. */
  jumpToUnread(roomId: string): Promise<boolean> {
    const divider = this.store.getState().unreadDivider;
    return divider?.roomId === roomId ? this.history.jumpTo(roomId, divider.afterId) : Promise.resolve(false);
  }

  /** The browser lost the network: say so now, and drop the link rather than wait for the ping timeout. */
  wentOffline(): void {
    this.store.commit({ connection: 'offline' });
    this.options.connection.dropLink();
  }

  /** The network is back: the link reconnects by itself; until then it is reconnecting. */
  cameOnline(): void {
    this.store.commit((state) => (state.connection === 'offline' ? { connection: 'reconnecting' } : {}));
  }

  /** The page became visible or hidden: messages arriving in a hidden tab stay unread. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    const { activeRoomId } = this.store.getState();
    if (visible && activeRoomId) this.store.commit((state) => ({ readMarkers: markRead(state, activeRoomId, this.reading) }));
    // A hidden tab may be closed without notice: write the markers now rather than after the delay.
    if (!visible) this.markers.flush();
  }

  /** Clears the notice after the user read it. */
  dismissNotice(): void {
    this.store.commit({ notice: undefined });
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
