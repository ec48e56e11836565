// Roles and moderation (issue 16) end to end: two gateways behind nginx, the real PostgreSQL, Redis and
// Kafka. Every change is authorized on the server and reaches the live sockets of every gateway.
import crypto from 'node:crypto';
import type { AuditResponse, ChatMessage, MembersPageResponse, Room, RoomMemberResponse } from '@chat/protocol';
import { api, type ChatSocket, collect, createSocket, eventually, inviteAndAccept, nextEvent, registerUser, useGatewaySystem } from '@chat/testing';

const suite = useGatewaySystem({ gateways: 2, env: { REGISTER_RATE_LIMIT: '1000' } });

const { connect } = suite;

const send = (socket: ChatSocket, roomId: string, body: string) => socket.timeout(15_000).emitWithAck('message:send', { roomId, body, clientMsgId: crypto.randomUUID() });

/** A private room of owner (creator), admin and member. */
async function staffedRoom(visibility: 'public' | 'private' = 'private') {
  const [owner, admin, member] = [await registerUser(suite.url), await registerUser(suite.url), await registerUser(suite.url)];
  const room = (await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'moderated', visibility } })).body.room;
  await inviteAndAccept(suite.url, owner.token, room.id, admin);
  await inviteAndAccept(suite.url, owner.token, room.id, member);
  expect((await api(suite.url, 'PATCH', `/api/rooms/${room.id}/members/${admin.user.id}`, { token: owner.token, body: { role: 'admin' } })).status).toBe(200);
  return { owner, admin, member, room };
}

const roles = async (roomId: string) =>
  Object.fromEntries((await suite.db.query<{ user_id: string; role: string }>('SELECT user_id::text, role::text FROM memberships WHERE room_id = $1', [roomId])).rows.map((r) => [r.user_id, r.role]));

const auditActions = async (roomId: string, token: string) => (await api<AuditResponse>(suite.url, 'GET', `/api/rooms/${roomId}/audit`, { token })).body.entries.map((e) => e.action);

