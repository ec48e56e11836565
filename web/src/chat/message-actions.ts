import { type Attachment, type ChatMessage, describeIssue, messageBodySchema, messageTextSchema, type Reaction } from '@chat/protocol';
import type { ChatApi } from '../api/chat-api';
import { compareMessageIds } from '@chat/client';
import type { RealtimeConnection } from '../realtime/realtime-connection';
import type { ChatState } from './chat-state';
import { newClientMsgId } from './client-msg-id';
import { EMPTY_TIMELINE, mergeMessages } from './timeline';
/** Replies loaded when a thread opens (the newest ones). */
export const THREAD_PAGE = 100;

/** One open thread: its replies, oldest first, as far as this tab knows them. */
export interface ThreadState {
  roomId: string;
  parentId: string;
  replies: readonly ChatMessage[];
  loaded: boolean;
  /** Whether the server may hold replies older than the first loaded (a thread of more than a page). */
  hasEarlier?: boolean;
  error?: string;
}

/** A changed top-level message (`message:updated`, an edit's ack) merged into its room's timeline. */
export function timelineUpdate(state: ChatState, message: ChatMessage): Partial<ChatState> {
  const current = state.timelines[message.roomId] ?? EMPTY_TIMELINE;
  const timeline = mergeMessages(current, [message]);
  return timeline === current ? {} : { timelines: { ...state.timelines, [message.roomId]: timeline } };
}

/** Keeps the newer of two states of one message (a lower live revision lost a race between gateways). */
function newer(held: ChatMessage | undefined, incoming: ChatMessage): boolean {
  return !held || held.revision === undefined || incoming.revision === undefined || incoming.revision >= held.revision;
}

/**
 * Message actions (edit, delete, react, reply) and the threads they open: a small store beside the chat
 * controller, which hands it every reply (`message:new` with a parentId) and every `message:updated`
 * of a reply; top-level changes go to the controller's timelines. The UI subscribes with
 * useSyncExternalStore and reads `thread(parentId)`.
 */
