import type { AckResult, ConnectInfo } from '@chat/client';
import type { Ack, EditMessageInput, MessageRefInput, PublicUser, ReactionInput, SendMessageInput, ServerToClientEvents } from '@chat/protocol';
import type { RealtimeConnection } from '../realtime/realtime-connection';

/** A RealtimeConnection the test drives by hand: it delivers server events and decides every ack. */
export class FakeConnection implements RealtimeConnection {
  private readonly handlers = new Map<string, (payload: never) => void>();
  private readonly connectListeners: ((info: ConnectInfo) => void)[] = [];
  private connections = 0;
  private readonly disconnectListeners: (() => void)[] = [];
  private readonly unauthorizedListeners: (() => void)[] = [];
  readonly sent: SendMessageInput[] = [];
  readonly typing: string[] = [];
  opened = false;
  closed = false;
  /** Answers each `message:send` (a rejection stands for a link that failed under the send). */
  answerSend: (input: SendMessageInput) => Promise<AckResult<'message:send'>> = async () => {
    throw new Error('answerSend not set');
  };
  online: PublicUser[] = [];

  on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]): void {
    this.handlers.set(event, listener as (payload: never) => void);
  }
  onConnect(listener: (info: ConnectInfo) => void): void {
    this.connectListeners.push(listener);
  }
  onDisconnect(listener: () => void): void {
    this.disconnectListeners.push(listener);
  }
  onUnauthorized(listener: () => void): void {
    this.unauthorizedListeners.push(listener);
  }
  sendMessage(input: SendMessageInput): Promise<AckResult<'message:send'>> {
    this.sent.push(input);
    return this.answerSend(input);
  }
  startTyping(roomId: string): void {
    this.typing.push(roomId);
  }
  /** Changes asked for (edit, delete, react), in order; answered ok. */
  readonly changes: { event: string; input: unknown }[] = [];

  async editMessage(input: EditMessageInput): Promise<AckResult<'message:edit'>> {
    this.changes.push({ event: 'message:edit', input });
    return { ok: false, error: { code: 'NOT_FOUND', message: 'the fake knows no messages' } };
  }

  async deleteMessage(input: MessageRefInput): Promise<AckResult<'message:delete'>> {
    this.changes.push({ event: 'message:delete', input });
    return { ok: true };
  }

  async react(input: ReactionInput, add: boolean): Promise<AckResult<'reaction:add'>> {
    this.changes.push({ event: add ? 'reaction:add' : 'reaction:remove', input });
    return { ok: true };
  }

  /** Markers sent with `room:read`, in order; answered ok. */
  readonly reads: { roomId: string; messageId: string }[] = [];
  async markRead(input: { roomId: string; messageId: string }): Promise<Ack<{ lastReadId: string }>> {
    this.reads.push(input);
    return { ok: true, lastReadId: input.messageId };
  }
  dropped = 0;
  dropLink(): void {
    this.dropped++;
  }

  async listPresence(): Promise<Ack<{ online: PublicUser[] }>> {
    return { ok: true, online: this.online };
  }
  open(): void {
    this.opened = true;
  }
  close(): void {
    this.closed = true;
  }

  /** The server sends an event to this client. */
  serverSends<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    const handler = this.handlers.get(event) as ((...a: unknown[]) => void) | undefined;
    if (!handler) throw new Error(`no handler for ${event}`);
    handler(...args);
  }
  connect(recovered = false): void {
    const first = ++this.connections === 1;
    for (const listener of this.connectListeners) listener({ first, recovered });
  }
  disconnect(): void {
    for (const listener of this.disconnectListeners) listener();
  }
  rejectToken(): void {
    for (const listener of this.unauthorizedListeners) listener();
  }
}

/** Lets pending promise callbacks and I/O callbacks run (no timer involved). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Flushes until `condition` holds; fails after `timeoutMs` instead of hanging. Bounded by time, not by
 * rounds: a zero-delay timer (a deferred write) may need more rounds than a busy machine gives it.
 */
export async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await flush();
  }
}