describe('roles', () => {
  it('the creator owns the room; the owner makes an admin, who can make admins but not touch the owner; every member hears of it on both gateways', async () => {
    const { owner, admin, member, room } = await staffedRoom();
    expect(room.ownerId).toBe(owner.user.id);
    expect(await roles(room.id)).toEqual({ [owner.user.id]: 'owner', [admin.user.id]: 'admin', [member.user.id]: 'member' });

    const atOwner = await connect(owner.token, 'g1');
    const atMember = await connect(member.token, 'g2');
    const heardByOwner = nextEvent(atOwner, 'member:updated', (e) => e.member.id === member.user.id && e.member.role === 'admin');
    const heardByMember = nextEvent(atMember, 'member:updated', (e) => e.member.id === member.user.id && e.member.role === 'admin');
    const promoted = await api<RoomMemberResponse>(suite.url, 'PATCH', `/api/rooms/${room.id}/members/${member.user.id}`, { token: admin.token, body: { role: 'admin' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.member).toMatchObject({ id: member.user.id, role: 'admin', mutedUntil: null });
    expect((await heardByOwner).roomId).toBe(room.id);
    await heardByMember;

    const onOwner = await api(suite.url, 'PATCH', `/api/rooms/${room.id}/members/${owner.user.id}`, { token: admin.token, body: { role: 'member' } });
    expect(onOwner).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const toOwner = await api(suite.url, 'PATCH', `/api/rooms/${room.id}/members/${member.user.id}`, { token: owner.token, body: { role: 'owner' } });
    expect(toOwner).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
    expect(await auditActions(room.id, owner.token)).toEqual(['role.changed', 'role.changed']);
  });

  it('a transfer leaves exactly one owner; the owner cannot leave while others remain, and the last member leaving archives the room', async () => {
    const { owner, admin, member, room } = await staffedRoom();
    const leaving = await api(suite.url, 'POST', `/api/rooms/${room.id}/leave`, { token: owner.token });
    expect(leaving).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT', message: expect.stringMatching(/transfer/) } } });
    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/transfer`, { token: admin.token, body: { userId: member.user.id } })).status).toBe(403);

    const transferred = await api<{ room: Room }>(suite.url, 'POST', `/api/rooms/${room.id}/transfer`, { token: owner.token, body: { userId: member.user.id } });
    expect(transferred.status).toBe(200);
    expect(transferred.body.room.ownerId).toBe(member.user.id);
    expect(await roles(room.id)).toEqual({ [owner.user.id]: 'admin', [admin.user.id]: 'admin', [member.user.id]: 'owner' });

    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/leave`, { token: owner.token })).status).toBe(204);
    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/leave`, { token: admin.token })).status).toBe(204);
    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/leave`, { token: member.token })).status).toBe(204);
    const archived = await suite.db.query<{ archived_at: Date | null }>('SELECT archived_at FROM rooms WHERE id = $1', [room.id]);
    expect(archived.rows[0]?.archived_at).toBeInstanceOf(Date);
  });

  it('an owner who deletes the account hands each room to its longest-standing admin (or member); a room it was alone in is archived', async () => {
    const { owner, admin, member, room } = await staffedRoom();
    const noAdmin = (await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'no admins', visibility: 'private' } })).body.room;
    await inviteAndAccept(suite.url, owner.token, noAdmin.id, member);
    const alone = (await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'alone', visibility: 'private' } })).body.room;
    const atMember = await connect(member.token, 'g2');
    const heirAnnounced = nextEvent(atMember, 'member:updated', (e) => e.roomId === room.id && e.member.id === admin.user.id && e.member.role === 'owner');
    const countShown = nextEvent(atMember, 'room:updated', (e) => e.room.id === room.id && e.room.memberCount === 2);

    expect((await api(suite.url, 'DELETE', '/api/me', { token: owner.token })).status).toBe(204);
    expect(await roles(room.id)).toEqual({ [admin.user.id]: 'owner', [member.user.id]: 'member' });
    expect(await roles(noAdmin.id)).toEqual({ [member.user.id]: 'owner' });
    const archived = await suite.db.query<{ archived_at: Date | null }>('SELECT archived_at FROM rooms WHERE id = $1', [alone.id]);
    expect(archived.rows[0]?.archived_at).toBeInstanceOf(Date);
    expect((await countShown).room.ownerId).toBe(admin.user.id);
    await heirAnnounced;
    expect(await auditActions(room.id, admin.token)).toEqual(['ownership.transferred', 'role.changed']);
  });

  it('direct conversations have no roles and no moderation', async () => {
    const [a, b] = [await registerUser(suite.url), await registerUser(suite.url)];
    const dm = (await api<{ room: Room }>(suite.url, 'POST', '/api/dm', { token: a.token, body: { username: b.user.username } })).body.room;
    expect(Object.values(await roles(dm.id))).toEqual([null, null]);
    expect((await api(suite.url, 'DELETE', `/api/rooms/${dm.id}/members/${b.user.id}`, { token: a.token })).status).toBe(403);
    expect((await api(suite.url, 'PATCH', `/api/rooms/${dm.id}`, { token: a.token, body: { topic: 'x' } })).status).toBe(403);
  });
});

