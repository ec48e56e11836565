import crypto from 'node:crypto';
import { type ChatMessage, type ErrorCode, type MessagesResponse, RETRIABLE_CODES } from '@chat/protocol';
import { api, type ChatSocket, createSocket } from './client';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves at once when the socket is connected, else at its next `connect`. */
function connected(socket: ChatSocket): Promise<void> {
  return socket.connected ? Promise.resolve() : new Promise((resolve) => socket.once('connect', () => resolve()));
}

/**
 * Makes a socket with `reconnection: true` also come back after the server refused a reconnection with a
 * retriable error (a gateway shutting down answers the handshake UNAVAILABLE) or closed it on purpose:
 * Socket.IO's client retries lost connections by itself, but not those (`socket.active` is then false).
 * A careful client, as the web app should, tries again after a backoff; UNAUTHORIZED and the like end it.
 */
export function keepReconnecting(socket: ChatSocket, maxBackoffMs = 2_000, stuckAfterMs = 8_000): void {
  let backoff = 200;
  // Socket.IO's client waits without limit for the server to answer its CONNECT packet. During a rolling
  // restart of both gateways a reconnection was seen to hang there (no error, no connect) until the test
  // gave up; the root cause is not found yet. A careful client starts a stuck attempt over.
  let watchdog: NodeJS.Timeout | undefined;
  const watch = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      // Connected meanwhile, or offline on purpose (reconnection switched off): nothing to do.
      if (socket.connected || !socket.io.reconnection()) return;
      socket.disconnect();
      socket.connect();
      watch();
    }, stuckAfterMs);
    watchdog.unref();
  };
  socket.on('connect', () => {
    backoff = 200;
    clearTimeout(watchdog);
  });
  socket.on('disconnect', (reason) => {
    if (reason !== 'io client disconnect') watch();
  });
  // A server that closes the socket on purpose (a gateway shutting down) does not get it back by itself either.
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), backoff);
  });
  socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
    if (socket.active) return; // the client's own reconnection goes on
    const code = error.data?.code;
    if (code !== undefined && !RETRIABLE_CODES.has(code as ErrorCode)) return;
    setTimeout(() => socket.connect(), backoff);
    backoff = Math.min(backoff * 2, maxBackoffMs);
  });
}

/** One failed attempt of a send: an error ack, or no ack in time (`code` TIMEOUT). */
export interface SendFailure {
  /** When the attempt failed (ms since the epoch). */
  at: number;
  code: ErrorCode | 'TIMEOUT';
  retriable: boolean;
}

/** Options of {@link startSteadySender}. */
export interface SteadySenderOptions {
  /** A connected socket of a member of the room (with `reconnection: true` if it should survive faults). */
  socket: ChatSocket;
  roomId: string;
  /** Prefix of every body; bodies are `<label> #<n>`, unique per message. */
  label: string;
  /** Pause after one message is acknowledged before the next is sent, in ms. Default 40 (about 20 msgs/s). */
  intervalMs?: number;
  /** How long one attempt waits for its ack before it counts as failed, in ms. Default 5000. */
  ackTimeoutMs?: number;
  /** First backoff before a retry, in ms; it doubles up to `maxBackoffMs`. Default 100. */
  backoffMs?: number;
  /** Longest backoff, in ms. Default 1000. */
  maxBackoffMs?: number;
}

