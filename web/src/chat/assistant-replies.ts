import type { AssistantStreamEvent, ChatMessage } from '@chat/protocol';
import type { Timeline, TimelineEntry } from './timeline';

/** An assistant reply the model is still writing, as this tab has seen it so far. */
export interface StreamingReply {
  /** The clientMsgId the final message will carry. */
  replyId: string;
  roomId: string;
  sender: AssistantStreamEvent['sender'];
  text: string;
  /** The `seq` of the next piece expected; older or repeated pieces are ignored. */
  nextSeq: number;
  done: boolean;
  /** When the first piece arrived (ISO 8601): where the pending bubble sits in time. */
  startedAt: string;
  /** When the last piece arrived (ms since the epoch), to forget replies whose final message never came. */
  updatedAt: number;
}

/** A reply with no new piece for this long is dropped: its final message was missed or never sent. */
export const STALE_REPLY_MS = 120_000;

/** Replies being written, by replyId. Replaced (never mutated) on every change. */
export type StreamingReplies = Readonly<Record<string, StreamingReply>>;

/**
 * Adds a piece to its reply. Pieces come in order on one connection but are best effort (a reconnecting
 * client misses some): a piece after a gap is still appended, a repeated or older one is not.
 */
export function applyPiece(replies: StreamingReplies, event: AssistantStreamEvent, now: Date): StreamingReplies {
  const current = replies[event.replyId];
  if (current && event.seq < current.nextSeq) return replies;
  const base: StreamingReply = current ?? { replyId: event.replyId, roomId: event.roomId, sender: event.sender, text: '', nextSeq: 0, done: false, startedAt: now.toISOString(), updatedAt: 0 };
  return { ...replies, [event.replyId]: { ...base, text: base.text + event.delta, nextSeq: event.seq + 1, done: base.done || event.done, updatedAt: now.getTime() } };
}

/** Drops replies that stopped growing {@link STALE_REPLY_MS} ago (the same object when none did). */
export function pruneReplies(replies: StreamingReplies, now: number): StreamingReplies {
  const stale = Object.values(replies).filter((r) => now - r.updatedAt >= STALE_REPLY_MS);
  if (stale.length === 0) return replies;
  const kept = { ...replies };
  for (const r of stale) delete kept[r.replyId];
  return kept;
}

/** Drops the pending reply that `message` completes (the final reply carries the whole text). */
export function settleReply(replies: StreamingReplies, message: ChatMessage): StreamingReplies {
  const current = replies[message.clientMsgId];
  if (!current || current.sender.id !== message.sender.id) return replies;
  const { [message.clientMsgId]: _settled, ...rest } = replies;
  return rest;
}

/**
 * The room's timeline with its pending replies after the messages, as entries attributed to the bot
 * with status `pending` (their text shows growing; it is text, rendered like any message body).
 */
export function withStreamingReplies(timeline: Timeline, replies: StreamingReplies, roomId: string): Timeline {
  // A final message that came some other way than message:new (a history page after a reconnect) wins too.
  const final = new Set(timeline.entries.map((e) => `${e.sender.id}/${e.clientMsgId}`));
  const pending = Object.values(replies).filter((r) => r.roomId === roomId && r.text && !final.has(`${r.sender.id}/${r.replyId}`));
  if (pending.length === 0) return timeline;
  const entries: TimelineEntry[] = pending.map((r) => ({
    key: `stream:${r.replyId}`,
    clientMsgId: r.replyId,
    roomId: r.roomId,
    body: r.text,
    sender: r.sender,
    createdAt: r.startedAt,
    status: 'pending',
  }));
  return { ...timeline, entries: [...timeline.entries, ...entries] };
}
