// Read state that follows the user, mentions and notification preferences, end to end: two gateways
// behind nginx, the real Redis, Kafka, persister and PostgreSQL (issue 15).
import crypto from 'node:crypto';
import type { ChatMessage, MessagesResponse, MyRoom, MyRoomsResponse, Room, RoomPreferencesResponse } from '@chat/protocol';
import { api, type ChatSocket, collect, eventually, inviteAndAccept, nextEvent, registerUser, useGatewaySystem } from '@chat/testing';

const suite = useGatewaySystem({ gateways: 2 });

type User = Awaited<ReturnType<typeof registerUser>>;

const connect = (user: User, gateway: string) => suite.connect(user.token, gateway);

async function room(owner: User, members: User[], name = 'attention', visibility: 'public' | 'private' = 'private'): Promise<Room> {
  const created = await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: owner.token, body: { name, visibility } });
  expect(created.status).toBe(201);
  for (const m of members) await inviteAndAccept(suite.url, owner.token, created.body.room.id, m);
  return created.body.room;
}

const send = async (socket: ChatSocket, roomId: string, body: string) => {
  const ack = await socket.timeout(15_000).emitWithAck('message:send', { roomId, body, clientMsgId: crypto.randomUUID() });
  if (!ack.ok) throw new Error(`send refused: ${ack.error.code} ${ack.error.message}`);
  return ack.message;
};

const markRead = (socket: ChatSocket, roomId: string, messageId: string) => socket.timeout(15_000).emitWithAck('room:read', { roomId, messageId });

const myRooms = async (user: User): Promise<MyRoom[]> => {
  const res = await api<MyRoomsResponse>(suite.url, 'GET', '/api/rooms', { token: user.token });
  expect(res.status).toBe(200);
  return res.body.rooms;
};
const myRoom = async (user: User, roomId: string) => (await myRooms(user)).find((r) => r.id === roomId)!;

/** Waits until the persister has stored every message (history shows the newest). */
const persisted = (user: User, roomId: string, messageId: string) =>
  eventually(
    () => api<MessagesResponse>(suite.url, 'GET', `/api/rooms/${roomId}/messages`, { token: user.token }),
    (res) => res.body.messages.some((m) => m.id === messageId),
    15_000,
    `message ${messageId} persisted`,
  );

