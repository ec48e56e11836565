import crypto from 'node:crypto';
import type { ChangeEvent, ChatClient, SendFailure } from '@chat/client';
import type { ChatMessage, MessagesResponse } from '@chat/protocol';
import { api } from './client';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const EMOJI = ['👍', '❤️', '🎉'] as const;

/** One person in a {@link startLivingTraffic} stream, on the shipped client. */
export interface LivingActor {
  client: ChatClient;
  userId: string;
}

/** Options of {@link startLivingTraffic}. */
export interface LivingTrafficOptions {
  roomId: string;
  /** Sends, replies, edits and deletes their own messages, and reacts. */
  author: LivingActor;
  /** React and take reactions back on the author's messages. */
  reactors: LivingActor[];
  /** Prefix of every body (unique per message and edit). */
  label: string;
  /** Pause after each acknowledged event of one actor, in ms. Default 40. */
  intervalMs?: number;
  /** How long one attempt waits for its ack, in ms. Default 5000. */
  ackTimeoutMs?: number;
}

/** What one message must end as, from what was acknowledged. */
export interface ExpectedMessage {
  id: string;
  parentId: string | null;
  body: string;
  edited: boolean;
  deleted: boolean;
  /** Per emoji, who has it (standing reactions only). */
  reactions: Map<string, Set<string>>;
  /** Standing replies (a top-level message's thread). */
  replies: Set<string>;
}

/** A stream of sends, replies, edits, deletions and reactions, each retried until acknowledged. */
export interface LivingTraffic {
  /** Events acknowledged, per kind (`send`, `reply`, `edit`, `delete`, `react`, `unreact`). */
  readonly acked: Readonly<Record<string, number>>;
  /** Events attempted at least once. */
  readonly sent: number;
  /** When each event was acknowledged (ms since the epoch), in order. */
  readonly ackedAt: readonly number[];
  /** Every failed attempt (retried unless not retriable). */
  readonly failures: readonly SendFailure[];
  /** Events given up on after an answer retrying cannot fix, other than a reaction on a message deleted meanwhile. */
  readonly abandoned: readonly string[];
  /** Reactions refused NOT_FOUND because the author deleted the message meanwhile: no loss. */
  readonly excused: readonly string[];
  /** Resolves once `count` more events are acknowledged than now; rejects after `timeoutMs`. */
  ackedMore(count: number, timeoutMs?: number): Promise<void>;
  /** Stops new events, waits for those in progress (retried as long as needed). */
  stop(timeoutMs?: number): Promise<void>;
  /** The acknowledged state: what PostgreSQL and every member must end with. */
  expected(): ExpectedMessage[];
}

/**
 * Runs the mixed traffic of a room: the author sends (about half its events), replies in threads,
 * edits and deletes its own messages (only messages without replies, so a thread never loses its
 * parent), and reacts; each reactor toggles reactions on the author's standing messages. Every actor
 * does one event at a time, retried by `@chat/client` until acked, so the last acknowledged change of
 * each (message, field) is the one that must stand. A reaction refused NOT_FOUND because the author
 * deleted its message meanwhile is no loss: a tombstone has no reactions.
 */