export class MessageActions {
  private threads = new Map<string, ThreadState>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly o: { connection: RealtimeConnection; api: ChatApi }) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The thread of `parentId`, if it was opened (a stable object between changes). */
  readonly thread = (parentId: string): ThreadState | undefined => this.threads.get(parentId);

  /** Takes a reply (new or changed); false for a top-level message, which is the controller's. */
  receive(message: ChatMessage): boolean {
    if (message.parentId === null || message.parentId === undefined) return false;
    const thread = this.threads.get(message.parentId);
    if (!thread) return true; // a thread nobody opened: its parent's count says enough
    const held = thread.replies.find((r) => r.id === message.id);
    if (!newer(held, message)) return true;
    const replies = [...thread.replies.filter((r) => r.id !== message.id), message].sort((a, b) => compareMessageIds(a.id, b.id));
    this.set({ ...thread, replies });
    return true;
  }

  /**
   * Takes a reply's changed attachment (`attachment:updated`: its thumbnail is ready); false when no open
   * thread holds that message (a top-level one is the controller's).
   */
  updateAttachment(messageId: string, attachment: Attachment): boolean {
    for (const thread of this.threads.values()) {
      const reply = thread.replies.find((r) => r.id === messageId);
      if (!reply) continue;
      const attachments = reply.attachments?.map((a) => (a.id === attachment.id ? attachment : a));
      this.set({ ...thread, replies: thread.replies.map((r) => (r === reply ? { ...r, attachments } : r)) });
      return true;
    }
    return false;
  }

  /** Opens a thread: shows what is known at once and loads its replies. */
  async openThread(roomId: string, parentId: string): Promise<void> {
    if (!this.threads.has(parentId)) this.set({ roomId, parentId, replies: [], loaded: false });
    try {
      const page = await this.o.api.thread(roomId, parentId, THREAD_PAGE);
      const current = this.threads.get(parentId)!;
      const byId = new Map(current.replies.map((r) => [r.id, r]));
      for (const reply of page) if (newer(byId.get(reply.id), reply)) byId.set(reply.id, reply);
      this.set({ ...current, replies: [...byId.values()].sort((a, b) => compareMessageIds(a.id, b.id)), loaded: true, hasEarlier: page.length >= THREAD_PAGE, error: undefined });
    } catch {
      this.set({ ...this.threads.get(parentId)!, error: 'The replies could not be loaded.' });
    }
  }

  /** Loads the page of replies before the oldest loaded one (a thread longer than a page). */
  async loadEarlier(parentId: string): Promise<void> {
    const thread = this.threads.get(parentId);
    if (!thread?.hasEarlier || thread.replies.length === 0) return;
    try {
      const page = await this.o.api.thread(thread.roomId, parentId, THREAD_PAGE, thread.replies[0]!.id);
      const current = this.threads.get(parentId)!;
      const known = new Set(current.replies.map((r) => r.id));
      const replies = [...page.filter((r) => !known.has(r.id)), ...current.replies].sort((a, b) => compareMessageIds(a.id, b.id));
      this.set({ ...current, replies, hasEarlier: page.length >= THREAD_PAGE, error: undefined });
    } catch {
      this.set({ ...this.threads.get(parentId)!, error: 'Earlier replies could not be loaded.' });
    }
  }

  /** Sends a reply (with files, its text may be empty); resolves with a problem to show, or undefined once it is durable. */
  async reply(roomId: string, parentId: string, text: string, attachments: readonly Attachment[] = []): Promise<string | undefined> {
    const parsed = (attachments.length ? messageTextSchema : messageBodySchema).safeParse(text);
    if (!parsed.success) return describeIssue(parsed.error);
    const files = attachments.length ? { attachments: attachments.map((a) => a.id) } : {};
    const ack = await this.ask(() => this.o.connection.sendMessage({ roomId, parentId, body: parsed.data, clientMsgId: newClientMsgId(), ...files }));
    if (typeof ack === 'string') return ack;
    if (ack.ok) this.receive(ack.message);
    return undefined;
  }

  /** Replaces the body of one of my messages; resolves with a problem to show, or undefined. */
  async edit(messageId: string, text: string, onEdited: (message: ChatMessage) => void): Promise<string | undefined> {
    const parsed = messageBodySchema.safeParse(text);
    if (!parsed.success) return describeIssue(parsed.error);
    const ack = await this.ask(() => this.o.connection.editMessage({ messageId, body: parsed.data }));
    if (typeof ack === 'string') return ack;
    if (ack.ok && !this.receive(ack.message)) onEdited(ack.message);
    return undefined;
  }

  /** Deletes one of my messages; resolves with a problem to show, or undefined. */
  async remove(messageId: string): Promise<string | undefined> {
    const ack = await this.ask(() => this.o.connection.deleteMessage({ messageId }));
    return typeof ack === 'string' ? ack : undefined;
  }

  /** Adds my `emoji` reaction, or takes it back when I have it already. */
  async toggleReaction(message: { id: string; reactions: readonly Reaction[] }, emoji: string, myId: string): Promise<string | undefined> {
    const mine = message.reactions.some((r) => r.emoji === emoji && r.userIds.includes(myId));
    const ack = await this.ask(() => this.o.connection.react({ messageId: message.id, emoji }, !mine));
    return typeof ack === 'string' ? ack : undefined;
  }

  /** Runs one request (it never rejects: a missing ack is TIMEOUT); the ack when ok, or the problem as text. */
  private async ask<R extends { ok: boolean }>(request: () => Promise<R>): Promise<Extract<R, { ok: true }> | string> {
    const ack = await request();
    if (ack.ok) return ack as Extract<R, { ok: true }>;
    const { error } = ack as unknown as { error: { code: string; message: string } };
    return error.code === 'TIMEOUT' ? 'No answer from the server: check your connection and try again.' : error.message;
  }

  private set(thread: ThreadState): void {
    this.threads = new Map(this.threads).set(thread.parentId, thread);
    for (const listener of this.listeners) listener();
  }
}
