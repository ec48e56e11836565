import type { Attachment, ChatMessage, ErrorBody, PublicUser, Reaction } from '@chat/protocol';
import { compareMessageIds } from '@chat/client';

/** Where one message of mine is on its way to the server. Messages of others are always `sent`. */
export type DeliveryStatus = 'pending' | 'sent' | 'failed';

/** One line of a room's timeline as the UI shows it. */
export interface TimelineEntry {
  /**
   * Stable React key: a message sent from this tab keeps the key of its pending form after the ack,
   * so the row is updated in place rather than remounted.
   */
  key: string;
  /** The server's id; absent until the server accepted the message. */
  id?: string;
  clientMsgId: string;
  roomId: string;
  body: string;
  sender: PublicUser;
  /** ISO 8601: the server's time once sent, the local time while pending. */
  createdAt: string;
  status: DeliveryStatus;
  /** Why the last attempt failed (only when `status` is `failed`). */
  error?: ErrorBody;
  /** The living-message fields, once sent (see ChatMessage). */
  parentId?: string | null;
  editedAt?: string | null;
  deletedAt?: string | null;
  replyCount?: number;
  lastReplyAt?: string | null;
  reactions?: readonly Reaction[];
  revision?: number;
  /** Files of the message (uploaded before it was sent). */
  attachments?: Attachment[];
  /** Who the message mentions (resolved by the server). */
  mentions?: readonly string[];
}

/** The messages of one room that this tab knows, and where its history stands. */
export interface Timeline {
  /** Accepted messages ordered by id, then this tab's pending and failed ones in the order they were written. */
  entries: readonly TimelineEntry[];
  /** Whether the newest page of history was loaded (live messages may arrive before it). */
  historyLoaded: boolean;
  /** Whether the server may hold messages older than the first entry. */
  hasOlder: boolean;
}

export const EMPTY_TIMELINE: Timeline = { entries: [], historyLoaded: false, hasOlder: true };

/** A sent message as a timeline row (`key` keeps the row of its pending form). */
export const sentEntry = (message: ChatMessage, key = message.id): TimelineEntry => ({
  key,
  id: message.id,
  clientMsgId: message.clientMsgId,
  roomId: message.roomId,
  body: message.body,
  sender: message.sender,
  createdAt: message.createdAt,
  status: 'sent',
  parentId: message.parentId ?? null,
  editedAt: message.editedAt ?? null,
  deletedAt: message.deletedAt ?? null,
  replyCount: message.replyCount ?? 0,
  lastReplyAt: message.lastReplyAt ?? null,
  reactions: message.reactions ?? [],
  revision: message.revision,
  ...(message.attachments?.length ? { attachments: message.attachments } : {}),
  mentions: message.mentions ?? [],
});

/**
 * Whether `message` says nothing newer than what `entry` shows: a lower live revision (two gateways'
 * broadcasts crossed), or the same state again (ack and broadcast, a replay after recovery).
 */
export function isStale(entry: TimelineEntry, message: ChatMessage): boolean {
  if (entry.revision !== undefined && message.revision !== undefined && message.revision < entry.revision) return true;
  return (
    entry.body === message.body &&
    entry.createdAt === message.createdAt &&
    (entry.editedAt ?? null) === (message.editedAt ?? null) &&
    (entry.deletedAt ?? null) === (message.deletedAt ?? null) &&
    (entry.replyCount ?? 0) === (message.replyCount ?? 0) &&
    (entry.lastReplyAt ?? null) === (message.lastReplyAt ?? null) &&
    JSON.stringify(entry.reactions ?? []) === JSON.stringify(message.reactions ?? [])
  );
}

/** The key of a message written in this tab, before the server gave it an id. */
export const localKey = (clientMsgId: string): string => `local:${clientMsgId}`;

/** Accepted first (by id), then local ones (stable: in the order they were written). */
function order(entries: TimelineEntry[]): TimelineEntry[] {
  const sent = entries.filter((e) => e.id !== undefined);
  const local = entries.filter((e) => e.id === undefined);
  sent.sort((a, b) => compareMessageIds(a.id as string, b.id as string));
  return [...sent, ...local];
}

/**
 * Merges messages from any source (live `message:new`, a send's ack, a page of history, a catch-up)
 * into the timeline. A message is matched by id first, so a message seen twice is kept once; a message
 * of mine with no id match is matched to my pending or failed entry by clientMsgId, which turns that
 * entry into the sent message. The result is ordered by id whatever order the inputs came in.
 */
export function mergeMessages(timeline: Timeline, messages: readonly ChatMessage[]): Timeline {
  if (messages.length === 0) return timeline;
  const entries = [...timeline.entries];
  const indexById = new Map<string, number>();
  entries.forEach((e, i) => e.id !== undefined && indexById.set(e.id, i));
  let changed = false;
  for (const message of messages) {
    const existing = indexById.get(message.id);
    if (existing !== undefined) {
      const current = entries[existing] as TimelineEntry;
      if (isStale(current, message)) continue;
      const next = sentEntry(message, current.key);
      // `message:updated` carries no files (the live state has none): the entry keeps its own, unless deleted.
      if (!message.attachments && current.attachments && !message.deletedAt) next.attachments = current.attachments;
      entries[existing] = next;
      changed = true;
      continue;
    }
    const local = entries.findIndex(
      (e) => e.id === undefined && e.clientMsgId === message.clientMsgId && e.sender.id === message.sender.id,
    );
    if (local >= 0) {
      entries[local] = sentEntry(message, (entries[local] as TimelineEntry).key);
      indexById.set(message.id, local);
    } else {
      indexById.set(message.id, entries.push(sentEntry(message)) - 1);
    }
    changed = true;
  }
  return changed ? { ...timeline, entries: order(entries) } : timeline;
}