export function startLivingTraffic(o: LivingTrafficOptions): LivingTraffic {
  const intervalMs = o.intervalMs ?? 40;
  const resend = { ackTimeoutMs: o.ackTimeoutMs ?? 5_000, backoffMinMs: 100, backoffMaxMs: 1_000, onFailure: (f: SendFailure) => failures.push(f) };
  const messages = new Map<string, ExpectedMessage>();
  const acked: Record<string, number> = {};
  const failures: SendFailure[] = [];
  const abandoned: string[] = [];
  const excused: string[] = [];
  const ackedAt: number[] = [];
  const waiters: { target: number; resolve: () => void }[] = [];
  let sent = 0;
  let stopping = false;
  let seq = 0;
  const total = () => Object.values(acked).reduce((n, k) => n + k, 0);
  const count = (kind: string) => {
    acked[kind] = (acked[kind] ?? 0) + 1;
    ackedAt.push(Date.now());
    for (const w of waiters.filter((x) => total() >= x.target)) w.resolve();
  };
  const standing = (filter: (m: ExpectedMessage) => boolean = () => true) => [...messages.values()].filter((m) => !m.deleted && filter(m));
  const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

  async function send(parent?: ExpectedMessage): Promise<void> {
    const body = `${o.label} ${parent ? 'reply' : 'message'} #${seq++}`;
    const outcome = await o.author.client.send({ roomId: o.roomId, body, clientMsgId: crypto.randomUUID(), ...(parent ? { parentId: parent.id } : {}) }, resend);
    if (!outcome.ok) return void abandoned.push(`${body}: ${outcome.error.code}`);
    const m = outcome.message;
    messages.set(m.id, { id: m.id, parentId: m.parentId, body: m.body, edited: false, deleted: false, reactions: new Map(), replies: new Set() });
    if (m.parentId) messages.get(m.parentId)?.replies.add(m.id);
    count(parent ? 'reply' : 'send');
  }

  async function change<E extends ChangeEvent>(actor: LivingActor, event: E, payload: Parameters<ChatClient['change']>[1] & { messageId: string }, kind: string, apply: () => void) {
    const outcome = await actor.client.change(event, payload as never, resend);
    if (outcome.ok) {
      apply();
      return count(kind);
    }
    const target = messages.get(payload.messageId);
    const deletedMeanwhile = outcome.error.code === 'NOT_FOUND' && target?.deleted && actor !== o.author;
    (deletedMeanwhile ? excused : abandoned).push(`${event} ${payload.messageId}: ${outcome.error.code}`);
  }

  async function react(actor: LivingActor): Promise<void> {
    const target = pick(standing());
    if (!target) return;
    const emoji = pick([...EMOJI])!;
    const present = !target.reactions.get(emoji)?.has(actor.userId);
    await change(actor, present ? 'reaction:add' : 'reaction:remove', { messageId: target.id, emoji }, present ? 'react' : 'unreact', () => {
      if (target.deleted) return; // a reaction on a tombstone is dropped
      // The emoji's set as it is now: another reactor's ack may have created it meanwhile.
      const users = target.reactions.get(emoji) ?? new Set<string>();
      if (present) users.add(actor.userId);
      else users.delete(actor.userId);
      target.reactions.set(emoji, users);
    });
  }

  async function authorStep(i: number): Promise<void> {
    const roll = i % 20;
    if (roll < 10 || standing().length < 4) return send();
    if (roll < 13) return send(pick(standing((m) => m.parentId === null)));
    if (roll < 17) {
      const target = pick(standing());
      const body = `${o.label} edit #${seq++}`;
      if (target) await change(o.author, 'message:edit', { messageId: target.id, body }, 'edit', () => Object.assign(target, { body, edited: true }));
      return;
    }
    if (roll < 19) {
      const target = pick(standing((m) => m.replies.size === 0));
      if (!target) return;
      target.deleted = true; // from now on no one picks it; a reactor's change in flight may be refused
      await change(o.author, 'message:delete', { messageId: target.id }, 'delete', () => {
        target.body = '';
        target.reactions.clear();
        if (target.parentId) messages.get(target.parentId)?.replies.delete(target.id);
      });
      return;
    }
    return react(o.author);
  }

  const loop = async (step: (i: number) => Promise<void>) => {
    for (let i = 0; !stopping; i++) {
      sent++;
      await step(i);
      if (!stopping) await delay(intervalMs); // the pace of the stream, not a wait for an event
    }
  };
  const loops = Promise.all([loop(authorStep), ...o.reactors.map((r) => loop(() => react(r)))]);

  return {
    acked,
    get sent() {
      return sent;
    },
    ackedAt,
    failures,
    abandoned,
    excused,
    ackedMore(n, timeoutMs = 15_000) {
      const target = total() + n;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${o.label}: fewer than ${n} more acks within ${timeoutMs} ms (${total()} in all)`)), timeoutMs);
        waiters.push({ target, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    async stop(timeoutMs = 60_000) {
      stopping = true;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${o.label}: events still unacknowledged ${timeoutMs} ms after stop`)), timeoutMs)));
      await Promise.race([loops, timeout]).finally(() => clearTimeout(timer));
    },
    expected: () => [...messages.values()],
  };
}

/** Where one message's state differs from what was acknowledged (empty: it matches). */
export function livingMismatches(expected: ExpectedMessage, actual: ChatMessage | undefined): string[] {
  if (!actual) return ['missing'];
  const wrong: string[] = [];
  if (actual.body !== expected.body) wrong.push(`body ${JSON.stringify(actual.body)}, expected ${JSON.stringify(expected.body)}`);
  if ((actual.deletedAt !== null) !== expected.deleted) wrong.push(expected.deleted ? 'not deleted' : 'resurrected? deletedAt set');
  if (!expected.deleted && (actual.editedAt !== null) !== expected.edited) wrong.push(`editedAt ${actual.editedAt}`);
  if (actual.parentId !== expected.parentId) wrong.push(`parentId ${actual.parentId}`);
  const want = [...expected.reactions].filter(([, users]) => users.size > 0).map(([emoji, users]) => `${emoji}:${users.size}:${[...users].sort().join(',')}`).sort();
  const got = actual.reactions.map((r) => `${r.emoji}:${r.count}:${[...r.userIds].sort().join(',')}`).sort();
  if (want.join(' ') !== got.join(' ')) wrong.push(`reactions ${got.join(' ')}, expected ${want.join(' ')}`);
  if (expected.parentId === null && actual.replyCount !== expected.replies.size) wrong.push(`replyCount ${actual.replyCount}, expected ${expected.replies.size}`);
  return wrong;
}

/**
 * Every message of a room as history shows it: top-level pages walked back, then the pages of each
 * thread whose parent counts replies or is named in `threads` (the ones that should have some).
 */
export async function livingHistory(baseUrl: string, token: string, roomId: string, threads: Iterable<string> = []): Promise<Map<string, ChatMessage>> {
  const walk = async (scope: string) => {
    const found: ChatMessage[] = [];
    for (let before = ''; ; ) {
      const res = await api<MessagesResponse>(baseUrl, 'GET', `/api/rooms/${roomId}/messages?limit=100${scope}${before ? `&before=${before}` : ''}`, { token });
      if (res.status !== 200) throw new Error(`history ${scope}: ${res.status}`);
      found.push(...res.body.messages);
      if (res.body.messages.length < 100) return found;
      before = res.body.messages[0]!.id;
    }
  };
  const all = new Map((await walk('')).map((m) => [m.id, m]));
  const parents = new Set([...threads, ...[...all.values()].filter((m) => m.replyCount > 0).map((m) => m.id)]);
  for (const parentId of parents) for (const m of await walk(`&parentId=${parentId}`)) all.set(m.id, m);
  return all;
}