/** A client sending one room a steady stream of messages, retrying each until it is acknowledged. */
export interface SteadySender {
  /** Distinct messages (clientMsgIds) sent at least once. */
  readonly sent: number;
  /** The acknowledged messages, in the order they were sent. */
  readonly acked: readonly ChatMessage[];
  /** When each message of `acked` was acknowledged (ms since the epoch). */
  readonly ackedAt: readonly number[];
  /** Every failed attempt, retried or not. */
  readonly failures: readonly SendFailure[];
  /** Messages given up on after an error that retrying cannot fix (VALIDATION, FORBIDDEN...). */
  readonly abandoned: number;
  /** Resolves once `count` more messages are acknowledged than now; rejects after `timeoutMs`. */
  ackedMore(count: number, timeoutMs?: number): Promise<void>;
  /**
   * Stops sending new messages, waits until the one in progress is acknowledged (retrying it as long
   * as needed) and resolves; rejects if that takes more than `timeoutMs`, naming the message.
   */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts a sender that behaves like a careful chat client: one message at a time, each retried with the
 * same {roomId, body, clientMsgId} after an error ack or a missing ack (backing off, and waiting for the
 * socket to be connected again) until the gateway acknowledges it. Sending one message at a time keeps a
 * sender's messages in the order of their ids, which is what members check.
 */
export function startSteadySender(options: SteadySenderOptions): SteadySender {
  const { socket, roomId, label } = options;
  const intervalMs = options.intervalMs ?? 40;
  const ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
  const acked: ChatMessage[] = [];
  const ackedAt: number[] = [];
  const failures: SendFailure[] = [];
  const ackWaiters: { target: number; resolve: () => void }[] = [];
  let sent = 0;
  let abandoned = 0;
  let stopping = false;
  let current: string | undefined;

  async function deliverOne(body: string): Promise<void> {
    const payload = { roomId, body, clientMsgId: crypto.randomUUID() };
    let backoff = options.backoffMs ?? 100;
    for (;;) {
      // Emitting while disconnected would buffer the packet and send it again on reconnect next to the retry.
      await connected(socket);
      let result: Awaited<ReturnType<ChatSocket['emitWithAck']>> | undefined;
      try {
        result = await socket.timeout(ackTimeoutMs).emitWithAck('message:send', payload);
      } catch {
        result = undefined; // no ack in time, or the connection dropped before it came
      }
      if (result?.ok) {
        acked.push(result.message);
        ackedAt.push(Date.now());
        for (const waiter of ackWaiters.filter((w) => acked.length >= w.target)) waiter.resolve();
        return;
      }
      const code = result ? result.error.code : 'TIMEOUT';
      const retriable = code === 'TIMEOUT' || RETRIABLE_CODES.has(code);
      failures.push({ at: Date.now(), code, retriable });
      if (!retriable) {
        abandoned++;
        return;
      }
      await delay(backoff);
      backoff = Math.min(backoff * 2, options.maxBackoffMs ?? 1_000);
    }
  }

  const loop = (async () => {
    while (!stopping) {
      current = `${label} #${sent}`;
      sent++;
      await deliverOne(current);
      current = undefined;
      if (!stopping) await delay(intervalMs); // the pace of the stream, not a wait for an event
    }
  })();

  return {
    get sent() {
      return sent;
    },
    acked,
    ackedAt,
    failures,
    get abandoned() {
      return abandoned;
    },
    ackedMore(count, timeoutMs = 15_000) {
      const target = acked.length + count;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label}: fewer than ${count} acks within ${timeoutMs} ms (${acked.length} in all)`)), timeoutMs);
        ackWaiters.push({
          target,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    async stop(timeoutMs = 30_000) {
      stopping = true;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${label}: "${current}" still not acknowledged ${timeoutMs} ms after stop`)), timeoutMs);
      });
      try {
        await Promise.race([loop, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The longest time between two consecutive acks of a sender in ms (how long its sending stalled). */
export function longestAckGap(sender: SteadySender, from = 0): number {
  const times = sender.ackedAt.filter((t) => t >= from);
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return longest;
}

/** Options of {@link joinAsMember}. */
export interface MemberOptions {
  baseUrl: string;
  token: string;
  /** The rooms whose messages it tracks (it must be a member of them). */
  roomIds: string[];
  /** Pin to this gateway id through nginx's affinity cookie. */
  gateway?: string;
}

/** What a member received of one room, checked against what was acknowledged to the senders. */
export interface DeliveryCheck {
  /** Acknowledged messages the member does not have. */
  missing: string[];
  /** Messages the member has that were never acknowledged. */
  unexpected: string[];
}

/**
 * An online member, as the web app is one: reconnects automatically, and after a reconnect the server
 * could not recover (`socket.recovered === false`) it pages back through history to its newest known
 * message and merges by id. It records every live delivery, so redeliveries and disorder show.
 */
export interface RoomMember {
  socket: ChatSocket;
  /** Every `message:new` event, in arrival order. */
  readonly live: readonly ChatMessage[];
  /** Live deliveries of an id it already had (live or from history). */
  readonly redelivered: number;
  /** Live deliveries older than the newest message it already had in that room (not redeliveries). */
  readonly outOfOrder: number;
  /** Reconnections after the first connection, and how many of them the server recovered. */
  readonly reconnects: number;
  readonly recoveredReconnects: number;
  /** History catch-ups done after unrecovered reconnections. */
  readonly catchUps: number;
  /** Connection changes with their times (ms since the epoch): what a failed check is explained by. */
  readonly connectionLog: readonly { at: number; event: 'connect' | 'disconnect' | 'connect_error' | 'caught up'; recovered?: boolean; detail?: string }[];
  /** The messages of a room it has, by id and in id order (live and history merged). */
  messages(roomId: string): ChatMessage[];
  /** Resolves once connected and any catch-up in progress is done; rejects after `timeoutMs`. */
  settled(timeoutMs?: number): Promise<void>;
  /** Drops the connection without telling the server and stays away until {@link comeBack}. */
  goOffline(): Promise<void>;
  /** Reconnects after {@link goOffline}; resolves with `socket.recovered` once settled. */
  comeBack(): Promise<boolean>;
  /** Compares one room's merged messages with the acknowledged ones. */
  check(roomId: string, acked: readonly ChatMessage[]): DeliveryCheck;
  close(): void;
}

const HISTORY_PAGE = 100;

/** Connects a member (WebSocket, automatic reconnection) and resolves once it is connected. */
export async function joinAsMember(options: MemberOptions): Promise<RoomMember> {
  const socket = createSocket(options.baseUrl, options.token, { gateway: options.gateway, reconnection: true });
  keepReconnecting(socket);
  const byRoom = new Map<string, Map<string, ChatMessage>>(options.roomIds.map((id) => [id, new Map()]));
  const newest = new Map<string, string>();
  /** The newest id per room when the connection dropped: where a catch-up has to reach back to. */
  let newestAtDisconnect = new Map<string, string>();
  const live: ChatMessage[] = [];
  let redelivered = 0;
  let outOfOrder = 0;
  let connections = 0;
  let recoveredReconnects = 0;
  let catchUps = 0;
  let catchingUp: Promise<void> = Promise.resolve();
  const connectionLog: RoomMember['connectionLog'][number][] = [];

  const remember = (message: ChatMessage) => {
    byRoom.get(message.roomId)!.set(message.id, message);
    const known = newest.get(message.roomId);
    if (known === undefined || message.id > known) newest.set(message.roomId, message.id);
  };

  socket.on('message:new', (message) => {
    live.push(message);
    const room = byRoom.get(message.roomId);
    if (!room) return;
    if (room.has(message.id)) redelivered++;
    else if ((newest.get(message.roomId) ?? '') > message.id) outOfOrder++;
    remember(message);
  });

  /** Pages back from the newest message until the page reaches what the member had (as the web app does). */
  async function catchUp(roomId: string): Promise<void> {
    const knownNewest = newestAtDisconnect.get(roomId);
    let before: string | undefined;
    for (;;) {
      const query = `limit=${HISTORY_PAGE}${before ? `&before=${before}` : ''}`;
      const page = await api<MessagesResponse>(options.baseUrl, 'GET', `/api/rooms/${roomId}/messages?${query}`, { token: options.token });
      if (page.status !== 200) throw new Error(`history of ${roomId}: ${page.status} ${JSON.stringify(page.body)}`);
      const messages = page.body.messages;
      for (const message of messages) if (!byRoom.get(roomId)!.has(message.id)) remember(message);
      const oldest = messages[0];
      if (!oldest || messages.length < HISTORY_PAGE || (knownNewest !== undefined && oldest.id <= knownNewest)) return;
      before = oldest.id;
    }
  }

  /** Catches every room up, retrying while the history API is unavailable (a dependency is down). */
  async function catchUpAll(): Promise<void> {
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, 1_000)) {
      try {
        for (const roomId of options.roomIds) await catchUp(roomId);
        catchUps++;
        connectionLog.push({ at: Date.now(), event: 'caught up' });
        return;
      } catch {
        await delay(backoff);
      }
    }
  }

  socket.on('connect_error', (error) => connectionLog.push({ at: Date.now(), event: 'connect_error', detail: `${error.message} active=${socket.active}` }));
  socket.on('disconnect', (reason) => {
    connectionLog.push({ at: Date.now(), event: 'disconnect', detail: reason });
    newestAtDisconnect = new Map(newest);
  });

  socket.on('connect', () => {
    connections++;
    connectionLog.push({ at: Date.now(), event: 'connect', recovered: socket.recovered });
    if (connections === 1) return;
    if (socket.recovered) recoveredReconnects++;
    else catchingUp = catchingUp.then(catchUpAll);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });

  return {
    socket,
    live,
    get redelivered() {
      return redelivered;
    },
    get outOfOrder() {
      return outOfOrder;
    },
    get reconnects() {
      return Math.max(connections - 1, 0);
    },
    get recoveredReconnects() {
      return recoveredReconnects;
    },
    get catchUps() {
      return catchUps;
    },
    connectionLog,
    messages: (roomId) => [...(byRoom.get(roomId)?.values() ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    async settled(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`member not settled within ${timeoutMs} ms; connections ${JSON.stringify(connectionLog)}`)), timeoutMs);
      });
      try {
        await Promise.race([connected(socket).then(() => catchingUp), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async goOffline() {
      socket.io.reconnection(false);
      const gone = new Promise((resolve) => socket.once('disconnect', resolve));
      // Closing the transport (not socket.disconnect()) is a lost network: the server keeps the session.
      (socket.io.engine as unknown as { close(): void }).close();
      await gone;
    },
    async comeBack() {
      socket.io.reconnection(true);
      const back = connected(socket);
      socket.connect();
      await back;
      await catchingUp;
      return socket.recovered;
    },
    check(roomId, acked) {
      const have = byRoom.get(roomId) ?? new Map<string, ChatMessage>();
      const ackedIds = new Set(acked.map((m) => m.id));
      return {
        missing: acked.filter((m) => !have.has(m.id)).map((m) => m.id),
        unexpected: [...have.keys()].filter((id) => !ackedIds.has(id)),
      };
    },
    close: () => void socket.close(),
  };
}
