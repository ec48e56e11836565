import { type Attachment, describeIssue, messageBodySchema, messageTextSchema } from '@chat/protocol';
import type { RealtimeConnection } from '../realtime/realtime-connection';
import type { ChatStore } from './chat-store';
import { newClientMsgId } from './client-msg-id';
import { type IsReading, receiveMessages } from './incoming-events';
import { addPending, discardLocal, EMPTY_TIMELINE, markFailed, markRetrying, type Timeline } from './timeline';

/**
 * My messages on their way: shown as pending at once, then sent when the ack arrives, or failed with
 * the reason; a retry reuses the clientMsgId, so the server stores a message at most once.
 */
export class Outbox {
  constructor(
    private readonly store: ChatStore,
    private readonly connection: RealtimeConnection,
    private readonly reading: IsReading,
    private readonly now: () => number,
  ) {}

  /** Returns a validation problem to show at the composer, or undefined when the message was sent off. */
  send(roomId: string, text: string, attachments: Attachment[] = []): string | undefined {
    // With files, the text may be empty.
    const parsed = (attachments.length ? messageTextSchema : messageBodySchema).safeParse(text);
    if (!parsed.success) return describeIssue(parsed.error);
    const clientMsgId = newClientMsgId();
    const { me } = this.store.getState();
    const outgoing = { clientMsgId, roomId, body: parsed.data, sender: me, createdAt: new Date(this.now()).toISOString(), ...(attachments.length ? { attachments } : {}) };
    this.change(roomId, (timeline) => addPending(timeline, outgoing));
    void this.deliver(roomId, clientMsgId, parsed.data, attachments);
    return undefined;
  }

  /** Sends a failed message again with the same clientMsgId. */
  retry(roomId: string, clientMsgId: string): void {
    const entry = this.timeline(roomId).entries.find((e) => e.id === undefined && e.clientMsgId === clientMsgId);
    if (!entry || entry.status !== 'failed') return;
    this.change(roomId, (timeline) => markRetrying(timeline, clientMsgId));
    void this.deliver(roomId, clientMsgId, entry.body, entry.attachments ?? []);
  }

  /**
   * Sends again, with their clientMsgIds, my messages that failed for want of a link (UNAVAILABLE: no
   * answer in time, or the server could not make them durable): called when the connection is back.
   */
  resendFailed(): void {
    for (const [roomId, timeline] of Object.entries(this.store.getState().timelines)) {
      for (const entry of timeline.entries) if (entry.id === undefined && entry.status === 'failed' && entry.error?.code === 'UNAVAILABLE') this.retry(roomId, entry.clientMsgId);
    }
  }

  /** Drops a failed message the user gave up on. */
  discard(roomId: string, clientMsgId: string): void {
    this.change(roomId, (timeline) => discardLocal(timeline, clientMsgId));
  }

  private async deliver(roomId: string, clientMsgId: string, body: string, attachments: Attachment[]): Promise<void> {
    const files = attachments.length ? { attachments: attachments.map((a) => a.id) } : {};
    const ack = await this.connection.sendMessage({ roomId, body, clientMsgId, ...files }).catch(() => undefined);
    if (ack?.ok) return this.store.commit((state) => receiveMessages(state, [ack.message], this.reading));
    // No answer in time (or the link failed under the send): for the user, the server did not answer.
    const error = ack && ack.error.code !== 'TIMEOUT' ? { code: ack.error.code, message: ack.error.message } : { code: 'UNAVAILABLE' as const, message: 'No answer from the server' };
    this.change(roomId, (timeline) => markFailed(timeline, clientMsgId, error));
  }

  private timeline(roomId: string): Timeline {
    return this.store.getState().timelines[roomId] ?? EMPTY_TIMELINE;
  }

  private change(roomId: string, update: (timeline: Timeline) => Timeline): void {
    this.store.commit((state) => {
      const current = state.timelines[roomId] ?? EMPTY_TIMELINE;
      const next = update(current);
      return next === current ? {} : { timelines: { ...state.timelines, [roomId]: next } };
    });
  }
}