describe('read markers', () => {
  it('count unread for a room never opened and for messages that arrived while offline, from the server', async () => {
    const alice = await registerUser(suite.url);
    const bob = await registerUser(suite.url);
    const r = await room(alice, [bob]);
    const a = await connect(alice, 'g1');
    let last: ChatMessage | undefined;
    for (let i = 0; i < 5; i++) last = await send(a, r.id, `while bob is away ${i}`);
    await persisted(alice, r.id, last!.id);
    // Bob has no socket at all and never opened the room.
    expect(await myRoom(bob, r.id)).toMatchObject({ lastReadId: null, unreadCount: 5, mentionCount: 0, preferences: { notify: 'mentions', muted: false } });
    // My own messages are never unread to me.
    expect(await myRoom(alice, r.id)).toMatchObject({ unreadCount: 0 });
  });

  it('move forward only, across two sockets on two gateways, and survive a reload on another device', async () => {
    const alice = await registerUser(suite.url);
    const bob = await registerUser(suite.url);
    const r = await room(alice, [bob]);
    const a = await connect(alice, 'g1');
    const sent: ChatMessage[] = [];
    for (let i = 0; i < 4; i++) sent.push(await send(a, r.id, `message ${i}`));
    await persisted(alice, r.id, sent[3]!.id);

    const b1 = await connect(bob, 'g1');
    const b2 = await connect(bob, 'g2');
    const pushed = nextEvent(b2, 'room:read', (e) => e.roomId === r.id);
    const echoed = collect(b1, 'room:read');
    expect(await markRead(b1, r.id, sent[2]!.id)).toEqual({ ok: true, lastReadId: sent[2]!.id });
    expect(await pushed).toEqual({ roomId: r.id, messageId: sent[2]!.id });
    expect(await myRoom(bob, r.id)).toMatchObject({ lastReadId: sent[2]!.id, unreadCount: 1 });

    // An older marker changes nothing, and tells the one in force.
    const b2Reads = collect(b2, 'room:read');
    expect(await markRead(b1, r.id, sent[0]!.id)).toEqual({ ok: true, lastReadId: sent[2]!.id });
    // Durable in PostgreSQL (not only in Redis): the persister applied it, GREATEST kept the newer one.
    await eventually(
      () => suite.db.query<{ id: string }>('SELECT last_read_id::text AS id FROM read_markers WHERE user_id = $1 AND room_id = $2', [bob.user.id, r.id]),
      (res) => res.rows[0]?.id === sent[2]!.id,
      15_000,
      'marker in PostgreSQL',
    );
    // The other gateway marks the newest: the first socket hears it.
    const toB1 = nextEvent(b1, 'room:read', (e) => e.messageId === sent[3]!.id);
    expect(await markRead(b2, r.id, sent[3]!.id)).toMatchObject({ ok: true, lastReadId: sent[3]!.id });
    await toB1;
    expect(echoed.every((e) => e.messageId !== sent[2]!.id)).toBe(true); // never echoed to the socket that marked
    expect(b2Reads).toEqual([]);
    expect(await myRoom(bob, r.id)).toMatchObject({ lastReadId: sent[3]!.id, unreadCount: 0 });

    // A new message after the marker is unread again; a deleted one stops counting.
    const later = await send(a, r.id, 'after the marker');
    const gone = await send(a, r.id, 'deleted soon');
    await a.timeout(15_000).emitWithAck('message:delete', { messageId: gone.id });
    await persisted(alice, r.id, later.id);
    await eventually(() => myRoom(bob, r.id), (room) => room.unreadCount === 1, 15_000, 'unread after the deletion');
  });

  it('come from the maintained room_counters row: a member who joins a room with history starts at the join', async () => {
    const alice = await registerUser(suite.url);
    const bob = await registerUser(suite.url);
    const carol = await registerUser(suite.url);
    const r = await room(alice, [bob]);
    const a = await connect(alice, 'g1');
    let last: ChatMessage | undefined;
    for (let i = 0; i < 3; i++) last = await send(a, r.id, `history ${i}`);
    await persisted(alice, r.id, last!.id);
    await inviteAndAccept(suite.url, alice.token, r.id, carol);
    expect(await myRoom(carol, r.id)).toMatchObject({ lastReadId: null, unreadCount: 0, mentionCount: 0 });
    const after = await send(a, r.id, `@${carol.user.username} welcome`);
    await persisted(alice, r.id, after.id);
    expect(await myRoom(carol, r.id)).toMatchObject({ unreadCount: 1, mentionCount: 1 });
    expect(await myRoom(bob, r.id)).toMatchObject({ unreadCount: 4, mentionCount: 0 });
    // The answer is the row, not a count of the messages: a row changed behind the system's back shows.
    const counters = () => suite.db.query<{ unread: number; mentions: number }>('SELECT unread, mentions FROM room_counters WHERE room_id = $1 AND user_id = $2', [r.id, carol.user.id]);
    expect((await counters()).rows).toEqual([{ unread: 1, mentions: 1 }]);
    await suite.db.query('UPDATE room_counters SET unread = 42 WHERE room_id = $1 AND user_id = $2', [r.id, carol.user.id]);
    expect(await myRoom(carol, r.id)).toMatchObject({ unreadCount: 42 });
    await suite.db.query('UPDATE room_counters SET unread = 1 WHERE room_id = $1 AND user_id = $2', [r.id, carol.user.id]);
    // Reading moves the floor: the row is recounted from the new marker.
    const c = await connect(carol, 'g2');
    expect(await markRead(c, r.id, after.id)).toMatchObject({ ok: true });
    await eventually(counters, (res) => res.rows[0]?.unread === 0 && res.rows[0].mentions === 0, 15_000, 'row recounted after the marker');
    expect(await myRoom(carol, r.id)).toMatchObject({ lastReadId: after.id, unreadCount: 0, mentionCount: 0 });
  });

  it('refuses a room I am not in, a malformed id and a marker from the future, with stable codes', async () => {
    const alice = await registerUser(suite.url);
    const eve = await registerUser(suite.url);
    const r = await room(alice, []);
    const e = await connect(eve, 'g2');
    const a = await connect(alice, 'g1');
    const msg = await send(a, r.id, 'private');
    expect(await markRead(e, r.id, msg.id)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await markRead(a, r.id, 'not-a-uuid')).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const future = `ffffffff-ffff-7fff-bfff-ffffffffffff`;
    expect(await markRead(a, r.id, future)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });
});

describe('mentions', () => {
  it('resolve members by name on the server: any case, punctuation after the name, never in code, never non-members or unknown names', async () => {
    const alice = await registerUser(suite.url);
    const bob = await registerUser(suite.url);
    const carol = await registerUser(suite.url);
    const outsider = await registerUser(suite.url);
    const r = await room(alice, [bob, carol]);
    const a = await connect(alice, 'g1');
    const B = bob.user.username.toUpperCase();
    const m1 = await send(a, r.id, `hi @${B}, and @${carol.user.username}. also @${outsider.user.username} @nobody_here a@${bob.user.username}`);
    expect(new Set(m1.mentions)).toEqual(new Set([bob.user.id, carol.user.id]));
    const m2 = await send(a, r.id, `code: \`@${bob.user.username}\` and\n\`\`\`\n@${carol.user.username}\n\`\`\``);
    expect(m2.mentions).toEqual([]);
    // The client cannot claim mentions: the send schema refuses the field.
    const forged = await a.timeout(15_000).emitWithAck('message:send', { roomId: r.id, body: 'x', clientMsgId: crypto.randomUUID(), mentions: [bob.user.id] } as never);
    expect(forged).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    // History carries them too, once stored.
    await persisted(alice, r.id, m2.id);
    const page = await api<MessagesResponse>(suite.url, 'GET', `/api/rooms/${r.id}/messages`, { token: alice.token });
    expect(new Set(page.body.messages.find((m) => m.id === m1.id)!.mentions)).toEqual(new Set([bob.user.id, carol.user.id]));
  });

  it('mention:new reaches every socket of the mentioned user on every gateway, and mentionCount counts until read', async () => {
    const alice = await registerUser(suite.url);
    const bob = await registerUser(suite.url);
    const r = await room(alice, [bob]);
    const other = await room(bob, [], 'elsewhere');
    const a = await connect(alice, 'g1');
    const b1 = await connect(bob, 'g1');
    const b2 = await connect(bob, 'g2');
    const onB1 = nextEvent(b1, 'mention:new');
    const onB2 = nextEvent(b2, 'mention:new');
    const aliceMentions = collect(a, 'mention:new');
    const m = await send(a, r.id, `@${bob.user.username} look`);
    expect((await onB1).message).toMatchObject({ id: m.id, roomId: r.id, mentions: [bob.user.id] });
    expect((await onB2).message.id).toBe(m.id);
    const plain = await send(a, r.id, 'no mention here');
    await persisted(alice, r.id, plain.id);
    expect(aliceMentions).toEqual([]);
    await eventually(() => myRoom(bob, r.id), (x) => x.mentionCount === 1 && x.unreadCount === 2, 15_000, 'mention counted');
    expect((await myRoom(bob, other.id)).mentionCount).toBe(0);
    expect(await markRead(b2, r.id, plain.id)).toMatchObject({ ok: true });
    expect(await myRoom(bob, r.id)).toMatchObject({ mentionCount: 0, unreadCount: 0 });
  });

  it('@room from the owner mentions every member but the sender; from a member it is plain text', async () => {
    const alice = await registerUser(suite.url);
    const bob = await registerUser(suite.url);
    const carol = await registerUser(suite.url);
    const r = await room(alice, [bob, carol]);
    const a = await connect(alice, 'g2');
    const c = await connect(carol, 'g1');
    const onCarol = nextEvent(c, 'mention:new');
    const m = await send(a, r.id, 'heads up @room!');
    expect(new Set(m.mentions)).toEqual(new Set([bob.user.id, carol.user.id]));
    expect((await onCarol).message.id).toBe(m.id);
    expect((await send(c, r.id, 'and from me @room')).mentions).toEqual([]);
  });
});

describe('notification preferences', () => {
  it('default to all in DMs and mentions in rooms, are stored per user and returned in GET /api/rooms; notify none silences mention:new', async () => {
    const alice = await registerUser(suite.url);
    const bob = await registerUser(suite.url);
    const r = await room(alice, [bob]);
    const dm = await api<{ room: Room }>(suite.url, 'POST', '/api/dm', { token: alice.token, body: { username: bob.user.username } });
    expect((await myRoom(bob, dm.body.room.id)).preferences).toEqual({ notify: 'all', muted: false });
    expect((await myRoom(bob, r.id)).preferences).toEqual({ notify: 'mentions', muted: false });

    const put = await api<RoomPreferencesResponse>(suite.url, 'PUT', `/api/rooms/${r.id}/preferences`, { token: bob.token, body: { notify: 'none', muted: true } });
    expect(put).toMatchObject({ status: 200, body: { preferences: { notify: 'none', muted: true } } });
    expect((await myRoom(bob, r.id)).preferences).toEqual({ notify: 'none', muted: true });
    expect((await myRoom(alice, r.id)).preferences).toEqual({ notify: 'mentions', muted: false });

    const bad = await api(suite.url, 'PUT', `/api/rooms/${r.id}/preferences`, { token: bob.token, body: { notify: 'loud', muted: false } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
    const stranger = await registerUser(suite.url);
    const forbidden = await api(suite.url, 'PUT', `/api/rooms/${r.id}/preferences`, { token: stranger.token, body: { notify: 'all', muted: false } });
    expect(forbidden).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });

    // Quiet: no mention:new, though the mention still counts. The DM (notify all) still notifies.
    const b = await connect(bob, 'g2');
    const a = await connect(alice, 'g1');
    const notices = collect(b, 'mention:new');
    const quiet = await send(a, r.id, `@${bob.user.username} in the quiet room`);
    const loud = nextEvent(b, 'mention:new', (e) => e.message.roomId === dm.body.room.id);
    await send(a, dm.body.room.id, `@${bob.user.username} in the DM`);
    await loud;
    expect(notices.map((n) => n.message.id)).not.toContain(quiet.id);
    await eventually(() => myRoom(bob, r.id), (x) => x.mentionCount === 1, 15_000, 'quiet mention counted');
  });
});
