// GET /api/rooms reads each room's member count and owner from the room's row, where triggers on
// memberships keep them (migration room_member_count_owner). These tests change memberships every way the
// API can (join, invitation, leave, kick, transfer, account deletion, direct rooms, many joins at once)
// and after each compare the sidebar with what the memberships say.
import type { MyRoom, Room } from '@chat/protocol';
import { api, inviteAndAccept, registerUser, useGatewaySystem } from '@chat/testing';

const suite = useGatewaySystem({ gateways: 1, env: { REGISTER_RATE_LIMIT: '1000' } });

type User = Awaited<ReturnType<typeof registerUser>>;

/** What the memberships say of a room, counted now. */
async function truth(roomId: string): Promise<{ memberCount: number; ownerId: string | null }> {
  const { rows } = await suite.db.query<{ n: number; owner: string | null }>(
    `SELECT (SELECT count(*)::int FROM memberships WHERE room_id = $1) AS n,
            (SELECT user_id::text FROM memberships WHERE room_id = $1 AND role = 'owner') AS owner`,
    [roomId],
  );
  return { memberCount: rows[0]!.n, ownerId: rows[0]!.owner };
}

/** The room as `user`'s sidebar shows it. */
async function listed(user: User, roomId: string): Promise<MyRoom | undefined> {
  const res = await api<{ rooms: MyRoom[] }>(suite.url, 'GET', '/api/rooms', { token: user.token });
  expect(res.status).toBe(200);
  return res.body.rooms.find((r) => r.id === roomId);
}

/** The sidebar of `user` shows the room with these counts, and they are what the memberships say. */
async function expectShown(user: User, roomId: string, expected: { memberCount: number; ownerId: string | null }) {
  expect(await truth(roomId)).toEqual(expected);
  expect(await listed(user, roomId)).toMatchObject(expected);
}

/** Rooms whose stored count or owner differ from their memberships: none, ever. */
async function drifted(): Promise<string[]> {
  const { rows } = await suite.db.query<{ id: string }>(
    `SELECT r.id::text FROM rooms r
      WHERE r.member_count <> (SELECT count(*) FROM memberships m WHERE m.room_id = r.id)
         OR r.owner_id IS DISTINCT FROM (SELECT m.user_id FROM memberships m WHERE m.room_id = r.id AND m.role = 'owner')`,
  );
  return rows.map((r) => r.id);
}

const createRoom = async (owner: User, visibility: 'public' | 'private') =>
  (await api<{ room: Room }>(suite.url, 'POST', '/api/rooms', { token: owner.token, body: { name: 'counted', visibility } })).body.room;

describe('member count and owner on the room row', () => {
  it('follow joins, invitations, leaves, kicks and a transfer', async () => {
    const [owner, ann, ben, cat] = [await registerUser(suite.url), await registerUser(suite.url), await registerUser(suite.url), await registerUser(suite.url)];
    const room = await createRoom(owner, 'public');
    await expectShown(owner, room.id, { memberCount: 1, ownerId: owner.user.id });

    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/join`, { token: ann.token })).status).toBe(200);
    await inviteAndAccept(suite.url, owner.token, room.id, ben);
    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/join`, { token: cat.token })).status).toBe(200);
    await expectShown(ann, room.id, { memberCount: 4, ownerId: owner.user.id });

    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/leave`, { token: ann.token })).status).toBe(204);
    await expectShown(owner, room.id, { memberCount: 3, ownerId: owner.user.id });
    expect(await listed(ann, room.id)).toBeUndefined();
    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/join`, { token: ann.token })).status).toBe(200);
    await expectShown(ann, room.id, { memberCount: 4, ownerId: owner.user.id });

    expect((await api(suite.url, 'DELETE', `/api/rooms/${room.id}/members/${cat.user.id}`, { token: owner.token })).status).toBe(204);
    await expectShown(ben, room.id, { memberCount: 3, ownerId: owner.user.id });

    expect((await api(suite.url, 'POST', `/api/rooms/${room.id}/transfer`, { token: owner.token, body: { userId: ben.user.id } })).status).toBe(200);
    await expectShown(owner, room.id, { memberCount: 3, ownerId: ben.user.id });
    // A role change that is not about the owner leaves both alone.
    expect((await api(suite.url, 'PATCH', `/api/rooms/${room.id}/members/${ann.user.id}`, { token: ben.token, body: { role: 'admin' } })).status).toBe(200);
    await expectShown(ann, room.id, { memberCount: 3, ownerId: ben.user.id });
    // The per-room read counts the memberships itself: both reads agree.
    const single = await api<{ room: Room }>(suite.url, 'GET', `/api/rooms/${room.id}`, { token: ann.token });
    expect(await listed(ann, room.id)).toMatchObject({ memberCount: single.body.room.memberCount, ownerId: single.body.room.ownerId });
    expect(await drifted()).toEqual([]);
  });

  it('follow an owner deleting the account: the heir owns the room, a room left empty has no owner', async () => {
    const [owner, heir, member] = [await registerUser(suite.url), await registerUser(suite.url), await registerUser(suite.url)];
    const room = await createRoom(owner, 'private');
    await inviteAndAccept(suite.url, owner.token, room.id, heir);
    await inviteAndAccept(suite.url, owner.token, room.id, member);
    const alone = await createRoom(owner, 'private');
    const dm = (await api<{ room: Room }>(suite.url, 'POST', '/api/dm', { token: owner.token, body: { username: member.user.username } })).body.room;
    await expectShown(member, dm.id, { memberCount: 2, ownerId: null });

    expect((await api(suite.url, 'DELETE', '/api/me', { token: owner.token })).status).toBe(204);
    await expectShown(member, room.id, { memberCount: 2, ownerId: heir.user.id });
    await expectShown(member, dm.id, { memberCount: 1, ownerId: null });
    const gone = await suite.db.query<{ member_count: number; owner_id: string | null }>('SELECT member_count, owner_id::text FROM rooms WHERE id = $1', [alone.id]);
    expect(gone.rows).toEqual([{ member_count: 0, owner_id: null }]);
    expect(await drifted()).toEqual([]);
  });

  it('count every one of many joins at once', async () => {
    const owner = await registerUser(suite.url);
    const room = await createRoom(owner, 'public');
    const joiners = await Promise.all(Array.from({ length: 20 }, () => registerUser(suite.url)));
    const answers = await Promise.all(joiners.map((j) => api(suite.url, 'POST', `/api/rooms/${room.id}/join`, { token: j.token })));
    expect(answers.map((a) => a.status)).toEqual(joiners.map(() => 200));
    await expectShown(owner, room.id, { memberCount: 21, ownerId: owner.user.id });
    await Promise.all(joiners.slice(0, 10).map((j) => api(suite.url, 'POST', `/api/rooms/${room.id}/leave`, { token: j.token })));
    await expectShown(owner, room.id, { memberCount: 11, ownerId: owner.user.id });
    expect(await drifted()).toEqual([]);
  });
});
