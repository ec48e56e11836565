import type { ErrorBody, PublicUser } from '@chat/protocol';
import { type Logger, toAppError } from '@chat/service-kit';
import type { GatewayConfig } from '../config';
import type { Metrics } from '../metrics';
import type { EventBudget } from './event-budget';
import type { ChangeMessageDeps } from './change-message';
import type { PresenceLookup } from './presence-lookup';
import type { ChatServer, ChatSocket } from './types';

/** One connected socket, as every event handler sees it. */
export interface Connection {
  socket: ChatSocket;
  user: PublicUser;
  /** A service socket (the assistant) joins no rooms and may post to any room it is asked to answer in. */
  isService: boolean;
  /** The user's event budget on this gateway (shared by its sockets here): refused locally, at no Redis cost. */
  events: EventBudget;
  canPostTo(roomId: string): boolean;
  /** Messages per rate window for this sender, if not the configured one (service senders). */
  sendRateLimit?: number;
  /** Settles once the socket is in its rooms: nothing it sends is handled before. */
  ready: Promise<void>;
  /** When this socket last had its typing forwarded, per room. */
  lastTyping: Map<string, number>;
}

/** What the event handlers share. */
export interface HandlerDeps {
  io: ChatServer;
  config: GatewayConfig;
  metrics: Metrics;
  log: Logger;
  /** The message path: sends and changes. */
  send: ChangeMessageDeps;
  /** Who is online in a room, shared per room for a moment (presence:list). */
  presenceLookup: PresenceLookup;
}

/** An event's ack: a failure is counted, logged when unexpected, and answered with its stable code. */
export function answerFailure(deps: HandlerDeps, conn: Connection, event: string, ack: (result: { ok: false; error: ErrorBody }) => void, error: unknown): void {
  const appError = toAppError(error);
  deps.metrics.errors.inc({ code: appError.code });
  if (appError.code === 'INTERNAL') deps.log.error({ err: error, userId: conn.user.id }, `${event} failed`);
  ack({ ok: false, error: appError.toBody() });
}
