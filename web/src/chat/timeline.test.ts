import { ann, bob, message, messages, ROOM_ID } from '../test-support/factories';
import {
  EMPTY_TIMELINE,
  addPending,
  applyCatchUp,
  discardLocal,
  markFailed,
  markRetrying,
  mergeMessages,
  mergeNewestPage,
  mergeOlderPage,
  newestId,
  oldestId,
  type Timeline,
} from './timeline';

const ids = (t: Timeline) => t.entries.map((e) => e.id ?? `local:${e.clientMsgId}`);
const outgoing = (clientMsgId: string, body = 'hello') => ({
  clientMsgId,
  roomId: ROOM_ID,
  body,
  sender: ann,
  createdAt: '2026-11-27T12:10:00.000Z',
});

describe('mergeMessages', () => {
  it('orders messages by id whatever order they arrive in', () => {
    const t = mergeMessages(EMPTY_TIMELINE, [message(3), message(1), message(2)]);
    expect(ids(t)).toEqual([message(1).id, message(2).id, message(3).id]);
  });

  it('keeps a message delivered twice (live and in history) once', () => {
    const live = mergeMessages(EMPTY_TIMELINE, [message(5)]);
    const withHistory = mergeMessages(live, messages(3, 5));
    expect(ids(withHistory)).toEqual([message(3).id, message(4).id, message(5).id]);
  });

  it('returns the same timeline object when nothing new arrived, so the UI does not re-render', () => {
    const t = mergeMessages(EMPTY_TIMELINE, messages(1, 3));
    expect(mergeMessages(t, [message(2)])).toBe(t);
  });

  it('fills a gap when the missing message arrives later', () => {
    const t = mergeMessages(mergeMessages(EMPTY_TIMELINE, [message(1), message(3)]), [message(2)]);
    expect(ids(t)).toEqual(messages(1, 3).map((m) => m.id));
  });
});

describe('delivery states of my messages', () => {
  it('shows a new message as pending after the accepted ones', () => {
    const t = addPending(mergeMessages(EMPTY_TIMELINE, [message(1)]), outgoing('x1'));
    expect(t.entries.map((e) => e.status)).toEqual(['sent', 'pending']);
    expect(t.entries[1]).toMatchObject({ clientMsgId: 'x1', body: 'hello' });
    expect(t.entries[1]?.id).toBeUndefined();
  });

  it('turns the pending entry into the sent message on ack, keeping its key', () => {
    const pending = addPending(EMPTY_TIMELINE, outgoing('x1'));
    const key = pending.entries[0]?.key;
    const acked = mergeMessages(pending, [message(7, { clientMsgId: 'x1', sender: ann, body: 'hello' })]);
    expect(acked.entries).toHaveLength(1);
    expect(acked.entries[0]).toMatchObject({ status: 'sent', id: message(7).id, key });
  });

  it('merges the ack and my own broadcast of the same message into one entry', () => {
    const mine = message(7, { clientMsgId: 'x1', sender: ann, body: 'hello' });
    const t = mergeMessages(mergeMessages(addPending(EMPTY_TIMELINE, outgoing('x1')), [mine]), [mine]);
    expect(t.entries).toHaveLength(1);
  });

  it('does not match another user who happens to use the same clientMsgId', () => {
    const t = mergeMessages(addPending(EMPTY_TIMELINE, outgoing('x1')), [message(2, { clientMsgId: 'x1', sender: bob })]);
    expect(t.entries.map((e) => e.status)).toEqual(['sent', 'pending']);
  });

  it('places my message by its id once sent, before messages accepted after it', () => {
    let t = addPending(EMPTY_TIMELINE, outgoing('x1'));
    t = mergeMessages(t, [message(9)]); // someone else's, accepted after mine
    t = mergeMessages(t, [message(8, { clientMsgId: 'x1', sender: ann })]);
    expect(ids(t)).toEqual([message(8).id, message(9).id]);
  });

  it('marks a failed send with its reason, and a retry makes it pending again with the same clientMsgId', () => {
    const error = { code: 'UNAVAILABLE' as const, message: 'Kafka is down' };
    const failed = markFailed(addPending(EMPTY_TIMELINE, outgoing('x1')), 'x1', error);
    expect(failed.entries[0]).toMatchObject({ status: 'failed', error });
    const retrying = markRetrying(failed, 'x1');
    expect(retrying.entries[0]).toMatchObject({ status: 'pending', clientMsgId: 'x1' });
    expect(retrying.entries[0]?.error).toBeUndefined();
  });

  it('keeps a message sent when a late failure of an earlier attempt arrives after its ack', () => {
    const sent = mergeMessages(addPending(EMPTY_TIMELINE, outgoing('x1')), [message(3, { clientMsgId: 'x1', sender: ann })]);
    const late = markFailed(sent, 'x1', { code: 'UNAVAILABLE', message: 'timeout' });
    expect(late.entries[0]?.status).toBe('sent');
  });

  it('turns a failed message into sent when its broadcast arrives after all (the server did store it)', () => {
    const failed = markFailed(addPending(EMPTY_TIMELINE, outgoing('x1')), 'x1', { code: 'UNAVAILABLE', message: 'timeout' });
    const t = mergeMessages(failed, [message(3, { clientMsgId: 'x1', sender: ann })]);
    expect(t.entries).toHaveLength(1);
    expect(t.entries[0]?.status).toBe('sent');
  });

  it('discards a failed message the user gave up on', () => {
    const t = discardLocal(addPending(EMPTY_TIMELINE, outgoing('x1')), 'x1');
    expect(t.entries).toHaveLength(0);
  });

  it('adds a pending message only once for one clientMsgId', () => {
    const t = addPending(addPending(EMPTY_TIMELINE, outgoing('x1')), outgoing('x1'));
    expect(t.entries).toHaveLength(1);
  });
});

