// The per-gateway cache of sessions, users and memberships (gateway/src/auth/access-cache.ts) against two
// gateways, the real PostgreSQL, Redis and Kafka. Each test first makes the other gateway remember the
// access (a request that succeeds there), takes it away through the first gateway, and expects the other
// gateway to refuse the very next request: the REST answer of the change means it holds everywhere.
import crypto from 'node:crypto';
import type { ChatMessage, Room } from '@chat/protocol';
import { api, type ChatSocket, collect, connectSocket, inviteAndAccept, nextEvent, registerUser, startSystem, type TestSystem } from '@chat/testing';

let system: TestSystem;
let g1: string;
let g2: string;

beforeAll(async () => {
  system = await startSystem({ gateways: 2, env: { REGISTER_RATE_LIMIT: '1000' } });
  [g1, g2] = system.gateways.map((g) => g.url) as [string, string];
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

/** A private room of its owner and one member, through nginx. */
async function roomWithMember() {
  const [owner, member] = [await registerUser(system.baseUrl), await registerUser(system.baseUrl)];
  const room = (await api<{ room: Room }>(system.baseUrl, 'POST', '/api/rooms', { token: owner.token, body: { name: 'cached', visibility: 'private' } })).body.room;
  await inviteAndAccept(system.baseUrl, owner.token, room.id, member);
  return { owner, member, room };
}

const history = (gateway: string, roomId: string, token: string) => api(gateway, 'GET', `/api/rooms/${roomId}/messages?limit=5`, { token });

/** Reads twice on the gateway, so that its second answer came from what it remembered. */
async function warm(gateway: string, roomId: string, token: string) {
  for (let i = 0; i < 2; i++) expect((await history(gateway, roomId, token)).status).toBe(200);
}

describe('per-gateway access cache', () => {
  it('a kicked member is refused history on the other gateway right after the kick answers', async () => {
    const { owner, member, room } = await roomWithMember();
    await warm(g2, room.id, member.token);
    expect((await api(g1, 'DELETE', `/api/rooms/${room.id}/members/${member.user.id}`, { token: owner.token })).status).toBe(204);
    expect(await history(g2, room.id, member.token)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect((await history(g2, room.id, owner.token)).status).toBe(200);
  });

  it('a banned member is refused history on the other gateway right after the ban answers', async () => {
    const { owner, member, room } = await roomWithMember();
    await warm(g2, room.id, member.token);
    expect((await api(g1, 'POST', `/api/rooms/${room.id}/bans`, { token: owner.token, body: { userId: member.user.id, reason: 'spam' } })).status).toBe(201);
    expect(await history(g2, room.id, member.token)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  });

  it('a member who left is refused history on the other gateway right after the leave answers, and let in again after rejoining', async () => {
    const { owner, member, room } = await roomWithMember();
    await warm(g1, room.id, member.token);
    expect((await api(g2, 'POST', `/api/rooms/${room.id}/leave`, { token: member.token })).status).toBe(204);
    expect(await history(g1, room.id, member.token)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    await inviteAndAccept(system.baseUrl, owner.token, room.id, member);
    expect((await history(g1, room.id, member.token)).status).toBe(200);
  });

  it('a logged-out access token is refused on the other gateway at once, for REST and for a new socket', async () => {
    const { member, room } = await roomWithMember();
    await warm(g2, room.id, member.token);
    (await connectSocket(g2, member.token)).close();
    expect((await api(g1, 'POST', '/api/auth/logout', { token: member.token })).status).toBe(204);
    expect(await api(g2, 'GET', '/api/me', { token: member.token })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    await expect(connectSocket(g2, member.token)).rejects.toThrow(/UNAUTHORIZED/);
  });

  it('a deleted account is refused on the other gateway at once', async () => {
    const { member, room } = await roomWithMember();
    await warm(g2, room.id, member.token);
    expect((await api(g1, 'DELETE', '/api/me', { token: member.token })).status).toBe(204);
    expect(await api(g2, 'GET', '/api/me', { token: member.token })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect((await history(g2, room.id, member.token)).status).toBe(401);
  });

  it('a password change ends the other sessions on every gateway at once, and keeps the current one', async () => {
    const member = await registerUser(system.baseUrl);
    const other = await api<{ token: string }>(system.baseUrl, 'POST', '/api/auth/login', { body: { username: member.user.username, password: member.password } });
    expect(other.status).toBe(200);
    expect((await api(g2, 'GET', '/api/me', { token: other.body.token })).status).toBe(200);
    const changed = await api(g1, 'POST', '/api/auth/password', { token: member.token, body: { currentPassword: member.password, newPassword: 'another horse battery staple' } });
    expect(changed.status).toBeLessThan(300);
    expect((await api(g2, 'GET', '/api/me', { token: other.body.token })).status).toBe(401);
    expect((await api(g2, 'GET', '/api/me', { token: member.token })).status).toBe(200);
  });
});

describe('per-gateway room lists (what a handshake joins)', () => {
  const open: ChatSocket[] = [];
  afterEach(() => {
    for (const socket of open.splice(0)) socket.close();
  });
  const connect = async (gateway: string, token: string) => {
    const socket = await connectSocket(gateway, token);
    open.push(socket);
    return socket;
  };
  const send = async (socket: ChatSocket, roomId: string) => {
    const ack = await socket.timeout(15_000).emitWithAck('message:send', { roomId, body: `to ${roomId}`, clientMsgId: crypto.randomUUID() });
    if (!ack.ok) throw new Error(`send refused: ${ack.error.code}`);
    return ack.message;
  };

  /** The owner and the member in `room`, and both in a second room that nothing changes (the control). */
  async function twoRooms() {
    const { owner, member, room } = await roomWithMember();
    const control = (await api<{ room: Room }>(system.baseUrl, 'POST', '/api/rooms', { token: owner.token, body: { name: 'control', visibility: 'private' } })).body.room;
    await inviteAndAccept(system.baseUrl, owner.token, control.id, member);
    return { owner, member, room, control };
  }

  /**
   * Connects the member through `gateway` and has the owner send to `room`, then to `control`: the rooms
   * of the new socket are the broadcasts it gets. Both go through the one adapter stream in order, so once
   * the control message is in, the other was either delivered before it or never will be.
   */
  async function broadcastsAfterReconnect(gateway: string, ownerSocket: ChatSocket, memberToken: string, roomId: string, controlId: string) {
    const socket = await connect(gateway, memberToken);
    const received = collect(socket, 'message:new');
    const first = await send(ownerSocket, roomId);
    const second = await send(ownerSocket, controlId);
    await nextEvent(socket, 'message:new', (m: ChatMessage) => m.id === second.id).catch(() => undefined);
    expect(received.some((m) => m.id === second.id)).toBe(true);
    socket.close();
    return received.some((m) => m.id === first.id);
  }

  it.each([
    ['kicked', (owner: string, memberId: string, roomId: string) => api(g1, 'DELETE', `/api/rooms/${roomId}/members/${memberId}`, { token: owner }), 204],
    ['banned', (owner: string, memberId: string, roomId: string) => api(g1, 'POST', `/api/rooms/${roomId}/bans`, { token: owner, body: { userId: memberId, reason: 'spam' } }), 201],
  ] as const)('a member %s through one gateway gets none of the room on a reconnect through the other', async (_what, remove, status) => {
    const { owner, member, room, control } = await twoRooms();
    const ownerSocket = await connect(g1, owner.token);
    // Twice through g2: the second handshake took the room list g2 remembered, and it had the room.
    for (let i = 0; i < 2; i++) expect(await broadcastsAfterReconnect(g2, ownerSocket, member.token, room.id, control.id)).toBe(true);
    expect((await remove(owner.token, member.user.id, room.id)).status).toBe(status);
    expect(await broadcastsAfterReconnect(g2, ownerSocket, member.token, room.id, control.id)).toBe(false);
  });

  it('a member who left through one gateway gets none of the room on a reconnect through the other', async () => {
    const { owner, member, room, control } = await twoRooms();
    const ownerSocket = await connect(g1, owner.token);
    for (let i = 0; i < 2; i++) expect(await broadcastsAfterReconnect(g2, ownerSocket, member.token, room.id, control.id)).toBe(true);
    expect((await api(g1, 'POST', `/api/rooms/${room.id}/leave`, { token: member.token })).status).toBe(204);
    expect(await broadcastsAfterReconnect(g2, ownerSocket, member.token, room.id, control.id)).toBe(false);
  });

  it('a member who joins through one gateway gets the room on a reconnect through the other', async () => {
    const { owner, member, control } = await twoRooms();
    const ownerSocket = await connect(g1, owner.token);
    const room = (await api<{ room: Room }>(g1, 'POST', '/api/rooms', { token: owner.token, body: { name: 'later', visibility: 'private' } })).body.room;
    for (let i = 0; i < 2; i++) expect(await broadcastsAfterReconnect(g2, ownerSocket, member.token, room.id, control.id)).toBe(false);
    await inviteAndAccept(g1, owner.token, room.id, member);
    expect(await broadcastsAfterReconnect(g2, ownerSocket, member.token, room.id, control.id)).toBe(true);
  });

  it('a deleted account cannot open a socket on the other gateway that remembered its rooms', async () => {
    const { member } = await roomWithMember();
    (await connect(g2, member.token)).close();
    expect((await api(g1, 'DELETE', '/api/me', { token: member.token })).status).toBe(204);
    await expect(connectSocket(g2, member.token)).rejects.toThrow(/UNAUTHORIZED/);
  });
});
