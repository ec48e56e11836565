import type { ChatMessage, Room } from '@chat/protocol';
import { ApiError } from '../api/api-error';
import type { ChatApi } from '../api/chat-api';
import { ann, bob, message, messageId, messages, OTHER_ROOM_ID, room, ROOM_ID } from '../test-support/factories';
import { FakeConnection, flush, until } from '../test-support/fake-connection';
import { ChatController } from './chat-controller';
import { compareMessageIds } from '@chat/client';

/** A server's rooms and history, behind the ChatApi methods the controller calls. */
function fakeApi(rooms: Room[], history: Record<string, ChatMessage[]>) {
  const historyCalls: { roomId: string; before?: string }[] = [];
  const api = {
    myRooms: jest.fn(async () => rooms),
    members: jest.fn(async () => [ann, bob]),
    history: jest.fn(async (roomId: string, before: string | undefined, limit: number) => {
      historyCalls.push({ roomId, before });
      const all = history[roomId] ?? [];
      return (before ? all.filter((m) => compareMessageIds(m.id, before) < 0) : all).slice(-limit);
    }),
  };
  return { api: api as unknown as ChatApi, historyCalls, history, rooms };
}

describe('ChatController', () => {
  let controller: ChatController;
  let connection: FakeConnection;
  let onUnauthorized: jest.Mock;
  let server: ReturnType<typeof fakeApi>;

  async function started(active?: string) {
    connection = new FakeConnection();
    onUnauthorized = jest.fn();
    controller = new ChatController({ me: ann, api: server.api, connection, onUnauthorized });
    controller.start();
    if (active) controller.openRoom(active);
    connection.connect();
    await until(() => server.rooms.every((r) => controller.timeline(r.id).historyLoaded));
  }

  beforeEach(() => {
    server = fakeApi([room(ROOM_ID, 'general'), room(OTHER_ROOM_ID, 'random')], {
      [ROOM_ID]: messages(1, 3),
      [OTHER_ROOM_ID]: messages(10, 11, { roomId: OTHER_ROOM_ID }),
    });
  });
  afterEach(() => controller.stop());

  it('shows an assistant reply growing from its stream pieces until its final message replaces it', async () => {
    await started(ROOM_ID);
    const assistant = { id: '00000000-0000-7000-8000-00000000b07b', username: 'assistant' };
    const head = { roomId: ROOM_ID, replyTo: messageId(3), replyId: `assistant-${messageId(3)}`, sender: assistant };
    connection.serverSends('assistant:stream', { ...head, seq: 0, delta: 'Hi ', done: false });
    connection.serverSends('assistant:stream', { ...head, seq: 1, delta: 'Ann', done: false });
    expect(controller.getState().streaming[head.replyId]).toMatchObject({ text: 'Hi Ann', roomId: ROOM_ID, sender: assistant });
    connection.serverSends('message:new', message(4, { body: 'Hi Ann', clientMsgId: head.replyId, sender: assistant }));
    expect(controller.getState().streaming).toEqual({});
    expect(controller.timeline(ROOM_ID).entries.at(-1)).toMatchObject({ body: 'Hi Ann', sender: assistant, status: 'sent' });
  });

  it('knows whether the deployment runs an assistant from GET /api/features', async () => {
    (server.api as unknown as { features: () => Promise<unknown> }).features = async () => ({ assistant: { name: 'helper' } });
    await started();
    await until(() => controller.getState().assistant !== null);
    expect(controller.getState().assistant).toEqual({ name: 'helper' });
  });

  it('opens the connection after start, and never when stopped in the same task', async () => {
    await started();
    expect(connection.opened).toBe(true);
    const early = new FakeConnection();
    const stoppedAtOnce = new ChatController({ me: ann, api: server.api, connection: early, onUnauthorized: jest.fn() });
    stoppedAtOnce.start();
    stoppedAtOnce.stop();
    await flush();
    expect(early.opened).toBe(false);
    expect(early.closed).toBe(true);
  });

  it('loads my rooms, then the newest history of each once the socket is connected', async () => {
    await started(ROOM_ID);
    expect(controller.getState().rooms.map((r) => r.name)).toEqual(['general', 'random']);
    expect(controller.timeline(ROOM_ID).entries.map((e) => e.body)).toEqual(['message 1', 'message 2', 'message 3']);
    expect(controller.getState().connection).toBe('connected');
  });

  it('counts new messages from others as unread in rooms I am not looking at, and not in the open room', async () => {
    await started(ROOM_ID);
    connection.serverSends('message:new', message(12, { roomId: OTHER_ROOM_ID }));
    connection.serverSends('message:new', message(12, { roomId: OTHER_ROOM_ID })); // delivered twice
    connection.serverSends('message:new', message(4));
    expect(controller.unreadCount(OTHER_ROOM_ID)).toBe(1);
    expect(controller.unreadCount(ROOM_ID)).toBe(0);
    controller.openRoom(OTHER_ROOM_ID);
    expect(controller.unreadCount(OTHER_ROOM_ID)).toBe(0);
  });

  it('keeps messages arriving in a hidden tab unread until the tab is visible again', async () => {
    await started(ROOM_ID);
    controller.setVisible(false);
    connection.serverSends('message:new', message(4));
    expect(controller.unreadCount(ROOM_ID)).toBe(1);
    controller.setVisible(true);
    expect(controller.unreadCount(ROOM_ID)).toBe(0);
  });

  it('keeps read markers across visits without moving back what another tab read', async () => {
    const items = new Map<string, string>();
    const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
    connection = new FakeConnection();
    controller = new ChatController({ me: ann, api: server.api, connection, onUnauthorized: jest.fn(), storage, markerWriteDelayMs: 0 });
    controller.start();
    controller.openRoom(ROOM_ID);
    connection.connect();
    const key = `chat.read.${ann.id}`;
    await until(() => items.has(key));
    expect(JSON.parse(items.get(key)!)[ROOM_ID]).toBe(message(3).id);
    // Another tab read further in the other room.
    items.set(key, JSON.stringify({ ...JSON.parse(items.get(key)!), [OTHER_ROOM_ID]: message(99).id }));
    connection.serverSends('message:new', message(4));
    await until(() => JSON.parse(items.get(key)!)[ROOM_ID] === message(4).id);
    const stored = JSON.parse(items.get(key)!);
    expect(stored).toMatchObject({ [ROOM_ID]: message(4).id, [OTHER_ROOM_ID]: message(99).id });
    controller.stop();

    // The next visit starts from the stored markers: nothing old counts as unread.
    connection = new FakeConnection();
    controller = new ChatController({ me: ann, api: server.api, connection, onUnauthorized: jest.fn(), storage });
    expect(controller.getState().readMarkers[ROOM_ID]).toBe(message(4).id);
  });

  it('puts the "New messages" line after the marker the room had when it was opened, and Escape removes it', async () => {
    const items = new Map<string, string>([[`chat.read.${ann.id}`, JSON.stringify({ [ROOM_ID]: message(1).id })]]);
    const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
    connection = new FakeConnection();
    controller = new ChatController({ me: ann, api: server.api, connection, onUnauthorized: jest.fn(), storage });
    controller.start();
    controller.openRoom(ROOM_ID);
    connection.connect();
    await until(() => controller.timeline(ROOM_ID).historyLoaded);
    // Reading the room moved the marker to the newest message; the line stays where reading began.
    expect(controller.getState().readMarkers[ROOM_ID]).toBe(message(3).id);
    expect(controller.getState().unreadDivider).toEqual({ roomId: ROOM_ID, afterId: message(1).id });
    controller.markRoomRead(ROOM_ID);
    expect(controller.getState().unreadDivider).toBeUndefined();
    // Another room, read up to its newest message: the line sits after it, so it shows nowhere.
    controller.openRoom(OTHER_ROOM_ID);
    expect(controller.getState().unreadDivider).toEqual({ roomId: OTHER_ROOM_ID, afterId: messageId(11) });
  });

  it('moves the "New messages" line past what my other devices read', async () => {
    server.rooms[0] = { ...server.rooms[0]!, lastReadId: message(2).id } as Room;
    const items = new Map<string, string>([[`chat.read.${ann.id}`, JSON.stringify({ [ROOM_ID]: message(1).id })]]);
    const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
    connection = new FakeConnection();
    controller = new ChatController({ me: ann, api: server.api, connection, onUnauthorized: jest.fn(), storage });
    controller.start();
    controller.openRoom(ROOM_ID);
    connection.connect();
    await until(() => controller.getState().roomsLoaded && controller.timeline(ROOM_ID).historyLoaded);
    expect(controller.getState().unreadDivider).toEqual({ roomId: ROOM_ID, afterId: message(2).id });
  });

  it('turns one incoming message into one state update, with no storage access on the way', async () => {
    const storage = { getItem: jest.fn(() => null), setItem: jest.fn() };
    connection = new FakeConnection();
    controller = new ChatController({ me: ann, api: server.api, connection, onUnauthorized: jest.fn(), storage });
    controller.start();
    controller.openRoom(ROOM_ID);
    connection.connect();
    await until(() => server.rooms.every((r) => controller.timeline(r.id).historyLoaded));
    await flush();
    // Bob types, then writes: the message clears his indicator, advances my read marker, merges into the timeline.
    connection.serverSends('typing', { roomId: ROOM_ID, user: bob });
    const updates = jest.fn();
    controller.subscribe(updates);
    storage.getItem.mockClear();
    connection.serverSends('message:new', message(4));
    expect(updates).toHaveBeenCalledTimes(1);
    expect(storage.getItem).not.toHaveBeenCalled();
    expect(storage.setItem).not.toHaveBeenCalled();
    const state = controller.getState();
    expect(state.typing[ROOM_ID]?.[bob.id]).toBeUndefined();
    expect(state.readMarkers[ROOM_ID]).toBe(message(4).id);
    expect(controller.timeline(ROOM_ID).entries.at(-1)?.id).toBe(message(4).id);
    // The same message again (a replay) changes nothing, so nothing re-renders.
    connection.serverSends('message:new', message(4));
    expect(updates).toHaveBeenCalledTimes(1);
    // The markers reach storage when the tab hides (or after the write delay), merged with other tabs'.
    controller.setVisible(false);
    expect(storage.setItem).toHaveBeenCalledTimes(1);
  });

  it('shows a message as pending until its ack, then sent, and keeps it once when its broadcast follows', async () => {
    await started(ROOM_ID);
    let ack!: (m: ChatMessage) => void;
    connection.answerSend = (input) =>
      new Promise((resolve) => {
        ack = (m) => resolve({ ok: true, message: m });
        expect(input).toMatchObject({ roomId: ROOM_ID, body: 'hi bob' });
      });
    expect(controller.send(ROOM_ID, '  hi bob  ')).toBeUndefined();
    const last = () => controller.timeline(ROOM_ID).entries.at(-1);
    expect(last()).toMatchObject({ status: 'pending', body: 'hi bob' });
    const stored = message(4, { sender: ann, body: 'hi bob', clientMsgId: connection.sent[0]!.clientMsgId });
    ack(stored);
    await until(() => last()?.status === 'sent');
    connection.serverSends('message:new', stored);
    expect(controller.timeline(ROOM_ID).entries.filter((e) => e.body === 'hi bob')).toHaveLength(1);
    expect(last()?.id).toBe(stored.id);
  });

  it('records a failed history load for the room and clears it when a retry succeeds', async () => {
    await started(ROOM_ID);
    const working = server.api.history;
    server.api.history = jest.fn(async () => {
      throw new ApiError('UNAVAILABLE', 'database is down');
    });
    const invited = room('0190b000-0000-7000-8000-000000000009', 'fresh');
    server.history[invited.id] = messages(20, 21, { roomId: invited.id });
    connection.serverSends('room:joined', invited);
    await until(() => controller.getState().historyError[invited.id] !== undefined);
    expect(controller.getState().historyError[invited.id]).toBe('database is down');
    expect(controller.timeline(invited.id).historyLoaded).toBe(false);

    server.api.history = working;
    await controller.loadOlder(invited.id); // the list's "Try again"
    expect(controller.getState().historyError[invited.id]).toBeUndefined();
    expect(controller.timeline(invited.id).entries).toHaveLength(2);
  });

  it('refuses an empty message without sending it', async () => {
    await started(ROOM_ID);
    expect(controller.send(ROOM_ID, '   \n ')).toMatch(/empty/);
    expect(connection.sent).toHaveLength(0);
  });

  it('shows a failed send with its reason and retries it with the same clientMsgId', async () => {
    await started(ROOM_ID);
    connection.answerSend = async () => ({ ok: false, error: { code: 'UNAVAILABLE', message: 'try later' } });
    controller.send(ROOM_ID, 'again');
    const last = () => controller.timeline(ROOM_ID).entries.at(-1);
    await until(() => last()?.status === 'failed');
    expect(last()?.error).toEqual({ code: 'UNAVAILABLE', message: 'try later' });

    connection.answerSend = async (input) => ({
      ok: true,
      message: message(4, { sender: ann, body: input.body, clientMsgId: input.clientMsgId }),
    });
    controller.retry(ROOM_ID, last()!.clientMsgId);
    expect(last()?.status).toBe('pending');
    await until(() => last()?.status === 'sent');
    expect(connection.sent).toHaveLength(2);
    expect(connection.sent[1]!.clientMsgId).toBe(connection.sent[0]!.clientMsgId);
  });

  it('shows a send that got no ack in time as failed', async () => {
    await started(ROOM_ID);
    connection.answerSend = async () => ({ ok: false, error: { code: 'TIMEOUT', message: 'no answer within 8000 ms' } });
    controller.send(ROOM_ID, 'lost?');
    await until(() => controller.timeline(ROOM_ID).entries.at(-1)?.status === 'failed');
    expect(controller.timeline(ROOM_ID).entries.at(-1)?.error?.code).toBe('UNAVAILABLE');
  });

  it('shows the reconnecting state and catches up from history after a reconnect that was not recovered', async () => {
    await started(ROOM_ID);
    connection.disconnect();
    expect(controller.getState().connection).toBe('reconnecting');
    // Messages 4..6 were sent while this client was away.
    server.history[ROOM_ID] = messages(1, 6);
    server.historyCalls.length = 0;
    connection.connect(false);
    await until(() => controller.timeline(ROOM_ID).entries.length === 6);
    expect(controller.getState().connection).toBe('connected');
    expect(controller.timeline(ROOM_ID).entries.map((e) => e.id)).toEqual(messages(1, 6).map((m) => m.id));
    expect(server.historyCalls.filter((c) => c.roomId === ROOM_ID)).toEqual([{ roomId: ROOM_ID, before: undefined }]);
  });

  it('does not refetch history after a reconnect the server recovered', async () => {
    await started(ROOM_ID);
    connection.disconnect();
    server.historyCalls.length = 0;
    connection.connect(true);
    await flush();
    expect(server.historyCalls).toEqual([]);
    expect(controller.getState().connection).toBe('connected');
  });

  it('tells the app when the server rejects the token', async () => {
    await started();
    connection.rejectToken();
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('adds a room I was invited to and loads its history', async () => {
    await started(ROOM_ID);
    const invited = room('0190b000-0000-7000-8000-000000000009', 'secret', { visibility: 'private' });
    server.history[invited.id] = messages(20, 21, { roomId: invited.id });
    connection.serverSends('room:joined', invited);
    expect(controller.getState().rooms.map((r) => r.name)).toContain('secret');
    await until(() => controller.timeline(invited.id).historyLoaded);
    expect(controller.timeline(invited.id).entries).toHaveLength(2);
  });

  it('applies room:updated in place: the new name, topic and member count, no history reload', async () => {
    await started(ROOM_ID);
    const before = controller.getState().rooms.find((r) => r.id === ROOM_ID)!;
    const historyCalls = server.historyCalls.length;
    connection.serverSends('room:updated', { room: { ...before, name: 'renamed', topic: 'a topic', memberCount: before.memberCount + 1 } });
    expect(controller.getState().rooms.find((r) => r.id === ROOM_ID)).toMatchObject({ name: 'renamed', topic: 'a topic', memberCount: before.memberCount + 1 });
    expect(server.historyCalls).toHaveLength(historyCalls);
    connection.serverSends('room:updated', { room: { ...before, id: '0190b000-0000-7000-8000-00000000ffff' } });
    expect(controller.getState().rooms.map((r) => r.id)).not.toContain('0190b000-0000-7000-8000-00000000ffff');
  });

  it("applies user:updated to the member lists of every room and member:updated to that room's", async () => {
    await started();
    controller.openRoom(ROOM_ID);
    controller.openRoom(OTHER_ROOM_ID);
    await until(() => controller.getState().members[ROOM_ID] !== undefined && controller.getState().members[OTHER_ROOM_ID] !== undefined);
    const profile = { ...bob, displayName: 'Bob B.', status: { text: 'away', expiresAt: null }, avatar: { initials: 'BB', url: null } };
    connection.serverSends('user:updated', { user: profile });
    for (const roomId of [ROOM_ID, OTHER_ROOM_ID]) {
      expect(controller.getState().members[roomId]?.find((m) => m.id === bob.id)).toMatchObject({ displayName: 'Bob B.', status: { text: 'away' } });
    }
    const member = { ...profile, role: 'admin' as const, online: true, joinedAt: new Date(0).toISOString(), mutedUntil: null };
    connection.serverSends('member:updated', { roomId: ROOM_ID, member });
    expect(controller.getState().members[ROOM_ID]?.find((m) => m.id === bob.id)).toMatchObject({ role: 'admin' });
    expect(controller.getState().members[OTHER_ROOM_ID]?.find((m) => m.id === bob.id)).not.toHaveProperty('role');
  });

  it('removes a room I left and closes it if it was open', async () => {
    await started(ROOM_ID);
    connection.serverSends('room:left', { roomId: ROOM_ID });
    expect(controller.getState().rooms.map((r) => r.id)).toEqual([OTHER_ROOM_ID]);
    expect(controller.getState().activeRoomId).toBeUndefined();
  });

  it('shows who is typing until their message arrives, and throttles my own typing signal', async () => {
    await started(ROOM_ID);
    connection.serverSends('typing', { roomId: ROOM_ID, user: bob });
    expect(Object.keys(controller.getState().typing[ROOM_ID] ?? {})).toEqual([bob.id]);
    connection.serverSends('message:new', message(4));
    expect(Object.keys(controller.getState().typing[ROOM_ID] ?? {})).toEqual([]);
    controller.notifyTyping(ROOM_ID);
    controller.notifyTyping(ROOM_ID);
    controller.notifyTyping(OTHER_ROOM_ID);
    expect(connection.typing).toEqual([ROOM_ID, OTHER_ROOM_ID]);
  });

  it('signals typing again at once after I sent a message (receivers cleared my indicator)', async () => {
    await started(ROOM_ID);
    connection.answerSend = async (input) => ({ ok: true, message: message(4, { sender: ann, clientMsgId: input.clientMsgId }) });
    controller.notifyTyping(ROOM_ID);
    controller.send(ROOM_ID, 'done');
    controller.notifyTyping(ROOM_ID);
    expect(connection.typing).toEqual([ROOM_ID, ROOM_ID]);
  });

  it('knows who of the open room is online from presence:list and presence diffs', async () => {
    await started();
    connection.online = [ann];
    controller.openRoom(ROOM_ID);
    await until(() => controller.getState().members[ROOM_ID] !== undefined);
    expect(controller.getState().online[bob.id]).toBe(false);
    connection.serverSends('presence:diff', { roomId: ROOM_ID, online: [bob], offline: [] });
    expect(controller.getState().online[bob.id]).toBe(true);
    connection.serverSends('presence:diff', { roomId: ROOM_ID, online: [], offline: [bob] });
    expect(controller.getState().online[bob.id]).toBe(false);
  });

  it("keeps presence as it was on a large room's diff, which carries only counts", async () => {
    await started();
    connection.online = [ann, bob];
    controller.openRoom(ROOM_ID);
    await until(() => controller.getState().members[ROOM_ID] !== undefined);
    connection.serverSends('presence:diff', { roomId: ROOM_ID, large: true, cameOnline: 0, wentOffline: 1 });
    expect(controller.getState().online[bob.id]).toBe(true);
  });

  it('takes someone who writes or types live as online, even if presence:list missed them', async () => {
    await started();
    connection.online = [ann];
    controller.openRoom(ROOM_ID);
    await until(() => controller.getState().members[ROOM_ID] !== undefined);
    expect(controller.getState().online[bob.id]).toBe(false);
    connection.serverSends('message:new', message(4));
    expect(controller.getState().online[bob.id]).toBe(true);
    connection.serverSends('presence:diff', { roomId: ROOM_ID, online: [], offline: [bob] });
    connection.serverSends('typing', { roomId: ROOM_ID, user: bob });
    expect(controller.getState().online[bob.id]).toBe(true);
  });

  it('adds someone who writes in the room to its members, since no event announces new members', async () => {
    server.api.members = jest.fn(async () => [ann]);
    await started(ROOM_ID);
    await until(() => controller.getState().members[ROOM_ID] !== undefined);
    const carl = { id: '0190a000-0000-7000-8000-00000000000c', username: 'carl' };
    connection.serverSends('message:new', message(4, { sender: carl }));
    expect(controller.getState().members[ROOM_ID]).toEqual([ann, carl]);
    expect(controller.getState().online[carl.id]).toBe(true);
  });
});