/** The timeline with one attachment of one message replaced (`attachment:updated`: its thumbnail is ready). */
export function updateAttachment(timeline: Timeline, messageId: string, attachment: Attachment): Timeline {
  const index = timeline.entries.findIndex((e) => e.id === messageId);
  const entry = timeline.entries[index];
  if (!entry?.attachments?.some((a) => a.id === attachment.id)) return timeline;
  const entries = [...timeline.entries];
  entries[index] = { ...entry, attachments: entry.attachments.map((a) => (a.id === attachment.id ? attachment : a)) };
  return { ...timeline, entries };
}

/** Details of a message this tab is about to send. */
export interface OutgoingMessage {
  clientMsgId: string;
  roomId: string;
  body: string;
  sender: PublicUser;
  createdAt: string;
  attachments?: Attachment[];
}

/** Shows a message as pending at the end of the timeline, before it is sent. */
export function addPending(timeline: Timeline, outgoing: OutgoingMessage): Timeline {
  if (timeline.entries.some((e) => e.clientMsgId === outgoing.clientMsgId && e.sender.id === outgoing.sender.id)) {
    return timeline;
  }
  const entry: TimelineEntry = { ...outgoing, key: localKey(outgoing.clientMsgId), status: 'pending' };
  return { ...timeline, entries: [...timeline.entries, entry] };
}

function updateLocal(
  timeline: Timeline,
  clientMsgId: string,
  update: (entry: TimelineEntry) => TimelineEntry,
): Timeline {
  const index = timeline.entries.findIndex((e) => e.id === undefined && e.clientMsgId === clientMsgId);
  if (index < 0) return timeline; // already sent (the broadcast won the race with a late failure): keep it sent
  const entries = [...timeline.entries];
  entries[index] = update(entries[index] as TimelineEntry);
  return { ...timeline, entries };
}

/** The send failed: the entry stays where it is, marked failed with the reason, ready for a retry. */
export function markFailed(timeline: Timeline, clientMsgId: string, error: ErrorBody): Timeline {
  return updateLocal(timeline, clientMsgId, (e) => ({ ...e, status: 'failed', error }));
}

/** A retry of a failed send starts: pending again, same clientMsgId, so the server dedupes it. */
export function markRetrying(timeline: Timeline, clientMsgId: string): Timeline {
  return updateLocal(timeline, clientMsgId, ({ error: _error, ...e }) => ({ ...e, status: 'pending' }));
}

/** A failed message the user chose not to send after all. */
export function discardLocal(timeline: Timeline, clientMsgId: string): Timeline {
  const entries = timeline.entries.filter((e) => !(e.id === undefined && e.clientMsgId === clientMsgId));
  return entries.length === timeline.entries.length ? timeline : { ...timeline, entries };
}

/**
 * Merges a page of older history (what `before=<first id>` returned). A page shorter than asked for
 * means the beginning of the room was reached.
 */
export function mergeOlderPage(timeline: Timeline, page: readonly ChatMessage[], limit: number): Timeline {
  return { ...mergeMessages(timeline, page), hasOlder: page.length >= limit };
}

/**
 * Merges the newest page of history. On the first load this also decides whether older pages exist;
 * later (a catch-up) it leaves `hasOlder` as it was, since older pages were judged before.
 */
export function mergeNewestPage(timeline: Timeline, page: readonly ChatMessage[], limit: number): Timeline {
  const merged = mergeMessages(timeline, page);
  return timeline.historyLoaded
    ? { ...merged, historyLoaded: true }
    : { ...merged, historyLoaded: true, hasOlder: page.length >= limit };
}

/** The id of the oldest accepted message: the `before` cursor of the next older page. */
export function oldestId(timeline: Timeline): string | undefined {
  return timeline.entries.find((e) => e.id !== undefined)?.id;
}

/** The id of the newest accepted message: what a catch-up must reach back to. */
export function newestId(timeline: Timeline): string | undefined {
  for (let i = timeline.entries.length - 1; i >= 0; i--) {
    const id = timeline.entries[i]?.id;
    if (id !== undefined) return id;
  }
  return undefined;
}

/**
 * Applies what a catch-up fetched after a reconnect that did not recover the missed messages.
 * When the fetched pages reach back to what the timeline knew, they are merged. When they do not
 * (more was missed than the catch-up may fetch), merging would leave a hole between the old and the
 * new messages; the timeline restarts from the fetched pages instead, and scrolling up loads the rest.
 */
export function applyCatchUp(timeline: Timeline, fetched: readonly ChatMessage[], contiguous: boolean): Timeline {
  if (contiguous) return { ...mergeMessages(timeline, fetched), historyLoaded: true };
  const restarted: Timeline = {
    entries: timeline.entries.filter((e) => e.id === undefined),
    historyLoaded: true,
    hasOlder: true,
  };
  return mergeMessages(restarted, fetched);
}
