import type { AssistantStreamEvent } from '@chat/protocol';
import { message, ROOM_ID } from '../test-support/factories';
import { applyPiece, pruneReplies, settleReply, STALE_REPLY_MS, type StreamingReplies, withStreamingReplies } from './assistant-replies';
import { EMPTY_TIMELINE } from './timeline';

const bot = { id: '00000000-0000-7000-8000-00000000b07b', username: 'assistant' };
const piece = (seq: number, delta: string, done = false): AssistantStreamEvent => ({
  roomId: ROOM_ID,
  replyTo: '00000000-0000-7000-8000-000000000001',
  replyId: 'assistant-1',
  seq,
  delta,
  done,
  sender: bot,
});
const now = new Date('2026-11-27T12:00:00.000Z');

describe('streaming assistant replies', () => {
  it('grows a reply piece by piece and ignores repeated pieces', () => {
    let replies: StreamingReplies = {};
    for (const p of [piece(0, 'Hel'), piece(1, 'lo'), piece(1, 'lo'), piece(2, '', true)]) replies = applyPiece(replies, p, now);
    expect(replies['assistant-1']).toMatchObject({ text: 'Hello', done: true, nextSeq: 3, sender: bot, startedAt: now.toISOString() });
  });

  it('shows the growing reply after the room\'s messages as a pending entry of the bot, then drops it for the final message', () => {
    const replies = applyPiece({}, piece(0, 'Thinking <b>hard</b>'), now);
    const shown = withStreamingReplies({ ...EMPTY_TIMELINE, entries: [] }, replies, ROOM_ID);
    expect(shown.entries).toEqual([
      expect.objectContaining({ key: 'stream:assistant-1', body: 'Thinking <b>hard</b>', sender: bot, status: 'pending' }),
    ]);
    expect(withStreamingReplies(EMPTY_TIMELINE, replies, 'another-room')).toBe(EMPTY_TIMELINE);

    const final = message(5, { body: 'Thinking hard', clientMsgId: 'assistant-1', sender: bot });
    expect(settleReply(replies, final)).toEqual({});
    // Someone else's message with that clientMsgId does not settle the bot's reply.
    expect(settleReply(replies, message(6, { clientMsgId: 'assistant-1' }))).toBe(replies);
  });

  it('hides a reply whose final message is already in the timeline (it came with a history page)', () => {
    const replies = applyPiece({}, piece(0, 'Hi'), now);
    const timeline = { ...EMPTY_TIMELINE, entries: [{ key: 'm5', id: 'm5', clientMsgId: 'assistant-1', roomId: ROOM_ID, body: 'Hi there', sender: bot, createdAt: now.toISOString(), status: 'sent' as const }] };
    expect(withStreamingReplies(timeline, replies, ROOM_ID)).toBe(timeline);
  });

  it('forgets a reply that stopped growing long ago', () => {
    const replies = applyPiece({}, piece(0, 'Hi'), now);
    expect(pruneReplies(replies, now.getTime() + STALE_REPLY_MS - 1)).toBe(replies);
    expect(pruneReplies(replies, now.getTime() + STALE_REPLY_MS)).toEqual({});
  });
});
