import crypto from 'node:crypto';
import { type ChatClient, followRooms, type SendFailure, whenConnected } from '@chat/client';
import type { ChatMessage, MessagesResponse } from '@chat/protocol';
import { api, type ChatSocket, createClient, openClient } from './client';

export type { SendFailure };

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of {@link startSteadySender}. */
export interface SteadySenderOptions {
  /** A connected client of a member of the room (see `connectClient`). */
  client: ChatClient;
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
 * Starts a sender on the shipped client: one message at a time, each resent by `@chat/client` with the
 * same {roomId, body, clientMsgId} after an error ack or a missing ack until the gateway acknowledges it.
 * Sending one message at a time keeps a sender's messages in the order of their ids, which is what
 * members check.
 */
export function startSteadySender(options: SteadySenderOptions): SteadySender {
  const { client, roomId, label } = options;
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
    const outcome = await client.send(
      { roomId, body, clientMsgId: crypto.randomUUID() },
      { ackTimeoutMs, backoffMinMs: options.backoffMs ?? 100, backoffMaxMs: options.maxBackoffMs ?? 1_000, onFailure: (failure) => failures.push(failure) },
    );
    if (!outcome.ok) {
      abandoned++;
      return;
    }
    acked.push(outcome.message);
    ackedAt.push(Date.now());
    for (const waiter of ackWaiters.filter((w) => acked.length >= w.target)) waiter.resolve();
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
  /** The shipped client it runs on, and its socket. */
  client: ChatClient;
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
  readonly connectionLog: readonly { at: number; event: 'connect' | 'disconnect' | 'connect_error' | 'caught up' | 'catch-up failed'; recovered?: boolean; detail?: string }[];
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

/**
 * Connects a member on the shipped client (WebSocket, kept connected, caught up after every gap by
 * `followRooms`) and resolves once it is connected.
 */
export async function joinAsMember(options: MemberOptions): Promise<RoomMember> {
  const connectionLog: RoomMember['connectionLog'][number][] = [];
  let connections = 0;
  const client = createClient(options.baseUrl, options.token, { gateway: options.gateway });
  const { socket } = client;
  const rooms = followRooms(client, {
    roomIds: options.roomIds,
    pageSize: HISTORY_PAGE,
    fetchPage: async (roomId, before, limit) => {
      const query = `limit=${limit}${before ? `&before=${before}` : ''}`;
      const page = await api<MessagesResponse>(options.baseUrl, 'GET', `/api/rooms/${roomId}/messages?${query}`, { token: options.token });
      if (page.status !== 200) throw new Error(`history of ${roomId}: ${page.status} ${JSON.stringify(page.body)}`);
      return page.body.messages;
    },
    onCatchUpError: (error) => connectionLog.push({ at: Date.now(), event: 'catch-up failed', detail: String(error) }),
  });
  client.onConnectError((error) => connectionLog.push({ at: Date.now(), event: 'connect_error', detail: `${error.message} active=${socket.active}` }));
  client.onDisconnect((reason) => connectionLog.push({ at: Date.now(), event: 'disconnect', detail: reason }));
  client.onConnect(({ recovered }) => {
    connections++;
    connectionLog.push({ at: Date.now(), event: 'connect', recovered });
    if (connections > 1 && !recovered) void rooms.caughtUp().then(() => connectionLog.push({ at: Date.now(), event: 'caught up' }));
  });
  await openClient(client);

  return {
    socket,
    client,
    live: rooms.live,
    get redelivered() {
      return rooms.redelivered;
    },
    get outOfOrder() {
      return rooms.outOfOrder;
    },
    get reconnects() {
      return Math.max(connections - 1, 0);
    },
    get recoveredReconnects() {
      return rooms.recoveredReconnects;
    },
    get catchUps() {
      return rooms.catchUps;
    },
    connectionLog,
    messages: (roomId) => rooms.messages(roomId),
    async settled(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`member not settled within ${timeoutMs} ms; connections ${JSON.stringify(connectionLog)}`)), timeoutMs);
      });
      try {
        await Promise.race([whenConnected(socket).then(() => rooms.caughtUp()), timeout]);
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
      const back = whenConnected(socket);
      socket.connect();
      await back;
      await rooms.caughtUp();
      return socket.recovered;
    },
    check(roomId, acked) {
      const have = new Set(rooms.messages(roomId).map((m) => m.id));
      const ackedIds = new Set(acked.map((m) => m.id));
      return {
        missing: acked.filter((m) => !have.has(m.id)).map((m) => m.id),
        unexpected: [...have].filter((id) => !ackedIds.has(id)),
      };
    },
    close: () => client.close(),
  };
}
