import {
  type ChatMessage,
  describeIssue,
  editMessageSchema,
  type MessageEvent,
  messageRefSchema,
  type PublicUser,
  reactionSchema,
} from '@chat/protocol';
import type { z } from 'zod';
import { AppError } from '@chat/service-kit';
import { newId } from '../store/ids';
import { type LiveChange, type LiveView, toChatMessage } from '../redis/live-messages';
import type { RateLimiter } from '../redis/rate-limiter';
import { produceEvent } from './produce-event';
import type { SendMessageDeps } from './send-message';

/** What a change needs beyond the send path: the per-user budget of changes, shared by every gateway. */
export interface ChangeMessageDeps extends SendMessageDeps {
  changeLimiter: RateLimiter;
}

/** Who asks for the change, and in which rooms they are. */
export interface Actor {
  user: PublicUser;
  canPostTo(roomId: string): boolean;
}

const NOT_FOUND = () => new AppError('NOT_FOUND', 'no such message in your rooms');

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError('VALIDATION', describeIssue(parsed.error));
  return parsed.data;
}

/**
 * Every change before it is produced: counted against the actor's budget (refused ones too), then the
 * message is looked up live (Redis, else PostgreSQL) and must stand in a room of the actor. Unknown ids,
 * other rooms' messages and tombstones all answer NOT_FOUND: nothing is revealed, nothing broadcast.
 */
async function authorize(deps: ChangeMessageDeps, actor: Actor, messageId: string): Promise<LiveView> {
  let view;
  try {
    const budget = await deps.changeLimiter.hit(actor.user.id);
    if (!budget.allowed) throw new AppError('RATE_LIMITED', `too many changes: wait ${Math.ceil(budget.retryAfterMs / 1000)} s`, { retryAfterMs: budget.retryAfterMs });
    view = await deps.live.load(messageId);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('UNAVAILABLE', 'the message could not be changed right now; retry shortly', { cause: error });
  }
  if (!view || !actor.canPostTo(view.state.roomId) || view.state.deletedAt !== null) throw NOT_FOUND();
  return view;
}

/**
 * A change through the one produce path (produce-event.ts): durable in Kafka on the room's key (after the
 * message itself, which was durable before anyone could see it); then, in the tick Kafka acknowledged,
 * applied to the live state by the script that also broadcasts the whole message (`message:updated`),
 * and for a deleted reply its thread's parent counted once less the same way; the caller acks with the
 * message as broadcast. Nothing reaches anyone when Kafka refuses.
 */
async function produce(deps: ChangeMessageDeps, view: LiveView, event: MessageEvent, change: LiveChange, parentChange?: LiveChange): Promise<ChatMessage> {
  const { id, roomId, parentId } = view.state;
  const warn = (messageId: string) => (error: unknown) => {
    // Durable, so it will be stored: the live state catches up when it is next loaded from PostgreSQL.
    deps.log.warn({ err: error, messageId, kind: event.kind }, 'could not apply a durable change to the live state');
    return undefined;
  };
  const [applied] = await produceEvent(deps.bus, event, () =>
    Promise.all([
      deps.live.apply(id, roomId, change).catch(warn(id)),
      parentChange && parentId !== null ? deps.live.apply(parentId, roomId, parentChange).catch(warn(parentId)) : undefined,
    ]),
  );
  deps.metrics.messages.inc({ result: event.kind });
  return applied?.announced ?? toChatMessage(applied ?? view);
}

const envelope = (actor: Actor, view: LiveView) => ({ v: 2 as const, eventId: newId(), roomId: view.state.roomId, actorId: actor.user.id, at: new Date().toISOString(), messageId: view.state.id });

/** `message:edit`: the sender replaces the body; the edited message is returned for the ack. */
export async function editMessage(deps: ChangeMessageDeps, actor: Actor, input: unknown): Promise<ChatMessage> {
  const { messageId, body } = parse(editMessageSchema, input);
  const view = await authorize(deps, actor, messageId);
  if (view.state.senderId !== actor.user.id) throw new AppError('FORBIDDEN', 'only the sender may edit a message');
  await deps.roomPolicy?.assertMaySpeak(view.state.roomId, actor.user.id, 'edit');
  const event = { ...envelope(actor, view), kind: 'message.edited' as const, body };
  return produce(deps, view, event, { op: 'edit', eventId: event.eventId, body, at: event.at });
}

/** `message:delete`: the sender turns the message into a tombstone (a reply also leaves its thread's count). */
export async function deleteMessage(deps: ChangeMessageDeps, actor: Actor, input: unknown): Promise<void> {
  const { messageId } = parse(messageRefSchema, input);
  const view = await authorize(deps, actor, messageId);
  // The sender, or the room's owner and admins (issue 16), whose deletions go to the audit log.
  const byModerator = view.state.senderId !== actor.user.id;
  if (byModerator && !(await deps.roomPolicy?.mayDeleteOthers(view.state.roomId, actor.user.id))) {
    throw new AppError('FORBIDDEN', "only the sender or the room's owner and admins may delete a message");
  }
  await deps.roomPolicy?.assertMaySpeak(view.state.roomId, actor.user.id, 'delete');
  const event = { ...envelope(actor, view), kind: 'message.deleted' as const };
  await produce(deps, view, event, { op: 'delete', eventId: event.eventId, at: event.at }, { op: 'reply', replyId: messageId, at: event.at, present: false });
  if (byModerator) {
    await deps.roomPolicy?.recordModeratorDelete(view.state.roomId, actor.user.id, messageId, view.state.senderId).catch((error: unknown) => deps.log.warn({ err: error, messageId }, 'could not audit a moderator deletion'));
  }
}

/**
 * `reaction:add` / `reaction:remove`: set membership of (user, message, emoji). One that changes nothing
 * live is produced all the same: the live state can lag the log (a durable change whose script failed is
 * only logged; a state that expired is reseeded from PostgreSQL, which may lag the persister), and a
 * removal skipped on its word would be acked yet never reach PostgreSQL. A repeated add or remove costs
 * one record and changes nothing anywhere (the script announces no no-op).
 */
export async function react(deps: ChangeMessageDeps, actor: Actor, input: unknown, present: boolean): Promise<void> {
  const { messageId, emoji } = parse(reactionSchema, input);
  const view = await authorize(deps, actor, messageId);
  await deps.roomPolicy?.assertMaySpeak(view.state.roomId, actor.user.id, 'react');
  const event = { ...envelope(actor, view), kind: present ? ('reaction.added' as const) : ('reaction.removed' as const), emoji };
  await produce(deps, view, event, { op: 'react', eventId: event.eventId, emoji, userId: actor.user.id, present });
}
