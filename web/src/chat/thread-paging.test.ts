import { compareMessageIds } from '@chat/client';
import type { ChatApi } from '../api/chat-api';
import { FakeConnection } from '../test-support/fake-connection';
import { message, messageId, ROOM_ID } from '../test-support/factories';
import { MessageActions, THREAD_PAGE } from './message-actions';

describe('thread paging', () => {
  it('opens a long thread at its newest page and loads earlier replies until the first', async () => {
    const parentId = messageId(1);
    const replies = Array.from({ length: THREAD_PAGE + 30 }, (_, i) => message(i + 2, { parentId }));
    const calls: (string | undefined)[] = [];
    const api = {
      thread: async (_roomId: string, _parentId: string, limit: number, before?: string) => {
        calls.push(before);
        return (before ? replies.filter((r) => compareMessageIds(r.id, before) < 0) : replies).slice(-limit);
      },
    } as unknown as ChatApi;
    const actions = new MessageActions({ connection: new FakeConnection(), api });
    await actions.openThread(ROOM_ID, parentId);
    expect(actions.thread(parentId)).toMatchObject({ loaded: true, hasEarlier: true });
    expect(actions.thread(parentId)!.replies).toHaveLength(THREAD_PAGE);
    await actions.loadEarlier(parentId);
    expect(actions.thread(parentId)!.replies.map((r) => r.id)).toEqual(replies.map((r) => r.id));
    expect(actions.thread(parentId)!.hasEarlier).toBe(false);
    expect(calls).toEqual([undefined, replies[30]!.id]);
    await actions.loadEarlier(parentId); // nothing earlier: no request
    expect(calls).toHaveLength(2);
  });
});