describe('moderation', () => {
  it('a kick takes the member out live on both gateways within a second: room:left, no more deliveries, no sends, no recovery back in', async () => {
    const { owner, admin, member, room } = await staffedRoom();
    const ownerSocket = await connect(owner.token, 'g1');
    const onG1 = await connect(member.token, 'g1');
    // The member's third socket drops before the kick, to come back inside the recovery window.
    const away = createSocket(suite.url, member.token, { gateway: 'g2', reconnection: false });
    suite.closeAfterTest(away);
    await new Promise<void>((resolve) => away.once('connect', () => resolve()));
    const awaySeen = collect(away, 'message:new');
    expect(await send(ownerSocket, room.id, 'before the kick')).toMatchObject({ ok: true });
    await eventually(async () => awaySeen.length, (n) => n === 1, 5_000, 'first delivery');
    const dropped = new Promise((resolve) => away.once('disconnect', resolve));
    (away.io.engine as unknown as { close(): void }).close();
    await dropped;
    const onG2 = await connect(member.token, 'g2');

    const seen = [collect(onG1, 'message:new'), collect(onG2, 'message:new')];
    const left = [nextEvent(onG1, 'room:left', (e) => e.roomId === room.id, 1_000), nextEvent(onG2, 'room:left', (e) => e.roomId === room.id, 1_000)];
    const count = nextEvent(ownerSocket, 'room:updated', (e) => e.room.id === room.id && e.room.memberCount === 2);
    const started = Date.now();
    expect((await api(suite.url, 'DELETE', `/api/rooms/${room.id}/members/${member.user.id}`, { token: admin.token })).status).toBe(204);
    await Promise.all(left);
    expect(Date.now() - started).toBeLessThan(1_000);
    await count;

    const after = `after the kick ${crypto.randomUUID()}`;
    expect(await send(ownerSocket, room.id, after)).toMatchObject({ ok: true });
    expect(await send(onG2, room.id, 'still here?')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await send(onG1, room.id, 'still here?')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    away.connect();
    await new Promise<void>((resolve) => away.once('connect', () => resolve()));
    expect(away.recovered).toBe(false);
    expect(await send(away, room.id, 'back in?')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // The owner's message was acked before these refusals: had it been delivered, it would be here by now.
    for (const list of [...seen, awaySeen]) expect(list.map((m: ChatMessage) => m.body)).not.toContain(after);
    expect((await api(suite.url, 'GET', `/api/rooms/${room.id}/messages`, { token: member.token })).status).toBe(403);
    expect(await auditActions(room.id, owner.token)).toEqual(['member.kicked', 'role.changed']);
  });

  it('a ban removes the member live, keeps it out of a public room and off invitations, and lifting it lets it back', async () => {
    const { owner, admin, member, room } = await staffedRoom('public');
    const onG2 = await connect(member.token, 'g2');
    const left = nextEvent(onG2, 'room:left', (e) => e.roomId === room.id, 1_000);
    const banned = await api(suite.url, 'POST', `/api/rooms/${room.id}/bans`, { token: admin.token, body: { userId: member.user.id, reason: 'spam' } });
    expect(banned.status).toBe(201);
    await left;
    expect(await api(suite.url, 'POST', `/api/rooms/${room.id}/join`, { token: member.token })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', message: expect.stringMatching(/banned/) } } });
    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/members`, { token: owner.token, body: { username: member.user.username } })).status).toBe(403);
    const bans = await api<{ bans: { user: { id: string }; reason: string }[] }>(suite.url, 'GET', `/api/rooms/${room.id}/bans`, { token: admin.token });
    expect(bans.body.bans).toMatchObject([{ user: { id: member.user.id }, reason: 'spam' }]);
    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/bans`, { token: member.token, body: { userId: admin.user.id } })).status).toBe(403);

    expect((await api(suite.url, 'DELETE', `/api/rooms/${room.id}/bans/${member.user.id}`, { token: admin.token })).status).toBe(204);
    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/join`, { token: member.token })).status).toBe(200);
    expect(await auditActions(room.id, owner.token)).toEqual(['member.unbanned', 'member.banned', 'role.changed']);
  });

  it('a muted member reads but cannot send or react, on either gateway, at once; unmuted, it can again', async () => {
    const { owner, admin, member, room } = await staffedRoom();
    const ownerSocket = await connect(owner.token, 'g1');
    const [m1, m2] = [await connect(member.token, 'g1'), await connect(member.token, 'g2')];
    // Both gateways have the room's state cached before the mute.
    expect(await send(m1, room.id, 'before')).toMatchObject({ ok: true });
    const sent = await send(m2, room.id, 'before, too');
    expect(sent.ok).toBe(true);

    const muted = await api<RoomMemberResponse>(suite.url, 'POST', `/api/rooms/${room.id}/mutes`, { token: admin.token, body: { userId: member.user.id, until: new Date(Date.now() + 3_600_000).toISOString() } });
    expect(muted.status).toBe(201);
    expect(muted.body.member.mutedUntil).not.toBeNull();
    for (const socket of [m1, m2]) {
      const refused = await send(socket, room.id, 'muted?');
      expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/muted/) } });
    }
    const reacted = await m2.timeout(10_000).emitWithAck('reaction:add', { messageId: sent.ok ? sent.message.id : '', emoji: '👍' });
    expect(reacted).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/muted/) } });
    const delivered = nextEvent(m2, 'message:new', (m) => m.body === 'you can still read');
    expect(await send(ownerSocket, room.id, 'you can still read')).toMatchObject({ ok: true });
    await delivered;

    expect((await api(suite.url, 'DELETE', `/api/rooms/${room.id}/mutes/${member.user.id}`, { token: admin.token })).status).toBe(204);
    expect(await send(m2, room.id, 'free again')).toMatchObject({ ok: true });
    expect(await send(m1, room.id, 'free again')).toMatchObject({ ok: true });
    expect(await auditActions(room.id, owner.token)).toEqual(['member.unmuted', 'member.muted', 'role.changed']);
  });

  it("admins delete anyone's message (audited); members only their own", async () => {
    const { owner, admin, member, room } = await staffedRoom();
    const [ownerSocket, adminSocket, memberSocket] = [await connect(owner.token, 'g1'), await connect(admin.token, 'g2'), await connect(member.token, 'g1')];
    const ack = await send(ownerSocket, room.id, 'delete me');
    if (!ack.ok) throw new Error('send failed');
    expect(await memberSocket.timeout(10_000).emitWithAck('message:delete', { messageId: ack.message.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const tombstone = nextEvent(memberSocket, 'message:updated', (e) => e.message.id === ack.message.id && e.message.deletedAt !== null);
    expect(await adminSocket.timeout(10_000).emitWithAck('message:delete', { messageId: ack.message.id })).toEqual({ ok: true });
    await tombstone;
    const entries = (await api<AuditResponse>(suite.url, 'GET', `/api/rooms/${room.id}/audit`, { token: admin.token })).body.entries;
    expect(entries[0]).toMatchObject({ action: 'message.deleted', actor: { id: admin.user.id }, target: { id: owner.user.id }, details: { messageId: ack.message.id } });
  });

  it('the audit log is for owners and admins, newest first, with who, what, whom and when, paged', async () => {
    const { owner, admin, member, room } = await staffedRoom();
    expect((await api(suite.url, 'GET', `/api/rooms/${room.id}/audit`, { token: member.token })).status).toBe(403);
    await api(suite.url, 'POST', `/api/rooms/${room.id}/mutes`, { token: admin.token, body: { userId: member.user.id } });
    await api(suite.url, 'PATCH', `/api/rooms/${room.id}`, { token: admin.token, body: { topic: 'rules apply' } });
    const page = await api<AuditResponse>(suite.url, 'GET', `/api/rooms/${room.id}/audit?limit=2`, { token: owner.token });
    expect(page.body.entries).toMatchObject([
      { action: 'room.updated', actor: { id: admin.user.id }, target: null, details: { topic: 'rules apply' } },
      { action: 'member.muted', actor: { id: admin.user.id }, target: { id: member.user.id } },
    ]);
    expect(Date.parse(page.body.entries[0]!.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    const next = await api<AuditResponse>(suite.url, 'GET', `/api/rooms/${room.id}/audit?limit=2&before=${page.body.entries[1]!.id}`, { token: owner.token });
    expect(next.body.entries).toMatchObject([{ action: 'role.changed', actor: { id: owner.user.id }, target: { id: admin.user.id }, details: { from: 'member', to: 'admin' } }]);
  });
});

describe('settings', () => {
  it('an admin renames the room and sets its topic: room:updated reaches every member on both gateways; members may not', async () => {
    const { admin, member, room } = await staffedRoom();
    const [m1, m2] = [await connect(member.token, 'g1'), await connect(member.token, 'g2')];
    const heard = [m1, m2].map((s) => nextEvent(s, 'room:updated', (e) => e.room.name === 'renamed'));
    const patched = await api<{ room: Room }>(suite.url, 'PATCH', `/api/rooms/${room.id}`, { token: admin.token, body: { name: 'renamed', topic: 'the topic', description: 'longer words' } });
    expect(patched.status).toBe(200);
    expect(patched.body.room).toMatchObject({ name: 'renamed', topic: 'the topic', description: 'longer words', archivedAt: null });
    for (const event of await Promise.all(heard)) expect(event.room).toMatchObject({ id: room.id, topic: 'the topic', memberCount: 3 });
    expect((await api(suite.url, 'PATCH', `/api/rooms/${room.id}`, { token: member.token, body: { topic: 'mine' } })).status).toBe(403);
    expect((await api(suite.url, 'PATCH', `/api/rooms/${room.id}`, { token: admin.token, body: {} })).status).toBe(400);
    expect((await api(suite.url, 'PATCH', `/api/rooms/${room.id}`, { token: admin.token, body: { topic: 'x'.repeat(251) } })).status).toBe(400);
  });

  it('the owner archives the room: it is read-only on both gateways until unarchived', async () => {
    const { owner, admin, member, room } = await staffedRoom();
    const [m1, m2] = [await connect(member.token, 'g1'), await connect(member.token, 'g2')];
    expect(await send(m2, room.id, 'warm the cache')).toMatchObject({ ok: true });
    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/archive`, { token: admin.token })).status).toBe(403);
    const archived = await api<{ room: Room }>(suite.url, 'POST', `/api/rooms/${room.id}/archive`, { token: owner.token });
    expect(archived.body.room.archivedAt).not.toBeNull();
    for (const socket of [m1, m2]) expect(await send(socket, room.id, 'archived?')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/archived/) } });
    expect((await api(suite.url, 'PATCH', `/api/rooms/${room.id}`, { token: admin.token, body: { topic: 'x' } })).status).toBe(403);
    expect((await api(suite.url, 'GET', `/api/rooms/${room.id}/messages`, { token: member.token })).status).toBe(200);
    expect((await api(suite.url, 'DELETE', `/api/rooms/${room.id}/archive`, { token: owner.token })).status).toBe(200);
    expect(await send(m1, room.id, 'alive again')).toMatchObject({ ok: true });
  });
});

