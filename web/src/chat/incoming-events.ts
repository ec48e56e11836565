import type { AssistantStreamEvent, ChatMessage, PresenceEvent, PublicUser, TypingEvent } from '@chat/protocol';
import { applyPiece, settleReply } from './assistant-replies';
import type { ChatState } from './chat-state';
import { EMPTY_TIMELINE, mergeMessages, newestId, type Timeline } from './timeline';
import { addTyping, clearTyping } from './typing';
import { advanceMarker } from './unread';

// What server events do to the chat state, as pure functions of (state, event): the controller commits
// each result at once, so one event is one state update however many slices it touches.

/** Whether the user is looking at the room in this state (its messages count as read). */
export type IsReading = (state: ChatState, roomId: string) => boolean;

/**
 * Someone just wrote or typed live, so they are online. `presence:list` can miss a user who was
 * added to the room a moment before (their sockets join the room on their own gateway a little
 * later), and no `presence` event follows for a user who was already online; activity fills the gap.
 * An `offline` event still takes them off when they leave.
 */
function seenOnline(online: ChatState['online'], user: PublicUser): ChatState['online'] {
  return online[user.id] === true ? online : { ...online, [user.id]: true };
}

/** Advances the read marker of a room the user is reading to its newest message. */
export function markRead(state: ChatState, roomId: string, reading: IsReading): ChatState['readMarkers'] {
  if (!reading(state, roomId)) return state.readMarkers;
  return advanceMarker(state.readMarkers, roomId, newestId(state.timelines[roomId] ?? EMPTY_TIMELINE));
}

/**
 * Messages arriving (live, an ack of my own, a page of history): merged into their rooms' timelines by
 * id; their senders are members, online and no longer typing; an assistant reply they finish stops
 * streaming; the room the user reads stays read.
 */
export function receiveMessages(state: ChatState, messages: readonly ChatMessage[], reading: IsReading): ChatState {
  let { timelines, members, typing, online, streaming } = state;
  for (const message of messages) {
    const { roomId, sender } = message;
    const timeline: Timeline = mergeMessages(timelines[roomId] ?? EMPTY_TIMELINE, [message]);
    if (timeline !== timelines[roomId]) timelines = { ...timelines, [roomId]: timeline };
    // The protocol has no "member joined" event: someone who writes in the room is a member.
    const roomMembers = members[roomId];
    if (roomMembers && !roomMembers.some((m) => m.id === sender.id)) members = { ...members, [roomId]: [...roomMembers, sender] };
    typing = clearTyping(typing, roomId, sender.id);
    streaming = settleReply(streaming, message);
    online = seenOnline(online, sender);
  }
  const next = { ...state, timelines, members, typing, online, streaming };
  let readMarkers = state.readMarkers;
  for (const roomId of new Set(messages.map((m) => m.roomId))) readMarkers = markRead({ ...next, readMarkers }, roomId, reading);
  return { ...next, readMarkers };
}

/** Someone else is typing: shown until their message or the indicator's time-out. */
export function receiveTyping(state: ChatState, { roomId, user }: TypingEvent, now: number): Partial<ChatState> {
  if (user.id === state.me.id) return {};
  return { typing: addTyping(state.typing, roomId, user, now), online: seenOnline(state.online, user) };
}

export function receivePresence(state: ChatState, { user, status }: PresenceEvent): Partial<ChatState> {
  const isOnline = status === 'online';
  return state.online[user.id] === isOnline ? {} : { online: { ...state.online, [user.id]: isOnline } };
}

export function receiveStreamPiece(state: ChatState, event: AssistantStreamEvent, now: number): Partial<ChatState> {
  return { streaming: applyPiece(state.streaming, event, new Date(now)) };
}