describe('history pages', () => {
  it('knows there may be older messages when the newest page is full, and none when it is short', () => {
    expect(mergeNewestPage(EMPTY_TIMELINE, messages(1, 50), 50).hasOlder).toBe(true);
    expect(mergeNewestPage(EMPTY_TIMELINE, messages(1, 10), 50).hasOlder).toBe(false);
  });

  it('prepends an older page in order and stops at the beginning of the room', () => {
    const newest = mergeNewestPage(EMPTY_TIMELINE, messages(51, 100), 50);
    expect(oldestId(newest)).toBe(message(51).id);
    const older = mergeOlderPage(newest, messages(31, 50), 50);
    expect(ids(older)).toEqual(messages(31, 100).map((m) => m.id));
    expect(older.hasOlder).toBe(false);
    expect(newestId(older)).toBe(message(100).id);
  });

  it('merges live messages that arrived before the first page without duplicating them', () => {
    const live = mergeMessages(EMPTY_TIMELINE, [message(10)]);
    const t = mergeNewestPage(live, messages(1, 10), 50);
    expect(ids(t)).toEqual(messages(1, 10).map((m) => m.id));
    expect(t.historyLoaded).toBe(true);
  });
});

describe('applyCatchUp', () => {
  it('merges missed messages that reach back to the known ones', () => {
    const known = mergeNewestPage(EMPTY_TIMELINE, messages(1, 5), 50);
    const t = applyCatchUp(known, messages(4, 8), true);
    expect(ids(t)).toEqual(messages(1, 8).map((m) => m.id));
  });

  it('restarts from the fetched messages when they do not reach back, so no gap is shown', () => {
    const known = addPending(mergeNewestPage(EMPTY_TIMELINE, messages(1, 5), 50), outgoing('x1'));
    const t = applyCatchUp(known, messages(200, 210), false);
    expect(ids(t)).toEqual([...messages(200, 210).map((m) => m.id), 'local:x1']);
    expect(t.hasOlder).toBe(true);
  });
});