describe('members and profiles', () => {
  it('pages members with role, profile and presence, online first, by keyset, each member once', async () => {
    const { owner, admin, member, room } = await staffedRoom();
    // 120 more members written straight to the database (registering them would only be slower).
    const extra = Array.from({ length: 120 }, () => crypto.randomUUID());
    await suite.db.query(`INSERT INTO users (id, username, password_hash) SELECT id, 'x' || replace(id::text, '-', ''), 'unused' FROM unnest($1::uuid[]) AS id`, [extra]);
    await suite.db.query(`INSERT INTO memberships (room_id, user_id) SELECT $1::uuid, id FROM unnest($2::uuid[]) AS id`, [room.id, extra]);
    await api(suite.url, 'PATCH', '/api/me', { token: member.token, body: { displayName: 'Marie Curie', status: { text: 'in the lab' } } });
    await connect(member.token, 'g2');

    const seen: MembersPageResponse['members'] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=50&cursor=${cursor}` : '?limit=50';
      const page: { status: number; body: MembersPageResponse } = await api<MembersPageResponse>(suite.url, 'GET', `/api/rooms/${room.id}/members${query}`, { token: owner.token });
      expect(page.status).toBe(200);
      seen.push(...page.body.members);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(123);
    expect(new Set(seen.map((m) => m.id)).size).toBe(123);
    expect(seen[0]).toMatchObject({ id: member.user.id, online: true, role: 'member', displayName: 'Marie Curie', status: { text: 'in the lab' }, avatar: { initials: 'MC' } });
    expect(seen.slice(1).every((m) => !m.online)).toBe(true);
    expect(seen.slice(1, 3).map((m) => [m.id, m.role])).toEqual([
      [owner.user.id, 'owner'],
      [admin.user.id, 'admin'],
    ]);
    const searched = await api<MembersPageResponse>(suite.url, 'GET', `/api/rooms/${room.id}/members?q=marie`, { token: admin.token });
    expect(searched.body.members.map((m) => m.id)).toEqual([member.user.id]);
    expect((await api(suite.url, 'GET', `/api/rooms/${room.id}/members?cursor=garbage`, { token: admin.token })).status).toBe(400);
    expect((await api(suite.url, 'GET', `/api/rooms/${room.id}/members`, { token: (await registerUser(suite.url)).token })).status).toBe(403);
  });

  it('a profile: display name 1-64 characters, a status that expires, initials; public by id', async () => {
    const user = await registerUser(suite.url);
    const set = await api(suite.url, 'PATCH', '/api/me', { token: user.token, body: { displayName: '  Ada Lovelace ', status: { text: 'gone soon', expiresAt: new Date(Date.now() + 1_500).toISOString() } } });
    expect(set).toMatchObject({ status: 200, body: { user: { id: user.user.id, displayName: 'Ada Lovelace', status: { text: 'gone soon' }, avatar: { initials: 'AL', url: null } } } });
    for (const displayName of ['', 'x'.repeat(65), 'bad\u202eorder']) {
      expect((await api(suite.url, 'PATCH', '/api/me', { token: user.token, body: { displayName } })).status).toBe(400);
    }
    const other = await registerUser(suite.url);
    const seenByOther = await api(suite.url, 'GET', `/api/users/${user.user.id}`, { token: other.token });
    expect(seenByOther).toMatchObject({ status: 200, body: { user: { username: user.user.username, displayName: 'Ada Lovelace' } } });
    await eventually(async () => (await api<{ user: { status: unknown } }>(suite.url, 'GET', `/api/users/${user.user.id}`, { token: other.token })).body.user.status, (s) => s === null, 5_000, 'the status expired');
    expect((await api(suite.url, 'PATCH', '/api/me', { token: user.token, body: { displayName: null } })).body).toMatchObject({ user: { displayName: null, avatar: { initials: user.user.username.slice(0, 2).toUpperCase() } } });
    expect((await api(suite.url, 'GET', `/api/users/${crypto.randomUUID()}`, { token: other.token })).status).toBe(404);
  });

  it('a profile change reaches the members of every room the user is in, on both gateways, once per socket', async () => {
    const { owner, member } = await staffedRoom();
    const second = (await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'second', visibility: 'private' } })).body.room;
    await inviteAndAccept(suite.url, owner.token, second.id, member);
    const stranger = await registerUser(suite.url);
    const [atOwner, atMember, atStranger] = [await connect(owner.token, 'g1'), await connect(member.token, 'g2'), await connect(stranger.token, 'g2')];
    const heard = collect(atMember, 'user:updated');
    const heardByOwner = nextEvent(atOwner, 'user:updated', (e) => e.user.id === member.user.id);
    const heardByStranger = collect(atStranger, 'user:updated');

    const changed = await api(suite.url, 'PATCH', '/api/me', { token: member.token, body: { displayName: 'Mina', status: { text: 'on call' } } });
    expect(changed.status).toBe(200);
    expect((await heardByOwner).user).toMatchObject({ id: member.user.id, displayName: 'Mina', status: { text: 'on call' } });
    await eventually(async () => heard.length, (n) => n >= 1, 5_000, 'the member heard its own change');
    // A marker after the change: once it arrives, anything the first change sent has arrived too.
    await api(suite.url, 'PATCH', '/api/me', { token: owner.token, body: { displayName: 'Owen' } });
    await eventually(async () => heard.filter((e) => e.user.id === owner.user.id).length, (n) => n >= 1, 5_000, 'the owner change reached the member');
    expect(heard.filter((e) => e.user.id === member.user.id)).toHaveLength(1);
    expect(heardByStranger).toEqual([]);
  });
});
